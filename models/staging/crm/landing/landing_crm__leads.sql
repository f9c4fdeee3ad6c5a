{#-
    Every landed CRM lead row, cast and normalised, with its validation result and whether
    a newer version of the same lead supersedes it. stg_crm__leads keeps the staged rows;
    data_quality_issues reports the rejected rows and the invalid values of staged rows.
-#}
{%- set raw_column_types = get_raw_column_types(source('crm', 'crm_leads')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='lead_id',
    )
}}

with

raw_leads as (
    select * from {{ source('crm', 'crm_leads') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

leads_cast as (
    select
        {{ clean_text('lead_id') }} as lead_id,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('job_title') }} as job_title,
        {{ clean_text('company_id') }} as company_id,
        coalesce(lower({{ clean_text('lead_source') }}), 'unknown') as lead_source,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ parse_raw_value('created_at', dbt.type_timestamp(), raw_column_types) }} as created_at,
        {{ parse_raw_value('updated_at', dbt.type_timestamp(), raw_column_types) }} as updated_at,
        {{ has_raw_value('updated_at', raw_column_types) }} as has_raw_updated_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_leads
),

leads_validated as (
    select
        lead_id,
        email,
        nullif({{ dbt.split_part('email', "'@'", 2) }}, '') as email_domain,
        job_title,
        company_id,
        lead_source,
        campaign_id,
        created_at,
        updated_at,
        loaded_at,
        {{ rejection_checks('lead_id', 'created_at') }},
        has_raw_updated_at and updated_at is null as has_invalid_updated_at
    from leads_cast
),

leads_landed as (
    {{ landings_to_rank('leads_validated', 'lead_id', watermark) | indent(4) }}
),

leads_versioned as (
    -- versions are ranked among the valid rows only: a rejected newest landing does not
    -- supersede the last valid one
    select
        *,
        {% call valid_landing_number('lead_id') -%}
            updated_at desc nulls last,
            loaded_at desc,
            created_at desc,
            {{ code_point_order('email') }} asc nulls last,
            {{ code_point_order('job_title') }} asc nulls last,
            {{ code_point_order('company_id') }} asc nulls last,
            {{ code_point_order('lead_source') }} asc,
            {{ code_point_order('campaign_id') }} asc nulls last
        {%- endcall %} as version_number
    from leads_landed
),

flagged as (
    select
        *,
        {{ landing_flags('version_number') | indent(4) }}
    from leads_versioned
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
