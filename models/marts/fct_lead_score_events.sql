{#-
    One row per scored event (active rule set) at or before `as_of` of a lead created by
    then, with the points it awarded and the scores right after it.
-#}

with

leads as (
    select lead_id
    from {{ ref('dim_leads') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        event_source,
        event_id,
        signal,
        qualifier,
        rule_id,
        occurred_at,
        points_awarded,
        engagement_score,
        lead_score,
        is_sales_ready
    from {{ ref('int_lead_events_scored') }}
    where
        rule_set_id = {{ active_rule_set() }}
        and occurred_at <= {{ as_of_timestamp() }}
),

scored_events_of_leads as (
    select scored_events.*
    from scored_events
    inner join leads
        on scored_events.lead_id = leads.lead_id
)

select * from scored_events_of_leads
