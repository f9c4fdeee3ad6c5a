{#-
    Lead ids touched by a landing at or after `watermark` (a SQL timestamp expression;
    "at" too, so rows landed later with the same `_loaded_at` are never missed), read from
    `landings` (a relation shaped like int_landings_unioned):
    - the lead of every landing, old or new, of a record that landed again, so an event
      moved from one lead to another refreshes both;
    - the current leads of every re-landed company.
    Rejected rows are harmless: at worst they make a lead be recomputed.
-#}
{% macro leads_landed_since(landings, current_leads, watermark) -%}
    select all_versions.lead_id
    from {{ landings }} as all_versions
    inner join (
        select distinct
            new_landings.source_table,
            new_landings.record_id
        from {{ landings }} as new_landings
        where new_landings.loaded_at >= {{ watermark }}
    ) as relanded_records
        on
            all_versions.source_table = relanded_records.source_table
            and all_versions.record_id = relanded_records.record_id
    where all_versions.lead_id is not null
    union
    select company_leads.lead_id
    from {{ current_leads }} as company_leads
    where company_leads.company_id in (
        select new_companies.company_id
        from {{ landings }} as new_companies
        where
            new_companies.source_table = 'crm_companies'
            and new_companies.loaded_at >= {{ watermark }}
    )
{%- endmacro %}
