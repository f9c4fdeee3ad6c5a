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
                order by {{ code_point_order('lead_id') }} nulls last
            ) as occurrence_number
        from {{ issues }}
    ) as issues_numbered
{%- endmacro %}

