{#-
    Data-quality issues of the web tables, one row per issue: rejected rows, extra copies of
    events, and staged events whose lead is not a staged lead (orphans). Anonymous page
    views (no lead_id) are not issues.
    A view: data_quality_issues reads the three issue models once per run.
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
    {{ rejected_row_issues('page_views', 'web_page_views', 'event_id') }}
    union all
    {{ orphan_lead_issues('page_views', 'web_page_views', 'event_id', 'staged_leads') }}
),

form_submission_issues as (
    {{ rejected_row_issues('form_submissions', 'form_submissions', 'event_id') }}
    union all
    {{ orphan_lead_issues('form_submissions', 'form_submissions', 'event_id', 'staged_leads') }}
),

issues as (
    select * from page_view_issues
    union all
    select * from form_submission_issues
)

select * from issues
