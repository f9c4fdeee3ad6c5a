{#-
    One row per sales activity: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

sales_activities as (
    select
        activity_id,
        lead_id,
        activity_type,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_crm__sales_activities') }}
    where is_staged
)

select * from sales_activities
