{{ config(materialized='view') }}

{#-
    Change detection, CRM: every valid landed row of the CRM tables that belong to a lead
    (leads, opportunities, sales activities, dispositions), every copy and version, with
    its lead and when its landing model last (re)computed it. Company landings concern
    the company's leads: int_lead_changes_unioned adds them.
-#}

{{ valid_lead_landings([
    ('crm_leads', 'landing_crm__leads', 'lead_id', 'version_number'),
    ('crm_opportunities', 'landing_crm__opportunities', 'opportunity_id', 'version_number'),
    ('sales_activities', 'landing_crm__sales_activities', 'activity_id', 'copy_number'),
    ('crm_lead_dispositions', 'landing_crm__lead_dispositions', 'disposition_id', 'copy_number'),
]) }}
