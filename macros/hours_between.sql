{#-
    Fractional hours from `start_at` to `end_at` as a double, exact to the microsecond and
    the same double on every engine that counts microseconds (the difference in whole
    microseconds divided by 3.6e9); null if either is null or infinite. Each engine the
    project runs on has its own variant (dbt.datediff truncates or rounds to whole
    seconds), so there is no default: another engine needs its own.
-#}
{% macro hours_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('hours_between', 'lead_funnel')(start_at, end_at)) }}
{%- endmacro %}

{% macro duckdb__hours_between(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 3600000000.0)
{%- endmacro %}

{#-
    extract(epoch) is an exact numeric since PostgreSQL 14 (dbt.datediff truncates to
    whole seconds); subtracting infinite timestamps would raise, so they give null (as
    DuckDB's epoch_us does).
-#}
{% macro postgres__hours_between(start_at, end_at) -%}
    (case
        when isfinite({{ start_at }}) and isfinite({{ end_at }})
            then cast((extract(epoch from {{ end_at }}) - extract(epoch from {{ start_at }})) * 1000000 as {{ lead_funnel.type_double() }})
                / cast(3600000000 as {{ lead_funnel.type_double() }})
    end)
{%- endmacro %}

{#- dbt.datediff on Spark rounds up to whole seconds; unix_micros is exact. -#}
{% macro spark__hours_between(start_at, end_at) -%}
    (cast(unix_micros({{ end_at }}) - unix_micros({{ start_at }}) as double) / cast(3600000000 as double))
{%- endmacro %}
