{#- MQL and SQL leads with no sales touch since they became MQL, most urgent first. -#}

with

lifecycles as (
    select
        lead_id,
        lifecycle_stage,
        lead_score,
        mql_at,
        sla_due_at,
        scored_as_of
    from {{ ref('fct_lead_lifecycle') }}
    where
        lifecycle_stage in ('mql', 'sql')
        and first_sales_touch_at is null
),

leads as (
    select
        lead_id,
        account_tier
    from {{ ref('dim_leads') }}
),

final as (
    select
        lifecycles.lead_id,
        lifecycles.lifecycle_stage,
        lifecycles.lead_score,
        lifecycles.mql_at,
        lifecycles.sla_due_at,
        {{ hours_between('lifecycles.mql_at', 'lifecycles.scored_as_of') }} as hours_waiting,
        lifecycles.scored_as_of > lifecycles.sla_due_at as is_overdue,
        leads.account_tier,
        coalesce(leads.account_tier = 1, false) as is_abm_target
    from lifecycles
    inner join leads
        on lifecycles.lead_id = leads.lead_id
)

select * from final
