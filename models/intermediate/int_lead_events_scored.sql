{{
    config(
        materialized='incremental',
        incremental_strategy='lead_refresh',
        unique_key='lead_id',
        refresh_marker_column='event_id',
        on_schema_change='fail',
    )
}}

{#-
    Every scored event of every lead, for every rule set, with the points it awarded and
    the engagement and lead scores at its time (SPEC section 3). Independent of `as_of`
    (later models drop what happened after it), so it can be incremental: a run
    recomputes, in full, every lead touched by a landing since the last run (see
    macro leads_landed_since), and every lead when a scoring seed changed.
    Leads whose rows must go without replacement get a refresh marker (a row with a
    null event_id) that the `lead_refresh` strategy deletes by and never writes.

    How the rolling window is evaluated without splicing the window length into SQL:
    each event adds 1 to its rule's count when it occurs and removes 1 when it leaves the
    window (occurred_at + window days). A running sum of those changes per rule gives the
    count n(t) in (t - window, t]; the capped contribution follows, and a running sum of
    the contribution changes over all rules gives the engagement score at each time.
    All changes at one timestamp are applied together, so events sharing a timestamp
    count together.
-#}

with

rules_fingerprint as (
    {{ scoring_rules_fingerprint() }}
),

landings as (
    select
        source_table,
        record_id,
        lead_id,
        company_id,
        loaded_at
    from {{ ref('int_landings_unioned') }}
),

latest_landing as (
    select max(loaded_at) as loaded_at
    from landings
),

{% if is_incremental() %}
previous_run as (
    select
        max(_batch_watermark) as watermark,
        max(_rules_fingerprint) as rules_fingerprint
    from {{ this }}
),

leads_to_refresh as (
    {{ leads_landed_since('landings', ref('stg_crm__leads'), '(select previous_run.watermark from previous_run)') }}
    union
    -- a scoring seed changed, or the table is empty: recompute every lead
    select all_leads.lead_id
    from {{ ref('stg_crm__leads') }} as all_leads
    where exists (
        select 1
        from previous_run
        cross join rules_fingerprint
        where
            previous_run.watermark is null
            or previous_run.rules_fingerprint != rules_fingerprint.fingerprint
    )
),
{% endif %}

leads as (
    select lead_id
    from {{ ref('stg_crm__leads') }}
    {% if is_incremental() -%}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
),

rule_sets as (
    select
        rule_set_id,
        engagement_window_days
    from {{ ref('scoring_rule_sets') }}
),

engagement_rules as (
    select
        rule_set_id,
        rule_id,
        signal,
        qualifier,
        points,
        cap,
        is_sales_ready
    from {{ ref('scoring_engagement_rules') }}
),

fit_scores as (
    select
        lead_id,
        rule_set_id,
        fit_score
    from {{ ref('int_leads_fit_scored') }}
),

events as (
    select
        lead_events.event_source,
        lead_events.event_id,
        lead_events.lead_id,
        lead_events.signal,
        lead_events.qualifier,
        lead_events.occurred_at
    from {{ ref('int_lead_events_unioned') }} as lead_events
    inner join leads
        on lead_events.lead_id = leads.lead_id
),

events_matched as (
    select
        events.lead_id,
        engagement_rules.rule_set_id,
        engagement_rules.rule_id,
        events.event_source,
        events.event_id,
        events.signal,
        events.qualifier,
        events.occurred_at,
        engagement_rules.points,
        engagement_rules.cap,
        engagement_rules.is_sales_ready,
        {{ dbt.dateadd('day', 'rule_sets.engagement_window_days', 'events.occurred_at') }} as leaves_window_at
    from events
    inner join engagement_rules
        on
            events.signal = engagement_rules.signal
            and (engagement_rules.qualifier is null or events.qualifier = engagement_rules.qualifier)
    inner join rule_sets
        on engagement_rules.rule_set_id = rule_sets.rule_set_id
),

rule_count_changes as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        occurred_at as changed_at,
        1 as count_change,
        1 as is_event
    from events_matched
    union all
    select
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        leaves_window_at as changed_at,
        -1 as count_change,
        0 as is_event
    from events_matched
),

rule_counts_by_time as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        changed_at,
        sum(count_change) as count_change,
        sum(is_event) as events_at_time
    from rule_count_changes
    group by
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        changed_at
),

rule_counts_running as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        changed_at,
        events_at_time,
        sum(count_change) over (
            partition by lead_id, rule_set_id, rule_id
            order by changed_at
            rows between unbounded preceding and current row
        ) as events_in_window
    from rule_counts_by_time
),

