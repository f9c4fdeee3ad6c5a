{#-
    One row per CRM lead: its newest valid version (newest updated_at, then newest _loaded_at).
-#}

with

leads as (
    select
        lead_id,
        email,
        email_domain,
        job_title,
        company_id,
        lead_source,
        campaign_id,
        created_at,
        updated_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_crm__leads') }}
    where is_staged
)

select * from leads
