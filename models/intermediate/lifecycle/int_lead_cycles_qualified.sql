{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Per staged lead, rule set and open cycle, the raw time (before clamping) at which the
    lead first qualified inside the cycle: the first scored event of the cycle at whose
    time the lead score reached the MQL threshold, the engagement score the minimum
    engagement and the fit score the minimum fit (when the rule set has one), for a lead
    no disqualifying fit rule matches (SPEC section 3). Each such row is one MQL. A cycle
    that follows a `disqualified` disposition has none. The gates but the threshold are
    macro passes_mql_gates, shared with threshold_calibration. Like
    int_lead_milestones_aggregated, independent of `as_of` (int_lead_mqls_evaluated drops
    the later ones) and incremental by lead (macro leads_to_refresh).
-#}

with

{{ leads_to_refresh_cte() }}
fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score,
        disqualifying_rule_id
    from {{ ref('int_leads_fit_scored') }}
    where {{ in_leads_to_refresh() }}
),

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points,
        min_fit_points
    from {{ ref('scoring_rule_sets') }}
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
        lead_score
    from {{ ref('int_lead_events_scored') }}
    where {{ in_leads_to_refresh() }}
),

qualifying_events as (
    select
        scored_events.lead_id,
        scored_events.rule_set_id,
        scored_events.cycle_number,
        scored_events.occurred_at
    from scored_events
    inner join rule_sets
        on scored_events.rule_set_id = rule_sets.rule_set_id
    inner join fit_scores
        on
            scored_events.lead_id = fit_scores.lead_id
            and scored_events.rule_set_id = fit_scores.rule_set_id
    left join disqualified_cycles
        on
            scored_events.lead_id = disqualified_cycles.lead_id
            and scored_events.cycle_number = disqualified_cycles.cycle_number
    where
        scored_events.lead_score >= rule_sets.mql_threshold
        and {{ passes_mql_gates('scored_events', 'rule_sets', 'fit_scores', 'disqualified_cycles') }}
),

cycles_qualified as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        min(occurred_at) as qualified_at
    from qualifying_events
    group by
        lead_id,
        rule_set_id,
        cycle_number
),

final as (
    {{ refresh_batch('cycles_qualified', keys='leads_to_refresh') | indent(4) }}
)

select * from final
