{#-
    Per lead (created at or before `as_of`) and rule set: fit score, engagement score as
    of `as_of`, and the raw milestone times before clamping (docs/semantics.md): first
    event that awarded points, first MQL crossing, first opportunity, first won close.
    Only what happened at or before `as_of` counts.
-#}

with

leads as (
    select
        lead_id,
        created_at
    from {{ ref('stg_crm__leads') }}
    where created_at <= {{ as_of_timestamp() }}
),

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points,
        engagement_window_days
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

fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score
    from {{ ref('int_leads_fit_scored') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        occurred_at,
        points_awarded,
        engagement_score,
        lead_score
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

event_milestones as (
    select
        scored_events.lead_id,
        scored_events.rule_set_id,
        min(case when scored_events.points_awarded > 0 then scored_events.occurred_at end) as first_points_at,
        min(
            case
                when
                    scored_events.lead_score >= rule_sets.mql_threshold
                    and scored_events.engagement_score >= rule_sets.min_engagement_points
                    then scored_events.occurred_at
            end
        ) as first_mql_crossing_at
    from scored_events
    inner join rule_sets
        on scored_events.rule_set_id = rule_sets.rule_set_id
    group by
        scored_events.lead_id,
        scored_events.rule_set_id
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

aggregated as (
    select
        leads.lead_id,
        rule_sets.rule_set_id,
        leads.created_at,
        fit_scores.fit_score,
        cast(coalesce(current_engagement.engagement_score, 0) as {{ dbt.type_int() }}) as engagement_score,
        event_milestones.first_points_at,
        event_milestones.first_mql_crossing_at,
        opportunity_milestones.first_opportunity_at,
        opportunity_milestones.first_won_at
    from leads
    cross join rule_sets
    inner join fit_scores
        on
            leads.lead_id = fit_scores.lead_id
            and rule_sets.rule_set_id = fit_scores.rule_set_id
    left join event_milestones
        on
            leads.lead_id = event_milestones.lead_id
            and rule_sets.rule_set_id = event_milestones.rule_set_id
    left join current_engagement
        on
            leads.lead_id = current_engagement.lead_id
            and rule_sets.rule_set_id = current_engagement.rule_set_id
    left join opportunity_milestones
        on leads.lead_id = opportunity_milestones.lead_id
)

select * from aggregated
