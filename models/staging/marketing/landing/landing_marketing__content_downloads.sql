{#-
    Every landed content-download row, cast and normalised, with its validation result and
    whether it is an extra copy of an event landed more than once (the newest landing is
    kept). asset_type is lowercased; types beyond the known ones are kept as they are.
-#}
{%- set raw_column_types = get_raw_column_types(source('marketing', 'content_downloads')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='event_id',
    )
}}

with

raw_content_downloads as (
    select * from {{ source('marketing', 'content_downloads') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

content_downloads_cast as (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('asset_id') }} as asset_id,
        lower({{ clean_text('asset_type') }}) as asset_type,
        {{ parse_raw_value('occurred_at', dbt.type_timestamp(), raw_column_types) }} as occurred_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_content_downloads
),

content_downloads_validated as (
    select
        event_id,
        lead_id,
        asset_id,
        asset_type,
        occurred_at,
        loaded_at,
        {{ rejection_checks('event_id', 'occurred_at', is_event=true, requires_lead=true) }}
    from content_downloads_cast
),

content_downloads_landed as (
    {{ landings_to_rank('content_downloads_validated', 'event_id', watermark) | indent(4) }}
),

content_downloads_deduplicated as (
    -- copies are ranked among the valid rows only: a rejected newest landing does not
    -- make the valid copy a duplicate
    select
        *,
        {% call valid_landing_number('event_id') -%}
            loaded_at desc,
            occurred_at desc,
            {{ code_point_order('lead_id') }} asc nulls last,
            {{ code_point_order('asset_id') }} asc nulls last,
            {{ code_point_order('asset_type') }} asc nulls last
        {%- endcall %} as copy_number
    from content_downloads_landed
),

flagged as (
    select
        *,
        {{ landing_flags('copy_number') | indent(4) }}
    from content_downloads_deduplicated
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
