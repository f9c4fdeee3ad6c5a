{#-
    The leads a lead-keyed incremental model (unique_key `lead_id`) recomputes in this
    run, as a select of `lead_id`. Models call it through leads_to_refresh_cte (below),
    which also makes dbt see its two refs in every build.
    - the leads of every change after this model's newest `_refreshed_at`
      (int_lead_changes_unioned): valid landings a landing model (re)computed (new and
      re-landed leads, their events, opportunities, sales activities and dispositions,
      both leads of an event that moved from one to the other, the current leads of
      re-landed companies), and every staged lead when the scoring rules changed;
    - every staged lead when the model is empty, or when its newest `_refreshed_at` is
      not before this run's (a clock that went back): recomputing everything is always
      correct.
    The ids may include leads that are not staged (the leads of orphan events): the
    models join them to the staged leads.
-#}
{% macro leads_to_refresh() -%}
    select changes.lead_id
    from {{ ref('int_lead_changes_unioned') }} as changes
    where changes._refreshed_at > (select max(last_build._refreshed_at) from {{ this }} as last_build)
    union
    select staged_leads.lead_id
    from {{ ref('stg_crm__leads') }} as staged_leads
    cross join (
        select max(last_build._refreshed_at) as refreshed_at
        from {{ this }} as last_build
    ) as last_build
    where
        last_build.refreshed_at is null
        or last_build.refreshed_at >= {{ refresh_timestamp() }}
{%- endmacro %}

{#-
    The CTE `name` (a select of the leads this run recomputes: macro leads_to_refresh) and
    its comma, in an incremental run; nothing in a full build. dbt does not see the refs
    made inside is_incremental(), so this macro refs the models leads_to_refresh() reads in
    every build: a model calling it needs no `-- depends_on:` comments for them.
-#}
{% macro leads_to_refresh_cte(name='leads_to_refresh') -%}
    {%- do ref('int_lead_changes_unioned') -%}
    {%- do ref('stg_crm__leads') -%}
    {%- if is_incremental() %}
{{ name }} as (
    {{ leads_to_refresh() | indent(4) }}
),
{% endif %}
{%- endmacro %}


{#-
    Filter for a lead-keyed model's import CTE: in an incremental run, only the leads in
    `leads_to_refresh` (the CTE above, or the model's own of that name); every lead in a
    full build.
-#}
{% macro in_leads_to_refresh(lead_id='lead_id') -%}
    {%- if is_incremental() -%}
        {{ lead_id }} in (select leads_to_refresh.lead_id from leads_to_refresh)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
