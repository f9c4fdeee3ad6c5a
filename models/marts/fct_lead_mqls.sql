{#-
    One row per MQL under the active rule set, as of `as_of`: a lead's first MQL and
    every re-MQL after a recycle, each with its own SQL, hand-off SLA and, once a
    disposition ended its cycle, how it ended.
-#}

with

mqls as (
    select
        lead_id,
        rule_set_id,
        mql_number,
        mql_at,
        sql_at,
        first_sales_touch_at,
        sla_due_at,
        is_sla_met,
        ended_at,
        ended_by,
        end_reason,
        hours_mql_to_end
    from {{ ref('int_lead_mqls_evaluated') }}
    where rule_set_id = {{ active_rule_set() }}
)

select * from mqls
