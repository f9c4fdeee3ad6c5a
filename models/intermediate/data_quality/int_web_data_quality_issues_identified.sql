{#-
    Data-quality issues of the web tables, one row per issue: rejected rows, extra copies of
    events, and staged events whose lead is not a staged lead (orphans). Anonymous page
    views (no lead_id) are not issues.
    Checks per table: macro issue_checks; the SQL: macro data_quality_issues_identified.
-#}

{{ data_quality_issues_identified([
    issue_checks(
        'web_page_views', ref('landing_web__page_views'), 'event_id',
        duplicates=true, orphan_leads=true,
    ),
    issue_checks(
        'form_submissions', ref('landing_web__form_submissions'), 'event_id',
        duplicates=true, orphan_leads=true,
    ),
]) }}
