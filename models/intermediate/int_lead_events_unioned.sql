{{
    config(
        materialized='incremental',
        incremental_strategy='key_refresh',
        unique_key=['event_source', 'event_id'],
        refresh_marker_column='signal',
        on_schema_change='fail',
    )
}}

{#-
    One stream of every lead activity that can carry a scoring signal (SPEC section 2),
    from the five activity sources and sales activities. Anonymous page views and
    event types that map to no signal (email `delivered`, sales calls, ...) are left out.
    Incremental by event: a run recomputes the events whose base_ rows were recomputed
    since its last build (a re-landed event may have moved to another lead or lost its
    signal: refresh markers clear it), every event when a seed changed (page
    categories). The scoring model reads the events of the leads it recomputes.
-#}

{%- set event_sources = ['web_page_views', 'email_events', 'webinar_events', 'content_downloads',
                         'form_submissions', 'sales_activities'] %}

-- depends_on: {{ ref('int_landings_unioned') }}

with

rules_fingerprint as (
    select fingerprint
    from {{ ref('int_scoring_rules_fingerprinted') }}
),

{% if is_incremental() -%}
previous_build as (
    select
        max(_refreshed_at) as refreshed_at,
        max(_rules_fingerprint) as rules_fingerprint
    from {{ this }}
),

records_to_refresh as (
    -- events recomputed by a base_ model since the last build
    select
        landings.source_table,
        landings.record_id
    from {{ ref('int_landings_unioned') }} as landings
    where
        landings._refreshed_at > (select previous_build.refreshed_at from previous_build)
        and landings.source_table in ('{{ event_sources | join("', '") }}')
        and landings.record_id is not null
    union
    -- every event: no previous build, a clock that went back, or changed seeds
    select
        landings.source_table,
        landings.record_id
    from {{ ref('int_landings_unioned') }} as landings
    where
        landings.source_table in ('{{ event_sources | join("', '") }}')
        and landings.record_id is not null
        and exists (
            select 1
            from previous_build
            cross join rules_fingerprint
            where
                previous_build.refreshed_at is null
                or previous_build.refreshed_at >= {{ refresh_timestamp() }}
                or previous_build.rules_fingerprint != rules_fingerprint.fingerprint
        )
),

{% endif -%}
page_views as (
    select
        event_id,
        lead_id,
        page_url,
        occurred_at
    from {{ ref('stg_web__page_views') }}
    where
        lead_id is not null
        and {{ in_event_batch('event_id', 'web_page_views') }}
),

page_categories as (
    select
        page_category,
        url_pattern,
        priority
    from {{ ref('page_categories') }}
),

category_priorities as (
    select distinct
        page_category,
        priority
    from page_categories
),

page_views_matched as (
    -- lowest priority number among the matching patterns wins; no match is `other`
    select
        page_views.event_id,
        page_views.lead_id,
        page_views.occurred_at,
        min(page_categories.priority) as matched_priority
    from page_views
    left join page_categories
        on lower(page_views.page_url) like page_categories.url_pattern
    group by
        page_views.event_id,
        page_views.lead_id,
        page_views.occurred_at
),

page_view_signals as (
    select
        'web_page_views' as event_source,
        page_views_matched.event_id,
        page_views_matched.lead_id,
        'page_view' as signal,
        coalesce(category_priorities.page_category, 'other') as qualifier,
        page_views_matched.occurred_at
    from page_views_matched
    left join category_priorities
        on page_views_matched.matched_priority = category_priorities.priority
),

email_signals as (
    select
        'email_events' as event_source,
        event_id,
        lead_id,
        'email_' || event_type as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        occurred_at
    from {{ ref('stg_marketing__email_events') }}
    where
        event_type in ('open', 'click', 'bounce', 'unsubscribe')
        and {{ in_event_batch('event_id', 'email_events') }}
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
        occurred_at
    from {{ ref('stg_marketing__webinar_events') }}
    where
        event_type in ('registered', 'attended')
        and {{ in_event_batch('event_id', 'webinar_events') }}
),

download_signals as (
    select
        'content_downloads' as event_source,
        event_id,
        lead_id,
        'content_download' as signal,
        asset_type as qualifier,
        occurred_at
    from {{ ref('stg_marketing__content_downloads') }}
    where {{ in_event_batch('event_id', 'content_downloads') }}
),

form_signals as (
    select
        'form_submissions' as event_source,
        event_id,
        lead_id,
        'form_submission' as signal,
        form_type as qualifier,
        occurred_at
    from {{ ref('stg_web__form_submissions') }}
    where {{ in_event_batch('event_id', 'form_submissions') }}
),

sales_meeting_signals as (
    select
        'sales_activities' as event_source,
        activity_id as event_id,
        lead_id,
        'sales_meeting' as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        occurred_at
    from {{ ref('stg_crm__sales_activities') }}
    where
        activity_type = 'meeting'
        and {{ in_event_batch('activity_id', 'sales_activities') }}
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
    {%- if is_incremental() %}
    union all
    -- refresh markers: every recomputed event's old row goes, signal or not
    select
        records_to_refresh.source_table as event_source,
        records_to_refresh.record_id as event_id,
        cast(null as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at
    from records_to_refresh
    {%- endif %}
),

final as (
    select
        unioned.*,
        {{ refresh_timestamp() }} as _refreshed_at,
        rules_fingerprint.fingerprint as _rules_fingerprint
    from unioned
    cross join rules_fingerprint
)

select * from final
