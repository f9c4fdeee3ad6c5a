{#-
    Lifecycle of every lead for every rule set as of `as_of` (docs/semantics.md): stage
    entry times clamped to created_at and to the previous reached stage, the SQL rule,
    the first sales touch and the hand-off SLA. `fct_lead_lifecycle` publishes the active
    rule set; `rule_set_comparison` compares them all.
-#}

with

milestones as (
    select
        lead_id,
        rule_set_id,
        created_at,
        fit_score,
        engagement_score,
        first_points_at,
        first_mql_crossing_at,
        first_opportunity_at,
        first_won_at
    from {{ ref('int_lead_milestones_aggregated') }}
),

rule_sets as (
    select
        rule_set_id,
        engagement_window_days,
        sales_sla_hours
    from {{ ref('scoring_rule_sets') }}
),

sales_ready_events as (
    select
        lead_id,
        rule_set_id,
        occurred_at
    from {{ ref('int_lead_events_scored') }}
    where
        is_sales_ready
        and occurred_at <= {{ as_of_timestamp() }}
),

sales_touches as (
    select
        lead_id,
        occurred_at
    from {{ ref('stg_crm__sales_activities') }}
    where
        activity_type in ('call', 'email', 'meeting')
        and occurred_at <= {{ as_of_timestamp() }}
),

early_stages as (
    -- new -> nurturing -> mql, each entry no earlier than the previous reached stage
    select
        milestones.*,
        rule_sets.engagement_window_days,
        rule_sets.sales_sla_hours,
        case
            when milestones.first_points_at is not null
                then greatest(milestones.first_points_at, milestones.created_at)
        end as nurturing_at
    from milestones
    inner join rule_sets
        on milestones.rule_set_id = rule_sets.rule_set_id
),

mql_stage as (
    select
        early_stages.*,
        case
            when early_stages.first_mql_crossing_at is not null
                then greatest(
                    early_stages.first_mql_crossing_at,
                    coalesce(early_stages.nurturing_at, early_stages.created_at)
                )
        end as mql_at
    from early_stages
),

sales_ready_timing as (
    select
        mql_stage.lead_id,
        mql_stage.rule_set_id,
        max(
            case
                when
                    sales_ready_events.occurred_at <= mql_stage.mql_at
                    and sales_ready_events.occurred_at > {{ dbt.dateadd(
                        'day', '-1 * mql_stage.engagement_window_days', 'mql_stage.mql_at'
                    ) }}
                    then 1
                else 0
            end
        ) as has_sales_ready_in_window,
        min(
            case
                when sales_ready_events.occurred_at > mql_stage.mql_at
                    then sales_ready_events.occurred_at
            end
        ) as first_sales_ready_after_mql_at
    from mql_stage
    inner join sales_ready_events
        on
            mql_stage.lead_id = sales_ready_events.lead_id
            and mql_stage.rule_set_id = sales_ready_events.rule_set_id
    where mql_stage.mql_at is not null
    group by
        mql_stage.lead_id,
        mql_stage.rule_set_id
),

first_touches as (
    select
        mql_stage.lead_id,
        mql_stage.rule_set_id,
        min(sales_touches.occurred_at) as first_sales_touch_at
    from mql_stage
    inner join sales_touches
        on
            mql_stage.lead_id = sales_touches.lead_id
            and mql_stage.mql_at <= sales_touches.occurred_at
    where mql_stage.mql_at is not null
    group by
        mql_stage.lead_id,
        mql_stage.rule_set_id
),

sql_stage as (
    select
        mql_stage.*,
        first_touches.first_sales_touch_at,
        case
            when mql_stage.mql_at is null then null
            when sales_ready_timing.has_sales_ready_in_window = 1 then mql_stage.mql_at
            else sales_ready_timing.first_sales_ready_after_mql_at
        end as sql_at
    from mql_stage
    left join sales_ready_timing
        on
            mql_stage.lead_id = sales_ready_timing.lead_id
            and mql_stage.rule_set_id = sales_ready_timing.rule_set_id
    left join first_touches
        on
            mql_stage.lead_id = first_touches.lead_id
            and mql_stage.rule_set_id = first_touches.rule_set_id
),

late_stages as (
    select
        sql_stage.*,
        case
            when sql_stage.first_opportunity_at is not null
                then greatest(
                    sql_stage.first_opportunity_at,
                    coalesce(sql_stage.sql_at, sql_stage.mql_at, sql_stage.nurturing_at, sql_stage.created_at)
                )
        end as opportunity_at
    from sql_stage
),

customer_stage as (
    select
        late_stages.*,
        case
            when late_stages.first_won_at is not null
                then greatest(
                    late_stages.first_won_at,
                    coalesce(
                        late_stages.opportunity_at,
                        late_stages.sql_at,
                        late_stages.mql_at,
                        late_stages.nurturing_at,
                        late_stages.created_at
                    )
                )
        end as customer_at,
        {{ dbt.dateadd('hour', 'late_stages.sales_sla_hours', 'late_stages.mql_at') }} as sla_due_at
    from late_stages
),

evaluated as (
    select
        lead_id,
        rule_set_id,
        case
            when customer_at is not null then 'customer'
            when opportunity_at is not null then 'opportunity'
            when sql_at is not null then 'sql'
            when mql_at is not null then 'mql'
            when nurturing_at is not null then 'nurturing'
            else 'new'
        end as lifecycle_stage,
        fit_score,
        engagement_score,
        cast(fit_score + engagement_score as {{ dbt.type_int() }}) as lead_score,
        mql_at is not null as is_mql,
        sql_at is not null as is_sql,
        created_at,
        nurturing_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at,
        first_sales_touch_at,
        sla_due_at,
        {{ hours_between('created_at', 'mql_at') }} as hours_to_mql,
        {{ hours_between('mql_at', 'sql_at') }} as hours_mql_to_sql,
        {{ hours_between('mql_at', 'first_sales_touch_at') }} as hours_to_first_sales_touch,
        case
            when mql_at is null then null
            when first_sales_touch_at is not null then first_sales_touch_at <= sla_due_at
            when {{ as_of_timestamp() }} > sla_due_at then false
        end as is_sla_met,
        {{ as_of_timestamp() }} as scored_as_of
    from customer_stage
)

select * from evaluated
