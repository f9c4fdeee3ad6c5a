{#-
    One row per lead and lifecycle stage reached (active rule set), with time spent in it.
    A stage is left when the next reached stage is entered (macro stage_exited_at: the
    first non-null of the later stages' entry times, in stage order, unreached stages
    skipped), so no window over the stages is needed.
-#}

with

lifecycles as (
    select
        lead_id,
        rule_set_id,
        created_at,
        nurturing_at,
        mql_at,
        sql_at,
        opportunity_at,
        customer_at,
        scored_as_of
    from {{ ref('fct_lead_lifecycle') }}
),

stages_reached as (
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'new' as lifecycle_stage,
        1 as stage_order,
        created_at as entered_at,
        {{ stage_exited_at('created_at') }} as exited_at
    from lifecycles
    union all
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'nurturing' as lifecycle_stage,
        2 as stage_order,
        nurturing_at as entered_at,
        {{ stage_exited_at('nurturing_at') }} as exited_at
    from lifecycles
    where nurturing_at is not null
    union all
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'mql' as lifecycle_stage,
        3 as stage_order,
        mql_at as entered_at,
        {{ stage_exited_at('mql_at') }} as exited_at
    from lifecycles
    where mql_at is not null
    union all
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'sql' as lifecycle_stage,
        4 as stage_order,
        sql_at as entered_at,
        {{ stage_exited_at('sql_at') }} as exited_at
    from lifecycles
    where sql_at is not null
    union all
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'opportunity' as lifecycle_stage,
        5 as stage_order,
        opportunity_at as entered_at,
        {{ stage_exited_at('opportunity_at') }} as exited_at
    from lifecycles
    where opportunity_at is not null
    union all
    select
        lead_id,
        rule_set_id,
        scored_as_of,
        'customer' as lifecycle_stage,
        6 as stage_order,
        customer_at as entered_at,
        {{ stage_exited_at('customer_at') }} as exited_at
    from lifecycles
    where customer_at is not null
),

final as (
    select
        lead_id,
        rule_set_id,
        lifecycle_stage,
        stage_order,
        entered_at,
        exited_at,
        {{ hours_between('entered_at', 'coalesce(exited_at, scored_as_of)') }} as hours_in_stage,
        exited_at is null as is_current_stage
    from stages_reached
)

select * from final
