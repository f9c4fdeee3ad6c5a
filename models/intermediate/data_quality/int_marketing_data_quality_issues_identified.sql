{#-
    Data-quality issues of the marketing tables, one row per issue: rejected rows, extra
    copies of events, unknown event types nulled in staged rows, and staged events whose
    lead is not a staged lead (orphans).
    Incremental by raw record (macro records_to_refresh): a run recomputes the issues of
    the records landed again since its last build and of the orphans of newly staged
    leads, and numbers them (issue_id) here, so the mart only unions the three models.
-#}
{%- set watermark = newest_in_target('loaded_at') %}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ records_to_refresh([
        ('email_events', ref('landing_marketing__email_events'), 'event_id'),
        ('webinar_events', ref('landing_marketing__webinar_events'), 'event_id'),
        ('content_downloads', ref('landing_marketing__content_downloads'), 'event_id'),
    ]) | indent(4) }}
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
    from {{ ref('landing_marketing__email_events') }}
    where {{ in_records_to_refresh('event_id', 'email_events', watermark) }}
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
    from {{ ref('landing_marketing__webinar_events') }}
    where {{ in_records_to_refresh('event_id', 'webinar_events', watermark) }}
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
    from {{ ref('landing_marketing__content_downloads') }}
    where {{ in_records_to_refresh('event_id', 'content_downloads', watermark) }}
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

issues_found as (
    select * from email_event_issues
    union all
    select * from webinar_event_issues
    union all
    select * from content_download_issues
),

issues as (
    {{ issues_with_ids('issues_found') | indent(4) }}
),

final as (
    {{ refresh_batch('issues', keys='records_to_refresh') | indent(4) }}
)

select * from final
