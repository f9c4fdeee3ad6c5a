{{ config(materialized='view') }}

{#-
    Every change that can alter what the lead-keyed incremental models hold for a lead,
    with when it happened (`_refreshed_at`), for macro leads_to_refresh:
    - a valid landing of one of the lead's records (int_crm_, int_web_ and
      int_marketing_landings_unioned): every copy and version of a record that landed
      again is recomputed, so the leads of both the old and the new version of a moved
      event show up;
    - a valid landing of the lead's company: once per staged lead of the company;
    - a change of the scoring rules (int_scoring_rule_changes): once per staged lead, at
      the latest change.
    Filters on `_refreshed_at` reach each landing table's scan, whose zone maps skip the
    blocks written by earlier runs.
-#}

{%- set landings_models = [
    'int_crm_landings_unioned',
    'int_web_landings_unioned',
    'int_marketing_landings_unioned',
] %}

with

record_landings as (
    {%- for landings_model in landings_models %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            lead_id,
            source_table,
            record_id,
            landing_number,
            _refreshed_at
        from {{ ref(landings_model) }}
    {%- endfor %}
),

staged_leads as (
    select
        lead_id,
        company_id
    from {{ ref('stg_crm__leads') }}
),

company_landings as (
    select
        staged_leads.lead_id,
        'crm_companies' as source_table,
        companies.company_id as record_id,
        companies.version_number as landing_number,
        companies._refreshed_at
    from {{ ref('landing_crm__companies') }} as companies
    inner join staged_leads
        on companies.company_id = staged_leads.company_id
    where not companies.is_rejected
),

latest_rule_change as (
    select
        fingerprint,
        changed_at
    from {{ ref('int_scoring_rule_changes') }}
    where changed_at = (
        select max(rule_changes.changed_at)
        from {{ ref('int_scoring_rule_changes') }} as rule_changes
    )
),

rule_changes as (
    select
        staged_leads.lead_id,
        'scoring_rules' as source_table,
        latest_rule_change.fingerprint as record_id,
        1 as landing_number,
        latest_rule_change.changed_at as _refreshed_at
    from staged_leads
    cross join latest_rule_change
),

changes as (
    select * from record_landings
    union all
    select * from company_landings
    union all
    select * from rule_changes
)

select * from changes
