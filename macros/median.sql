{#- The median (continuous: the mean of the two middle values) of an expression. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'lead_funnel')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
