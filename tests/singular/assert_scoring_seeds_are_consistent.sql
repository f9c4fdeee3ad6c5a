-- Seed invariants that column tests cannot express. Returns one row per violation.
with

page_category_priorities as (
    -- "first match wins" must never be ambiguous: one category per priority
    select
        'page_categories' as seed_name,
        'priority ' || cast(priority as {{ dbt.type_string() }}) || ' has several categories' as problem
    from {{ ref('page_categories') }}
    group by priority
    having count(distinct page_category) > 1
),

rule_set_ids as (
    -- rule set names are rendered into SQL by the active_rule_set macro: keep them simple
    select
        'scoring_rule_sets' as seed_name,
        'rule_set_id ' || rule_set_id || ' is not lowercase letters, digits and underscores' as problem
    from {{ ref('scoring_rule_sets') }}
    where rule_set_id != lower(trim(rule_set_id)) or rule_set_id like '% %' or rule_set_id like '%' || chr(39) || '%'
),

rule_sets_without_rules as (
    {{ rule_sets_without('scoring_engagement_rules', 'engagement rules') }}
),

sales_ready_rules as (
    {{ rule_sets_without(
        'scoring_engagement_rules', 'sales-ready rule', condition='seed_rows.is_sales_ready'
    ) }}
),

fit_rules_with_disagreeing_rows as (
    -- the rows of one fit rule are alternative values of one test: same attribute,
    -- operator, points and kind
    select
        'scoring_fit_rules' as seed_name,
        'rule ' || rule_set_id || '.' || rule_id || ' has rows that disagree' as problem
    from {{ ref('scoring_fit_rules') }}
    group by
        rule_set_id,
        rule_id
    having
        count(distinct attribute) > 1
        or count(distinct operator) > 1
        or count(distinct coalesce(points, -100000)) > 1
        or count(distinct is_disqualifying) > 1
),

-- a rule set's grade bands cover every fit score only with one band without minimum
-- (two are caught by the seed's unique test on rule_set_id, min_fit_score)
rule_sets_without_lowest_grade as (
    {{ rule_sets_without(
        'fit_grade_bands', 'grade band without a minimum', condition='seed_rows.min_fit_score is null'
    ) }}
),

violations as (
    select * from page_category_priorities
    union all
    select * from rule_set_ids
    union all
    select * from rule_sets_without_rules
    union all
    select * from sales_ready_rules
    union all
    select * from fit_rules_with_disagreeing_rows
    union all
    select * from rule_sets_without_lowest_grade
)

select * from violations
