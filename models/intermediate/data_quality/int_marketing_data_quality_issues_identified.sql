{#-
    Data-quality issues of the marketing tables, one row per issue: rejected rows, extra
    copies of events, unknown event types nulled in staged rows, and staged events whose
    lead is not a staged lead (orphans).
    Incremental: a run recomputes the issues of the records landed again since its last
    build and of the records of newly landed leads (macro record_refresh_batch).
-#}

-- depends_on: {{ ref('int_landings_unioned') }}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ record_refresh_batch(ref('int_landings_unioned'), ['email_events', 'webinar_events', 'content_downloads']) | indent(4) }}
),

{% endif -%}
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
    where {{ in_records_to_refresh('event_id', 'email_events') }}
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
    where {{ in_records_to_refresh('event_id', 'webinar_events') }}
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
    where {{ in_records_to_refresh('event_id', 'content_downloads') }}
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

issues_unioned as (
    select * from email_event_issues
    union all
    select * from webinar_event_issues
    union all
    select * from content_download_issues
),

issues as (
    {{ issues_with_ids('issues_unioned') }}
),

final as (
    {{ issues_with_refresh_markers('issues') }}
)

select * from final
