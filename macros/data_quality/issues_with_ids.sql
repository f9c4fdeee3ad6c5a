{#-
    The issues of `issues` (a relation with source_table, record_id, lead_id, issue,
    column_name and loaded_at) with their `issue_id` first: `surrogate_key` of the five
    columns other than lead_id and a running number that tells identical issues apart
    (copies landed at the same time, rows without an id), numbered by lead_id: rows that
    tie on it as well are identical, so the numbering never changes the result, and the
    same issues get the same ids whichever model or run finds them.
-#}
{% macro issues_with_ids(issues) -%}
    select
        {{ surrogate_key(['source_table', 'record_id', 'issue', 'column_name', 'loaded_at', 'occurrence_number']) }}
            as issue_id,
        source_table,
        record_id,
        lead_id,
        issue,
        column_name,
        loaded_at
    from (
        select
            source_table,
            record_id,
            lead_id,
            issue,
            column_name,
            loaded_at,
            row_number() over (
                partition by source_table, record_id, issue, column_name, loaded_at
                order by lead_id nulls last
            ) as occurrence_number
        from {{ issues }}
    ) as issues_numbered
{%- endmacro %}


{#-
    The rows an incremental issues model writes: the issues of `issues` (issues_with_ids
    columns) with `_refreshed_at`, and in an incremental run one refresh marker per record
    of `records_to_refresh` (a CTE of record_refresh_batch; `issue` null): the
    `key_refresh` strategy deletes the record's old issues by it and never writes it.
-#}
{% macro issues_with_refresh_markers(issues) -%}
    select
        issue_id,
        source_table,
        record_id,
        lead_id,
        issue,
        column_name,
        loaded_at,
        {{ refresh_timestamp() }} as _refreshed_at
    from {{ issues }}
    {%- if is_incremental() %}
    union all
    select
        cast(null as {{ dbt.type_string() }}) as issue_id,
        source_table,
        record_id,
        cast(null as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as issue,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ refresh_timestamp() }} as _refreshed_at
    from records_to_refresh
    {%- endif %}
{%- endmacro %}
