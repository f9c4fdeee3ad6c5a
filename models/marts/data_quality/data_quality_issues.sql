{#-
    Every raw row that did not reach staging as landed, with its reason (SPEC section 1,
    "Bad input"): rejected rows, extra copies of events, orphans (kept in staging, not
    scored until their lead lands) and invalid optional values nulled in staged rows.
    The issues are found and numbered per source in the incremental
    int_*_data_quality_issues_identified models; this table unions them, every run.
-#}

with

issues as (
    -- the three models share one shape, so they union column by column
    select * from {{ ref('int_crm_data_quality_issues_identified') }}
    union all
    select * from {{ ref('int_web_data_quality_issues_identified') }}
    union all
    select * from {{ ref('int_marketing_data_quality_issues_identified') }}
),

final as (
    select
        issue_id,
        source_table,
        record_id,
        lead_id,
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
    from issues
)

select * from final
