{#-
    The point in time the run is evaluated at: var `as_of` ('YYYY-MM-DD[ HH:MM[:SS]]',
    UTC); when the var is not set, env `LEAD_FUNNEL_AS_OF` (same format, read only while
    dbt executes, so changing it between runs keeps dbt's partial parsing: the runner
    passes as_of this way); else the run's start time. The value is parsed and
    re-rendered, so only a valid timestamp ever reaches the SQL text.
-#}
{% macro as_of_timestamp() -%}
    {%- set raw_value = var('as_of', none) -%}
    {%- set source = 'var as_of' -%}
    {%- if (raw_value is none or (raw_value | string | trim) == '') and execute -%}
        {%- set raw_value = env_var('LEAD_FUNNEL_AS_OF', '') -%}
        {%- set source = 'env LEAD_FUNNEL_AS_OF' -%}
    {%- endif -%}
    {%- if raw_value is none or (raw_value | string | trim) == '' -%}
        {%- set parsed = run_started_at.replace(tzinfo=none) -%}
    {%- else -%}
        {%- set text = raw_value | string | trim | replace('T', ' ') | replace('Z', '') -%}
        {%- set formats = {10: '%Y-%m-%d', 16: '%Y-%m-%d %H:%M', 19: '%Y-%m-%d %H:%M:%S'} -%}
        {%- if not modules.re.fullmatch('\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}(:\\d{2})?)?', text) -%}
            {{ exceptions.raise_compiler_error(source ~ " must look like 'YYYY-MM-DD HH:MM:SS' (UTC), got: " ~ raw_value) }}
        {%- endif -%}
        {%- set parsed = modules.datetime.datetime.strptime(text, formats[text | length]) -%}
    {%- endif -%}
    cast('{{ parsed.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
