{#-
    Data-quality issues of the web tables, one row per issue: rejected rows, extra copies of
    events, and staged events whose lead is not a staged lead (orphans). Anonymous page
    views (no lead_id) are not issues.
-#}

with

page_views as (
    select
        event_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged
    from {{ ref('base_web__page_views') }}
),

form_submissions as (
    select
        event_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged
    from {{ ref('base_web__form_submissions') }}
),

staged_leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
),

page_view_issues as (
    select
        'web_page_views' as source_table,
        event_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'event_id' else rejected_column end as column_name,
        loaded_at
    from page_views
    where is_rejected or is_duplicate
),

page_view_orphans as (
    select
        'web_page_views' as source_table,
        page_views.event_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        page_views.loaded_at
    from page_views
    left join staged_leads
        on page_views.lead_id = staged_leads.lead_id
    where
        page_views.is_staged
        and page_views.lead_id is not null
        and staged_leads.lead_id is null
),

form_submission_issues as (
    select
        'form_submissions' as source_table,
        event_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'event_id' else rejected_column end as column_name,
        loaded_at
    from form_submissions
    where is_rejected or is_duplicate
),

form_submission_orphans as (
    select
        'form_submissions' as source_table,
        form_submissions.event_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        form_submissions.loaded_at
    from form_submissions
    left join staged_leads
        on form_submissions.lead_id = staged_leads.lead_id
    where form_submissions.is_staged and staged_leads.lead_id is null
),

unioned as (
    select * from page_view_issues
    union all
    select * from page_view_orphans
    union all
    select * from form_submission_issues
    union all
    select * from form_submission_orphans
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
