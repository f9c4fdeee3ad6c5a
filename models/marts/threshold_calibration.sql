{#-
    What the funnel would have been, as of `as_of`, with another MQL threshold and
    everything else of a rule set unchanged: one row per rule set and candidate
    threshold (seed calibration_thresholds, plus the rule set's own). Exact: the row of
    a rule set's own threshold is its row of rule_set_comparison, and a build with the
    threshold changed in the seed publishes the other rows (tests/python/test_calibration.py).

    One pass over the score ledger answers every threshold. Within a cycle, the lead
    qualifies at threshold T at the first event passing the other gates (minimum
    engagement and fit, no disqualifying rule, not a disqualified cycle: macro
    passes_mql_gates, as in int_lead_cycles_qualified) whose lead score reaches T. Taken
    in time order, the events whose score beats every earlier one's are the only ones
    that can be first: such an event is the first for exactly the thresholds above the
    earlier best score and up to its own. Joining those records to the candidate
    thresholds gives each cycle's qualifying time at every threshold it reaches, and
    from there everything follows as in the lifecycle: the MQL time clamped to
    nurturing or creation, an SQL when the cycle has a sales-ready event after the MQL
    time less the engagement window (in the window up to the MQL, or later),
    opportunities and customers as of `as_of`.
-#}

with

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points,
        min_fit_points,
        engagement_window_days
    from {{ ref('scoring_rule_sets') }}
),

candidate_thresholds as (
    select
        rule_sets.rule_set_id,
        calibration_thresholds.mql_threshold
    from rule_sets
    cross join {{ ref('calibration_thresholds') }} as calibration_thresholds
    union
    select
        rule_set_id,
        mql_threshold
    from rule_sets
),

lead_milestones as (
    -- the leads as of as_of, and the earliest an MQL can be (nurturing, else creation)
    select
        lead_id,
        rule_set_id,
        created_at,
        fit_score,
        disqualifying_rule_id,
        {{ earliest_mql_at('first_points_at', 'created_at') }} as earliest_mql_at
    from {{ ref('int_lead_milestones_aggregated') }}
    where created_at <= {{ as_of_timestamp() }}
),

disqualified_cycles as (
    select
        lead_id,
        cycle_number
    from {{ ref('int_lead_cycles') }}
    where cycle_kind = 'disqualified'
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        occurred_at,
        engagement_score,
        lead_score,
        is_sales_ready
    from {{ ref('int_lead_events_scored') }}
    where occurred_at <= {{ as_of_timestamp() }}
),

gated_events as (
    -- the events passing every gate but the threshold, with the best lead score of the
    -- cycle's earlier events (events sharing a time may come in any order: whichever
    -- is taken first, the first time a score reaches a threshold is the same)
    select
        scored_events.lead_id,
        scored_events.rule_set_id,
        scored_events.cycle_number,
        scored_events.occurred_at,
        scored_events.lead_score,
        max(scored_events.lead_score) over (
            partition by scored_events.lead_id, scored_events.rule_set_id, scored_events.cycle_number
            order by scored_events.occurred_at
            rows between unbounded preceding and 1 preceding
        ) as earlier_best_score
    from scored_events
    inner join rule_sets
        on scored_events.rule_set_id = rule_sets.rule_set_id
    inner join lead_milestones
        on
            scored_events.lead_id = lead_milestones.lead_id
            and scored_events.rule_set_id = lead_milestones.rule_set_id
    left join disqualified_cycles
        on
            scored_events.lead_id = disqualified_cycles.lead_id
            and scored_events.cycle_number = disqualified_cycles.cycle_number
    where {{ passes_mql_gates('scored_events', 'rule_sets', 'lead_milestones', 'disqualified_cycles') }}
),

cycle_mqls as (
    -- per cycle and threshold it reaches: the MQL, clamped like the lifecycle's
    select
        gated_events.lead_id,
        gated_events.rule_set_id,
        gated_events.cycle_number,
        candidate_thresholds.mql_threshold,
        greatest(gated_events.occurred_at, lead_milestones.earliest_mql_at) as mql_at
    from gated_events
    inner join candidate_thresholds
        on
            gated_events.rule_set_id = candidate_thresholds.rule_set_id
            and gated_events.lead_score >= candidate_thresholds.mql_threshold
            and (
                gated_events.earlier_best_score is null
                or gated_events.earlier_best_score < candidate_thresholds.mql_threshold
            )
    inner join lead_milestones
        on
            gated_events.lead_id = lead_milestones.lead_id
            and gated_events.rule_set_id = lead_milestones.rule_set_id
),

