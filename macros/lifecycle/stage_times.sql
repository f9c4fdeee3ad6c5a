{#-
    Stage entry times of the lifecycle (docs/semantics.md, "Stage entry times"). A stage is
    entered no earlier than the stages before it: each entry time is clamped to the latest
    stage the lead reached before it, and nurturing and the MQL are never before creation.
-#}

{#- The entry-time columns of the lifecycle stages, in stage order. -#}
{% macro lifecycle_stage_columns() -%}
    {{ return(['created_at', 'nurturing_at', 'mql_at', 'sql_at', 'opportunity_at', 'customer_at']) }}
{%- endmacro %}


{#-
    When the lead entered the stage of column `stage_column` (lifecycle_stage_columns),
    first reached at `reached_at`: never before the latest earlier stage it reached, the
    first non-null of the earlier stages' entry times (columns of `relation`), latest
    stage first; null when `reached_at` is null (not reached by `as_of`).
-#}
{% macro stage_entered_at(stage_column, reached_at, relation) -%}
    {%- set stages = lifecycle_stage_columns() -%}
    {%- set earlier_stages = [] -%}
    {%- for column in stages[:stages.index(stage_column)] | reverse -%}
        {%- do earlier_stages.append(relation ~ '.' ~ column) -%}
    {%- endfor -%}
    case
        when {{ reached_at }} is not null
            then greatest({{ reached_at }}, coalesce({{ earlier_stages | join(', ') }}))
    end
{%- endmacro %}


{#-
    When the lead left the stage of column `stage_column`: the entry time of the next
    stage it reached, the first non-null of the later stages' entry times in stage order
    (unreached stages are skipped); null while it is the current stage.
-#}
{% macro stage_exited_at(stage_column) -%}
    {%- set stages = lifecycle_stage_columns() -%}
    {%- set later_stages = stages[stages.index(stage_column) + 1:] -%}
    {%- if later_stages | length == 0 -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- elif later_stages | length == 1 -%}
        {{ later_stages[0] }}
    {%- else -%}
        coalesce({{ later_stages | join(', ') }})
    {%- endif -%}
{%- endmacro %}


{#-
    When the lead entered nurturing by `as_of`: its first points (the raw time of its first
    scored event that awarded points), never before its creation; null when that time is
    after `as_of` or there is none.
-#}
{% macro nurturing_at(first_points_at, created_at) -%}
    case
        when {{ first_points_at }} <= {{ as_of_timestamp() }}
            then greatest({{ first_points_at }}, {{ created_at }})
    end
{%- endmacro %}


{#-
    The earliest an MQL of the lead can be by `as_of`: never before its nurturing
    (nurturing_at) or, without nurturing yet, its creation. An MQL's time is its raw
    qualifying time clamped to this (int_lead_mqls_evaluated, threshold_calibration).
-#}
{% macro earliest_mql_at(first_points_at, created_at) -%}
    coalesce({{ nurturing_at(first_points_at, created_at) }}, {{ created_at }})
{%- endmacro %}
