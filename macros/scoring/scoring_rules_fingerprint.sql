{#-
    A hash of every scoring seed row (rule sets, engagement and fit rules, page
    categories, free-mail and excluded domains, fit grade bands), the same for the same rows on every run and every
    engine: the rows are ordered by code point before they are joined.
    int_scoring_rule_changes records when it changes.
-#}
{% macro scoring_rules_fingerprint() -%}
    {%- set string_type = dbt.type_string() -%}
    select {{ dbt.hash(sorted_text_agg('rule_rows.rule_row', "'|'")) }} as fingerprint
    from (
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
        union all
        select
            {{ dbt.concat([
                "'engagement:'", "rule_set_id", "':'", "rule_id", "':'", "signal", "':'",
                "coalesce(qualifier, '')", "':'", "cast(points as " ~ string_type ~ ")", "':'",
                "coalesce(cast(cap as " ~ string_type ~ "), '')", "':'", "counting_unit", "':'",
                "cast(is_sales_ready as " ~ string_type ~ ")",
            ]) }} as rule_row
        from {{ ref('scoring_engagement_rules') }}
        union all
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
        union all
        select
            {{ dbt.concat([
                "'page:'", "page_category", "':'", "url_pattern", "':'",
                "cast(priority as " ~ string_type ~ ")",
            ]) }} as rule_row
        from {{ ref('page_categories') }}
        union all
        select {{ dbt.concat(["'free_mail:'", "email_domain"]) }} as rule_row
        from {{ ref('free_email_domains') }}
        union all
        select {{ dbt.concat(["'excluded:'", "email_domain", "':'", "kind"]) }} as rule_row
        from {{ ref('excluded_email_domains') }}
        union all
        select
            {{ dbt.concat([
                "'grade:'", "rule_set_id", "':'", "fit_grade", "':'",
                "coalesce(cast(min_fit_score as " ~ string_type ~ "), '')",
            ]) }} as rule_row
        from {{ ref('fit_grade_bands') }}
    ) as rule_rows
{%- endmacro %}



{#-
    The values of a text expression joined by `delimiter` in code point order (a
    deterministic listagg). dbt.listagg on Spark ignores its order-by clause.
-#}
{% macro sorted_text_agg(expression, delimiter) -%}
    {{ return(adapter.dispatch('sorted_text_agg', 'lead_funnel')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__sorted_text_agg(expression, delimiter) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ code_point_order(expression)) }}
{%- endmacro %}

{% macro spark__sorted_text_agg(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}