last_sales_ready as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        max(occurred_at) as last_sales_ready_at
    from scored_events
    where is_sales_ready
    group by
        lead_id,
        rule_set_id,
        cycle_number
),

lead_mqls as (
    -- per lead and threshold: how many MQLs, the first one's time, and whether any of
    -- them became an SQL
    select
        cycle_mqls.lead_id,
        cycle_mqls.rule_set_id,
        cycle_mqls.mql_threshold,
        count(*) as mql_events,
        min(cycle_mqls.mql_at) as first_mql_at,
        coalesce(
            {{ dbt.bool_or(
                'last_sales_ready.last_sales_ready_at > '
                ~ dbt.dateadd('day', '-1 * rule_sets.engagement_window_days', 'cycle_mqls.mql_at')
            ) }},
            false
        ) as is_sql
    from cycle_mqls
    inner join rule_sets
        on cycle_mqls.rule_set_id = rule_sets.rule_set_id
    left join last_sales_ready
        on
            cycle_mqls.lead_id = last_sales_ready.lead_id
            and cycle_mqls.rule_set_id = last_sales_ready.rule_set_id
            and cycle_mqls.cycle_number = last_sales_ready.cycle_number
    group by
        cycle_mqls.lead_id,
        cycle_mqls.rule_set_id,
        cycle_mqls.mql_threshold
),

opportunity_milestones as (
    select
        lead_id,
        coalesce({{ dbt.bool_or('is_won and closed_at <= ' ~ as_of_timestamp()) }}, false) as is_customer
    from {{ ref('stg_crm__opportunities') }}
    where created_at <= {{ as_of_timestamp() }}
    group by lead_id
),

lead_counts as (
    select
        rule_set_id,
        count(*) as leads
    from lead_milestones
    group by rule_set_id
),

aggregated as (
    select
        lead_mqls.rule_set_id,
        lead_mqls.mql_threshold,
        count(*) as mqls,
        sum(case when lead_mqls.is_sql then 1 else 0 end) as sqls,
        sum(lead_mqls.mql_events) as mql_events,
        sum(case when opportunity_milestones.lead_id is not null then 1 else 0 end) as opportunities_from_mqls,
        sum(case when opportunity_milestones.is_customer then 1 else 0 end) as customers_from_mqls,
        {{ median(hours_between('lead_milestones.created_at', 'lead_mqls.first_mql_at')) }}
            as median_hours_to_mql
    from lead_mqls
    inner join lead_milestones
        on
            lead_mqls.lead_id = lead_milestones.lead_id
            and lead_mqls.rule_set_id = lead_milestones.rule_set_id
    left join opportunity_milestones
        on lead_mqls.lead_id = opportunity_milestones.lead_id
    group by
        lead_mqls.rule_set_id,
        lead_mqls.mql_threshold
),

final as (
    select
        candidate_thresholds.rule_set_id,
        candidate_thresholds.mql_threshold,
        candidate_thresholds.mql_threshold = rule_sets.mql_threshold as is_current_threshold,
        cast(coalesce(lead_counts.leads, 0) as {{ dbt.type_bigint() }}) as leads,
        cast(coalesce(aggregated.mqls, 0) as {{ dbt.type_bigint() }}) as mqls,
        cast(coalesce(aggregated.sqls, 0) as {{ dbt.type_bigint() }}) as sqls,
        cast(coalesce(aggregated.mql_events, 0) as {{ dbt.type_bigint() }}) as mql_events,
        cast(coalesce(aggregated.opportunities_from_mqls, 0) as {{ dbt.type_bigint() }}) as opportunities_from_mqls,
        cast(coalesce(aggregated.customers_from_mqls, 0) as {{ dbt.type_bigint() }}) as customers_from_mqls,
        {{ safe_divide('coalesce(aggregated.mqls, 0)', 'lead_counts.leads') }} as lead_to_mql_rate,
        {{ safe_divide('aggregated.sqls', 'aggregated.mqls') }} as mql_to_sql_rate,
        {{ safe_divide('aggregated.opportunities_from_mqls', 'aggregated.mqls') }} as mql_to_opportunity_rate,
        cast(aggregated.median_hours_to_mql as {{ type_double() }}) as median_hours_to_mql
    from candidate_thresholds
    inner join rule_sets
        on candidate_thresholds.rule_set_id = rule_sets.rule_set_id
    left join lead_counts
        on candidate_thresholds.rule_set_id = lead_counts.rule_set_id
    left join aggregated
        on
            candidate_thresholds.rule_set_id = aggregated.rule_set_id
            and candidate_thresholds.mql_threshold = aggregated.mql_threshold
)

select * from final
