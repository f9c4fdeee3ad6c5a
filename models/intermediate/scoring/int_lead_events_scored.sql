{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Every scored event of every lead, for every rule set, with the points it awarded and
    the engagement and lead scores at its time (SPEC section 3). Independent of `as_of`
    (later models drop what happened after it), so it can be incremental: a run
    recomputes, in full, every lead touched by a landing since its last build, and
    every lead when the scoring rules changed (macro leads_to_refresh). A recomputed
    lead can be left without scored events (its only one moved to another lead): the
    batch names the recomputed leads (macro refresh_batch), so their old rows go.

    How the rolling window is evaluated without splicing the window length into SQL:
    each event adds 1 to its rule's count when it occurs and removes 1 when it leaves the
    window (occurred_at + window days, a joined seed value). One ordered pass per rule
    gives the count after every change and so the change of the rule's capped
    contribution (for an arriving event: the points it awarded); a second pass sums those
    changes over all rules up to each timestamp, giving the engagement score there. All
    changes at one timestamp are applied together, so events sharing a timestamp count
    together. The two ordered passes carry only keys and counts (the sorts are the
    cost of this model); the rule's signal, qualifier, points and cap are joined back.

    Dispositions and daily counting (scoring v2) fit the same passes. Each event carries
    its cycle number (int_lead_cycles: the cycle whose bounds hold its time, 0 for a
    lead never disposed of), and both passes are partitioned by cycle, so the score
    starts again from zero after every disposition; a departure after the cycle's end
    changes nothing any event of the cycle sees. A rule counted per `day` counts the
    first event of each UTC day (by time, then id) as its arrival and leaves the window
    with the day's last event; the day's other events change the count by 0 and so
    award 0 points.
-#}

with

fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score
    from {{ ref('int_leads_fit_scored') }}
),

{{ leads_to_refresh_cte() }}
leads as (
    -- the staged leads (every one has a fit score), or those this run recomputes
    select distinct lead_id
    from fit_scores
    where {{ in_leads_to_refresh() }}
),

engagement_rules as (
    select
        rule_set_id,
        rule_id,
        signal,
        qualifier,
        points,
        cap,
        counting_unit,
        is_sales_ready,
        engagement_window_days
    from {{ ref('int_engagement_rules_enriched') }}
),

lead_cycles as (
    select
        lead_id,
        cycle_number,
        cycle_started_at,
        cycle_ended_at
    from {{ ref('int_lead_cycles') }}
),

events as (
    select
        lead_events.event_source,
        lead_events.event_id,
        lead_events.lead_id,
        lead_events.signal,
        lead_events.qualifier,
        lead_events.occurred_at,
        coalesce(lead_cycles.cycle_number, 0) as cycle_number
    from {{ ref('int_lead_events_unioned') }} as lead_events
    inner join leads
        on lead_events.lead_id = leads.lead_id
    left join lead_cycles
        on
            lead_events.lead_id = lead_cycles.lead_id
            and (lead_cycles.cycle_started_at is null or lead_events.occurred_at > lead_cycles.cycle_started_at)
            and (lead_cycles.cycle_ended_at is null or lead_events.occurred_at <= lead_cycles.cycle_ended_at)
),

last_events as (
    -- each lead's last event: a departure after it changes no score an event sees
    select
        lead_id,
        max(occurred_at) as last_event_at
    from events
    group by lead_id
),

events_matched as (
    select
        events.lead_id,
        engagement_rules.rule_set_id,
        engagement_rules.rule_id,
        engagement_rules.counting_unit,
        events.cycle_number,
        events.event_source,
        events.event_id,
        events.occurred_at,
        {{ dbt.dateadd('day', 'engagement_rules.engagement_window_days', 'events.occurred_at') }} as leaves_window_at
    from events
    inner join engagement_rules
        on
            events.signal = engagement_rules.signal
            and (engagement_rules.qualifier is null or events.qualifier = engagement_rules.qualifier)
),

events_per_event as (
    -- a rule counted per event: every event arrives, and leaves at occurred_at + window
    select
        lead_id,
        rule_set_id,
        rule_id,
        cycle_number,
        event_source,
        event_id,
        occurred_at,
        1 as count_change,
        leaves_window_at
    from events_matched
    where counting_unit = 'event'
),

events_per_day as (
    -- a rule counted per day: the first event of a UTC day arrives for the day (+1), the
    -- others add 0; the day leaves the window with its last event
    select
        lead_id,
        rule_set_id,
        rule_id,
        cycle_number,
        event_source,
        event_id,
        occurred_at,
        case
            when row_number() over (
                partition by lead_id, rule_set_id, rule_id, cycle_number, {{ dbt.date_trunc('day', 'occurred_at') }}
                order by occurred_at, {{ code_point_order('event_id') }}, {{ code_point_order('event_source') }}
            ) = 1 then 1
            else 0
        end as count_change,
        max(leaves_window_at) over (
            partition by lead_id, rule_set_id, rule_id, cycle_number, {{ dbt.date_trunc('day', 'occurred_at') }}
        ) as leaves_window_at
    from events_matched
    where counting_unit = 'day'
),

