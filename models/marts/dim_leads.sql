{#- One row per lead created at or before `as_of`: attributes for slicing, no personal data. -#}

with

leads as (
    select
        lead_id,
        company_id,
        company_name,
        email_domain,
        is_free_email_domain,
        job_title,
        lead_source,
        campaign_id,
        industry,
        employee_count,
        country_code,
        account_tier,
        created_at
    from {{ ref('int_leads_enriched') }}
    where created_at <= {{ as_of_timestamp() }}
)

select * from leads
