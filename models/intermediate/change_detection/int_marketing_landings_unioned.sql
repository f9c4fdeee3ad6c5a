{{ config(materialized='view') }}

{#-
    Change detection, marketing: every valid landed email event, webinar event and
    content download, every copy, with its lead and when its landing model last
    (re)computed it.
-#}

{{ valid_lead_landings([
    ('email_events', 'landing_marketing__email_events', 'event_id', 'copy_number'),
    ('webinar_events', 'landing_marketing__webinar_events', 'event_id', 'copy_number'),
    ('content_downloads', 'landing_marketing__content_downloads', 'event_id', 'copy_number'),
]) }}
