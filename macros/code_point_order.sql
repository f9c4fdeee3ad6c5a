{#-
    A text expression that sorts by code point, the same on every engine: for the
    deterministic tie-breaks that order rows by text (the newest-version ranking of the
    landing_ models, events sharing a timestamp ordered by id). DuckDB and Spark compare text
    by code point already; PostgreSQL compares by the database's collation (en_US, for
    example, sorts `e10` before `E9` and ignores punctuation at first), so it gets "C".
-#}
{% macro code_point_order(expression) -%}
    {{ return(adapter.dispatch('code_point_order', 'lead_funnel')(expression)) }}
{%- endmacro %}

{% macro default__code_point_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__code_point_order(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}
