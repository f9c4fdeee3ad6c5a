{#-
    `expression` cast to `data_type`, or null when its text is not in the grammar below.
    Never raises, and gives the same values on DuckDB, PostgreSQL and (default__) other
    engines: the engines' own casts accept different, and surprising, sets of strings
    (DuckDB's try_cast to TIMESTAMP accepts 'epoch', 'infinity', '2026-03-01 10:00 PM' as
    10:00, '2026-03-01 10:15:00+02:00' as 10:15 and '2026-03-01 10:15:00 garbage';
    PostgreSQL accepts 'yesterday', '03/01/2026', 'J2451187', '23:59:60' and raises on the
    rest), so every engine first checks the same grammar.

    The expression is read as text (a typed value through its text form) with surrounding
    spaces (U+0020 only) ignored; `trimmed=true` says it already is text without them
    (clean_text's output: saves a second trim). Accepted, per kind of `data_type`
    (safe_cast_target):

    timestamp (timestamp, timestamp without time zone)
        YYYY-MM-DD[(T| )hh:mm[:ss[.f]]][Z|+00|+00:00|+0000|-00|-00:00|-0000]
        Exactly these digit counts, f 1 to 9 digits (truncated to microseconds). Year
        0001-9999, a real calendar day (2024-02-29 yes, 2026-02-29 and 2026-02-30 no),
        hour 00-23 (no 24:00), minute and second 00-59 (no leap second). A bare date is
        midnight. The UTC designator only after a time, and only for UTC: the SPEC's
        timestamps are UTC, so a zero offset just says so, while any other offset is
        rejected (DuckDB's try_cast would silently drop it, shifting the time by hours).
        Words ('now', 'epoch', 'infinity', 'allballs', ...), other orders and separators
        ('03/01/2026', '2026/03/01', '20260301', 'March 1 2026'), AM/PM, zone names,
        BC years and lowercase 't'/'z' can never match.
    integer (integer, bigint, smallint)
        [+-]digits[.zeros]: a whole number written as a plain decimal ('12', '+7', '-0',
        '007', '12.000', '12.'); '12.5' is null, not rounded, and so is '.0'. Out of the
        type's range is null.
    decimal (numeric(p, s), decimal(p, s); p at most 38)
        [+-]digits[.digits] or [+-].digits ('12', '-1.5', '12.', '.5'); no exponent
        ('1e3'), no grouping ('1,000', '1_000'), no currency or percent signs. Rounded to
        s decimals half away from zero ('1.005' -> 1.01, '-1.005' -> -1.01), then null if
        it does not fit p digits.
    boolean
        true/t/yes/y/1 and false/f/no/n/0 in any case ('on'/'off' and prefixes like 'tr'
        are null).

    Anything else (blank, 'N/A', 'null', tabs or newlines around the value, non-ASCII
    digits or spaces, 'NaN', 'Infinity') is null. Unknown types: DuckDB falls back to
    try_cast, PostgreSQL is a compile error, other engines use dbt.safe_cast.
-#}
{% macro cast_or_null(expression, data_type, trimmed=false) -%}
    {{ return(adapter.dispatch('cast_or_null', 'lead_funnel')(expression, data_type, trimmed)) }}
{%- endmacro %}

{% macro default__cast_or_null(expression, data_type, trimmed=false) -%}
    {%- set target_type = lead_funnel.safe_cast_target(data_type) -%}
    {%- if target_type is none -%}
        {{ dbt.safe_cast(expression, data_type) }}
    {%- else -%}
        {{ lead_funnel.grammar_cast_or_null(expression, data_type, target_type, trimmed) }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__cast_or_null(expression, data_type, trimmed=false) -%}
    {%- set target_type = lead_funnel.safe_cast_target(data_type) -%}
    {%- if target_type is none -%}
        {{ exceptions.raise_compiler_error("cast_or_null: no safe grammar for type '" ~ data_type ~ "' on PostgreSQL (supported: timestamp, integer, bigint, smallint, numeric(p, s), boolean; see macros/staging/cast_or_null.sql)") }}
    {%- endif -%}
    {{ lead_funnel.grammar_cast_or_null(expression, data_type, target_type, trimmed) }}
{%- endmacro %}

{#-
    DuckDB checks the grammar, then lets try_cast do the rest: it rejects impossible
    calendar days, rounds decimals half away from zero, truncates fractions of a second
    beyond microseconds, ignores a zero UTC offset and returns null out of range, exactly
    as the portable version does. Its try_cast to BOOLEAN accepts exactly the grammar.
-#}
{% macro duckdb__cast_or_null(expression, data_type, trimmed=false) -%}
    {%- set target_type = lead_funnel.safe_cast_target(data_type) -%}
    {%- set text = expression if trimmed else lead_funnel.trimmed_text(expression) -%}
    {%- if target_type is none -%}
        try_cast({{ expression }} as {{ data_type }})
    {%- elif target_type.kind == 'boolean' -%}
        try_cast({{ text }} as {{ data_type }})
    {%- else -%}
        {%- if target_type.kind == 'timestamp' -%}
            {%- set pattern = lead_funnel.timestamp_text_pattern() -%}
        {%- elif target_type.kind == 'integer' -%}
            {%- set pattern = lead_funnel.integer_text_pattern(target_type.max_digits) -%}
        {%- else -%}
            {%- set pattern = lead_funnel.decimal_text_pattern() -%}
        {%- endif -%}
        try_cast(case when {{ lead_funnel.text_matches(text, pattern) }} then {{ text }} end as {{ data_type }})
    {%- endif -%}
{%- endmacro %}


{#-
    The grammar with plain SQL (case, substring, trim, regex match, cast), for PostgreSQL
    and engines without try_cast: each cast only ever sees text that it accepts, checked
    by an enclosing `case` (evaluated in order, unlike `and`/`or`; PostgreSQL's planner
    drops a `when` whose condition folds to false before it folds its result, so literal
    inputs are safe too). Set-based in one expression: no PL/pgSQL function catching the
    cast's exception row by row (which would need a schema and be far slower).
-#}
{% macro grammar_cast_or_null(expression, data_type, target_type, trimmed=false) -%}
    {%- set text = expression if trimmed else lead_funnel.trimmed_text(expression) -%}
    {%- if target_type.kind == 'timestamp' -%}
        {{ lead_funnel._timestamp_from_text(text, data_type) }}
    {%- elif target_type.kind == 'integer' -%}
        {{ lead_funnel._integer_from_text(text, data_type, target_type) }}
    {%- elif target_type.kind == 'decimal' -%}
        {{ lead_funnel._decimal_from_text(text, data_type, target_type) }}
    {%- else -%}
        case
            when lower({{ text }}) in ('true', 't', 'yes', 'y', '1') then true
            when lower({{ text }}) in ('false', 'f', 'no', 'n', '0') then false
        end
    {%- endif -%}
{%- endmacro %}

{#-
    Matched text is checked for the day of the month (29 and 30 exist except in February,
    31 only in long months, February 29 only in leap years), then cast without its UTC
    designator, cut to microseconds ('YYYY-MM-DD hh:mm:ss.ffffff' is 26 characters).
-#}
{% macro _timestamp_from_text(text, data_type) -%}
    {%- set month = 'substring(' ~ text ~ ', 6, 2)' -%}
    {%- set day = 'substring(' ~ text ~ ', 9, 2)' -%}
    {%- set year = 'cast(substring(' ~ text ~ ', 1, 4) as ' ~ dbt.type_int() ~ ')' -%}
    case when {{ lead_funnel.text_matches(text, lead_funnel.timestamp_text_pattern()) }} then
        case
            when {{ day }} not in ('29', '30', '31')
                or {{ month }} in ('01', '03', '05', '07', '08', '10', '12')
                or ({{ day }} <> '31' and {{ month }} <> '02')
                or ({{ day }} = '29' and mod({{ year }}, 4) = 0 and (mod({{ year }}, 100) <> 0 or mod({{ year }}, 400) = 0))
                then cast(replace(substring(regexp_replace({{ text }}, '{{ lead_funnel.utc_designator_pattern() }}', ''), 1, 26), 'T', ' ') as {{ data_type }})
        end
    end
{%- endmacro %}

{#-
    Matched text is `[+-]digits[.zeros]` with at most max_digits significant digits, so
    its integer part fits a bigint (a decimal(38, 0) for bigint itself); the range check
    makes the final cast safe.
-#}
{% macro _integer_from_text(text, data_type, target_type) -%}
    {%- set integer_part = dbt.split_part(text, "'.'", 1) | trim -%}
    {%- set wide_type = 'bigint' if target_type.max_digits < 19 else 'decimal(38, 0)' -%}
    case when {{ lead_funnel.text_matches(text, lead_funnel.integer_text_pattern(target_type.max_digits)) }} then
        case
            when cast({{ integer_part }} as {{ wide_type }}) between {{ target_type.min_value }} and {{ target_type.max_value }}
                then cast({{ integer_part }} as {{ data_type }})
        end
    end
{%- endmacro %}

{#-
    Matched text is rebuilt from its sign, its integer digits without leading zeros and its
    first scale + 1 fraction digits (all that half-away-from-zero rounding to `scale` needs),
    so the cast never sees more than precision + 3 characters. It does not fit when it has
    more than precision - scale integer digits, or exactly that many nines followed by
    `scale` nines and a digit from 5 (rounding up carries into one digit more).
-#}
{% macro _decimal_from_text(text, data_type, target_type) -%}
    {%- set integer_digits = target_type.precision - target_type.scale -%}
    {%- set scale = target_type.scale -%}
    {%- set digits = "trim(leading '+-0' from " ~ (dbt.split_part(text, "'.'", 1) | trim) ~ ')' -%}
    {%- set fraction = 'coalesce(' ~ (dbt.split_part(text, "'.'", 2) | trim) ~ ", '')" -%}
    case when {{ lead_funnel.text_matches(text, lead_funnel.decimal_text_pattern()) }} then
        case
            when length({{ digits }}) < {{ integer_digits }}
                or (
                    length({{ digits }}) = {{ integer_digits }}
                    and not (
                        {{ digits }} = '{{ "9" * integer_digits }}'
                        and substring({{ fraction }}, 1, {{ scale }}) = '{{ "9" * scale }}'
                        and substring({{ fraction }}, {{ scale + 1 }}, 1) in ('5', '6', '7', '8', '9')
                    )
                )
                then cast(
                    case when {{ text }} like '-%' then '-' else '' end
                    || coalesce(nullif({{ digits }}, ''), '0')
                    || '.' || substring({{ fraction }}, 1, {{ scale + 1 }}) || '0'
                    as {{ data_type }}
                )
        end
    end
{%- endmacro %}
