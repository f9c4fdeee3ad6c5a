{#-
    The raw records, (source_table, record_id), whose data-quality issues a record-keyed
    incremental model (unique_key [source_table, record_id]) recomputes in this run, as a
    select of those two columns; call it only when is_incremental(). `tables` lists the
    model's raw tables as (source_table, landing model relation, id column).
    - every record a landing_ model (re)computed after this model's newest `_refreshed_at`,
      all its copies and versions, rejected ones included (they are issues);
    - every record this model reports as `orphan_lead` whose lead was staged since: it
      may not be an orphan any more (a staged lead stays staged);
    - every record when the model is empty or the clock went back (its newest
      `_refreshed_at` not before this run's).
    Rows without an id have no record: the model reads again those landed at or after its
    newest `loaded_at` (macro in_records_to_refresh), and the strategy replaces them
    (config refresh_unkeyed_since: loaded_at).
-#}
{% macro records_to_refresh(tables) -%}
    {%- set last_build = '(select max(last_build._refreshed_at) from ' ~ this ~ ' as last_build)' -%}
    {%- for source_table, relation, id_column in tables %}
    select
        '{{ source_table }}' as source_table,
        landed.{{ id_column }} as record_id
    from {{ relation }} as landed
    where
        landed.{{ id_column }} is not null
        and (
            landed._refreshed_at > {{ last_build }}
            or coalesce({{ last_build }} >= {{ refresh_timestamp() }}, true)
        )
    union
    {%- endfor %}
    select
        orphan_issues.source_table,
        orphan_issues.record_id
    from {{ this }} as orphan_issues
    where
        orphan_issues.issue = 'orphan_lead'
        and orphan_issues.lead_id in (
            select staged_leads.lead_id
            from {{ ref('stg_crm__leads') }} as staged_leads
            where staged_leads._refreshed_at > {{ last_build }}
        )
{%- endmacro %}


{#-
    Filter for a record-keyed model's import CTE over a landing_ model: in an incremental
    run, only the rows of `source_table` in `records_to_refresh` (a CTE of the macro
    above), and the rows without an id landed at or after the model's newest `loaded_at`
    (`watermark`: newest_in_target('loaded_at'), read once by the model) or at an unknown
    time; every row in a full build.
-#}
{% macro in_records_to_refresh(id_column, source_table, watermark) -%}
    {%- if is_incremental() -%}
        (
            {{ id_column }} is null
            and (loaded_at is null or loaded_at >= {{ watermark }})
        )
        or {{ id_column }} in (
            select records_to_refresh.record_id
            from records_to_refresh
            where records_to_refresh.source_table = '{{ source_table }}'
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
