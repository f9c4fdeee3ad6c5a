{#-
    Which rows the data tests with `meta: {scope: ...}` read (macro get_where_subquery):
    `all` (default) or `refreshed` (only what this run recomputed). From var `test_scope`,
    else env `LEAD_FUNNEL_TEST_SCOPE` (read only while dbt executes, so it does not
    invalidate dbt's partial parsing). The runner asks for `refreshed` only after a
    successful full build of the same project code (docs/running.md); any other dbt
    command on the warehouse forgets that build (macro forget_tested_build).
-#}
{% macro test_scope() -%}
    {%- set value = var('test_scope', none) -%}
    {%- set source = 'var test_scope' -%}
    {%- if value is none and execute -%}
        {%- set value = env_var('LEAD_FUNNEL_TEST_SCOPE', 'all') -%}
        {%- set source = 'env LEAD_FUNNEL_TEST_SCOPE' -%}
    {%- endif -%}
    {%- set value = (value or 'all') | string | trim -%}
    {%- if value not in ['all', 'refreshed'] -%}
        {{ exceptions.raise_compiler_error(source ~ " must be 'all' or 'refreshed', got: " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#-
    on-run-end hook: forget the last fully tested build (table `tested_build_table()`,
    written by the runner after a successful full `dbt build`). Whatever this dbt
    command changed has not been tested as a whole, so the next run tests everything.
-#}
{% macro forget_tested_build() -%}
    {%- if execute and flags.WHICH in ['build', 'run', 'seed', 'snapshot', 'test'] -%}
        drop table if exists {{ tested_build_table() }}
    {%- endif -%}
{%- endmacro %}


{#- The table recording the last fully tested build (schema of the target, e.g. main). -#}
{% macro tested_build_table() -%}
    {{ target.schema }}.lead_funnel_tested_build
{%- endmacro %}
