{{ config(materialized='incremental', unique_key='lead_id') }}

{#-
    One row per scored event (active rule set) at or before `as_of` of a lead created by
    then, with the points it awarded and the scores right after it.

    Incremental by lead (saves ~5 s a run at L, docs/performance.md): a run recomputes
    leads_to_refresh(), every lead when the stored rows are of another rule set, and the
    leads whose `as_of` window changed, found without remembering the last `as_of`: the
    window can only have gained events and leads after the newest stored event (the
    last `as_of` was at or after it), and an earlier `as_of` drops the stored events and
    the leads after it.
-#}

-- depends_on: {{ ref('int_leads_enriched') }}

with

{{ leads_to_refresh_cte('changed_leads') }}
{% if is_incremental() -%}
last_build as (
    select
        max(built.occurred_at) as newest_occurred_at,
        coalesce({{ dbt.bool_or('built.rule_set_id <> ' ~ active_rule_set()) }}, false)
            as has_other_rule_set
    from {{ this }} as built
),

leads_to_refresh as (
    select changed_leads.lead_id
    from changed_leads
    union
    select entering_events.lead_id
    from {{ ref('int_lead_events_scored') }} as entering_events
    where
        entering_events.rule_set_id = {{ active_rule_set() }}
        and entering_events.occurred_at > (select last_build.newest_occurred_at from last_build)
    union
    select entering_leads.lead_id
    from {{ ref('dim_leads') }} as entering_leads
    where entering_leads.created_at > (select last_build.newest_occurred_at from last_build)
    union
    select leaving_events.lead_id
    from {{ this }} as leaving_events
    where leaving_events.occurred_at > {{ as_of_timestamp() }}
    union
    select leaving_leads.lead_id
    from {{ ref('int_leads_enriched') }} as leaving_leads
    where leaving_leads.created_at > {{ as_of_timestamp() }}
    union
    select every_lead.lead_id
    from {{ ref('dim_leads') }} as every_lead
    where (select last_build.has_other_rule_set from last_build)
),

{% endif -%}
leads as (
    select lead_id
    from {{ ref('dim_leads') }}
    where {{ in_leads_to_refresh() }}
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
),

final as (
    {{ refresh_batch('scored_events_of_leads', keys='leads_to_refresh') | indent(4) }}
)

select * from final
