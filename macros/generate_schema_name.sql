{#-
    Use a model's custom schema name as-is (staging, intermediate, marts) instead of
    dbt's default `<target_schema>_<custom_schema>`, so BI tools find `marts.dim_leads`.
    On a warehouse server readers share with the build (every engine but DuckDB, whose
    marts are published to a separate file), the marts are built in `marts_build`;
    `lead-funnel run` (or `lead-funnel publish`) then swaps them in as `marts` in one
    transaction, so readers never see a half-rebuilt set (docs/running.md).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' and target.type != 'duckdb' -%}
        marts_build
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
