{#-
    One row per CRM opportunity: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

opportunities as (
    select
        opportunity_id,
        lead_id,
        created_at,
        closed_at,
        is_won,
        amount,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_crm__opportunities') }}
    where is_staged
)

select * from opportunities
