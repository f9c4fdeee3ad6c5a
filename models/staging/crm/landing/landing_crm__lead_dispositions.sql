{#-
    Every landed disposition row (sales recycled or disqualified a lead), cast and
    normalised, with its validation result and whether it is an extra copy of a
    disposition landed more than once (the newest landing is kept). A disposition other
    than recycled or disqualified is nulled here and flagged; the reason is free text.
-#}
{%- set raw_column_types = get_raw_column_types(source('crm', 'crm_lead_dispositions')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='disposition_id',
    )
}}

with

raw_lead_dispositions as (
    select * from {{ source('crm', 'crm_lead_dispositions') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

lead_dispositions_cast as (
    select
        {{ clean_text('disposition_id') }} as disposition_id,
        {{ clean_text('lead_id') }} as lead_id,
        lower({{ clean_text('disposition') }}) as normalised_disposition,
        {{ clean_text('reason') }} as reason,
        {{ parse_raw_value('occurred_at', dbt.type_timestamp(), raw_column_types) }} as occurred_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_lead_dispositions
),

lead_dispositions_validated as (
    select
        disposition_id,
        lead_id,
        case
            when normalised_disposition in ('recycled', 'disqualified')
                then normalised_disposition
        end as disposition,
        reason,
        occurred_at,
        loaded_at,
        {{ rejection_checks('disposition_id', 'occurred_at', is_event=true, requires_lead=true) }},
        coalesce(normalised_disposition not in ('recycled', 'disqualified'), false)
            as has_invalid_disposition
    from lead_dispositions_cast
),

lead_dispositions_landed as (
    {{ landings_to_rank('lead_dispositions_validated', 'disposition_id', watermark) | indent(4) }}
),

lead_dispositions_deduplicated as (
    -- copies are ranked among the valid rows only: a rejected newest landing does not
    -- make the valid copy a duplicate
    select
        *,
        {% call valid_landing_number('disposition_id') -%}
            loaded_at desc,
            occurred_at desc,
            {{ code_point_order('lead_id') }} asc nulls last,
            {{ code_point_order('disposition') }} asc nulls last,
            {{ code_point_order('reason') }} asc nulls last
        {%- endcall %} as copy_number
    from lead_dispositions_landed
),

flagged as (
    select
        *,
        {{ landing_flags('copy_number') | indent(4) }}
    from lead_dispositions_deduplicated
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
