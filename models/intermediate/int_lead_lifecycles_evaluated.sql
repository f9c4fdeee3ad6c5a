{{ config(materialized='view') }}

{#-
    Lifecycle of every lead for every rule set as of `as_of` (docs/semantics.md): the
    engagement score at `as_of`, stage entry times clamped to created_at and to the
    previous reached stage, the SQL rule, the first sales touch and the hand-off SLA.
    Only what happened at or before `as_of` counts: leads created later are left out,
    and the `as_of`-independent milestone times of int_lead_milestones_aggregated that
    lie after it are dropped. `fct_lead_lifecycle` publishes the active rule set;
    `rule_set_comparison` compares them all. Evaluated every run from stored per-lead
    results (only the engagement score at `as_of` reads the scored events in bulk), as a
    view: `fct_lead_lifecycle` computes the active rule set only, rule_set_comparison
    only the columns it counts, and nothing writes 2 rows per lead.
-#}

with

lead_milestones as (
    select
        lead_id,
        rule_set_id,
        created_at,
        fit_score,
        first_points_at,
        first_mql_crossing_at
    from {{ ref('int_lead_milestones_aggregated') }}
    where created_at <= {{ as_of_timestamp() }}
),

rule_sets as (
    select
        rule_set_id,
        engagement_window_days,
        sales_sla_hours
    from {{ ref('scoring_rule_sets') }}
),

engagement_rules as (
    select
        rule_set_id,
        rule_id,
        points,
        cap
    from {{ ref('scoring_engagement_rules') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        occurred_at,
        is_sales_ready
    from {{ ref('int_lead_events_scored') }}
    where occurred_at <= {{ as_of_timestamp() }}
),

opportunities as (
    select
        lead_id,
        created_at,
        closed_at,
        is_won
    from {{ ref('stg_crm__opportunities') }}
    where created_at <= {{ as_of_timestamp() }}
),

events_in_current_window as (
    -- events counted by the engagement score at as_of: occurred in (as_of - window, as_of]
    select
        scored_events.lead_id,
        scored_events.rule_set_id,
        scored_events.rule_id,
        count(*) as events_in_window
    from scored_events
    inner join rule_sets
        on scored_events.rule_set_id = rule_sets.rule_set_id
    where
        scored_events.occurred_at
        > {{ dbt.dateadd('day', '-1 * rule_sets.engagement_window_days', as_of_timestamp()) }}
    group by
        scored_events.lead_id,
        scored_events.rule_set_id,
        scored_events.rule_id
),

current_engagement as (
    select
        events_in_current_window.lead_id,
        events_in_current_window.rule_set_id,
        sum(
            {{ capped_contribution(
                'engagement_rules.points', 'engagement_rules.cap', 'events_in_current_window.events_in_window'
            ) }}
        ) as engagement_score
    from events_in_current_window
    inner join engagement_rules
        on
            events_in_current_window.rule_set_id = engagement_rules.rule_set_id
            and events_in_current_window.rule_id = engagement_rules.rule_id
    group by
        events_in_current_window.lead_id,
        events_in_current_window.rule_set_id
),

opportunity_milestones as (
    select
        lead_id,
        min(created_at) as first_opportunity_at,
        min(
            case
                when is_won and closed_at <= {{ as_of_timestamp() }} then closed_at
            end
        ) as first_won_at
    from opportunities
    group by lead_id
),

milestones as (
    -- milestone times after as_of have not happened yet
    select
        lead_milestones.lead_id,
        lead_milestones.rule_set_id,
        lead_milestones.created_at,
        lead_milestones.fit_score,
        cast(coalesce(current_engagement.engagement_score, 0) as {{ dbt.type_int() }}) as engagement_score,
        case
            when lead_milestones.first_points_at <= {{ as_of_timestamp() }}
                then lead_milestones.first_points_at
        end as first_points_at,
        case
            when lead_milestones.first_mql_crossing_at <= {{ as_of_timestamp() }}
                then lead_milestones.first_mql_crossing_at
        end as first_mql_crossing_at,
        opportunity_milestones.first_opportunity_at,
        opportunity_milestones.first_won_at
    from lead_milestones
    left join current_engagement
        on
            lead_milestones.lead_id = current_engagement.lead_id
            and lead_milestones.rule_set_id = current_engagement.rule_set_id
    left join opportunity_milestones
        on lead_milestones.lead_id = opportunity_milestones.lead_id
),

sales_ready_events as (
    select
        lead_id,
        rule_set_id,
        occurred_at
    from scored_events
    where is_sales_ready
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
