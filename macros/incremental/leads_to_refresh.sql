{#-
    The leads a lead-keyed incremental model (unique_key `lead_id`) recomputes in this
    run, as a select of `lead_id`; call it only when is_incremental(). A model has to
    name int_landings_unioned, stg_crm__leads and int_scoring_rule_changes in
    `-- depends_on:` comments, since dbt does not see refs inside is_incremental().
    - the leads of every valid landing a base_ model (re)computed after this model's
      newest `_refreshed_at`: new and re-landed leads, their events, opportunities and
      sales activities, both leads of an event that moved from one to the other (every
      copy of a re-landed record is recomputed), the current leads of re-landed
      companies. Rejected rows never change what is staged, so they are skipped;
    - every staged lead when the scoring rules changed after that (int_scoring_rule_changes),
      when the model is empty, or when its newest `_refreshed_at` is not before this
      run's (a clock that went back): recomputing everything is always correct.
    The ids may include leads that are not staged (the leads of orphan events): the
    models join them to the staged leads.
-#}
{% macro leads_to_refresh() -%}
    select refreshed_landings.lead_id
    from {{ ref('int_landings_unioned') }} as refreshed_landings
    where
        refreshed_landings._refreshed_at > (select max(last_build._refreshed_at) from {{ this }} as last_build)
        and not refreshed_landings.is_rejected
        and refreshed_landings.lead_id is not null
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
        or last_build.refreshed_at < (
            select max(rule_changes.changed_at)
            from {{ ref('int_scoring_rule_changes') }} as rule_changes
        )
{%- endmacro %}
