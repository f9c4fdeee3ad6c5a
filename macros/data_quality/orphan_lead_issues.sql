{#-
    One `orphan_lead` issue per staged row of `relation` whose `lead_id` is set but is not
    in `staged_leads` (a relation with the staged leads' `lead_id`): the row stays in
    staging and is scored once its lead lands. Rows without a lead are never orphans: they
    are rejected as `missing_lead`, or are anonymous page views. Same columns as
    `rejected_row_issues`.
-#}
{% macro orphan_lead_issues(relation, source_table, id_column, staged_leads) -%}
    select
        '{{ source_table }}' as source_table,
        {{ relation }}.{{ id_column }} as record_id,
        {{ relation }}.lead_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        {{ relation }}.loaded_at
    from {{ relation }}
    left join {{ staged_leads }}
        on {{ relation }}.lead_id = {{ staged_leads }}.lead_id
    where
        {{ relation }}.is_staged
        and {{ relation }}.lead_id is not null
        and {{ staged_leads }}.lead_id is null
{%- endmacro %}
