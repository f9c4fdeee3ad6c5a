{#-
    Nothing is silently lost (SPEC section 1, "Bad input"): for every raw table,
    raw rows = staged rows + rejected rows + extra copies deduplicated + superseded CRM versions.
    Rejected and deduplicated rows are counted in data_quality_issues (one issue per such
    row), superseded versions in the base models. Returns one row per table that does not add up.
-#}

with

raw_rows as (
    select
        'crm_leads' as source_table,
        count(*) as raw_rows
    from {{ source('crm', 'crm_leads') }}
    union all
    select
        'crm_companies' as source_table,
        count(*) as raw_rows
    from {{ source('crm', 'crm_companies') }}
    union all
    select
        'crm_opportunities' as source_table,
        count(*) as raw_rows
    from {{ source('crm', 'crm_opportunities') }}
    union all
    select
        'sales_activities' as source_table,
        count(*) as raw_rows
    from {{ source('crm', 'sales_activities') }}
    union all
    select
        'web_page_views' as source_table,
        count(*) as raw_rows
    from {{ source('web', 'web_page_views') }}
    union all
    select
        'form_submissions' as source_table,
        count(*) as raw_rows
    from {{ source('web', 'form_submissions') }}
    union all
    select
        'email_events' as source_table,
        count(*) as raw_rows
    from {{ source('marketing', 'email_events') }}
    union all
    select
        'webinar_events' as source_table,
        count(*) as raw_rows
    from {{ source('marketing', 'webinar_events') }}
    union all
    select
        'content_downloads' as source_table,
        count(*) as raw_rows
    from {{ source('marketing', 'content_downloads') }}
),

staged_rows as (
    select
        'crm_leads' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_crm__leads') }}
    union all
    select
        'crm_companies' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_crm__companies') }}
    union all
    select
        'crm_opportunities' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_crm__opportunities') }}
    union all
    select
        'sales_activities' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_crm__sales_activities') }}
    union all
    select
        'web_page_views' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_web__page_views') }}
    union all
    select
        'form_submissions' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_web__form_submissions') }}
    union all
    select
        'email_events' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_marketing__email_events') }}
    union all
    select
        'webinar_events' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_marketing__webinar_events') }}
    union all
    select
        'content_downloads' as source_table,
        count(*) as staged_rows
    from {{ ref('stg_marketing__content_downloads') }}
),

superseded_rows as (
    select
        'crm_leads' as source_table,
        count(*) as superseded_rows
    from {{ ref('base_crm__leads') }}
    where is_superseded
    union all
    select
        'crm_companies' as source_table,
        count(*) as superseded_rows
    from {{ ref('base_crm__companies') }}
    where is_superseded
    union all
    select
        'crm_opportunities' as source_table,
        count(*) as superseded_rows
    from {{ ref('base_crm__opportunities') }}
    where is_superseded
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
