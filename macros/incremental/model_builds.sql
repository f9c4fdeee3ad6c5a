{#-
    Bookkeeping for incremental marts. A mart's contract fixes its columns, so it cannot
    carry `_refreshed_at` like the intermediate models; instead each incremental mart
    records its last build in one table (one row per model): when the dbt invocation
    that built it started (`built_at`, macro refresh_timestamp), the `as_of`, the active
    rule set and the scoring seeds' fingerprint it was built with. The post-hook
    record_model_build writes the row in the same transaction as the mart's rows, so the
    two always agree; no row (a new table, or a lost state) makes the next run rebuild
    the whole mart.
-#}
{% macro model_builds_table() -%}
    {{ target.schema }}.lead_funnel_model_builds
{%- endmacro %}


{#- on-run-start hook: create the bookkeeping table if it does not exist yet. -#}
{% macro create_model_builds_table() -%}
    create table if not exists {{ model_builds_table() }} (
        model {{ dbt.type_string() }} not null,
        built_at {{ dbt.type_timestamp() }} not null,
        as_of {{ dbt.type_timestamp() }} not null,
        rule_set_id {{ dbt.type_string() }} not null,
        rules_fingerprint {{ dbt.type_string() }}
    )
{%- endmacro %}


{#- post-hook of an incremental mart: record this build (see above). -#}
{% macro record_model_build() -%}
    delete from {{ model_builds_table() }} where model = '{{ this.identifier }}';
    insert into {{ model_builds_table() }} (model, built_at, as_of, rule_set_id, rules_fingerprint)
    select
        '{{ this.identifier }}',
        {{ refresh_timestamp() }},
        {{ as_of_timestamp() }},
        {{ active_rule_set() }},
        (select fingerprint from {{ ref('int_scoring_rules_fingerprinted') }})
{%- endmacro %}


{#-
    The previous build of this mart, as a one-row relation (`built_at`, `as_of`,
    `rule_set_id`, `rules_fingerprint`, and `is_comparable`: false when there is none, or
    it used another rule set or other scoring seeds, or its `built_at` is not before this
    run's start, a clock that went back). Use it only when is_incremental().
-#}
{% macro previous_model_build() -%}
    (
        select
            previous_build.built_at,
            previous_build.as_of,
            previous_build.rule_set_id,
            previous_build.rules_fingerprint,
            coalesce(
                previous_build.rule_set_id = {{ active_rule_set() }}
                and previous_build.rules_fingerprint = (select fingerprint from {{ ref('int_scoring_rules_fingerprinted') }})
                and previous_build.built_at < {{ refresh_timestamp() }},
                false
            ) as is_comparable
        from (select 1 as anchor) as anchor
        left join {{ model_builds_table() }} as previous_build
            on previous_build.model = '{{ this.identifier }}'
    )
{%- endmacro %}


{#-
    True when `column` lies between the previous build's `as_of` and this run's, in either
    order: the rows an `as_of` move brings in (later) or takes out (earlier). Needs the
    previous build in scope as `previous_build` (see previous_model_build).
-#}
{% macro is_between_build_as_ofs(column) -%}
    (
        {{ column }} > least(previous_build.as_of, {{ as_of_timestamp() }})
        and {{ column }} <= greatest(previous_build.as_of, {{ as_of_timestamp() }})
    )
{%- endmacro %}
