{#-
    A raw column as trimmed text; blank (empty or only spaces) becomes null. Works whether
    the raw column is typed or text. Only the space character (U+0020) is trimmed, the
    same on every engine (a bare trim() also strips other Unicode spaces on DuckDB).
-#}
{% macro clean_text(column_name) -%}
    nullif(trim(both ' ' from cast({{ column_name }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
