{#-
    One row per content download: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

content_downloads as (
    select
        event_id,
        lead_id,
        asset_id,
        asset_type,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_marketing__content_downloads') }}
    where is_staged
)

select * from content_downloads
