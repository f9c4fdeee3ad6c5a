{{ config(materialized='view') }}

{#-
    Every MQL of every lead and rule set as of `as_of` (SPEC section 3): one per open
    cycle in which the lead qualified (int_lead_cycles_qualified), numbered in time
    order, with its SQL time, first sales touch, hand-off SLA and, once a disposition
    has ended its cycle, how and when. Times after `as_of` have not happened yet: later
    MQLs are left out, and a disposition after `as_of` has not ended the cycle.
    An MQL's time is clamped like the lifecycle's first MQL (never before the lead's
    nurturing or creation), so MQL number 1 is `fct_lead_lifecycle.mql_at`.
    The SQL rule looks only at the MQL's cycle: a sales-ready event of the same cycle
    within the window up to the MQL makes the MQL time its SQL time, else the first
    sales-ready event after it in the cycle. The first sales touch is any call, email or
    meeting at or after the MQL time, as in SPEC.
-#}

with

lead_milestones as (
    select
        lead_id,
        rule_set_id,
        created_at,
        first_points_at
    from {{ ref('int_lead_milestones_aggregated') }}
    where created_at <= {{ as_of_timestamp() }}
),

cycles_qualified as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        qualified_at
    from {{ ref('int_lead_cycles_qualified') }}
    where qualified_at <= {{ as_of_timestamp() }}
),

rule_sets as (
    select
        rule_set_id,
        engagement_window_days,
        sales_sla_hours
    from {{ ref('scoring_rule_sets') }}
),

cycle_ends as (
    -- the dispositions that ended a cycle by as_of
    select
        lead_id,
        cycle_number,
        cycle_ended_at,
        ended_by,
        end_reason
    from {{ ref('int_lead_cycles') }}
    where cycle_ended_at <= {{ as_of_timestamp() }}
),

sales_ready_events as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
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

mqls as (
    -- an MQL is never earlier than the lead's nurturing (its first points, by as_of) or creation
    select
        cycles_qualified.lead_id,
        cycles_qualified.rule_set_id,
        cycles_qualified.cycle_number,
        cast(
            row_number() over (
                partition by cycles_qualified.lead_id, cycles_qualified.rule_set_id
                order by cycles_qualified.cycle_number
            ) as {{ dbt.type_int() }}
        ) as mql_number,
        greatest(
            cycles_qualified.qualified_at,
            {{ earliest_mql_at('lead_milestones.first_points_at', 'lead_milestones.created_at') }}
        ) as mql_at,
        rule_sets.engagement_window_days,
        rule_sets.sales_sla_hours
    from cycles_qualified
    inner join lead_milestones
        on
            cycles_qualified.lead_id = lead_milestones.lead_id
            and cycles_qualified.rule_set_id = lead_milestones.rule_set_id
    inner join rule_sets
        on cycles_qualified.rule_set_id = rule_sets.rule_set_id
),

sales_ready_timing as (
    select
        mqls.lead_id,
        mqls.rule_set_id,
        mqls.cycle_number,
        {{ dbt.bool_or(
            'sales_ready_events.occurred_at <= mqls.mql_at and sales_ready_events.occurred_at > '
            ~ dbt.dateadd('day', '-1 * mqls.engagement_window_days', 'mqls.mql_at')
        ) }} as has_sales_ready_in_window,
        min(
            case
                when sales_ready_events.occurred_at > mqls.mql_at
                    then sales_ready_events.occurred_at
            end
        ) as first_sales_ready_after_mql_at
    from mqls
    inner join sales_ready_events
        on
            mqls.lead_id = sales_ready_events.lead_id
            and mqls.rule_set_id = sales_ready_events.rule_set_id
            and mqls.cycle_number = sales_ready_events.cycle_number
    group by
        mqls.lead_id,
        mqls.rule_set_id,
        mqls.cycle_number
),

first_touches as (
    select
        mqls.lead_id,
        mqls.rule_set_id,
        mqls.cycle_number,
        min(sales_touches.occurred_at) as first_sales_touch_at
    from mqls
    inner join sales_touches
        on
            mqls.lead_id = sales_touches.lead_id
            and mqls.mql_at <= sales_touches.occurred_at
    group by
        mqls.lead_id,
        mqls.rule_set_id,
        mqls.cycle_number
),

mqls_timed as (
    select
        mqls.lead_id,
        mqls.rule_set_id,
        mqls.cycle_number,
        mqls.mql_number,
        mqls.mql_at,
        case
            when sales_ready_timing.has_sales_ready_in_window then mqls.mql_at
            else sales_ready_timing.first_sales_ready_after_mql_at
        end as sql_at,
        first_touches.first_sales_touch_at,
        {{ dbt.dateadd('hour', 'mqls.sales_sla_hours', 'mqls.mql_at') }} as sla_due_at,
        cycle_ends.cycle_ended_at as ended_at,
        cycle_ends.ended_by,
        cycle_ends.end_reason
    from mqls
    left join sales_ready_timing
        on
            mqls.lead_id = sales_ready_timing.lead_id
            and mqls.rule_set_id = sales_ready_timing.rule_set_id
            and mqls.cycle_number = sales_ready_timing.cycle_number
    left join first_touches
        on
            mqls.lead_id = first_touches.lead_id
            and mqls.rule_set_id = first_touches.rule_set_id
            and mqls.cycle_number = first_touches.cycle_number
    left join cycle_ends
        on
            mqls.lead_id = cycle_ends.lead_id
            and mqls.cycle_number = cycle_ends.cycle_number
),

evaluated as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        mql_number,
        mql_at,
        sql_at,
        first_sales_touch_at,
        sla_due_at,
        case
            when first_sales_touch_at is not null then first_sales_touch_at <= sla_due_at
            when {{ as_of_timestamp() }} > sla_due_at then false
        end as is_sla_met,
        ended_at,
        ended_by,
        end_reason,
        {{ hours_between('mql_at', 'ended_at') }} as hours_mql_to_end
    from mqls_timed
)

select * from evaluated
