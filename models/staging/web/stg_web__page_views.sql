{#-
    One row per page view: its newest valid landing. Anonymous views (null lead_id) are kept.
-#}

with

page_views as (
    select
        event_id,
        lead_id,
        page_url,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_web__page_views') }}
    where is_staged
)

select * from page_views
