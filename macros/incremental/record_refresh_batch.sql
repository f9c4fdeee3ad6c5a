{#-
    The raw records, (source_table, record_id), whose data-quality issues an incremental
    issues model must recompute in this run. Call it only when is_incremental(); the
    model stores `_refreshed_at` (macro refresh_timestamp), or `previous_build` gives
    when its last build started (a SQL expression, null when there was none).
    `landings` is int_landings_unioned; `source_tables` the raw tables it reports on.
    - every record a base_ model recomputed since this model's newest `_refreshed_at`
      (all its copies and versions, rejected ones included: they are issues);
    - every record reported as `orphan_lead` (in this model's own rows, which carry the
      lead) whose lead landed since then: the lead may be staged now. A record of a lead
      that lands later is either such an orphan, or not staged, or landed itself since
      then;
    - every record when the model is empty, or when its newest `_refreshed_at` is not
      before this run's start (a clock that went back).
    Rows without an id have no record: those landed at or after the model's newest
    `loaded_at` are recomputed (config refresh_unkeyed_since, macro in_records_to_refresh).
-#}
{% macro record_refresh_batch(landings, source_tables, previous_build=none) -%}
    {%- set previous_build = previous_build or '(select max(_refreshed_at) from ' ~ this ~ ')' -%}
    {%- set table_list -%}
        ({% for source_table in source_tables %}'{{ source_table }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endset -%}
    select
        refreshed_records.source_table,
        refreshed_records.record_id
    from {{ landings }} as refreshed_records
    where
        refreshed_records._refreshed_at > {{ previous_build }}
        and refreshed_records.source_table in {{ table_list }}
        and refreshed_records.record_id is not null
    union
    -- the current orphan issues of leads landed since then (their lead may be staged now)
    select
        orphan_issues.source_table,
        orphan_issues.record_id
    from {{ this }} as orphan_issues
    where
        orphan_issues.issue = 'orphan_lead'
        and orphan_issues.source_table in {{ table_list }}
        and orphan_issues.lead_id in (
            select refreshed_leads.lead_id
            from {{ landings }} as refreshed_leads
            where
                refreshed_leads._refreshed_at > {{ previous_build }}
                and refreshed_leads.source_table = 'crm_leads'
                and not refreshed_leads.is_rejected
        )
    union
    select
        all_records.source_table,
        all_records.record_id
    from {{ landings }} as all_records
    where
        all_records.source_table in {{ table_list }}
        and all_records.record_id is not null
        and exists (
            select 1
            from (select {{ previous_build }} as refreshed_at) as previous_build
            where
                previous_build.refreshed_at is null
                or previous_build.refreshed_at >= {{ refresh_timestamp() }}
        )
{%- endmacro %}
{#-
    A filter for an issues model's import CTE over a base_ model: in an incremental run,
    only the rows of the records in `records_to_refresh` (a CTE of record_refresh_batch)
    for `source_table`, and the rows without an id that the strategy's
    refresh_unkeyed_since deletes (landed at or after the model's newest `loaded_at`, or
    at an unknown time); `true` in a full build.
-#}
{% macro in_records_to_refresh(id_column, source_table) -%}
    {%- if is_incremental() -%}
        (
            {{ id_column }} is null
            and (loaded_at is null or loaded_at >= {{ newest_in_target('loaded_at') }})
        )
        or {{ id_column }} in (
            select records_to_refresh.record_id
            from records_to_refresh
            where records_to_refresh.source_table = '{{ source_table }}'
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
