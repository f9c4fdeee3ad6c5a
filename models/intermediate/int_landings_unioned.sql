{{ config(materialized='view') }}

{#-
    Every raw row ever landed (all copies and versions, valid or not), reduced to what
    the lead-keyed incremental models need to find the leads a landing touched (macro
    leads_to_refresh): the lead it belongs to, whether it was rejected, and when its
    base_ model last (re)computed it (`_refreshed_at`: every copy and version of a record
    that landed again is recomputed, so the leads of both the old and the new version of
    a moved event show up). A company landing concerns the company's current leads: it
    appears once per staged lead of the company. Filters on `_refreshed_at` reach each
    base table's scan, whose zone maps skip the blocks written by earlier runs.
-#}

{%- set landed_models = [
    'base_crm__leads',
    'base_crm__opportunities',
    'base_crm__sales_activities',
    'base_crm__lead_dispositions',
    'base_web__page_views',
    'base_web__form_submissions',
    'base_marketing__email_events',
    'base_marketing__webinar_events',
    'base_marketing__content_downloads',
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
        company_leads.lead_id,
        companies.is_rejected,
        companies._refreshed_at
    from {{ ref('base_crm__companies') }} as companies
    inner join company_leads
        on companies.company_id = company_leads.company_id
),

record_landings as (
    {%- for model in landed_models %}
        select
            lead_id,
            is_rejected,
            _refreshed_at
        from {{ ref(model) }}
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
