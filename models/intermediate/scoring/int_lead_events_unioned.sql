{{ config(materialized='view') }}

{#-
    One stream of every lead activity that can carry a scoring signal (SPEC section 2),
    from the five activity sources (page views categorised by int_page_views_categorised)
    and sales activities. Anonymous page views and event types that map to no signal
    (email `delivered`, sales calls, ...) are left out. A view: the incremental scoring
    model reads it for the leads it recomputes. `_refreshed_at` (when the landing model
    last recomputed the event) lets a scoped test read only the recomputed events.
-#}

with

page_view_signals as (
    select
        'web_page_views' as event_source,
        event_id,
        lead_id,
        'page_view' as signal,
        page_category as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('int_page_views_categorised') }}
),

email_signals as (
    select
        'email_events' as event_source,
        event_id,
        lead_id,
        'email_' || event_type as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_marketing__email_events') }}
    where event_type in ('open', 'click', 'bounce', 'unsubscribe')
),

webinar_signals as (
    select
        'webinar_events' as event_source,
        event_id,
        lead_id,
        case event_type
            when 'registered' then 'webinar_registration'
            when 'attended' then 'webinar_attendance'
        end as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_marketing__webinar_events') }}
    where event_type in ('registered', 'attended')
),

download_signals as (
    select
        'content_downloads' as event_source,
        event_id,
        lead_id,
        'content_download' as signal,
        asset_type as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_marketing__content_downloads') }}
),

form_signals as (
    select
        'form_submissions' as event_source,
        event_id,
        lead_id,
        'form_submission' as signal,
        form_type as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_web__form_submissions') }}
),

sales_meeting_signals as (
    select
        'sales_activities' as event_source,
        activity_id as event_id,
        lead_id,
        'sales_meeting' as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_crm__sales_activities') }}
    where activity_type = 'meeting'
),

unioned as (
    select * from page_view_signals
    union all
    select * from email_signals
    union all
    select * from webinar_signals
    union all
    select * from download_signals
    union all
    select * from form_signals
    union all
    select * from sales_meeting_signals
)

select * from unioned
