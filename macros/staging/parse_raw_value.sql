{#-
    A raw column safely cast to `data_type`: null when missing, blank or unparseable.
    Raw tables land either typed or as text (SPEC section 1), so the expression depends on
    how the column landed (`raw_column_types` from get_raw_column_types):
    - already of the target type: used as is (no cost on large typed landings);
    - another non-text type: cast, null when impossible;
    - text, or unknown: trimmed, blank to null, then cast, null when unparseable.
-#}
{% macro parse_raw_value(column_name, data_type, raw_column_types) -%}
    {%- set raw_column = raw_column_types.get(column_name | lower) -%}
    {%- if raw_column is not none and raw_column.data_type | lower == data_type | lower -%}
        {{ column_name }}
    {%- elif raw_column is not none and not raw_column.is_string() -%}
        {{ cast_or_null(column_name, data_type) }}
    {%- else -%}
        {{ cast_or_null(clean_text(column_name), data_type) }}
    {%- endif -%}
{%- endmacro %}


{#-
    A raw column as an integer, null when missing, blank, unparseable or not a whole
    number (text '12.5' is invalid rather than rounded to 13).
-#}
{% macro parse_raw_integer(column_name, raw_column_types) -%}
    {%- set raw_column = raw_column_types.get(column_name | lower) -%}
    {%- set integer_type = dbt.type_int() -%}
    {%- if raw_column is not none and raw_column.data_type | lower == integer_type | lower -%}
        {{ column_name }}
    {%- elif raw_column is not none and raw_column.is_integer() -%}
        {{ cast_or_null(column_name, integer_type) }}
    {%- else -%}
        {%- set number = cast_or_null(clean_text(column_name), api.Column.numeric_type('numeric', 38, 6)) -%}
        case when {{ number }} = floor({{ number }}) then {{ cast_or_null(number, integer_type) }} end
    {%- endif -%}
{%- endmacro %}


{#-
    True when the raw column holds a value (not null, and for text not blank): together
    with a null parsed value it marks an unparseable (invalid) value.
-#}
{% macro has_raw_value(column_name, raw_column_types) -%}
    {%- set raw_column = raw_column_types.get(column_name | lower) -%}
    {%- if raw_column is not none and not raw_column.is_string() -%}
        {{ column_name }} is not null
    {%- else -%}
        {{ clean_text(column_name) }} is not null
    {%- endif -%}
{%- endmacro %}
