{#-
    One row per disposition: its newest valid landing. Orphans (no staged lead) are kept;
    a disposition whose value was unknown is kept with a null `disposition` (reported as
    `invalid_value`) and is not used by scoring.
-#}

with

lead_dispositions as (
    select
        disposition_id,
        lead_id,
        disposition,
        reason,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_crm__lead_dispositions') }}
    where is_staged
)

select * from lead_dispositions
