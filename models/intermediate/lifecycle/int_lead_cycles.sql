{{ config(materialized='table') }}

{#-
    The cycles that sales' dispositions cut a lead's history into (SPEC section 3), one
    row per cycle of every lead with at least one valid disposition; a lead without one
    has a single open cycle, number 0, and no row here. A disposition at time d takes
    effect just after d, so cycle n holds the events in (cycle_started_at,
    cycle_ended_at]. Dispositions sharing a timestamp make one boundary, and the last of
    them by id decides what it is: `recycled` opens the lead again, `disqualified`
    closes it. Independent of `as_of`: a run ignores the boundaries after its `as_of`.
-#}

with

dispositions as (
    -- the staged dispositions with a known value; an unknown one is not used
    select
        disposition_id,
        lead_id,
        disposition,
        reason,
        occurred_at
    from {{ ref('stg_crm__lead_dispositions') }}
    where disposition is not null
),

dispositions_ranked as (
    select
        *,
        row_number() over (
            partition by lead_id, occurred_at
            order by {{ code_point_order('disposition_id') }} desc
        ) as rank_at_time
    from dispositions
),

boundaries as (
    -- one per lead and disposition time: the last disposition at that time by id
    select
        lead_id,
        occurred_at as boundary_at,
        disposition,
        reason,
        row_number() over (partition by lead_id order by occurred_at) as cycle_number
    from dispositions_ranked
    where rank_at_time = 1
),

first_cycles as (
    select
        lead_id,
        0 as cycle_number,
        cast(null as {{ dbt.type_timestamp() }}) as cycle_started_at,
        cast(null as {{ dbt.type_string() }}) as started_by,
        cast(null as {{ dbt.type_string() }}) as start_reason
    from boundaries
    where cycle_number = 1
),

later_cycles as (
    select
        lead_id,
        cycle_number,
        boundary_at as cycle_started_at,
        disposition as started_by,
        reason as start_reason
    from boundaries
),

cycles as (
    select * from first_cycles
    union all
    select * from later_cycles
),

cycles_bounded as (
    select
        cycles.lead_id,
        cast(cycles.cycle_number as {{ dbt.type_int() }}) as cycle_number,
        cycles.cycle_started_at,
        cycles.started_by,
        cycles.start_reason,
        case when cycles.started_by = 'disqualified' then 'disqualified' else 'open' end as cycle_kind,
        next_boundaries.boundary_at as cycle_ended_at,
        next_boundaries.disposition as ended_by,
        next_boundaries.reason as end_reason
    from cycles
    left join boundaries as next_boundaries
        on
            cycles.lead_id = next_boundaries.lead_id
            and cycles.cycle_number + 1 = next_boundaries.cycle_number
)

select * from cycles_bounded
