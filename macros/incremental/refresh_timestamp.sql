{#-
    When this dbt invocation started (`run_started_at`, UTC), as a SQL timestamp: written
    as `_refreshed_at` on every row an incremental model (re)computes in the run, so the
    models downstream find the rows recomputed since their own last build
    (macro lead_refresh_batch) instead of re-reading every landing.
-#}
{% macro refresh_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
