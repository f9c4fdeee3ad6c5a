{#-
    One issue per row of `relation` (a landing model's rows, or a CTE over them) that staging
    did not keep: each rejected row with its rejection reason and column, and, for tables
    deduplicated by id (`has_duplicates`: events and sales activities), each extra copy as
    a `duplicate` of `id_column`. CRM tables have no duplicates (their older versions are
    superseded, and not reported). Columns: source_table (`source_table`, a literal),
    record_id (`id_column`), lead_id (`lead_column`, none for a table without leads),
    issue, column_name, loaded_at.
-#}
{% macro rejected_row_issues(relation, source_table, id_column, has_duplicates=true, lead_column='lead_id') -%}
    select
        '{{ source_table }}' as source_table,
        {{ id_column }} as record_id,
        {{ lead_column or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as lead_id,
        {%- if has_duplicates %}
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then '{{ id_column }}' else rejected_column end as column_name,
        {%- else %}
        rejection_issue as issue,
        rejected_column as column_name,
        {%- endif %}
        loaded_at
    from {{ relation }}
    where is_rejected{% if has_duplicates %} or is_duplicate{% endif %}
{%- endmacro %}
