{#-
    The relation a data test reads (overrides dbt's get_where_subquery, as dbt documents
    for custom `where` logic): the tested model, filtered by the test's `where` config,
    and, for tests with `meta: {scope: ...}` when the test scope is `refreshed` (macro
    test_scope), only what this run recomputed (`_refreshed_at` is this run's start):
    - `scope: refreshed_rows`: the rows recomputed in this run. Right for row-level
      checks (not_null_columns, accepted_values, expression_is_true), and for uniqueness
      of a model's refresh key (config unique_key of the key_refresh strategy, or of the
      base_ model a stg_ view reads): every row of a recomputed key is recomputed, so a
      duplicate involving a recomputed row lies entirely among recomputed rows;
    - `scope: {refreshed_keys: [columns]}`: every row, old or new, whose key appears
      among the rows recomputed in this run: uniqueness of any other key (a recomputed
      row that collides with an untouched one is still found).
    Rows not recomputed are unchanged since the previous run, whose tests passed: the
    runner sets `test_scope: refreshed` only after a successful run of the same project
    code on the same warehouse, never for a full refresh (docs/running.md). Plain
    `dbt build` tests everything (default `all`).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scope = (config.get('meta') or {}).get('scope') -%}
    {%- set refreshed = scope is not none and test_scope() == 'refreshed' -%}
    {%- if not where and not refreshed -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filters = [] -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if refreshed and scope == 'refreshed_rows' -%}
        {%- do filters.append('scoped._refreshed_at = ' ~ refresh_timestamp()) -%}
    {%- elif refreshed and scope is mapping and scope.get('refreshed_keys') -%}
        {%- set key_match = [] -%}
        {%- for column in scope['refreshed_keys'] -%}
            {%- do key_match.append('refreshed.' ~ column ~ ' = scoped.' ~ column) -%}
        {%- endfor -%}
        {%- do filters.append(
            'exists (select 1 from ' ~ relation ~ ' as refreshed where refreshed._refreshed_at = '
            ~ refresh_timestamp() ~ ' and ' ~ key_match | join(' and ') ~ ')'
        ) -%}
    {%- elif refreshed -%}
        {{ exceptions.raise_compiler_error("meta scope must be refreshed_rows or {refreshed_keys: [...]}, got: " ~ scope) }}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' as scoped where ' ~ filters | join(' and ') ~ ') as dbt_subquery') -%}
{%- endmacro %}
