{#- Every rule set evaluated on the same leads, side by side, as of `as_of`. -#}

with

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points,
        min_fit_points,
        engagement_window_days,
        sales_sla_hours
    from {{ ref('scoring_rule_sets') }}
),

lifecycles as (
    select
        rule_set_id,
        is_mql,
        is_sql,
        mql_count,
        lead_status,
        opportunity_at,
        customer_at,
        hours_to_mql
    from {{ ref('int_lead_lifecycles_evaluated') }}
),

aggregated as (
    select
        rule_set_id,
        count(*) as leads,
        sum(case when is_mql then 1 else 0 end) as mqls,
        sum(case when is_sql then 1 else 0 end) as sqls,
        sum(mql_count) as mql_events,
        sum(case when lead_status = 'disqualified' then 1 else 0 end) as disqualified_leads,
        sum(case when is_mql and opportunity_at is not null then 1 else 0 end) as opportunities_from_mqls,
        sum(case when is_mql and customer_at is not null then 1 else 0 end) as customers_from_mqls,
        {{ median('case when is_mql then hours_to_mql end') }} as median_hours_to_mql
    from lifecycles
    group by rule_set_id
),

final as (
    select
        rule_sets.rule_set_id,
        rule_sets.mql_threshold,
        rule_sets.min_engagement_points,
        rule_sets.min_fit_points,
        rule_sets.engagement_window_days,
        rule_sets.sales_sla_hours,
        cast(coalesce(aggregated.leads, 0) as {{ dbt.type_bigint() }}) as leads,
        cast(coalesce(aggregated.mqls, 0) as {{ dbt.type_bigint() }}) as mqls,
        cast(coalesce(aggregated.sqls, 0) as {{ dbt.type_bigint() }}) as sqls,
        cast(coalesce(aggregated.mql_events, 0) as {{ dbt.type_bigint() }}) as mql_events,
        cast(coalesce(aggregated.disqualified_leads, 0) as {{ dbt.type_bigint() }}) as disqualified_leads,
        cast(coalesce(aggregated.opportunities_from_mqls, 0) as {{ dbt.type_bigint() }}) as opportunities_from_mqls,
        cast(coalesce(aggregated.customers_from_mqls, 0) as {{ dbt.type_bigint() }}) as customers_from_mqls,
        {{ safe_divide('aggregated.mqls', 'aggregated.leads') }} as lead_to_mql_rate,
        {{ safe_divide('aggregated.sqls', 'aggregated.mqls') }} as mql_to_sql_rate,
        {{ safe_divide('aggregated.opportunities_from_mqls', 'aggregated.mqls') }} as mql_to_opportunity_rate,
        cast(aggregated.median_hours_to_mql as {{ type_double() }}) as median_hours_to_mql
    from rule_sets
    left join aggregated
        on rule_sets.rule_set_id = aggregated.rule_set_id
)

select * from final
