{#-
    The leads a lead-keyed incremental model (unique_key `lead_id`) recomputes in this
    run, as a select of `lead_id`; call it only when is_incremental(). A model has to
    name int_lead_changes_unioned and stg_crm__leads in `-- depends_on:` comments, since
    dbt does not see refs inside is_incremental().
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
