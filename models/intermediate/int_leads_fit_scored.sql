{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Fit score per lead and rule set: the sum of the points of the fit rules the lead
    matches (SPEC section 2). Lead attributes are unpivoted to (attribute, value) rows and
    joined to the rule rows, so rule values stay data and never become SQL text.
    Independent of `as_of`, so incremental by lead like int_leads_enriched (macro
    leads_to_refresh); changed rules recompute every lead.
-#}

-- depends_on: {{ ref('int_landings_unioned') }}
-- depends_on: {{ ref('stg_crm__leads') }}
-- depends_on: {{ ref('int_scoring_rule_changes') }}

with

{% if is_incremental() -%}
leads_to_refresh as (
    {{ leads_to_refresh() | indent(4) }}
),

{% endif -%}
leads as (
    select
        lead_id,
        employee_count,
        country_code,
        industry,
        account_tier,
        lead_source,
        is_free_email_domain
    from {{ ref('int_leads_enriched') }}
    {%- if is_incremental() %}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
),

rule_sets as (
    select rule_set_id
    from {{ ref('scoring_rule_sets') }}
),

fit_rules as (
    select
        rule_set_id,
        rule_id,
        attribute,
        operator,
        value_text,
        value_min,
        value_max,
        points
    from {{ ref('scoring_fit_rules') }}
),

lead_attributes as (
    select
        lead_id,
        'employee_count' as attribute,
        cast(employee_count as {{ dbt.type_string() }}) as value_text,
        cast(employee_count as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'country_code' as attribute,
        country_code as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'industry' as attribute,
        industry as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'account_tier' as attribute,
        cast(account_tier as {{ dbt.type_string() }}) as value_text,
        cast(account_tier as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'lead_source' as attribute,
        lead_source as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'is_free_email_domain' as attribute,
        case when is_free_email_domain then 'true' else 'false' end as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
),

rules_matched as (
    select
        lead_attributes.lead_id,
        fit_rules.rule_set_id,
        fit_rules.rule_id,
        fit_rules.points
    from lead_attributes
    inner join fit_rules
        on lead_attributes.attribute = fit_rules.attribute
    where
        (
            fit_rules.operator = 'equals'
            and lower(lead_attributes.value_text) = lower(fit_rules.value_text)
        )
        or (
            fit_rules.operator = 'between'
            and lead_attributes.value_number >= fit_rules.value_min
            and (fit_rules.value_max is null or lead_attributes.value_number <= fit_rules.value_max)
        )
),

fit_points as (
    select
        lead_id,
        rule_set_id,
        sum(points) as fit_score
    from rules_matched
    group by
        lead_id,
        rule_set_id
),

fit_scored as (
    select
        leads.lead_id,
        rule_sets.rule_set_id,
        cast(coalesce(fit_points.fit_score, 0) as {{ dbt.type_int() }}) as fit_score
    from leads
    cross join rule_sets
    left join fit_points
        on
            leads.lead_id = fit_points.lead_id
            and rule_sets.rule_set_id = fit_points.rule_set_id
),

final as (
    {{ refresh_batch('fit_scored', keys='leads_to_refresh') | indent(4) }}
)

select * from final
