{#-
    Every landed CRM company row, cast and normalised, with its validation result and
    whether a newer version of the same company supersedes it. Invalid optional values
    (negative or unparseable employee_count, account_tier not 1-3, unparseable updated_at)
    are nulled here and flagged.
-#}
{%- set raw_column_types = get_raw_column_types(source('crm', 'crm_companies')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='company_id',
    )
}}

with

raw_companies as (
    select * from {{ source('crm', 'crm_companies') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

companies_cast as (
    select
        {{ clean_text('company_id') }} as company_id,
        {{ clean_text('company_name') }} as company_name,
        -- `domain` is a raw and staging column name (RF04: also an SQL keyword)
        lower({{ clean_text('domain') }}) as domain,  -- noqa: RF04
        {{ parse_raw_integer('employee_count', raw_column_types) }} as parsed_employee_count,
        {{ has_raw_value('employee_count', raw_column_types) }} as has_raw_employee_count,
        lower({{ clean_text('industry') }}) as industry,
        upper({{ clean_text('country_code') }}) as country_code,
        {{ parse_raw_integer('account_tier', raw_column_types) }} as parsed_account_tier,
        {{ has_raw_value('account_tier', raw_column_types) }} as has_raw_account_tier,
        {{ parse_raw_value('updated_at', dbt.type_timestamp(), raw_column_types) }} as updated_at,
        {{ has_raw_value('updated_at', raw_column_types) }} as has_raw_updated_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_companies
),

companies_validated as (
    select
        company_id,
        company_name,
        domain,
        case when parsed_employee_count >= 0 then parsed_employee_count end as employee_count,
        industry,
        country_code,
        case when parsed_account_tier in (1, 2, 3) then parsed_account_tier end as account_tier,
        updated_at,
        loaded_at,
        {{ rejection_checks('company_id') }},
        has_raw_employee_count and coalesce(parsed_employee_count < 0, true) as has_invalid_employee_count,
        has_raw_account_tier and coalesce(parsed_account_tier not in (1, 2, 3), true)
            as has_invalid_account_tier,
        has_raw_updated_at and updated_at is null as has_invalid_updated_at
    from companies_cast
),

companies_landed as (
    {{ landings_to_rank('companies_validated', 'company_id', watermark) | indent(4) }}
),

companies_versioned as (
    -- versions are ranked among the valid rows only: a rejected newest landing does not
    -- supersede the last valid one
    select
        *,
        {% call valid_landing_number('company_id') -%}
            updated_at desc nulls last,
            loaded_at desc,
            {{ code_point_order('company_name') }} asc nulls last,
            {{ code_point_order('domain') }} asc nulls last,
            employee_count asc nulls last,
            {{ code_point_order('industry') }} asc nulls last,
            {{ code_point_order('country_code') }} asc nulls last,
            account_tier asc nulls last
        {%- endcall %} as version_number
    from companies_landed
),

flagged as (
    select
        *,
        {{ landing_flags('version_number') | indent(4) }}
    from companies_versioned
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
