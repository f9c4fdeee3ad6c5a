{#-
    Data-quality issues of the five CRM tables, one row per issue: rejected rows, extra
    copies of sales activities and dispositions, invalid optional values nulled in staged
    rows, and staged opportunities, sales activities and dispositions whose lead is not a
    staged lead (orphans).
    Superseded CRM versions are not reported.
    Incremental by raw record (macro records_to_refresh): a run recomputes the issues of
    the records landed again since its last build and of the orphans of newly staged
    leads, and numbers them (issue_id) here, so the mart only unions the three models.
-#}
{%- set watermark = newest_in_target('loaded_at') %}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ records_to_refresh([
        ('crm_leads', ref('landing_crm__leads'), 'lead_id'),
        ('crm_companies', ref('landing_crm__companies'), 'company_id'),
        ('crm_opportunities', ref('landing_crm__opportunities'), 'opportunity_id'),
        ('sales_activities', ref('landing_crm__sales_activities'), 'activity_id'),
        ('crm_lead_dispositions', ref('landing_crm__lead_dispositions'), 'disposition_id'),
    ]) | indent(4) }}
),

{% endif -%}
leads as (
    select
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_staged,
        has_invalid_updated_at
    from {{ ref('landing_crm__leads') }}
    where {{ in_records_to_refresh('lead_id', 'crm_leads', watermark) }}
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
    from {{ ref('landing_crm__companies') }}
    where {{ in_records_to_refresh('company_id', 'crm_companies', watermark) }}
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
    from {{ ref('landing_crm__opportunities') }}
    where {{ in_records_to_refresh('opportunity_id', 'crm_opportunities', watermark) }}
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
    from {{ ref('landing_crm__sales_activities') }}
    where {{ in_records_to_refresh('activity_id', 'sales_activities', watermark) }}
),

lead_dispositions as (
    select
        disposition_id,
        lead_id,
        loaded_at,
        rejection_issue,
        rejected_column,
        is_rejected,
        is_duplicate,
        is_staged,
        has_invalid_disposition
    from {{ ref('landing_crm__lead_dispositions') }}
    where {{ in_records_to_refresh('disposition_id', 'crm_lead_dispositions', watermark) }}
),

staged_leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
),

lead_issues as (
    {{ rejected_row_issues('leads', 'crm_leads', 'lead_id', has_duplicates=false) }}
    union all
    {{ invalid_value_issues('leads', 'crm_leads', 'lead_id', ['updated_at']) }}
),

company_issues as (
    {{ rejected_row_issues('companies', 'crm_companies', 'company_id', has_duplicates=false, lead_column=none) }}
    union all
    {{ invalid_value_issues(
        'companies', 'crm_companies', 'company_id', ['employee_count', 'account_tier', 'updated_at'],
        lead_column=none,
    ) }}
),

opportunity_issues as (
    {{ rejected_row_issues('opportunities', 'crm_opportunities', 'opportunity_id', has_duplicates=false) }}
    union all
    {{ invalid_value_issues(
        'opportunities', 'crm_opportunities', 'opportunity_id', ['closed_at', 'is_won', 'amount']
    ) }}
    union all
    {{ orphan_lead_issues('opportunities', 'crm_opportunities', 'opportunity_id', 'staged_leads') }}
),

sales_activity_issues as (
    {{ rejected_row_issues('sales_activities', 'sales_activities', 'activity_id') }}
    union all
    {{ invalid_value_issues('sales_activities', 'sales_activities', 'activity_id', ['activity_type']) }}
    union all
    {{ orphan_lead_issues('sales_activities', 'sales_activities', 'activity_id', 'staged_leads') }}
),

disposition_issues as (
    {{ rejected_row_issues('lead_dispositions', 'crm_lead_dispositions', 'disposition_id') }}
    union all
    {{ invalid_value_issues('lead_dispositions', 'crm_lead_dispositions', 'disposition_id', ['disposition']) }}
    union all
    {{ orphan_lead_issues('lead_dispositions', 'crm_lead_dispositions', 'disposition_id', 'staged_leads') }}
),

issues_found as (
    select * from lead_issues
    union all
    select * from company_issues
    union all
    select * from opportunity_issues
    union all
    select * from sales_activity_issues
    union all
    select * from disposition_issues
),

issues as (
    {{ issues_with_ids('issues_found') | indent(4) }}
),

final as (
    {{ refresh_batch('issues', keys='records_to_refresh') | indent(4) }}
)

select * from final
