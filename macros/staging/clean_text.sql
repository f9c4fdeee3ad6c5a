{#-
    A raw column as trimmed text; blank (empty or only spaces) becomes null.
    Works whether the raw column is typed or text.
-#}
{% macro clean_text(column_name) -%}
    nullif(trim(cast({{ column_name }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
