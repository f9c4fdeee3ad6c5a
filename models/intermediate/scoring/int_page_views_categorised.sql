{{ config(materialized='view') }}

{#-
    Every staged page view of a lead (anonymous views are left out) with its page
    category (seed page_categories): the lowest priority number among the URL patterns
    its lowercased URL matches wins; no match is `other`. A view: scoring reads it
    through int_lead_events_unioned for the leads it recomputes.
-#}

with

page_views as (
    select
        event_id,
        lead_id,
        page_url,
        occurred_at,
        _refreshed_at
    from {{ ref('stg_web__page_views') }}
    where lead_id is not null
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

page_urls as (
    select distinct page_url
    from page_views
),

page_urls_categorised as (
    -- each distinct URL once (far fewer than page views): the lowest priority number
    -- among the matching patterns wins; no match is `other`
    select
        page_urls.page_url,
        min(page_categories.priority) as matched_priority
    from page_urls
    left join page_categories
        on lower(page_urls.page_url) like page_categories.url_pattern
    group by page_urls.page_url
),

page_views_categorised as (
    select
        page_views.event_id,
        page_views.lead_id,
        coalesce(category_priorities.page_category, 'other') as page_category,
        page_views.occurred_at,
        page_views._refreshed_at
    from page_views
    left join page_urls_categorised
        on page_views.page_url = page_urls_categorised.page_url
    left join category_priorities
        on page_urls_categorised.matched_priority = category_priorities.priority
)

select * from page_views_categorised
