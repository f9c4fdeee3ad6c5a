{#-
    One row per email event: its newest valid landing. Orphans (no staged lead) are kept.
-#}

with

email_events as (
    select
        event_id,
        lead_id,
        email_campaign_id,
        event_type,
        occurred_at,
        loaded_at,
        _refreshed_at
    from {{ ref('landing_marketing__email_events') }}
    where is_staged
)

select * from email_events
