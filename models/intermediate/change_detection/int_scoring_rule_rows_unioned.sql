{{ config(materialized='view') }}

{#-
    Every row of the scoring rule seeds (rule sets, engagement rules, fit rules, fit
    grade bands) as one line of text, for the fingerprint of int_scoring_rule_changes.
    Each line names its seed and joins every column with `:` (null as empty).
-#}

{%- set string_type = dbt.type_string() %}

with

rule_set_rows as (
    select
        {{ dbt.concat([
            "'rule_set:'", "rule_set_id", "':'",
            "cast(mql_threshold as " ~ string_type ~ ")", "':'",
            "cast(min_engagement_points as " ~ string_type ~ ")", "':'",
            "coalesce(cast(min_fit_points as " ~ string_type ~ "), '')", "':'",
            "cast(engagement_window_days as " ~ string_type ~ ")", "':'",
            "cast(sales_sla_hours as " ~ string_type ~ ")",
        ]) }} as rule_row
    from {{ ref('scoring_rule_sets') }}
),

engagement_rule_rows as (
    select
        {{ dbt.concat([
            "'engagement:'", "rule_set_id", "':'", "rule_id", "':'", "signal", "':'",
            "coalesce(qualifier, '')", "':'", "cast(points as " ~ string_type ~ ")", "':'",
            "coalesce(cast(cap as " ~ string_type ~ "), '')", "':'", "counting_unit", "':'",
            "cast(is_sales_ready as " ~ string_type ~ ")",
        ]) }} as rule_row
    from {{ ref('scoring_engagement_rules') }}
),

fit_rule_rows as (
    select
        {{ dbt.concat([
            "'fit:'", "rule_set_id", "':'", "rule_id", "':'", "attribute", "':'", "operator", "':'",
            "coalesce(value_text, '')", "':'",
            "coalesce(cast(value_min as " ~ string_type ~ "), '')", "':'",
            "coalesce(cast(value_max as " ~ string_type ~ "), '')", "':'",
            "coalesce(cast(points as " ~ string_type ~ "), '')", "':'",
            "cast(is_disqualifying as " ~ string_type ~ ")",
        ]) }} as rule_row
    from {{ ref('scoring_fit_rules') }}
),

grade_band_rows as (
    select
        {{ dbt.concat([
            "'grade:'", "rule_set_id", "':'", "fit_grade", "':'",
            "coalesce(cast(min_fit_score as " ~ string_type ~ "), '')",
        ]) }} as rule_row
    from {{ ref('fit_grade_bands') }}
),

rule_rows as (
    select * from rule_set_rows
    union all
    select * from engagement_rule_rows
    union all
    select * from fit_rule_rows
    union all
    select * from grade_band_rows
)

select * from rule_rows
