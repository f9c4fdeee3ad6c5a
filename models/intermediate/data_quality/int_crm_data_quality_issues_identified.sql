{#-
    Data-quality issues of the five CRM tables, one row per issue: rejected rows, extra
    copies of sales activities and dispositions, invalid optional values nulled in staged
    rows, and staged opportunities, sales activities and dispositions whose lead is not a
    staged lead (orphans). Superseded CRM versions are not reported.
    Checks per table: macro issue_checks; the SQL: macro data_quality_issues_identified.
-#}

{{ data_quality_issues_identified([
    issue_checks(
        'crm_leads', ref('landing_crm__leads'), 'lead_id',
        invalid_values=['updated_at'],
    ),
    issue_checks(
        'crm_companies', ref('landing_crm__companies'), 'company_id', has_lead=false,
        invalid_values=['employee_count', 'account_tier', 'updated_at'],
    ),
    issue_checks(
        'crm_opportunities', ref('landing_crm__opportunities'), 'opportunity_id',
        invalid_values=['closed_at', 'is_won', 'amount'], orphan_leads=true,
    ),
    issue_checks(
        'sales_activities', ref('landing_crm__sales_activities'), 'activity_id',
        duplicates=true, invalid_values=['activity_type'], orphan_leads=true,
    ),
    issue_checks(
        'crm_lead_dispositions', ref('landing_crm__lead_dispositions'), 'disposition_id',
        duplicates=true, invalid_values=['disposition'], orphan_leads=true,
    ),
]) }}
