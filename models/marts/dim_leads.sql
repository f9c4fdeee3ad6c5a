{{
    config(
        materialized='incremental',
        incremental_strategy='key_refresh',
        unique_key='lead_id',
        refresh_marker_column='created_at',
        on_schema_change='fail',
        post_hook="{{ record_model_build() }}",
    )
}}

{#-
    One row per lead created at or before `as_of`: attributes for slicing, no personal
    data. Incremental (macro model_builds): a run rewrites the leads int_leads_enriched
    recomputed since this mart's last build and the leads created between that build's
    `as_of` and this one (in either direction, so an earlier `as_of` removes them);
    everything when there is no comparable previous build.
-#}

-- depends_on: {{ ref('int_scoring_rules_fingerprinted') }}

with

{% if is_incremental() -%}
previous_build as (
    select
        built_at,
        as_of,
        is_comparable
    from {{ previous_model_build() }}
),

leads_to_refresh as (
    select enriched.lead_id
    from {{ ref('int_leads_enriched') }} as enriched
    cross join previous_build
    where
        not previous_build.is_comparable
        or enriched._refreshed_at > previous_build.built_at
        or {{ is_between_build_as_ofs('enriched.created_at') }}
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
    {%- if is_incremental() %}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
),

leads_created as (
    select *
    from leads
    where created_at <= {{ as_of_timestamp() }}
),

final as (
    select * from leads_created
    {%- if is_incremental() %}
    union all
    -- refresh markers: the old row of every refreshed lead goes, also when it is no
    -- longer created by as_of
    select
        leads_to_refresh.lead_id,
        cast(null as {{ dbt.type_string() }}) as company_id,
        cast(null as {{ dbt.type_string() }}) as company_name,
        cast(null as {{ dbt.type_string() }}) as email_domain,
        cast(null as {{ dbt.type_boolean() }}) as is_free_email_domain,
        cast(null as {{ dbt.type_string() }}) as job_title,
        cast(null as {{ dbt.type_string() }}) as lead_source,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_int() }}) as employee_count,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_int() }}) as account_tier,
        cast(null as {{ dbt.type_timestamp() }}) as created_at
    from leads_to_refresh
    {%- endif %}
)

select * from final
