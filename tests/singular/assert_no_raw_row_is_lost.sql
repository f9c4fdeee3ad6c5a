{#-
    Nothing is silently lost (SPEC section 1, "Bad input"): for every raw table,
    raw rows = staged rows + rejected rows + extra copies deduplicated + superseded CRM versions.
    Rejected and deduplicated rows are counted in data_quality_issues (one issue per such
    row), superseded versions in the landing models. Returns one row per table that does not add up.
-#}

{%- set raw_tables = {
    'crm_leads': source('crm', 'crm_leads'),
    'crm_companies': source('crm', 'crm_companies'),
    'crm_opportunities': source('crm', 'crm_opportunities'),
    'sales_activities': source('crm', 'sales_activities'),
    'crm_lead_dispositions': source('crm', 'crm_lead_dispositions'),
    'web_page_views': source('web', 'web_page_views'),
    'form_submissions': source('web', 'form_submissions'),
    'email_events': source('marketing', 'email_events'),
    'webinar_events': source('marketing', 'webinar_events'),
    'content_downloads': source('marketing', 'content_downloads'),
} -%}

{%- set staging_models = {
    'crm_leads': ref('stg_crm__leads'),
    'crm_companies': ref('stg_crm__companies'),
    'crm_opportunities': ref('stg_crm__opportunities'),
    'sales_activities': ref('stg_crm__sales_activities'),
    'crm_lead_dispositions': ref('stg_crm__lead_dispositions'),
    'web_page_views': ref('stg_web__page_views'),
    'form_submissions': ref('stg_web__form_submissions'),
    'email_events': ref('stg_marketing__email_events'),
    'webinar_events': ref('stg_marketing__webinar_events'),
    'content_downloads': ref('stg_marketing__content_downloads'),
} -%}

{#- only CRM rows have versions; their landing models flag the superseded ones -#}
{%- set crm_landing_models = {
    'crm_leads': ref('landing_crm__leads'),
    'crm_companies': ref('landing_crm__companies'),
    'crm_opportunities': ref('landing_crm__opportunities'),
} -%}

with

raw_rows as (
    {{ row_counts_per_source_table(raw_tables, 'raw_rows') }}
),

staged_rows as (
    {{ row_counts_per_source_table(staging_models, 'staged_rows') }}
),

superseded_rows as (
    {{ row_counts_per_source_table(crm_landing_models, 'superseded_rows', where='is_superseded') }}
),

reported_rows as (
    select
        source_table,
        sum(case when action = 'rejected' then 1 else 0 end) as rejected_rows,
        sum(case when action = 'deduplicated' then 1 else 0 end) as deduplicated_rows
    from {{ ref('data_quality_issues') }}
    group by source_table
),

reconciled as (
    select
        raw_rows.source_table,
        raw_rows.raw_rows,
        coalesce(staged_rows.staged_rows, 0) as staged_rows,
        coalesce(reported_rows.rejected_rows, 0) as rejected_rows,
        coalesce(reported_rows.deduplicated_rows, 0) as deduplicated_rows,
        coalesce(superseded_rows.superseded_rows, 0) as superseded_rows
    from raw_rows
    left join staged_rows
        on raw_rows.source_table = staged_rows.source_table
    left join reported_rows
        on raw_rows.source_table = reported_rows.source_table
    left join superseded_rows
        on raw_rows.source_table = superseded_rows.source_table
),

unaccounted as (
    select
        source_table,
        raw_rows,
        staged_rows,
        rejected_rows,
        deduplicated_rows,
        superseded_rows,
        raw_rows - staged_rows - rejected_rows - deduplicated_rows - superseded_rows as unaccounted_rows
    from reconciled
    where raw_rows != staged_rows + rejected_rows + deduplicated_rows + superseded_rows
)

select * from unaccounted
