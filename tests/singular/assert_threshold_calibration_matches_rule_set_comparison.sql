{#-
    The calibration row of each rule set's own threshold is that rule set's row of
    rule_set_comparison, figure for figure (returns the rows of either side without
    an equal row on the other).
-#}

{%- set columns = [
    'rule_set_id', 'mql_threshold', 'leads', 'mqls', 'sqls', 'mql_events',
    'opportunities_from_mqls', 'customers_from_mqls', 'lead_to_mql_rate',
    'mql_to_sql_rate', 'mql_to_opportunity_rate', 'median_hours_to_mql',
] %}

with

calibration as (
    select {{ columns | join(', ') }}
    from {{ ref('threshold_calibration') }}
    where is_current_threshold
),

comparison as (
    select {{ columns | join(', ') }}
    from {{ ref('rule_set_comparison') }}
),

calibration_only as (
    select {{ columns | join(', ') }} from calibration
    except
    select {{ columns | join(', ') }} from comparison
),

comparison_only as (
    select {{ columns | join(', ') }} from comparison
    except
    select {{ columns | join(', ') }} from calibration
)

select
    'threshold_calibration' as found_only_in,
    {{ columns | join(', ') }}
from calibration_only
union all
select
    'rule_set_comparison' as found_only_in,
    {{ columns | join(', ') }}
from comparison_only
