{#-
    The columns of a raw relation as a dict: lowercased column name -> dbt Column.
    Empty while dbt parses the project, or when the relation does not exist yet (the
    parse_* macros then fall back to the text path, which accepts any landing).
-#}
{% macro get_raw_column_types(relation) -%}
    {%- set columns_by_name = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do columns_by_name.update({column.name | lower: column}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns_by_name) }}
{%- endmacro %}
