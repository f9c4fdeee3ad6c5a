{{ config(materialized='view') }}

{#-
    Every raw row ever landed (all copies and versions, valid or not), reduced to what
    the incremental models need to find what a new landing touches: the source table,
    the record id, the lead it belongs to, when it landed, whether it was rejected, and
    when its base_ model last recomputed it (`_refreshed_at`: every copy and version of
    a record that landed again is recomputed, so the leads of both the old and the new
    version of a moved event show up). A company landing concerns the company's current
    leads: it appears once per staged lead of the company (once, without a lead, when it
    has none). Filters on `_refreshed_at` reach each base table's scan, whose zone maps
    skip the row groups written by earlier runs.
-#}

{%- set landed_tables = [
    {'source_table': 'crm_leads', 'model': 'base_crm__leads', 'record_id': 'lead_id'},
    {'source_table': 'crm_opportunities', 'model': 'base_crm__opportunities', 'record_id': 'opportunity_id'},
    {'source_table': 'sales_activities', 'model': 'base_crm__sales_activities', 'record_id': 'activity_id'},
    {'source_table': 'web_page_views', 'model': 'base_web__page_views', 'record_id': 'event_id'},
    {'source_table': 'form_submissions', 'model': 'base_web__form_submissions', 'record_id': 'event_id'},
    {'source_table': 'email_events', 'model': 'base_marketing__email_events', 'record_id': 'event_id'},
    {'source_table': 'webinar_events', 'model': 'base_marketing__webinar_events', 'record_id': 'event_id'},
    {'source_table': 'content_downloads', 'model': 'base_marketing__content_downloads', 'record_id': 'event_id'},
] %}

with

company_leads as (
    select
        lead_id,
        company_id
    from {{ ref('stg_crm__leads') }}
    where company_id is not null
),

company_landings as (
    select
        'crm_companies' as source_table,
        companies.company_id as record_id,
        company_leads.lead_id,
        companies.loaded_at,
        companies.is_rejected,
        companies._refreshed_at
    from {{ ref('base_crm__companies') }} as companies
    left join company_leads
        on companies.company_id = company_leads.company_id
),

record_landings as (
    {%- for table in landed_tables %}
        select
            '{{ table.source_table }}' as source_table,
            {{ table.record_id }} as record_id,
            lead_id,
            loaded_at,
            is_rejected,
            _refreshed_at
        from {{ ref(table.model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

landings as (
    select * from record_landings
    union all
    select * from company_landings
)

select * from landings
