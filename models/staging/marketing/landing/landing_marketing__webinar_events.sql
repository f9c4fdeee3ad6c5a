{#-
    Every landed webinar-event row, cast and normalised, with its validation result and
    whether it is an extra copy of an event landed more than once (the newest landing is
    kept). An event_type other than registered or attended is nulled here and flagged.
-#}
{%- set raw_column_types = get_raw_column_types(source('marketing', 'webinar_events')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='event_id',
    )
}}

with

raw_webinar_events as (
    select * from {{ source('marketing', 'webinar_events') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

webinar_events_cast as (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('webinar_id') }} as webinar_id,
        lower({{ clean_text('event_type') }}) as normalised_event_type,
        {{ parse_raw_value('occurred_at', dbt.type_timestamp(), raw_column_types) }} as occurred_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_webinar_events
),

webinar_events_validated as (
    select
        event_id,
        lead_id,
        webinar_id,
        case
            when normalised_event_type in ('registered', 'attended')
                then normalised_event_type
        end as event_type,
        occurred_at,
        loaded_at,
        {{ rejection_checks('event_id', 'occurred_at', is_event=true, requires_lead=true) }},
        coalesce(normalised_event_type not in ('registered', 'attended'), false) as has_invalid_event_type
    from webinar_events_cast
),

webinar_events_landed as (
    {{ landings_to_rank('webinar_events_validated', 'event_id', watermark) | indent(4) }}
),

webinar_events_deduplicated as (
    -- copies are ranked among the valid rows only: a rejected newest landing does not
    -- make the valid copy a duplicate
    select
        *,
        {% call valid_landing_number('event_id') -%}
            loaded_at desc,
            occurred_at desc,
            {{ code_point_order('lead_id') }} asc nulls last,
            {{ code_point_order('webinar_id') }} asc nulls last,
            {{ code_point_order('event_type') }} asc nulls last
        {%- endcall %} as copy_number
    from webinar_events_landed
),

flagged as (
    select
        *,
        {{ landing_flags('copy_number') | indent(4) }}
    from webinar_events_deduplicated
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
