{#-
    Data-quality issues of the marketing tables, one row per issue: rejected rows, extra
    copies of events, unknown event types nulled in staged rows, and staged events whose
    lead is not a staged lead (orphans).
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
    select
        'email_events' as source_table,
        event_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'event_id' else rejected_column end as column_name,
        loaded_at
    from email_events
    where is_rejected or is_duplicate

    union all

    select
        'email_events' as source_table,
        event_id as record_id,
        'invalid_value' as issue,
        'event_type' as column_name,
        loaded_at
    from email_events
    where is_staged and has_invalid_event_type
),

email_event_orphans as (
    select
        'email_events' as source_table,
        email_events.event_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        email_events.loaded_at
    from email_events
    left join staged_leads
        on email_events.lead_id = staged_leads.lead_id
    where email_events.is_staged and staged_leads.lead_id is null
),

webinar_event_issues as (
    select
        'webinar_events' as source_table,
        event_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'event_id' else rejected_column end as column_name,
        loaded_at
    from webinar_events
    where is_rejected or is_duplicate

    union all

    select
        'webinar_events' as source_table,
        event_id as record_id,
        'invalid_value' as issue,
        'event_type' as column_name,
        loaded_at
    from webinar_events
    where is_staged and has_invalid_event_type
),

webinar_event_orphans as (
    select
        'webinar_events' as source_table,
        webinar_events.event_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        webinar_events.loaded_at
    from webinar_events
    left join staged_leads
        on webinar_events.lead_id = staged_leads.lead_id
    where webinar_events.is_staged and staged_leads.lead_id is null
),

content_download_issues as (
    select
        'content_downloads' as source_table,
        event_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'event_id' else rejected_column end as column_name,
        loaded_at
    from content_downloads
    where is_rejected or is_duplicate
),

content_download_orphans as (
    select
        'content_downloads' as source_table,
        content_downloads.event_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        content_downloads.loaded_at
    from content_downloads
    left join staged_leads
        on content_downloads.lead_id = staged_leads.lead_id
    where content_downloads.is_staged and staged_leads.lead_id is null
),

unioned as (
    select * from email_event_issues
    union all
    select * from email_event_orphans
    union all
    select * from webinar_event_issues
    union all
    select * from webinar_event_orphans
    union all
    select * from content_download_issues
    union all
    select * from content_download_orphans
),

issues_numbered as (
    -- rows sharing all five columns (identical copies landed at the same time, rows without
    -- an id) are told apart by a running number; as they are identical, the order in which
    -- they are numbered does not change the result
    select
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at,
        row_number() over (
            partition by source_table, record_id, issue, column_name, loaded_at
            order by source_table
        ) as occurrence_number
    from unioned
),

final as (
    select
        {{ surrogate_key(['source_table', 'record_id', 'issue', 'column_name', 'loaded_at', 'occurrence_number']) }}
            as issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at
    from issues_numbered
)

select * from final
