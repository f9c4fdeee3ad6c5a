{#-
    dbt's `dateadd` on Spark (dbt-spark 1.11.0) goes through unix seconds and drops the
    fractions of a second. The project's timestamps are exact to the microsecond on every
    engine, so day, hour, minute and second steps add an interval instead (the root
    project's `spark__dateadd` is found before the adapter's); other dateparts keep the
    adapter's macro.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set unit = datepart | lower -%}
    {%- set amount = 'cast(' ~ interval ~ ' as int)' -%}
    {%- if unit == 'day' -%}
        ({{ from_date_or_timestamp }} + make_interval(0, 0, 0, {{ amount }}, 0, 0, 0))
    {%- elif unit == 'hour' -%}
        ({{ from_date_or_timestamp }} + make_interval(0, 0, 0, 0, {{ amount }}, 0, 0))
    {%- elif unit == 'minute' -%}
        ({{ from_date_or_timestamp }} + make_interval(0, 0, 0, 0, 0, {{ amount }}, 0))
    {%- elif unit == 'second' -%}
        ({{ from_date_or_timestamp }} + make_interval(0, 0, 0, 0, 0, 0, {{ amount }}))
    {%- else -%}
        {{ return(dbt.spark__dateadd(datepart, interval, from_date_or_timestamp)) }}
    {%- endif -%}
{%- endmacro %}
