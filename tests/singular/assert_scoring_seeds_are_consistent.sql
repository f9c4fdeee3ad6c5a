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
    select
        'scoring_engagement_rules' as seed_name,
        'rule set ' || rule_sets.rule_set_id || ' has no engagement rules' as problem
    from {{ ref('scoring_rule_sets') }} as rule_sets
    left join {{ ref('scoring_engagement_rules') }} as engagement_rules
        on rule_sets.rule_set_id = engagement_rules.rule_set_id
    where engagement_rules.rule_id is null
),

sales_ready_rules as (
    select
        'scoring_engagement_rules' as seed_name,
        'rule set ' || rule_sets.rule_set_id || ' has no sales-ready rule' as problem
    from {{ ref('scoring_rule_sets') }} as rule_sets
    left join {{ ref('scoring_engagement_rules') }} as engagement_rules
        on
            rule_sets.rule_set_id = engagement_rules.rule_set_id
            and engagement_rules.is_sales_ready
    where engagement_rules.rule_id is null
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

rule_sets_without_lowest_grade as (
    -- a rule set's grade bands cover every fit score only with one band without minimum
    -- (two are caught by the seed's unique test on rule_set_id, min_fit_score)
    select
        'fit_grade_bands' as seed_name,
        'rule set ' || rule_sets.rule_set_id || ' has no grade band without a minimum' as problem
    from {{ ref('scoring_rule_sets') }} as rule_sets
    left join {{ ref('fit_grade_bands') }} as grade_bands
        on
            rule_sets.rule_set_id = grade_bands.rule_set_id
            and grade_bands.min_fit_score is null
    where grade_bands.fit_grade is null
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
