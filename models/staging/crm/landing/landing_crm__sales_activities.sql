{#-
    Every landed sales-activity row (a call, email, meeting or task logged against a lead),
    cast and normalised, with its validation result and whether it is an extra copy of an
    activity landed more than once (the newest landing is kept). An activity_type other than
    call, email, meeting or task is nulled here and flagged.
-#}
{%- set raw_column_types = get_raw_column_types(source('crm', 'sales_activities')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='activity_id',
    )
}}

with

raw_sales_activities as (
    select * from {{ source('crm', 'sales_activities') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

sales_activities_cast as (
    select
        {{ clean_text('activity_id') }} as activity_id,
        {{ clean_text('lead_id') }} as lead_id,
        lower({{ clean_text('activity_type') }}) as normalised_activity_type,
        {{ parse_raw_value('occurred_at', dbt.type_timestamp(), raw_column_types) }} as occurred_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_sales_activities
),

sales_activities_validated as (
    select
        activity_id,
        lead_id,
        case
            when normalised_activity_type in ('call', 'email', 'meeting', 'task')
                then normalised_activity_type
        end as activity_type,
        occurred_at,
        loaded_at,
        {{ rejection_checks('activity_id', 'occurred_at', is_event=true, requires_lead=true) }},
        coalesce(normalised_activity_type not in ('call', 'email', 'meeting', 'task'), false)
            as has_invalid_activity_type
    from sales_activities_cast
),

sales_activities_landed as (
    {{ landings_to_rank('sales_activities_validated', 'activity_id', watermark) | indent(4) }}
),

sales_activities_deduplicated as (
    -- copies are ranked among the valid rows only: a rejected newest landing does not
    -- make the valid copy a duplicate
    select
        *,
        {% call valid_landing_number('activity_id') -%}
            loaded_at desc,
            occurred_at desc,
            {{ code_point_order('lead_id') }} asc nulls last,
            {{ code_point_order('activity_type') }} asc nulls last
        {%- endcall %} as copy_number
    from sales_activities_landed
),

flagged as (
    select
        *,
        {{ landing_flags('copy_number') | indent(4) }}
    from sales_activities_deduplicated
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
