{#- One row per lead: lifecycle under the active rule set, as of `as_of`. -#}

with

lifecycles as (
    select
        lead_id,
        rule_set_id,
        lifecycle_stage,
        fit_score,
        engagement_score,
        lead_score,
        fit_grade,
        lead_status,
        status_reason,
        is_mql,
        is_sql,
        mql_count,
        created_at,
        nurturing_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at,
        last_mql_at,
        first_sales_touch_at,
        sla_due_at,
        hours_to_mql,
        hours_mql_to_sql,
        hours_to_first_sales_touch,
        is_sla_met,
        scored_as_of
    from {{ ref('int_lead_lifecycles_evaluated') }}
    where rule_set_id = {{ active_rule_set() }}
)

select * from lifecycles
