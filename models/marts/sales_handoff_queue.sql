{#-
    Leads waiting for sales: the MQL or SQL leads whose latest MQL is
    in their current, open cycle (no disposition has ended it) and has had no sales
    touch since. A lead already at opportunity or customer is with sales.
-#}

with

waiting_mqls as (
    select
        lead_id,
        mql_number,
        mql_at,
        sla_due_at
    from {{ ref('fct_lead_mqls') }}
    where
        ended_at is null
        and first_sales_touch_at is null
),

lifecycles as (
    select
        lead_id,
        lifecycle_stage,
        lead_score,
        fit_grade,
        scored_as_of
    from {{ ref('fct_lead_lifecycle') }}
    where lifecycle_stage in ('mql', 'sql')
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
        lifecycles.fit_grade,
        waiting_mqls.mql_number,
        waiting_mqls.mql_at,
        waiting_mqls.sla_due_at,
        {{ hours_between('waiting_mqls.mql_at', 'lifecycles.scored_as_of') }} as hours_waiting,
        lifecycles.scored_as_of > waiting_mqls.sla_due_at as is_overdue,
        leads.account_tier,
        coalesce(leads.account_tier = 1, false) as is_abm_target
    from waiting_mqls
    inner join lifecycles
        on waiting_mqls.lead_id = lifecycles.lead_id
    inner join leads
        on waiting_mqls.lead_id = leads.lead_id
)

select * from final
