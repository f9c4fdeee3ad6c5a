-- Threshold calibration: how many leads would become MQL (by as_of) under other
-- thresholds, keeping a rule set's window and minimum engagement. A lead reaches
-- threshold T when one of its scored events has lead_score >= T with engagement >= the
-- minimum, so the best such lead score per lead answers every T at once.
-- Compile with: dbt compile --select threshold_calibration --vars '{active_rule_set: default}'

with

rule_sets as (
    select
        rule_set_id,
        mql_threshold,
        min_engagement_points
    from {{ ref('scoring_rule_sets') }}
    where rule_set_id = {{ active_rule_set() }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        engagement_score,
        lead_score
    from {{ ref('int_lead_events_scored') }}
    where occurred_at <= {{ as_of_timestamp() }}
),

leads as (
    select lead_id
    from {{ ref('dim_leads') }}
),

best_qualifying_scores as (
    select
        scored_events.lead_id,
        max(scored_events.lead_score) as best_lead_score
    from scored_events
    inner join rule_sets
        on scored_events.rule_set_id = rule_sets.rule_set_id
    where scored_events.engagement_score >= rule_sets.min_engagement_points
    group by scored_events.lead_id
),

candidate_thresholds as (
    select 30 + 5 * step_number as threshold
    from (
        select row_number() over (order by lead_id) - 1 as step_number
        from leads
    ) as steps
    where step_number <= 14
),

calibration as (
    select
        candidate_thresholds.threshold,
        count(best_qualifying_scores.lead_id) as mqls,
        (select count(*) from leads) as leads
    from candidate_thresholds
    left join best_qualifying_scores
        on candidate_thresholds.threshold <= best_qualifying_scores.best_lead_score
    group by candidate_thresholds.threshold
),

final as (
    select
        calibration.threshold,
        calibration.threshold = rule_sets.mql_threshold as is_current_threshold,
        calibration.mqls,
        {{ safe_divide('calibration.mqls', 'calibration.leads') }} as lead_to_mql_rate
    from calibration
    cross join rule_sets
)

select * from final
order by threshold
