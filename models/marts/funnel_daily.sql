{#- New leads and milestones per day and lead source, each counted on the day it happened. -#}

with

lifecycles as (
    select
        lead_id,
        created_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at
    from {{ ref('fct_lead_lifecycle') }}
),

leads as (
    select
        lead_id,
        lead_source
    from {{ ref('dim_leads') }}
),

milestones as (
    select
        lifecycles.lead_id,
        'lead' as milestone,
        lifecycles.created_at as happened_at
    from lifecycles
    union all
    select
        lifecycles.lead_id,
        'mql' as milestone,
        lifecycles.mql_at as happened_at
    from lifecycles
    where lifecycles.mql_at is not null
    union all
    select
        lifecycles.lead_id,
        'sql' as milestone,
        lifecycles.sql_at as happened_at
    from lifecycles
    where lifecycles.sql_at is not null
    union all
    select
        lifecycles.lead_id,
        'opportunity' as milestone,
        lifecycles.opportunity_at as happened_at
    from lifecycles
    where lifecycles.opportunity_at is not null
    union all
    select
        lifecycles.lead_id,
        'customer' as milestone,
        lifecycles.customer_at as happened_at
    from lifecycles
    where lifecycles.customer_at is not null
),

daily as (
    select
        cast(milestones.happened_at as date) as activity_date,
        leads.lead_source,
        sum(case when milestones.milestone = 'lead' then 1 else 0 end) as new_leads,
        sum(case when milestones.milestone = 'mql' then 1 else 0 end) as new_mqls,
        sum(case when milestones.milestone = 'sql' then 1 else 0 end) as new_sqls,
        sum(case when milestones.milestone = 'opportunity' then 1 else 0 end) as new_opportunities,
        sum(case when milestones.milestone = 'customer' then 1 else 0 end) as new_customers
    from milestones
    inner join leads
        on milestones.lead_id = leads.lead_id
    group by
        cast(milestones.happened_at as date),
        leads.lead_source
),

final as (
    select
        activity_date,
        lead_source,
        cast(new_leads as {{ dbt.type_bigint() }}) as new_leads,
        cast(new_mqls as {{ dbt.type_bigint() }}) as new_mqls,
        cast(new_sqls as {{ dbt.type_bigint() }}) as new_sqls,
        cast(new_opportunities as {{ dbt.type_bigint() }}) as new_opportunities,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers
    from daily
)

select * from final
