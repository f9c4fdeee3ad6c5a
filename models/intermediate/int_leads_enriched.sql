{{
    config(
        materialized='incremental',
        incremental_strategy='key_refresh',
        unique_key='lead_id',
        on_schema_change='fail',
    )
}}

{#-
    One row per staged lead with its company's firmographics and whether its email
    domain is a free-mail domain. The source of `dim_leads` and of the fit score.
    Independent of `as_of`, so incremental: a run recomputes the leads that landed
    again and the leads of re-landed companies (macro lead_refresh_batch).
-#}

-- depends_on: {{ ref('int_landings_unioned') }}

with

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
    {%- if is_incremental() %}
    where lead_id in (
        {{ lead_refresh_batch(ref('int_landings_unioned'), ref('int_scoring_rules_fingerprinted')) | indent(8) }}
    )
    {%- endif %}
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

rules_fingerprint as (
    select fingerprint
    from {{ ref('int_scoring_rules_fingerprinted') }}
),

free_email_domains as (
    select email_domain
    from {{ ref('free_email_domains') }}
),

enriched as (
    select
        leads.lead_id,
        leads.company_id,
        companies.company_name,
        leads.email_domain,
        coalesce(free_email_domains.email_domain is not null, false) as is_free_email_domain,
        leads.job_title,
        leads.lead_source,
        leads.campaign_id,
        companies.industry,
        companies.employee_count,
        companies.country_code,
        companies.account_tier,
        leads.created_at,
        {{ refresh_timestamp() }} as _refreshed_at,
        rules_fingerprint.fingerprint as _rules_fingerprint
    from leads
    cross join rules_fingerprint
    left join companies
        on leads.company_id = companies.company_id
    left join free_email_domains
        on leads.email_domain = free_email_domains.email_domain
)

select * from enriched
