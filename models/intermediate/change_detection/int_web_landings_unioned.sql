{{ config(materialized='view') }}

{#-
    Change detection, web: every valid landed page view and form submission of a lead
    (anonymous page views concern no lead), every copy, with its lead and when its
    landing model last (re)computed it.
-#}

{{ valid_lead_landings([
    ('web_page_views', 'landing_web__page_views', 'event_id', 'copy_number'),
    ('form_submissions', 'landing_web__form_submissions', 'event_id', 'copy_number'),
]) }}
