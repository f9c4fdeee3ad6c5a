{#-
    One row per webinar event: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

webinar_events as (
    select
        event_id,
        lead_id,
        webinar_id,
        event_type,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_marketing__webinar_events') }}
    where is_staged
)

select * from webinar_events
