{#-
    Every landed CRM opportunity row, cast, with its validation result and whether a newer
    landing of the same opportunity supersedes it (opportunities have no updated_at: the
    newest _loaded_at wins, a closed version before an open one on a tie). Unparseable
    closed_at, is_won and amount are nulled here and flagged.
-#}
{%- set raw_column_types = get_raw_column_types(source('crm', 'crm_opportunities')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='opportunity_id',
    )
}}

with

raw_opportunities as (
    select * from {{ source('crm', 'crm_opportunities') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

opportunities_cast as (
    select
        {{ clean_text('opportunity_id') }} as opportunity_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ parse_raw_value('created_at', dbt.type_timestamp(), raw_column_types) }} as created_at,
        {{ parse_raw_value('closed_at', dbt.type_timestamp(), raw_column_types) }} as closed_at,
        {{ has_raw_value('closed_at', raw_column_types) }} as has_raw_closed_at,
        {{ parse_raw_value('is_won', dbt.type_boolean(), raw_column_types) }} as is_won,
        {{ has_raw_value('is_won', raw_column_types) }} as has_raw_is_won,
        {{ parse_raw_value('amount', api.Column.numeric_type('decimal', 18, 2), raw_column_types) }} as amount,
        {{ has_raw_value('amount', raw_column_types) }} as has_raw_amount,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_opportunities
),

opportunities_validated as (
    select
        opportunity_id,
        lead_id,
        created_at,
        closed_at,
        is_won,
        amount,
        loaded_at,
        {{ rejection_checks('opportunity_id', 'created_at', requires_lead=true) }},
        has_raw_closed_at and closed_at is null as has_invalid_closed_at,
        has_raw_is_won and is_won is null as has_invalid_is_won,
        has_raw_amount and amount is null as has_invalid_amount
    from opportunities_cast
),

opportunities_landed as (
    {{ landings_to_rank('opportunities_validated', 'opportunity_id', watermark) | indent(4) }}
),

opportunities_versioned as (
    -- versions are ranked among the valid rows only: a rejected newest landing does not
    -- supersede the last valid one
    select
        *,
        {% call valid_landing_number('opportunity_id') -%}
            loaded_at desc,
            closed_at desc nulls last,
            is_won desc nulls last,
            amount desc nulls last,
            created_at desc,
            {{ code_point_order('lead_id') }} asc
        {%- endcall %} as version_number
    from opportunities_landed
),

flagged as (
    select
        *,
        {{ landing_flags('version_number') | indent(4) }}
    from opportunities_versioned
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
