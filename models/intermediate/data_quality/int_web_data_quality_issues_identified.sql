{#-
    Data-quality issues of the web tables, one row per issue: rejected rows, extra copies of
    events, and staged events whose lead is not a staged lead (orphans). Anonymous page
    views (no lead_id) are not issues.
    Incremental by raw record (macro records_to_refresh): a run recomputes the issues of
    the records landed again since its last build and of the orphans of newly staged
    leads, and numbers them (issue_id) here, so the mart only unions the three models.
-#}
{%- set watermark = newest_in_target('loaded_at') %}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ records_to_refresh([
        ('web_page_views', ref('landing_web__page_views'), 'event_id'),
        ('form_submissions', ref('landing_web__form_submissions'), 'event_id'),
    ]) | indent(4) }}
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
    from {{ ref('landing_web__page_views') }}
    where {{ in_records_to_refresh('event_id', 'web_page_views', watermark) }}
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
    from {{ ref('landing_web__form_submissions') }}
    where {{ in_records_to_refresh('event_id', 'form_submissions', watermark) }}
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

issues_found as (
    select * from page_view_issues
    union all
    select * from form_submission_issues
),

issues as (
    {{ issues_with_ids('issues_found') | indent(4) }}
),

final as (
    {{ refresh_batch('issues', keys='records_to_refresh') | indent(4) }}
)

select * from final
