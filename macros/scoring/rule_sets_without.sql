{#-
    For a seed check (tests/singular/assert_scoring_seeds_are_consistent.sql): one
    violation per rule set of scoring_rule_sets without a row of the seed `seed` (same
    rule_set_id) that meets `condition` (SQL on the seed's row, `seed_rows`; any row when
    none), as columns seed_name (`seed`) and problem ('rule set <id> has no <missing>').
-#}
{% macro rule_sets_without(seed, missing, condition=none) -%}
    select
        '{{ seed }}' as seed_name,
        'rule set ' || rule_sets.rule_set_id || ' has no {{ missing }}' as problem
    from {{ ref('scoring_rule_sets') }} as rule_sets
    where not exists (
        select 1
        from {{ ref(seed) }} as seed_rows
        where
            seed_rows.rule_set_id = rule_sets.rule_set_id
            {%- if condition %}
            and {{ condition }}
            {%- endif %}
    )
{%- endmacro %}
