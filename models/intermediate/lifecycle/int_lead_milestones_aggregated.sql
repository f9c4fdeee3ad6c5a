{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Per staged lead and rule set, what does not depend on `as_of`: when the lead was
    created, its fit score, grade and disqualifying rule, and the raw time, before any
    clamping (docs/semantics.md), of the first scored event that awarded points. A
    score at an event's time depends only on the events up to that time, so this time
    holds for every `as_of` at or after it; int_lead_lifecycles_evaluated drops it when
    it lies after `as_of`. The MQLs are in int_lead_cycles_qualified.
    Incremental by lead like int_lead_events_scored (macro leads_to_refresh).
-#}

with

{{ leads_to_refresh_cte() }}
leads as (
    select
        lead_id,
        created_at
    from {{ ref('int_leads_enriched') }}
    where {{ in_leads_to_refresh() }}
),

fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score,
        fit_grade,
        disqualifying_rule_id
    from {{ ref('int_leads_fit_scored') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        occurred_at,
        points_awarded
    from {{ ref('int_lead_events_scored') }}
    where {{ in_leads_to_refresh() }}
),

event_milestones as (
    select
        lead_id,
        rule_set_id,
        min(occurred_at) as first_points_at
    from scored_events
    where points_awarded > 0
    group by
        lead_id,
        rule_set_id
),

milestones as (
    select
        leads.lead_id,
        fit_scores.rule_set_id,
        leads.created_at,
        fit_scores.fit_score,
        fit_scores.fit_grade,
        fit_scores.disqualifying_rule_id,
        event_milestones.first_points_at
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
