{{ config(materialized='view') }}

{#-
    Every raw row ever landed (all copies and versions, valid or not), reduced to what
    the incremental models need to find the leads a new landing touches: the source
    table, the record id, the lead (or company) it belongs to and when it landed.
-#}

{%- set landed_tables = [
    {'source_table': 'crm_leads', 'model': 'base_crm__leads', 'record_id': 'lead_id', 'lead_id': 'lead_id'},
    {'source_table': 'crm_companies', 'model': 'base_crm__companies', 'record_id': 'company_id', 'company_id': 'company_id'},
    {'source_table': 'crm_opportunities', 'model': 'base_crm__opportunities', 'record_id': 'opportunity_id', 'lead_id': 'lead_id'},
    {'source_table': 'sales_activities', 'model': 'base_crm__sales_activities', 'record_id': 'activity_id', 'lead_id': 'lead_id'},
    {'source_table': 'web_page_views', 'model': 'base_web__page_views', 'record_id': 'event_id', 'lead_id': 'lead_id'},
    {'source_table': 'form_submissions', 'model': 'base_web__form_submissions', 'record_id': 'event_id', 'lead_id': 'lead_id'},
    {'source_table': 'email_events', 'model': 'base_marketing__email_events', 'record_id': 'event_id', 'lead_id': 'lead_id'},
    {'source_table': 'webinar_events', 'model': 'base_marketing__webinar_events', 'record_id': 'event_id', 'lead_id': 'lead_id'},
    {'source_table': 'content_downloads', 'model': 'base_marketing__content_downloads', 'record_id': 'event_id', 'lead_id': 'lead_id'},
] %}
{%- set no_value = 'cast(null as ' ~ dbt.type_string() ~ ')' %}

with

landings as (
    {%- for table in landed_tables %}
        select
            '{{ table.source_table }}' as source_table,
            {{ table.record_id }} as record_id,
            {{ table.get('lead_id', no_value) }} as lead_id,
            {{ table.get('company_id', no_value) }} as company_id,
            loaded_at
        from {{ ref(table.model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from landings
