{{ config(materialized='view') }}

{#-
    Lifecycle of every lead for every rule set as of `as_of` (docs/semantics.md): the
    engagement score at `as_of` (its current cycle only), stage entry times clamped to
    created_at and to the previous reached stage, the MQLs summed up from
    int_lead_mqls_evaluated (the first one's time, hand-off and SLA; the latest one's
    time; how many; the earliest SQL of any of them), the lead status with its reason and
    the fit grade. Only what happened at or before `as_of` counts: leads created later
    are left out, and the `as_of`-independent milestone times that lie after it are
    dropped. `fct_lead_lifecycle` publishes the active rule set; `rule_set_comparison`
    compares them all. Evaluated every run from stored per-lead results (only the
    engagement score at `as_of` reads the scored events in bulk), as a view:
    `fct_lead_lifecycle` computes the active rule set only, rule_set_comparison only the
    columns it counts, and nothing writes 3 rows per lead.
-#}

with

lead_milestones as (
    select
        lead_id,
        rule_set_id,
        created_at,
        fit_score,
        fit_grade,
        disqualifying_rule_id,
        first_points_at
    from {{ ref('int_lead_milestones_aggregated') }}
    where created_at <= {{ as_of_timestamp() }}
),

engagement_rules as (
    select
        rule_set_id,
        rule_id,
        points,
        cap,
        counting_unit,
        engagement_window_days
    from {{ ref('int_engagement_rules_enriched') }}
),

lead_cycles as (
    select
        lead_id,
        cycle_number,
        cycle_started_at,
        started_by,
        start_reason
    from {{ ref('int_lead_cycles') }}
),

scored_events as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        cycle_number,
        occurred_at
    from {{ ref('int_lead_events_scored') }}
    where occurred_at <= {{ as_of_timestamp() }}
),

mqls as (
    select
        lead_id,
        rule_set_id,
        cycle_number,
        mql_number,
        mql_at,
        sql_at,
        first_sales_touch_at,
        sla_due_at,
        is_sla_met
    from {{ ref('int_lead_mqls_evaluated') }}
),

opportunities as (
    select
        lead_id,
        created_at,
        closed_at,
        is_won
    from {{ ref('stg_crm__opportunities') }}
    where created_at <= {{ as_of_timestamp() }}
),

scoring_cycles as (
    -- the cycle the engagement score at as_of counts: after the latest disposition
    -- strictly before as_of (a disposition takes effect just after its time)
    select
        lead_id,
        max(cycle_number) as cycle_number
    from lead_cycles
    where cycle_started_at < {{ as_of_timestamp() }}
    group by lead_id
),

latest_dispositions as (
    -- the latest disposition at or before as_of, which decides the lead status
    select
        lead_id,
        cycle_number,
        started_by as disposition,
        start_reason as reason
    from (
        select
            lead_cycles.*,
            row_number() over (
                partition by lead_cycles.lead_id
                order by lead_cycles.cycle_number desc
            ) as recency
        from lead_cycles
        where lead_cycles.cycle_started_at <= {{ as_of_timestamp() }}
    ) as disposed_cycles
    where recency = 1
),

events_in_current_window as (
    -- the events the engagement score at as_of counts: in (max(as_of - window, cycle
    -- start), as_of]
    select
        scored_events.lead_id,
        scored_events.rule_set_id,
        scored_events.rule_id,
        scored_events.occurred_at,
        engagement_rules.counting_unit
    from scored_events
    inner join engagement_rules
        on
            scored_events.rule_set_id = engagement_rules.rule_set_id
            and scored_events.rule_id = engagement_rules.rule_id
    left join scoring_cycles
        on scored_events.lead_id = scoring_cycles.lead_id
    where
        scored_events.occurred_at
        > {{ dbt.dateadd('day', '-1 * engagement_rules.engagement_window_days', as_of_timestamp()) }}
        and scored_events.cycle_number = coalesce(scoring_cycles.cycle_number, 0)
),

rule_counts_at_as_of as (
    -- per rule, its events, or the distinct UTC days of its events for a rule counted
    -- per day (a distinct count costs: only for those rules)
    select
        lead_id,
        rule_set_id,
        rule_id,
        count(*) as events_in_window
    from events_in_current_window
    where counting_unit = 'event'
    group by
        lead_id,
        rule_set_id,
        rule_id
    union all
    select
        lead_id,
        rule_set_id,
        rule_id,
        count(distinct {{ dbt.date_trunc('day', 'occurred_at') }}) as events_in_window
    from events_in_current_window
    where counting_unit = 'day'
    group by
        lead_id,
        rule_set_id,
        rule_id
),

current_engagement as (
    select
        rule_counts_at_as_of.lead_id,
        rule_counts_at_as_of.rule_set_id,
        sum(
            {{ capped_contribution(
                'engagement_rules.points', 'engagement_rules.cap', 'rule_counts_at_as_of.events_in_window'
            ) }}
        ) as engagement_score
    from rule_counts_at_as_of
    inner join engagement_rules
        on
            rule_counts_at_as_of.rule_set_id = engagement_rules.rule_set_id
            and rule_counts_at_as_of.rule_id = engagement_rules.rule_id
    group by
        rule_counts_at_as_of.lead_id,
        rule_counts_at_as_of.rule_set_id
),

