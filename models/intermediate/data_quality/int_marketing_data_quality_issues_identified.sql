{#-
    Data-quality issues of the marketing tables, one row per issue: rejected rows, extra
    copies of events, unknown event types nulled in staged rows, and staged events whose
    lead is not a staged lead (orphans).
    A view: data_quality_issues reads the three issue models once per run.
-#}

with

email_events as (
    select
        event_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged,
        has_invalid_event_type
    from {{ ref('base_marketing__email_events') }}
),

webinar_events as (
    select
        event_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged,
        has_invalid_event_type
    from {{ ref('base_marketing__webinar_events') }}
),

content_downloads as (
    select
        event_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged
    from {{ ref('base_marketing__content_downloads') }}
),

staged_leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
),

email_event_issues as (
    {{ rejected_row_issues('email_events', 'email_events', 'event_id') }}
    union all
    {{ invalid_value_issues('email_events', 'email_events', 'event_id', ['event_type']) }}
    union all
    {{ orphan_lead_issues('email_events', 'email_events', 'event_id', 'staged_leads') }}
),

webinar_event_issues as (
    {{ rejected_row_issues('webinar_events', 'webinar_events', 'event_id') }}
    union all
    {{ invalid_value_issues('webinar_events', 'webinar_events', 'event_id', ['event_type']) }}
    union all
    {{ orphan_lead_issues('webinar_events', 'webinar_events', 'event_id', 'staged_leads') }}
),

content_download_issues as (
    {{ rejected_row_issues('content_downloads', 'content_downloads', 'event_id') }}
    union all
    {{ orphan_lead_issues('content_downloads', 'content_downloads', 'event_id', 'staged_leads') }}
),

issues as (
    select * from email_event_issues
    union all
    select * from webinar_event_issues
    union all
    select * from content_download_issues
)

select * from issues
