{#-
    One raw table that a data-quality issues model checks, for macro
    data_quality_issues_identified: the table `source_table`, its landing model `landing`
    (a relation), its `id_column`, and the issues looked for. Every table reports its
    rejected rows (macro rejected_row_issues); on top of that:
    - `duplicates`: each extra copy of an id (tables deduplicated by id: events, sales
      activities, dispositions; CRM versions are superseded, not duplicates);
    - `invalid_values`: the optional columns whose invalid values staging nulled, flagged
      `has_invalid_<column>` (macro invalid_value_issues);
    - `orphan_leads`: staged rows whose lead is not a staged lead (macro
      orphan_lead_issues).
    `has_lead` is false for a table without `lead_id` (companies): its issues have no lead.
-#}
{% macro issue_checks(
    source_table, landing, id_column,
    has_lead=true, duplicates=false, invalid_values=[], orphan_leads=false
) -%}
    {{ return({
        'source_table': source_table,
        'landing': landing,
        'id_column': id_column,
        'lead_column': 'lead_id' if has_lead else none,
        'duplicates': duplicates,
        'invalid_values': invalid_values,
        'orphan_leads': orphan_leads,
    }) }}
{%- endmacro %}


{#-
    The SQL of a data-quality issues model (int_*_data_quality_issues_identified): one row
    per issue of the raw tables `tables` (a list of macro issue_checks), with its issue_id
    (macro issues_with_ids), as the batch of macro refresh_batch. One CTE per table, named
    after it, holds the landing columns its checks read.
    Incremental by raw record (macro records_to_refresh): a run recomputes the issues of
    the records landed again since its last build and of the orphans of newly staged
    leads (macro in_records_to_refresh filters each table's landing model), and numbers
    them here, so the mart data_quality_issues only unions the three models.
-#}
{% macro data_quality_issues_identified(tables) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{%- set record_keys = [] -%}
{%- for table in tables -%}
    {%- do record_keys.append((table.source_table, table.landing, table.id_column)) -%}
{%- endfor -%}
with

{% if is_incremental() -%}
records_to_refresh as (
    {{ records_to_refresh(record_keys) | indent(4) }}
),

{% endif -%}
{% for table in tables -%}
{{ table.source_table }} as (
    {{ rows_to_check(table, watermark) }}
),

{% endfor -%}
staged_leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
),

issues_found as (
    {%- for table in tables %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    {{ table_issues(table, 'staged_leads') }}
    {%- endfor %}
),

issues as (
    {{ issues_with_ids('issues_found') | indent(4) }}
),

final as (
    {{ refresh_batch('issues', keys='records_to_refresh') | indent(4) }}
)

select * from final
{%- endmacro %}


{#-
    The rows of `table` (macro issue_checks) to check in this run, from its landing model,
    with the columns its checks read; `watermark` is the model's
    newest_in_target('loaded_at') (macro in_records_to_refresh).
-#}
{% macro rows_to_check(table, watermark) -%}
    {%- set columns = [table.id_column] -%}
    {%- if table.lead_column and table.lead_column != table.id_column -%}
        {%- do columns.append(table.lead_column) -%}
    {%- endif -%}
    {%- do columns.extend(['loaded_at', 'rejection_issue', 'rejected_column', 'is_rejected']) -%}
    {%- if table.duplicates -%}
        {%- do columns.append('is_duplicate') -%}
    {%- endif -%}
    {%- do columns.append('is_staged') -%}
    {%- for column in table.invalid_values -%}
        {%- do columns.append('has_invalid_' ~ column) -%}
    {%- endfor -%}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ table.landing }}
    where {{ in_records_to_refresh(table.id_column, table.source_table, watermark) }}
{%- endmacro %}


{#-
    Every issue of `table` (macro issue_checks), read from the CTE of the same name: its
    rejected rows (and extra copies), nulled invalid values and orphans, as a union of
    macros rejected_row_issues, invalid_value_issues and orphan_lead_issues;
    `staged_leads` is a relation with the staged leads' lead_id.
-#}
{% macro table_issues(table, staged_leads) -%}
    {%- set name = table.source_table -%}
    {{ rejected_row_issues(
        name, name, table.id_column, has_duplicates=table.duplicates, lead_column=table.lead_column
    ) }}
    {%- if table.invalid_values %}
    union all
    {{ invalid_value_issues(name, name, table.id_column, table.invalid_values, lead_column=table.lead_column) }}
    {%- endif %}
    {%- if table.orphan_leads %}
    union all
    {{ orphan_lead_issues(name, name, table.id_column, staged_leads) }}
    {%- endif %}
{%- endmacro %}
