{{ config(materialized='view') }}

{#-
    The engagement rules (seed scoring_engagement_rules) of every rule set, each with its
    rule set's rolling engagement window (seed scoring_rule_sets): what scoring and the
    engagement score at `as_of` need of the rules.
-#}

with

rule_sets as (
    select
        rule_set_id,
        engagement_window_days
    from {{ ref('scoring_rule_sets') }}
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
        is_sales_ready
    from {{ ref('scoring_engagement_rules') }}
),

engagement_rules_enriched as (
    select
        engagement_rules.rule_set_id,
        engagement_rules.rule_id,
        engagement_rules.signal,
        engagement_rules.qualifier,
        engagement_rules.points,
        engagement_rules.cap,
        engagement_rules.counting_unit,
        engagement_rules.is_sales_ready,
        rule_sets.engagement_window_days
    from engagement_rules
    inner join rule_sets
        on engagement_rules.rule_set_id = rule_sets.rule_set_id
)

select * from engagement_rules_enriched
