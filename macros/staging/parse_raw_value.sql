{#-
    A raw column safely cast to `data_type`: null when missing, blank or unparseable (the
    grammar per type is in cast_or_null.sql, the same on every engine).
    Raw tables land either typed or as text (SPEC section 1), so the expression depends on
    how the column landed (`raw_column_types` from get_raw_column_types):
    - already of the target type (compared by normalized_type_name, so `timestamp without
      time zone` is `timestamp` and `decimal(18,2)` is `numeric(18,2)`): used as is (no
      cost on large typed landings);
    - `timestamp with time zone` for a timestamp: the UTC wall-clock time, whatever the
      session time zone;
    - a floating-point type: as a double, through its text form when below 1e15 in
      magnitude (where DuckDB and PostgreSQL print the same digits; above, PostgreSQL
      switches to an exponent, which no grammar accepts), else null;
    - another non-text type: its text form, cast, null when outside the grammar or range;
    - text, or unknown: trimmed, blank to null, then cast, null when unparseable.
-#}
{% macro parse_raw_value(column_name, data_type, raw_column_types) -%}
    {%- set raw_column = raw_column_types.get(column_name | lower) -%}
    {%- set target_type_name = lead_funnel.normalized_type_name(data_type) -%}
    {%- set raw_type_name = lead_funnel.normalized_type_name(raw_column.data_type) if raw_column is not none else none -%}
    {%- if raw_type_name == target_type_name -%}
        {{ column_name }}
    {%- elif raw_type_name == 'timestamptz' and target_type_name == 'timestamp' -%}
        ({{ column_name }} at time zone 'UTC')
    {%- elif raw_type_name in ('double', 'doubleprecision', 'float', 'float4', 'float8', 'real') -%}
        {%- set as_double = 'cast(' ~ column_name ~ ' as ' ~ lead_funnel.type_double() ~ ')' -%}
        case when abs({{ as_double }}) < cast(1e15 as {{ lead_funnel.type_double() }}) then {{ cast_or_null(as_double, data_type) }} end
    {%- elif raw_column is not none and not raw_column.is_string() -%}
        {{ cast_or_null(column_name, data_type) }}
    {%- else -%}
        {{ cast_or_null(clean_text(column_name), data_type, trimmed=true) }}
    {%- endif -%}
{%- endmacro %}


{#-
    A raw column as an integer, null when missing, blank, unparseable, out of range or not
    a whole number (text '12.5' is invalid rather than rounded to 13; '12.0' is 12).
-#}
{% macro parse_raw_integer(column_name, raw_column_types) -%}
    {{ parse_raw_value(column_name, dbt.type_int(), raw_column_types) }}
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
