{{
    config(
        materialized='incremental',
        incremental_strategy='key_refresh',
        unique_key='lead_id',
        refresh_marker_column='event_id',
        on_schema_change='fail',
        post_hook="{{ record_model_build() }}",
    )
}}

{#-
    One row per scored event (active rule set) at or before `as_of`, with its points.
    Incremental (macro model_builds): a run rewrites the leads whose scored events were
    recomputed since this mart's last build, the leads of the landings since then (a
    lead can lose its last scored event), and the leads with an event or a creation
    between that build's `as_of` and this one (in either direction); everything when
    there is no comparable previous build (another rule set or other scoring seeds).
-#}

-- depends_on: {{ ref('int_scoring_rules_fingerprinted') }}
-- depends_on: {{ ref('int_landings_unioned') }}
-- depends_on: {{ ref('int_leads_enriched') }}

with

leads as (
    select lead_id
    from {{ ref('dim_leads') }}
),

{% if is_incremental() -%}
previous_build as (
    select
        built_at,
        as_of,
        is_comparable
    from {{ previous_model_build() }}
),

leads_to_refresh as (
    select refreshed_events.lead_id
    from {{ ref('int_lead_events_scored') }} as refreshed_events
    cross join previous_build
    where
        not previous_build.is_comparable
        or refreshed_events._refreshed_at > previous_build.built_at
        or {{ is_between_build_as_ofs('refreshed_events.occurred_at') }}
    union
    select landings.lead_id
    from {{ ref('int_landings_unioned') }} as landings
    cross join previous_build
    where
        landings._refreshed_at > previous_build.built_at
        and not landings.is_rejected
        and landings.lead_id is not null
    union
    select created_leads.lead_id
    from {{ ref('int_leads_enriched') }} as created_leads
    cross join previous_build
    where {{ is_between_build_as_ofs('created_leads.created_at') }}
),

{% endif -%}
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
    {%- if is_incremental() %}
    where lead_id in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- endif %}
),

scored_events_of_leads as (
    -- the active rule set, what happened by as_of, leads created by as_of
    select scored_events.*
    from scored_events
    inner join leads
        on scored_events.lead_id = leads.lead_id
    where
        scored_events.rule_set_id = {{ active_rule_set() }}
        and scored_events.occurred_at <= {{ as_of_timestamp() }}
),

final as (
    select * from scored_events_of_leads
    {%- if is_incremental() %}
    union all
    -- refresh markers: every refreshed lead's old rows go, even when it has none now
    select
        leads_to_refresh.lead_id,
        cast(null as {{ dbt.type_string() }}) as rule_set_id,
        cast(null as {{ dbt.type_string() }}) as event_source,
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as signal,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(null as {{ dbt.type_int() }}) as points_awarded,
        cast(null as {{ dbt.type_int() }}) as engagement_score,
        cast(null as {{ dbt.type_int() }}) as lead_score,
        cast(null as {{ dbt.type_boolean() }}) as is_sales_ready
    from leads_to_refresh
    {%- endif %}
)

select * from final
