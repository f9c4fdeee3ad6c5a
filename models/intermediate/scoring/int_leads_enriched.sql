{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    One row per staged lead with its company's firmographics, whether its email domain
    is a free-mail domain and, when the domain is excluded (a competitor's or our own),
    its kind. The source of `dim_leads` and of the fit score.
    Independent of `as_of`, so incremental by lead (macro leads_to_refresh): a run
    recomputes the leads that landed again and the leads of re-landed companies.
-#}

with

{{ leads_to_refresh_cte() }}
leads as (
    select
        lead_id,
        email_domain,
        job_title,
        company_id,
        lead_source,
        campaign_id,
        created_at
    from {{ ref('stg_crm__leads') }}
    where {{ in_leads_to_refresh() }}
),

companies as (
    select
        company_id,
        company_name,
        employee_count,
        industry,
        country_code,
        account_tier
    from {{ ref('stg_crm__companies') }}
),

free_email_domains as (
    select email_domain
    from {{ ref('free_email_domains') }}
),

excluded_email_domains as (
    select
        email_domain,
        kind
    from {{ ref('excluded_email_domains') }}
),

enriched as (
    select
        leads.lead_id,
        leads.company_id,
        companies.company_name,
        leads.email_domain,
        coalesce(free_email_domains.email_domain is not null, false) as is_free_email_domain,
        excluded_email_domains.kind as excluded_domain_kind,
        leads.job_title,
        leads.lead_source,
        leads.campaign_id,
        companies.industry,
        companies.employee_count,
        companies.country_code,
        companies.account_tier,
        leads.created_at
    from leads
    left join companies
        on leads.company_id = companies.company_id
    left join free_email_domains
        on leads.email_domain = free_email_domains.email_domain
    left join excluded_email_domains
        on leads.email_domain = excluded_email_domains.email_domain
),

final as (
    {{ refresh_batch('enriched', keys='leads_to_refresh') | indent(4) }}
)

select * from final
