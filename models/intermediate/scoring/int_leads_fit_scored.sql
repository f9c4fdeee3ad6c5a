{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    Fit score, fit grade and disqualification per lead and rule set (SPEC section 2):
    the fit score is the sum of the points of the scoring fit rules the lead matches (a
    rule of several rows counts once); a matching disqualifying rule adds no points but
    disqualifies the lead, the first such rule id in alphabetical order being the
    reason; the grade is the band with the highest minimum at or below the fit score.
    Lead attributes are unpivoted to (attribute, value) rows and joined to the rule rows,
    so rule values, `like` patterns included, stay data and never become SQL text.
    Independent of `as_of`, so incremental by lead like int_leads_enriched (macro
    leads_to_refresh); changed rules recompute every lead.
-#}

with

{{ leads_to_refresh_cte() }}
leads as (
    select
        lead_id,
        employee_count,
        country_code,
        industry,
        account_tier,
        lead_source,
        is_free_email_domain,
        excluded_domain_kind,
        job_title
    from {{ ref('int_leads_enriched') }}
    where {{ in_leads_to_refresh() }}
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
        points,
        is_disqualifying
    from {{ ref('scoring_fit_rules') }}
),

grade_bands as (
    select
        rule_set_id,
        fit_grade,
        min_fit_score
    from {{ ref('fit_grade_bands') }}
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
    union all
    select
        lead_id,
        'excluded_domain_kind' as attribute,
        excluded_domain_kind as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
    union all
    select
        lead_id,
        'job_title' as attribute,
        lower(job_title) as value_text,
        cast(null as {{ type_double() }}) as value_number
    from leads
),

rule_rows_matched as (
    select
        lead_attributes.lead_id,
        fit_rules.rule_set_id,
        fit_rules.rule_id,
        fit_rules.points,
        fit_rules.is_disqualifying
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
        or (
            fit_rules.operator = 'like'
            and lead_attributes.value_text like fit_rules.value_text
        )
),

rules_matched as (
    -- a rule counts once, however many of its rows match
    select distinct
        lead_id,
        rule_set_id,
        rule_id,
        points,
        is_disqualifying
    from rule_rows_matched
),

fit_points as (
    select
        lead_id,
        rule_set_id,
        sum(case when not is_disqualifying then points else 0 end) as fit_score,
        min(case when is_disqualifying then {{ code_point_order('rule_id') }} end) as disqualifying_rule_id
    from rules_matched
    group by
        lead_id,
        rule_set_id
),

fit_scored as (
    select
        leads.lead_id,
        rule_sets.rule_set_id,
        cast(coalesce(fit_points.fit_score, 0) as {{ dbt.type_int() }}) as fit_score,
        fit_points.disqualifying_rule_id
    from leads
    cross join rule_sets
    left join fit_points
        on
            leads.lead_id = fit_points.lead_id
            and rule_sets.rule_set_id = fit_points.rule_set_id
),

grade_ranges as (
    -- each band up to the next band's minimum (the band without a minimum first)
    select
        rule_set_id,
        fit_grade,
        min_fit_score,
        lead(min_fit_score) over (
            partition by rule_set_id
            order by min_fit_score nulls first
        ) as next_min_fit_score
    from grade_bands
),

fit_graded as (
    select
        fit_scored.lead_id,
        fit_scored.rule_set_id,
        fit_scored.fit_score,
        grade_ranges.fit_grade,
        fit_scored.disqualifying_rule_id
    from fit_scored
    left join grade_ranges
        on
            fit_scored.rule_set_id = grade_ranges.rule_set_id
            and (grade_ranges.min_fit_score is null or fit_scored.fit_score >= grade_ranges.min_fit_score)
            and (grade_ranges.next_min_fit_score is null or fit_scored.fit_score < grade_ranges.next_min_fit_score)
),

final as (
    {{ refresh_batch('fit_graded', keys='leads_to_refresh') | indent(4) }}
)

select * from final
