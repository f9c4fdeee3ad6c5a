{#-
    Data-quality issues of the marketing tables, one row per issue: rejected rows, extra
    copies of events, unknown event types nulled in staged rows, and staged events whose
    lead is not a staged lead (orphans).
    Checks per table: macro issue_checks; the SQL: macro data_quality_issues_identified.
-#}

{{ data_quality_issues_identified([
    issue_checks(
        'email_events', ref('landing_marketing__email_events'), 'event_id',
        duplicates=true, invalid_values=['event_type'], orphan_leads=true,
    ),
    issue_checks(
        'webinar_events', ref('landing_marketing__webinar_events'), 'event_id',
        duplicates=true, invalid_values=['event_type'], orphan_leads=true,
    ),
    issue_checks(
        'content_downloads', ref('landing_marketing__content_downloads'), 'event_id',
        duplicates=true, orphan_leads=true,
    ),
]) }}