rule_contributions as (
    select
        lead_id,
        rule_set_id,
        rule_id,
        points,
        cap,
        changed_at,
        events_at_time,
        events_in_window,
        {{ capped_contribution('points', 'cap', 'events_in_window') }} as contribution
    from rule_counts_running
),

rule_contribution_changes as (
    select
        lead_id,
        rule_set_id,
        changed_at,
        contribution - coalesce(lag(contribution) over (
            partition by lead_id, rule_set_id, rule_id
            order by changed_at
        ), 0) as contribution_change
    from rule_contributions
),

engagement_changes as (
    select
        lead_id,
        rule_set_id,
        changed_at,
        sum(contribution_change) as score_change
    from rule_contribution_changes
    group by
        lead_id,
        rule_set_id,
        changed_at
),

engagement_by_time as (
    select
        lead_id,
        rule_set_id,
        changed_at,
        sum(score_change) over (
            partition by lead_id, rule_set_id
            order by changed_at
            rows between unbounded preceding and current row
        ) as engagement_score
    from engagement_changes
),

events_ranked as (
    -- position of an event among its rule's events at the same timestamp (by id)
    select
        lead_id,
        rule_set_id,
        rule_id,
        event_source,
        event_id,
        signal,
        qualifier,
        occurred_at,
        is_sales_ready,
        row_number() over (
            partition by lead_id, rule_set_id, rule_id, occurred_at
            order by event_id, event_source
        ) as position_at_time
    from events_matched
),

events_scored as (
    select
        events_ranked.lead_id,
        events_ranked.rule_set_id,
        events_ranked.event_source,
        events_ranked.event_id,
        events_ranked.signal,
        events_ranked.qualifier,
        events_ranked.rule_id,
        events_ranked.occurred_at,
        events_ranked.is_sales_ready,
        cast(
            {{ capped_contribution(
                'rule_contributions.points', 'rule_contributions.cap',
                '(rule_contributions.events_in_window - rule_contributions.events_at_time + events_ranked.position_at_time)'
            ) }}
            - {{ capped_contribution(
                'rule_contributions.points', 'rule_contributions.cap',
                '(rule_contributions.events_in_window - rule_contributions.events_at_time + events_ranked.position_at_time - 1)'
            ) }}
            as {{ dbt.type_int() }}
        ) as points_awarded,
        cast(engagement_by_time.engagement_score as {{ dbt.type_int() }}) as engagement_score,
        cast(fit_scores.fit_score + engagement_by_time.engagement_score as {{ dbt.type_int() }}) as lead_score
    from events_ranked
    inner join rule_contributions
        on
            events_ranked.lead_id = rule_contributions.lead_id
            and events_ranked.rule_set_id = rule_contributions.rule_set_id
            and events_ranked.rule_id = rule_contributions.rule_id
            and events_ranked.occurred_at = rule_contributions.changed_at
    inner join engagement_by_time
        on
            events_ranked.lead_id = engagement_by_time.lead_id
            and events_ranked.rule_set_id = engagement_by_time.rule_set_id
            and events_ranked.occurred_at = engagement_by_time.changed_at
    inner join fit_scores
        on
            events_ranked.lead_id = fit_scores.lead_id
            and events_ranked.rule_set_id = fit_scores.rule_set_id
),

batch as (
    select
        events_scored.lead_id,
        events_scored.rule_set_id,
        events_scored.event_source,
        events_scored.event_id,
        events_scored.signal,
        events_scored.qualifier,
        events_scored.rule_id,
        events_scored.occurred_at,
        events_scored.is_sales_ready,
        events_scored.points_awarded,
        events_scored.engagement_score,
        events_scored.lead_score
    from events_scored
    {% if is_incremental() -%}
    union all
    -- refresh markers: clear leads that may have lost every scored event
    select
        leads.lead_id,
        cast(null as {{ dbt.type_string() }}) as rule_set_id,
        cast(null as {{ dbt.type_string() }}) as event_source,
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(null as {{ dbt.type_boolean() }}) as is_sales_ready,
        cast(null as {{ dbt.type_int() }}) as points_awarded,
        cast(null as {{ dbt.type_int() }}) as engagement_score,
        cast(null as {{ dbt.type_int() }}) as lead_score
    from leads
    {%- endif %}
),

final as (
    select
        batch.*,
        latest_landing.loaded_at as _batch_watermark,
        rules_fingerprint.fingerprint as _rules_fingerprint
    from batch
    cross join latest_landing
    cross join rules_fingerprint
)

select * from final
