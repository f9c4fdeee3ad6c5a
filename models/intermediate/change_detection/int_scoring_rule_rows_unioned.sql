{{ config(materialized='view') }}

{#-
    Every row of the scoring rule seeds (rule sets, engagement rules, fit rules, fit
    grade bands) as one line of text, for the fingerprint of int_scoring_rule_changes.
    Each line names its seed and joins every column with `:` (null as empty): macro
    seed_row_text.
-#}

with

rule_set_rows as (
    select
        {{ seed_row_text('rule_set', [
            'rule_set_id', 'mql_threshold', 'min_engagement_points', 'min_fit_points',
            'engagement_window_days', 'sales_sla_hours',
        ]) }} as rule_row
    from {{ ref('scoring_rule_sets') }}
),

engagement_rule_rows as (
    select
        {{ seed_row_text('engagement', [
            'rule_set_id', 'rule_id', 'signal', 'qualifier', 'points', 'cap', 'counting_unit',
            'is_sales_ready',
        ]) }} as rule_row
    from {{ ref('scoring_engagement_rules') }}
),

fit_rule_rows as (
    select
        {{ seed_row_text('fit', [
            'rule_set_id', 'rule_id', 'attribute', 'operator', 'value_text', 'value_min',
            'value_max', 'points', 'is_disqualifying',
        ]) }} as rule_row
    from {{ ref('scoring_fit_rules') }}
),

grade_band_rows as (
    select {{ seed_row_text('grade', ['rule_set_id', 'fit_grade', 'min_fit_score']) }} as rule_row
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
