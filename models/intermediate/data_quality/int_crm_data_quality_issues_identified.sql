{#-
    Data-quality issues of the four CRM tables, one row per issue: rejected rows, extra
    copies of sales activities, invalid optional values nulled in staged rows, and staged
    opportunities and sales activities whose lead is not a staged lead (orphans).
    Superseded CRM versions are not reported.
-#}

with

leads as (
    select
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_staged,
        has_invalid_updated_at
    from {{ ref('base_crm__leads') }}
),

companies as (
    select
        company_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_staged,
        has_invalid_employee_count,
        has_invalid_account_tier,
        has_invalid_updated_at
    from {{ ref('base_crm__companies') }}
),

opportunities as (
    select
        opportunity_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_staged,
        has_invalid_closed_at,
        has_invalid_is_won,
        has_invalid_amount
    from {{ ref('base_crm__opportunities') }}
),

sales_activities as (
    select
        activity_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged,
        has_invalid_activity_type
    from {{ ref('base_crm__sales_activities') }}
),

staged_leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
),

lead_issues as (
    select
        'crm_leads' as source_table,
        lead_id as record_id,
        rejection_issue as issue,
        rejected_column as column_name,
        loaded_at
    from leads
    where is_rejected

    union all

    select
        'crm_leads' as source_table,
        lead_id as record_id,
        'invalid_value' as issue,
        'updated_at' as column_name,
        loaded_at
    from leads
    where is_staged and has_invalid_updated_at
),

company_issues as (
    select
        'crm_companies' as source_table,
        company_id as record_id,
        rejection_issue as issue,
        rejected_column as column_name,
        loaded_at
    from companies
    where is_rejected

    union all

    select
        'crm_companies' as source_table,
        company_id as record_id,
        'invalid_value' as issue,
        'employee_count' as column_name,
        loaded_at
    from companies
    where is_staged and has_invalid_employee_count

    union all

    select
        'crm_companies' as source_table,
        company_id as record_id,
        'invalid_value' as issue,
        'account_tier' as column_name,
        loaded_at
    from companies
    where is_staged and has_invalid_account_tier

    union all

    select
        'crm_companies' as source_table,
        company_id as record_id,
        'invalid_value' as issue,
        'updated_at' as column_name,
        loaded_at
    from companies
    where is_staged and has_invalid_updated_at
),

opportunity_issues as (
    select
        'crm_opportunities' as source_table,
        opportunity_id as record_id,
        rejection_issue as issue,
        rejected_column as column_name,
        loaded_at
    from opportunities
    where is_rejected

    union all

    select
        'crm_opportunities' as source_table,
        opportunity_id as record_id,
        'invalid_value' as issue,
        'closed_at' as column_name,
        loaded_at
    from opportunities
    where is_staged and has_invalid_closed_at

    union all

    select
        'crm_opportunities' as source_table,
        opportunity_id as record_id,
        'invalid_value' as issue,
        'is_won' as column_name,
        loaded_at
    from opportunities
    where is_staged and has_invalid_is_won

    union all

    select
        'crm_opportunities' as source_table,
        opportunity_id as record_id,
        'invalid_value' as issue,
        'amount' as column_name,
        loaded_at
    from opportunities
    where is_staged and has_invalid_amount
),

opportunity_orphans as (
    select
        'crm_opportunities' as source_table,
        opportunities.opportunity_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        opportunities.loaded_at
    from opportunities
    left join staged_leads
        on opportunities.lead_id = staged_leads.lead_id
    where opportunities.is_staged and staged_leads.lead_id is null
),

sales_activity_issues as (
    select
        'sales_activities' as source_table,
        activity_id as record_id,
        case when is_duplicate then 'duplicate' else rejection_issue end as issue,
        case when is_duplicate then 'activity_id' else rejected_column end as column_name,
        loaded_at
    from sales_activities
    where is_rejected or is_duplicate

    union all

    select
        'sales_activities' as source_table,
        activity_id as record_id,
        'invalid_value' as issue,
        'activity_type' as column_name,
        loaded_at
    from sales_activities
    where is_staged and has_invalid_activity_type
),

sales_activity_orphans as (
    select
        'sales_activities' as source_table,
        sales_activities.activity_id as record_id,
        'orphan_lead' as issue,
        'lead_id' as column_name,
        sales_activities.loaded_at
    from sales_activities
    left join staged_leads
        on sales_activities.lead_id = staged_leads.lead_id
    where sales_activities.is_staged and staged_leads.lead_id is null
),

unioned as (
    select * from lead_issues
    union all
    select * from company_issues
    union all
    select * from opportunity_issues
    union all
    select * from opportunity_orphans
    union all
    select * from sales_activity_issues
    union all
    select * from sales_activity_orphans
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
