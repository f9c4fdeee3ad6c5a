{#-
    Every raw row that did not reach staging as landed, with its reason (SPEC section 1,
    "Bad input"): rejected rows, extra copies of events, orphans (kept in staging, not
    scored until their lead lands) and invalid optional values nulled in staged rows.
    The issues are found per source in the int_*_data_quality_issues_identified models.
-#}

with

crm_issues as (
    select
        issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at
    from {{ ref('int_crm_data_quality_issues_identified') }}
),

web_issues as (
    select
        issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at
    from {{ ref('int_web_data_quality_issues_identified') }}
),

marketing_issues as (
    select
        issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        loaded_at
    from {{ ref('int_marketing_data_quality_issues_identified') }}
),

issues_unioned as (
    select * from crm_issues
    union all
    select * from web_issues
    union all
    select * from marketing_issues
),

final as (
    select
        issue_id,
        source_table,
        record_id,
        issue,
        column_name,
        -- `action` is a column name fixed by the contract (RF04: also an SQL keyword)
        case issue
            when 'duplicate' then 'deduplicated'
            when 'orphan_lead' then 'excluded'
            when 'invalid_value' then 'nulled'
            else 'rejected'
        end as action,  -- noqa: RF04
        loaded_at
    from issues_unioned
)

select * from final
