{#-
    MQL -> SQL funnel per cohort month (of created_at), lead source and campaign (null
    campaign is one group). Counts are additive; rates and medians are for this row only.
-#}

with

lifecycles as (
    select
        lead_id,
        created_at,
        is_mql,
        is_sql,
        opportunity_at,
        customer_at,
        hours_to_mql,
        hours_mql_to_sql,
        is_sla_met
    from {{ ref('fct_lead_lifecycle') }}
),

leads as (
    select
        lead_id,
        lead_source,
        campaign_id
    from {{ ref('dim_leads') }}
),

cohorts as (
    select
        cast({{ dbt.date_trunc('month', 'lifecycles.created_at') }} as date) as cohort_month,
        leads.lead_source,
        leads.campaign_id,
        lifecycles.is_mql,
        lifecycles.is_sql,
        lifecycles.opportunity_at is not null as is_opportunity,
        lifecycles.customer_at is not null as is_customer,
        lifecycles.hours_to_mql,
        lifecycles.hours_mql_to_sql,
        lifecycles.is_sla_met
    from lifecycles
    inner join leads
        on lifecycles.lead_id = leads.lead_id
),

aggregated as (
    select
        cohort_month,
        lead_source,
        campaign_id,
        count(*) as leads,
        sum(case when is_mql then 1 else 0 end) as mqls,
        sum(case when is_sql then 1 else 0 end) as sqls,
        sum(case when is_opportunity then 1 else 0 end) as opportunities,
        sum(case when is_customer then 1 else 0 end) as customers,
        sum(case when is_sql and is_opportunity then 1 else 0 end) as sqls_with_opportunity,
        {{ median('case when is_mql then hours_to_mql end') }} as median_hours_to_mql,
        {{ median('case when is_sql then hours_mql_to_sql end') }} as median_hours_mql_to_sql,
        sum(case when is_sla_met then 1 else 0 end) as mqls_within_sla,
        sum(case when is_sla_met is not null then 1 else 0 end) as mqls_with_sla_outcome
    from cohorts
    group by
        cohort_month,
        lead_source,
        campaign_id
),

final as (
    select
        cohort_month,
        lead_source,
        campaign_id,
        cast(leads as {{ dbt.type_bigint() }}) as leads,
        cast(mqls as {{ dbt.type_bigint() }}) as mqls,
        cast(sqls as {{ dbt.type_bigint() }}) as sqls,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        {{ safe_divide('mqls', 'leads') }} as lead_to_mql_rate,
        {{ safe_divide('sqls', 'mqls') }} as mql_to_sql_rate,
        {{ safe_divide('sqls_with_opportunity', 'sqls') }} as sql_to_opportunity_rate,
        cast(median_hours_to_mql as {{ type_double() }}) as median_hours_to_mql,
        cast(median_hours_mql_to_sql as {{ type_double() }}) as median_hours_mql_to_sql,
        cast(mqls_within_sla as {{ dbt.type_bigint() }}) as mqls_within_sla,
        cast(mqls_with_sla_outcome as {{ dbt.type_bigint() }}) as mqls_with_sla_outcome,
        {{ safe_divide('mqls_within_sla', 'mqls_with_sla_outcome') }} as sla_met_rate
    from aggregated
)

select * from final
