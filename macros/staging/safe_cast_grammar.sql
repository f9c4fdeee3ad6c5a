{#-
    Building blocks of cast_or_null (macros/staging/cast_or_null.sql, where the grammar is
    documented): type names, the accepted text patterns and a full-match regex test that
    behaves the same on every engine.

    The patterns are written without backslashes (`[0-9]`, `[.]`), so they mean the same
    in a DuckDB (RE2), PostgreSQL (ARE) or Spark (Java) string literal, and `[0-9]` never
    matches other Unicode digits (PostgreSQL's `\d` can).
-#}

{#- A type name compared across engines: lowercase, no spaces, common aliases merged. -#}
{% macro normalized_type_name(data_type) -%}
    {%- set name = modules.re.sub('\\s+', '', data_type | string | lower) -%}
    {%- set aliases = {
        'timestampwithouttimezone': 'timestamp',
        'timestamp_ntz': 'timestamp',
        'datetime': 'timestamp',
        'timestampwithtimezone': 'timestamptz',
        'int': 'integer',
        'int4': 'integer',
        'signed': 'integer',
        'int8': 'bigint',
        'int64': 'bigint',
        'long': 'bigint',
        'int2': 'smallint',
        'short': 'smallint',
        'bool': 'boolean',
    } -%}
    {%- set name = aliases.get(name, name) -%}
    {%- if name.startswith('decimal(') -%}
        {%- set name = 'numeric' ~ name[7:] -%}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}


{#-
    What cast_or_null needs to know about `data_type`: a dict with `kind` ('timestamp',
    'integer', 'decimal' or 'boolean') and, for integers, `max_digits`, `min_value`,
    `max_value`, for decimals `precision` and `scale`; none when the type has no
    cross-engine grammar.
-#}
{% macro safe_cast_target(data_type) -%}
    {%- set name = lead_funnel.normalized_type_name(data_type) -%}
    {%- set integers = {
        'smallint': {'kind': 'integer', 'max_digits': 5, 'min_value': -32768, 'max_value': 32767},
        'integer': {'kind': 'integer', 'max_digits': 10, 'min_value': -2147483648, 'max_value': 2147483647},
        'bigint': {'kind': 'integer', 'max_digits': 19, 'min_value': -9223372036854775808, 'max_value': 9223372036854775807},
    } -%}
    {%- set decimal = modules.re.fullmatch('(?:numeric|number)\\((\\d+)(?:,(\\d+))?\\)', name) -%}
    {%- if name == 'timestamp' -%}
        {{ return({'kind': 'timestamp'}) }}
    {%- elif name == 'boolean' -%}
        {{ return({'kind': 'boolean'}) }}
    {%- elif name in integers -%}
        {{ return(integers[name]) }}
    {%- elif decimal -%}
        {%- set precision = decimal.group(1) | int -%}
        {%- set scale = (decimal.group(2) or 0) | int -%}
        {%- if precision < 1 or precision > 38 or scale > precision -%}
            {{ exceptions.raise_compiler_error("cast_or_null: unsupported decimal type '" ~ data_type ~ "' (precision 1 to 38, scale at most the precision)") }}
        {%- endif -%}
        {{ return({'kind': 'decimal', 'precision': precision, 'scale': scale}) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}


{#- `expression` as text without surrounding spaces (only U+0020; tabs and newlines stay). -#}
{% macro trimmed_text(expression) -%}
    trim(both ' ' from cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}


{#-
    ISO 8601 timestamp: `YYYY-MM-DD`, optionally `T` or one space and `hh:mm`, optionally
    `:ss` and 1 to 9 fraction digits, optionally a UTC designator (`Z`, `+00`, `+00:00`,
    `+0000`, or the same with `-`) after the time. Year 0001-9999, month 01-12, day 01-31,
    hour 00-23, minute and second 00-59: only the day of the month is checked later.
-#}
{% macro timestamp_text_pattern() -%}
    (000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,9})?)?(Z|[+-]00(:?00)?)?)?
{%- endmacro %}

{#- The UTC designator at the end of a timestamp that matched timestamp_text_pattern. -#}
{% macro utc_designator_pattern() -%}
    (Z|[+-]00(:?00)?)$
{%- endmacro %}

{#-
    Plain decimal: optional sign, digits with an optional `.` and fraction (`12`, `12.5`,
    `12.`, `.5`); no exponent, no grouping, no spaces inside.
-#}
{% macro decimal_text_pattern() -%}
    [+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)
{%- endmacro %}

{#-
    A whole number written as a plain decimal with at most `max_digits` significant digits
    (leading zeros are free), the fraction, if any, only zeros (`12`, `+012`, `12.000`).
-#}
{% macro integer_text_pattern(max_digits) -%}
    [+-]?0*[0-9]{1,{{ max_digits }}}([.]0*)?
{%- endmacro %}


{#-
    True when the whole of `text_expression` matches the regex `pattern` (no anchors in
    `pattern`); null for null text. Not case-insensitive, no multi-line mode.
-#}
{% macro text_matches(text_expression, pattern) -%}
    {{ return(adapter.dispatch('text_matches', 'lead_funnel')(text_expression, pattern)) }}
{%- endmacro %}

{#-
    ANSI-ish engines (Snowflake, Trino, MySQL, Oracle, Spark 3.2+): `regexp_like` searches,
    so the pattern is anchored. The appended `|` keeps a Java-style `$` (Spark) from
    matching before a trailing newline.
-#}
{% macro default__text_matches(text_expression, pattern) -%}
    regexp_like({{ text_expression }} || '|', '^({{ pattern }})[|]$')
{%- endmacro %}

{% macro duckdb__text_matches(text_expression, pattern) -%}
    regexp_full_match({{ text_expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__text_matches(text_expression, pattern) -%}
    ({{ text_expression }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro spark__text_matches(text_expression, pattern) -%}
    ((({{ text_expression }}) || '|') rlike '^({{ pattern }})[|]$')
{%- endmacro %}
