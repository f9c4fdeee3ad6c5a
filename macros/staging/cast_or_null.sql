{#-
    `expression` cast to `data_type`, or null when the value cannot be cast. dbt's own
    `dbt.safe_cast` is a plain (failing) cast on DuckDB, so DuckDB gets `try_cast`;
    other engines fall back to `dbt.safe_cast` (safe on Snowflake and BigQuery).
-#}
{% macro cast_or_null(expression, data_type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'lead_funnel')(expression, data_type)) }}
{%- endmacro %}

{% macro default__cast_or_null(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__cast_or_null(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
