{#-
    One row per form submission: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

form_submissions as (
    select
        event_id,
        lead_id,
        form_type,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_web__form_submissions') }}
    where is_staged
)

select * from form_submissions
