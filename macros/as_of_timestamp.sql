{#-
    The point in time the run is evaluated at: var `as_of` ('YYYY-MM-DD[ HH:MM[:SS]]',
    UTC); when the var is not set, env `LEAD_FUNNEL_AS_OF` (same format, read only while
    dbt executes, so changing it between runs keeps dbt's partial parsing: the runner
    passes as_of this way); else the run's start time, to the second. The value is parsed
    and re-rendered, so only a valid timestamp ever reaches the SQL text.
-#}
{% macro as_of_timestamp() -%}
    {%- set raw_value = var('as_of', none) -%}
    {%- set source = 'var as_of' -%}
    {%- if (raw_value is none or (raw_value | string | trim) == '') and execute -%}
        {%- set raw_value = env_var('LEAD_FUNNEL_AS_OF', '') -%}
        {%- set source = 'env LEAD_FUNNEL_AS_OF' -%}
    {%- endif -%}
    {%- if raw_value is none or (raw_value | string | trim) == '' -%}
        {%- set parsed = run_started_at.replace(tzinfo=none, microsecond=0) -%}
    {%- else -%}
        {%- set parsed = parse_utc_timestamp(raw_value, source) -%}
    {%- endif -%}
    {%- set format = "%Y-%m-%d %H:%M:%S" ~ (".%f" if parsed.microsecond else "") -%}
    cast('{{ parsed.strftime(format) }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#-
    `text` ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS[.ffffff]'; a `T` and a
    trailing `Z` are accepted) as a Python datetime; a compile error naming `source`
    otherwise. Only a parsed value is ever rendered into SQL.
-#}
{% macro parse_utc_timestamp(text, source) -%}
    {%- set value = text | string | trim | replace('T', ' ') | replace('Z', '') -%}
    {%- set match = modules.re.fullmatch('(\\d{4}-\\d{2}-\\d{2})( \\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?)?', value) -%}
    {%- if not match -%}
        {{ exceptions.raise_compiler_error(source ~ " must look like 'YYYY-MM-DD HH:MM:SS' (UTC), got: " ~ text) }}
    {%- endif -%}
    {%- set formats = {
        10: '%Y-%m-%d', 16: '%Y-%m-%d %H:%M', 19: '%Y-%m-%d %H:%M:%S',
    } -%}
    {%- set format = formats.get(value | length, '%Y-%m-%d %H:%M:%S.%f') -%}
    {{ return(modules.datetime.datetime.strptime(value, format)) }}
{%- endmacro %}
