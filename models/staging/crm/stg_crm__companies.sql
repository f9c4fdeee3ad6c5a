{#-
    One row per CRM company: its newest valid version (newest updated_at, then newest _loaded_at).
-#}

with

companies as (
    select
        company_id,
        company_name,
        domain,
        employee_count,
        industry,
        country_code,
        account_tier,
        updated_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_crm__companies') }}
    where is_staged
)

select * from companies
