{#-
    The issues of `issues` (a relation with source_table, record_id, issue, column_name and
    loaded_at) with their `issue_id` first: `surrogate_key` of the five columns and a
    running number that tells identical issues apart (identical copies landed at the same
    time, rows without an id). As such rows are identical, the order in which they are
    numbered does not change the result, and the same issues get the same ids whichever
    model finds them.
-#}
{% macro issues_with_ids(issues) -%}
    select
        {{ surrogate_key(['source_table', 'record_id', 'issue', 'column_name', 'loaded_at', 'occurrence_number']) }}
            as issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at
    from (
        select
            source_table,
            record_id,
            issue,
            column_name,
            loaded_at,
            row_number() over (
                partition by source_table, record_id, issue, column_name, loaded_at
                order by source_table
            ) as occurrence_number
        from {{ issues }}
    ) as issues_numbered
{%- endmacro %}
