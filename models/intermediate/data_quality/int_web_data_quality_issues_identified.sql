{#-
    Data-quality issues of the web tables, one row per issue: rejected rows, extra copies of
    events, and staged events whose lead is not a staged lead (orphans). Anonymous page
    views (no lead_id) are not issues.
    Incremental: a run recomputes the issues of the records landed again since its last
    build and of the records of newly landed leads (macro record_refresh_batch).
-#}

-- depends_on: {{ ref('int_landings_unioned') }}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ record_refresh_batch(ref('int_landings_unioned'), ['web_page_views', 'form_submissions']) | indent(4) }}
),

{% endif -%}
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
    where {{ in_records_to_refresh('event_id', 'web_page_views') }}
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
    where {{ in_records_to_refresh('event_id', 'form_submissions') }}
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

issues_unioned as (
    select * from page_view_issues
    union all
    select * from form_submission_issues
),

issues as (
    {{ issues_with_ids('issues_unioned') }}
),

final as (
    {{ issues_with_refresh_markers('issues') }}
)

select * from final
