{#-
    Every landed page-view row, cast and normalised, with its validation result and whether
    it is an extra copy of an event landed more than once (the newest landing is kept).
    A null or blank lead_id is an anonymous visitor: kept, not scored, not reported.
-#}
{%- set raw_column_types = get_raw_column_types(source('web', 'web_page_views')) -%}
{%- set watermark = newest_in_target('loaded_at') -%}
{{
    config(
        unique_key='event_id',
    )
}}

with

raw_page_views as (
    select * from {{ source('web', 'web_page_views') }}
    where {{ raw_rows_to_refresh(raw_column_types, watermark) }}
),

page_views_cast as (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('page_url') }} as page_url,
        {{ parse_raw_value('occurred_at', dbt.type_timestamp(), raw_column_types) }} as occurred_at,
        {{ parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) }} as loaded_at
    from raw_page_views
),

page_views_validated as (
    select
        event_id,
        lead_id,
        page_url,
        occurred_at,
        loaded_at,
        {{ rejection_checks('event_id', 'occurred_at', is_event=true) }}
    from page_views_cast
),

page_views_landed as (
    {{ landings_to_rank('page_views_validated', 'event_id', watermark) | indent(4) }}
),

page_views_deduplicated as (
    -- copies are ranked among the valid rows only: a rejected newest landing does not
    -- make the valid copy a duplicate
    select
        *,
        {% call valid_landing_number('event_id') -%}
            loaded_at desc,
            occurred_at desc,
            {{ code_point_order('lead_id') }} asc nulls last,
            {{ code_point_order('page_url') }} asc nulls last
        {%- endcall %} as copy_number
    from page_views_landed
),

flagged as (
    select
        *,
        {{ landing_flags('copy_number') | indent(4) }}
    from page_views_deduplicated
),

final as (
    {{ refresh_batch('flagged') | indent(4) }}
)

select * from final
