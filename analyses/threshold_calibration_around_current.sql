-- The calibration curve near each rule set's own threshold (within 15 points), with
-- the change against the current threshold: what raising or lowering it would do.
-- Compile with: dbt compile --select threshold_calibration_around_current

with

calibration as (
    select
        rule_set_id,
        mql_threshold,
        is_current_threshold,
        mqls,
        sqls,
        opportunities_from_mqls,
        mql_to_sql_rate,
        mql_to_opportunity_rate
    from {{ ref('threshold_calibration') }}
),

current_thresholds as (
    select
        rule_set_id,
        mql_threshold,
        mqls,
        sqls,
        mql_to_sql_rate
    from calibration
    where is_current_threshold
),

final as (
    select
        calibration.rule_set_id,
        calibration.mql_threshold,
        calibration.is_current_threshold,
        calibration.mqls,
        calibration.sqls,
        calibration.opportunities_from_mqls,
        calibration.mql_to_sql_rate,
        calibration.mql_to_opportunity_rate,
        calibration.mqls - current_thresholds.mqls as mqls_change,
        calibration.sqls - current_thresholds.sqls as sqls_change,
        calibration.mql_to_sql_rate - current_thresholds.mql_to_sql_rate as mql_to_sql_rate_change
    from calibration
    inner join current_thresholds
        on calibration.rule_set_id = current_thresholds.rule_set_id
    where
        calibration.mql_threshold between current_thresholds.mql_threshold - 15
        and current_thresholds.mql_threshold + 15
)

select * from final
order by rule_set_id, mql_threshold
