{#-
    How a landing_ model reads raw landings incrementally (key: the record id). The model's
    newest `loaded_at` W is its watermark (`_loaded_at` is when a row landed, so later
    landings are at or after it). An incremental run:
    - reads the raw rows landed at or after W ("at" too, so rows landed later with the
      same `_loaded_at` are never missed), and every row without a parseable
      `_loaded_at` (no watermark finds those): macro raw_rows_to_refresh;
    - ranks them together with the copies and versions of the same ids the model already
      holds, taken as stored (cast and validated by earlier runs exactly as now): macro
      landings_to_rank;
    - writes every row of those ids again (strategy replace_keys); rows without an id
      are replaced by landing time (config refresh_unkeyed_since: loaded_at).
-#}

{#-
    The watermark W: the newest value of `column` in this model's table (1900-01-01 when
    empty), rendered as a literal, so the engine can skip the raw table's older blocks
    (DuckDB's zone maps: landings are appended in `_loaded_at` order); the strategy's
    delete sees the same value in the same run. Each query costs a round trip (seconds
    on Spark): a model reads it once, `{%- set watermark = newest_in_target('loaded_at') -%}`,
    and passes it to the macros below.
-#}
{% macro newest_in_target(column) -%}
    {%- set newest = none -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select max(" ~ column ~ ") from " ~ this) -%}
        {%- set newest = result.columns[0].values()[0] if result is not none and result.rows | length > 0 else none -%}
    {%- endif -%}
    {%- set newest = newest or modules.datetime.datetime(1900, 1, 1) -%}
    cast('{{ newest.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#-
    Filter on a raw relation's own columns: in an incremental run, the rows it reads (see
    above; `watermark` is the model's newest_in_target('loaded_at')); every row in a full
    build.
-#}
{% macro raw_rows_to_refresh(raw_column_types, watermark) -%}
    {%- if is_incremental() -%}
        {%- set landed_at = parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) -%}
        {{ landed_at }} is null
        or {{ landed_at }} >= {{ watermark }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#-
    The rows a landing_ model ranks (a whole select): its new landings, `new_landings` (a
    CTE of the raw rows read, cast and validated) and, in an incremental run, the rows it
    holds of the same ids landed before `watermark` (as above), so that the ranking sees
    every landing of those ids. The stored rows bring the table's columns except those
    computed after the ranking (macro landing_ranking_columns, and `_refreshed_at`): the
    columns of `new_landings`. Both sides name them, in the table's order, so the union
    matches them by name; a last, empty select of every column of `new_landings` makes
    the union fail when the model has more or fewer columns than the table (a column
    added or dropped since the last full refresh) instead of leaving one out.
-#}
{% macro landings_to_rank(new_landings, key_column, watermark) -%}
    {%- if is_incremental() -%}
        {%- set computed = lead_funnel.landing_ranking_columns() + ['_refreshed_at'] -%}
        {%- set columns = [] -%}
        {%- for column in adapter.get_columns_in_relation(this) if column.name | lower not in computed -%}
            {%- do columns.append(column.name) -%}
        {%- endfor -%}
    select
        {%- for column in columns %}
        {{ new_landings }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ new_landings }}
    union all
    select
        {%- for column in columns %}
        previous.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as previous
    where
        previous.loaded_at < {{ watermark }}
        and previous.{{ key_column }} in (
            select {{ new_landings }}.{{ key_column }}
            from {{ new_landings }}
        )
    union all
    select * from {{ new_landings }} where false
    {%- else -%}
    select * from {{ new_landings }}
    {%- endif -%}
{%- endmacro %}
