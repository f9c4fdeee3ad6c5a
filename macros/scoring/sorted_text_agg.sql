{#-
    The values of a text expression joined by `delimiter` in code point order (a
    deterministic listagg, the same on every engine: int_scoring_rule_changes hashes it).
    dbt.listagg on Spark ignores its order-by clause.
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
