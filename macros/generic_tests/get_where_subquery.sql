{#-
    The relation a data test reads (overrides dbt's get_where_subquery, as dbt documents
    for custom `where` logic): the tested model, filtered by the test's `where` config,
    and, for tests with `meta: {scope: ...}` on the incremental models when the run says
    which rows were already tested (macro tested_through), only the rows refreshed since:
    - `scope: refreshed_rows`: the rows refreshed after that time. Right for row-level
      checks (not_null_columns, accepted_values, expression_is_true), and for uniqueness
      of a model's unique_key: every row of a recomputed key is recomputed, so a duplicate
      involving a recomputed row lies entirely among recomputed rows;
    - `scope: {refreshed_keys: [columns]}`: every row, old or new, whose key appears
      among the refreshed rows: uniqueness of any other key (a recomputed row that
      collides with an untouched one is still found).
    Plain `dbt build` tests every row.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scope = (config.get('meta') or {}).get('scope') -%}
    {%- set tested_through = tested_through() if scope is not none else none -%}
    {%- if not where and tested_through is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filters = [] -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if tested_through is not none and scope == 'refreshed_rows' -%}
        {%- do filters.append('scoped._refreshed_at > ' ~ tested_through) -%}
    {%- elif tested_through is not none and scope is mapping and scope.get('refreshed_keys') -%}
        {%- set key_match = [] -%}
        {%- for column in scope['refreshed_keys'] -%}
            {%- do key_match.append('refreshed.' ~ column ~ ' = scoped.' ~ column) -%}
        {%- endfor -%}
        {%- do filters.append(
            'exists (select 1 from ' ~ relation ~ ' as refreshed where refreshed._refreshed_at > '
            ~ tested_through ~ ' and ' ~ key_match | join(' and ') ~ ')'
        ) -%}
    {%- elif tested_through is not none -%}
        {{ exceptions.raise_compiler_error("meta scope must be refreshed_rows or {refreshed_keys: [...]}, got: " ~ scope) }}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' as scoped where ' ~ filters | join(' and ') ~ ') as dbt_subquery') -%}
{%- endmacro %}


{#-
    The time through which every row of the incremental models passed every data test,
    as a SQL timestamp, or none (test every row): env `LEAD_FUNNEL_TESTED_THROUGH`, which
    `lead-funnel run` sets to the refresh time of the last run that built and tested the
    same project code on the same warehouse (docs/running.md). Rows refreshed after it,
    by any run or dbt command, are tested. Read only while dbt executes, so it does not
    invalidate dbt's partial parsing.
-#}
{% macro tested_through() -%}
    {%- set text = env_var('LEAD_FUNNEL_TESTED_THROUGH', '') | trim if execute else '' -%}
    {%- if text == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parsed = parse_utc_timestamp(text, 'env LEAD_FUNNEL_TESTED_THROUGH') -%}
    {{ return("cast('" ~ parsed.strftime("%Y-%m-%d %H:%M:%S.%f") ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}