mql_summaries as (
    -- the first MQL's time and hand-off, the latest MQL's time, how many, the first SQL
    select
        mqls.lead_id,
        mqls.rule_set_id,
        count(*) as mql_count,
        min(mqls.mql_at) as first_mql_at,
        max(mqls.mql_at) as last_mql_at,
        min(mqls.sql_at) as first_sql_at,
        min(case when mqls.mql_number = 1 then mqls.first_sales_touch_at end) as first_sales_touch_at,
        min(case when mqls.mql_number = 1 then mqls.sla_due_at end) as sla_due_at,
        {{ dbt.bool_or('case when mqls.mql_number = 1 then mqls.is_sla_met end') }} as is_first_mql_sla_met,
        {{ dbt.bool_or('mqls.cycle_number = latest_dispositions.cycle_number') }}
            as has_mql_since_latest_disposition
    from mqls
    left join latest_dispositions
        on mqls.lead_id = latest_dispositions.lead_id
    group by
        mqls.lead_id,
        mqls.rule_set_id
),

opportunity_milestones as (
    select
        lead_id,
        min(created_at) as first_opportunity_at,
        min(
            case
                when is_won and closed_at <= {{ as_of_timestamp() }} then closed_at
            end
        ) as first_won_at
    from opportunities
    group by lead_id
),

milestones as (
    -- milestone times after as_of have not happened yet
    select
        lead_milestones.lead_id,
        lead_milestones.rule_set_id,
        lead_milestones.created_at,
        lead_milestones.fit_score,
        lead_milestones.fit_grade,
        lead_milestones.disqualifying_rule_id,
        cast(coalesce(current_engagement.engagement_score, 0) as {{ dbt.type_int() }}) as engagement_score,
        {{ nurturing_at('lead_milestones.first_points_at', 'lead_milestones.created_at') }} as nurturing_at,
        mql_summaries.first_mql_at as mql_at,
        mql_summaries.first_sql_at as sql_at,
        mql_summaries.last_mql_at,
        cast(coalesce(mql_summaries.mql_count, 0) as {{ dbt.type_int() }}) as mql_count,
        mql_summaries.first_sales_touch_at,
        mql_summaries.sla_due_at,
        mql_summaries.is_first_mql_sla_met,
        coalesce(mql_summaries.has_mql_since_latest_disposition, false) as has_mql_since_latest_disposition,
        latest_dispositions.disposition as latest_disposition,
        latest_dispositions.reason as latest_disposition_reason,
        opportunity_milestones.first_opportunity_at,
        opportunity_milestones.first_won_at
    from lead_milestones
    left join current_engagement
        on
            lead_milestones.lead_id = current_engagement.lead_id
            and lead_milestones.rule_set_id = current_engagement.rule_set_id
    left join mql_summaries
        on
            lead_milestones.lead_id = mql_summaries.lead_id
            and lead_milestones.rule_set_id = mql_summaries.rule_set_id
    left join latest_dispositions
        on lead_milestones.lead_id = latest_dispositions.lead_id
    left join opportunity_milestones
        on lead_milestones.lead_id = opportunity_milestones.lead_id
),

late_stages as (
    -- opportunity and customer, each entry no earlier than the previous reached stage
    -- (nurturing, MQL and SQL are clamped already: an MQL never precedes nurturing or
    -- creation, an SQL never precedes its MQL)
    select
        milestones.*,
        {{ stage_entered_at('opportunity_at', 'milestones.first_opportunity_at', 'milestones') }} as opportunity_at
    from milestones
),

customer_stage as (
    select
        late_stages.*,
        {{ stage_entered_at('customer_at', 'late_stages.first_won_at', 'late_stages') }} as customer_at
    from late_stages
),

evaluated as (
    select
        lead_id,
        rule_set_id,
        case
            when customer_at is not null then 'customer'
            when opportunity_at is not null then 'opportunity'
            when sql_at is not null then 'sql'
            when mql_at is not null then 'mql'
            when nurturing_at is not null then 'nurturing'
            else 'new'
        end as lifecycle_stage,
        fit_score,
        engagement_score,
        cast(fit_score + engagement_score as {{ dbt.type_int() }}) as lead_score,
        fit_grade,
        case
            when disqualifying_rule_id is not null then 'disqualified'
            when latest_disposition = 'disqualified' then 'disqualified'
            when latest_disposition = 'recycled' and not has_mql_since_latest_disposition then 'recycled'
            else 'open'
        end as lead_status,
        case
            when disqualifying_rule_id is not null then disqualifying_rule_id
            when latest_disposition = 'disqualified' then latest_disposition_reason
            when latest_disposition = 'recycled' and not has_mql_since_latest_disposition
                then latest_disposition_reason
        end as status_reason,
        mql_at is not null as is_mql,
        sql_at is not null as is_sql,
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
        {{ hours_between('created_at', 'mql_at') }} as hours_to_mql,
        {{ hours_between('mql_at', 'sql_at') }} as hours_mql_to_sql,
        {{ hours_between('mql_at', 'first_sales_touch_at') }} as hours_to_first_sales_touch,
        is_first_mql_sla_met as is_sla_met,
        {{ as_of_timestamp() }} as scored_as_of
    from customer_stage
)

select * from evaluated
