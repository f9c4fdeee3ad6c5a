{{ config(materialized='view') }}

{#-
    Every raw row ever landed (all copies and versions, valid or not), reduced to what
    the incremental models need to find the leads a new landing touches: the source
    table, the record id, the lead (or company) it belongs to and when it landed.
-#}

with

landings as (
    select
        'crm_leads' as source_table,
        lead_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_crm__leads') }}
    union all
    select
        'crm_companies' as source_table,
        company_id as record_id,
        cast(null as {{ dbt.type_string() }}) as lead_id,
        company_id,
        loaded_at
    from {{ ref('base_crm__companies') }}
    union all
    select
        'crm_opportunities' as source_table,
        opportunity_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_crm__opportunities') }}
    union all
    select
        'sales_activities' as source_table,
        activity_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_crm__sales_activities') }}
    union all
    select
        'web_page_views' as source_table,
        event_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_web__page_views') }}
    union all
    select
        'form_submissions' as source_table,
        event_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_web__form_submissions') }}
    union all
    select
        'email_events' as source_table,
        event_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_marketing__email_events') }}
    union all
    select
        'webinar_events' as source_table,
        event_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_marketing__webinar_events') }}
    union all
    select
        'content_downloads' as source_table,
        event_id as record_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        loaded_at
    from {{ ref('base_marketing__content_downloads') }}
)

select * from landings