events_counted as (
    select * from events_per_event
    union all
    select * from events_per_day
),

rule_count_changes as (
    -- each event's arrival (+1, or 0 for a day already counted), and -1 when a counted
    -- event or day leaves the window, up to the lead's last event (a later departure
    -- precedes no arrival: leaving it out halves the rows to sort for many leads)
    select
        lead_id,
        rule_set_id,
        rule_id,
        cycle_number,
        occurred_at as changed_at,
        count_change,
        event_source,
        event_id
    from events_counted
    union all
    select
        events_counted.lead_id,
        events_counted.rule_set_id,
        events_counted.rule_id,
        events_counted.cycle_number,
        events_counted.leaves_window_at as changed_at,
        -1 as count_change,
        cast(null as {{ dbt.type_string() }}) as event_source,
        cast(null as {{ dbt.type_string() }}) as event_id
    from events_counted
    inner join last_events
        on events_counted.lead_id = last_events.lead_id
    where
        events_counted.count_change = 1
        and events_counted.leaves_window_at <= last_events.last_event_at
),

rule_counts as (
    -- running count of the rule's events (or days) in the window of the cycle, one
    -- change at a time: at each timestamp departures come first, then arrivals by event
    -- id, so at an arriving event the count is k = its position among the rule's events
    -- in (max(t - window, cycle start), t]
    select
        *,
        sum(count_change) over (
            partition by lead_id, rule_set_id, cycle_number, rule_id
            order by
                changed_at,
                count_change,
                {{ code_point_order('event_id') }},
                {{ code_point_order('event_source') }}
            rows between unbounded preceding and current row
        ) as events_in_window
    from rule_count_changes
),

contribution_changes as (
    -- c(k) - c(k - 1) for an arrival (the points it awarded), c(k) - c(k + 1) for a departure
    select
        rule_counts.lead_id,
        rule_counts.rule_set_id,
        rule_counts.rule_id,
        rule_counts.cycle_number,
        rule_counts.changed_at,
        rule_counts.count_change,
        rule_counts.event_source,
        rule_counts.event_id,
        (
            {{ capped_contribution('engagement_rules.points', 'engagement_rules.cap', 'rule_counts.events_in_window') }}
            - {{ capped_contribution(
                'engagement_rules.points', 'engagement_rules.cap', '(rule_counts.events_in_window - rule_counts.count_change)'
            ) }}
        ) as contribution_change
    from rule_counts
    inner join engagement_rules
        on
            rule_counts.rule_set_id = engagement_rules.rule_set_id
            and rule_counts.rule_id = engagement_rules.rule_id
),

engagement_over_time as (
    -- engagement score at each change time: every change of the cycle up to and including
    -- that timestamp, over all rules (a range frame, so events sharing a timestamp count
    -- together)
    select
        *,
        sum(contribution_change) over (
            partition by lead_id, rule_set_id, cycle_number
            order by changed_at
            range between unbounded preceding and current row
        ) as engagement_score_at_time
    from contribution_changes
),

events_scored as (
    select
        engagement_over_time.lead_id,
        engagement_over_time.rule_set_id,
        engagement_over_time.event_source,
        engagement_over_time.event_id,
        engagement_rules.signal,
        engagement_rules.qualifier,
        engagement_over_time.rule_id,
        engagement_over_time.cycle_number,
        engagement_over_time.changed_at as occurred_at,
        engagement_rules.is_sales_ready,
        cast(engagement_over_time.contribution_change as {{ dbt.type_int() }}) as points_awarded,
        cast(engagement_over_time.engagement_score_at_time as {{ dbt.type_int() }}) as engagement_score,
        cast(
            fit_scores.fit_score + engagement_over_time.engagement_score_at_time as {{ dbt.type_int() }}
        ) as lead_score
    from engagement_over_time
    inner join engagement_rules
        on
            engagement_over_time.rule_set_id = engagement_rules.rule_set_id
            and engagement_over_time.rule_id = engagement_rules.rule_id
    inner join fit_scores
        on
            engagement_over_time.lead_id = fit_scores.lead_id
            and engagement_over_time.rule_set_id = fit_scores.rule_set_id
    where engagement_over_time.count_change >= 0
),

final as (
    {{ refresh_batch('events_scored', keys='leads_to_refresh') | indent(4) }}
)

select * from final
