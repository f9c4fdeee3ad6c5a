{#-
    The newest value of `column` (a timestamp such as loaded_at) in this incremental
    model's table, 1900-01-01 when empty: the watermark of the base_ and issues models,
    and the bound `refresh_unkeyed_since` uses. Read once when the model compiles and
    rendered as a literal, so the engine can skip the raw table's older row groups (zone
    maps: landings are appended in `_loaded_at` order) and sizes the joins on it right;
    the strategy's delete, in the same transaction, sees the same value.
-#}
{% macro newest_in_target(column) -%}
    {%- set fallback = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select max(" ~ column ~ ") from " ~ this) -%}
        {%- set newest = result.columns[0].values()[0] if result is not none and result.rows | length > 0 else none -%}
        {%- if newest is none -%}
            {{ fallback }}
        {%- else -%}
            cast('{{ newest.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
        {%- endif -%}
    {%- else -%}
        (
            select coalesce(max(newest.{{ column }}), {{ fallback }})
            from {{ this }} as newest
        )
    {%- endif -%}
{%- endmacro %}
