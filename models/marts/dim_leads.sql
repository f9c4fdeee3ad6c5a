{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    One row per lead created at or before `as_of`: attributes for slicing, no personal
    data. Incremental by lead (saves ~3 s a run at L, docs/performance.md): a run
    recomputes leads_to_refresh() and the leads whose `as_of` window changed, found
    without remembering the last `as_of`: every lead created after the newest stored
    one (the window can only have gained those) and every stored lead created after
    this `as_of` (an earlier `as_of` drops them).
-#}

with

{{ leads_to_refresh_cte('changed_leads') }}
{% if is_incremental() -%}
leads_to_refresh as (
    select changed_leads.lead_id
    from changed_leads
    union
    select entering.lead_id
    from {{ ref('int_leads_enriched') }} as entering
    where entering.created_at > (select max(last_build.created_at) from {{ this }} as last_build)
    union
    select leaving.lead_id
    from {{ this }} as leaving
    where leaving.created_at > {{ as_of_timestamp() }}
),

{% endif -%}
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
    where
        created_at <= {{ as_of_timestamp() }}
        and {{ in_leads_to_refresh() }}
),

final as (
    {{ refresh_batch('leads', keys='leads_to_refresh') | indent(4) }}
)

select * from final
