{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Per staged lead and rule set, what does not depend on `as_of`: when the lead was
    created, its fit score, and the raw times of its two event milestones before any
    clamping (docs/semantics.md): the first scored event that awarded points and the
    first one at which the lead score and the engagement score reached the rule set's
    MQL thresholds. A score at an event's time depends only on the events up to that
    time, so each of these times holds for every `as_of` at or after it;
    int_lead_lifecycles_evaluated drops the ones after `as_of`.
    Incremental by lead like int_lead_events_scored (macro leads_to_refresh).
-#}

-- depends_on: {{ ref('int_landings_unioned') }}
-- depends_on: {{ ref('stg_crm__leads') }}
-- depends_on: {{ ref('int_scoring_rule_changes') }}

with

{% if is_incremental() -%}
leads_to_refresh as (
    {{ leads_to_refresh() | indent(4) }}
),

{% endif -%}
leads as (
    select
        lead_id,
        created_at
    from {{ ref('int_leads_enriched') }}
    {%- if is_incremental() %}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
),

fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score
    from {{ ref('int_leads_fit_scored') }}
),

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points
    from {{ ref('scoring_rule_sets') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        occurred_at,
        points_awarded,
        engagement_score,
        lead_score
    from {{ ref('int_lead_events_scored') }}
    {%- if is_incremental() %}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
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

milestones as (
    select
        leads.lead_id,
        fit_scores.rule_set_id,
        leads.created_at,
        fit_scores.fit_score,
        event_milestones.first_points_at,
        event_milestones.first_mql_crossing_at
    from leads
    inner join fit_scores
        on leads.lead_id = fit_scores.lead_id
    left join event_milestones
        on
            fit_scores.lead_id = event_milestones.lead_id
            and fit_scores.rule_set_id = event_milestones.rule_set_id
),

final as (
    {{ refresh_batch('milestones', keys='leads_to_refresh') | indent(4) }}
)

select * from final
