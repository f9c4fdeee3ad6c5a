{#-
    The newest value of `column` (a timestamp such as loaded_at) in this incremental
    model's table, 1900-01-01 when empty: the bound `refresh_unkeyed_since` uses.
-#}
{% macro newest_in_target(column) -%}
    (
        select coalesce(max(newest.{{ column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }} as newest
    )
{%- endmacro %}
