{#-
    The lead ids an incremental lead-keyed model (`unique_key='lead_id'`) must recompute
    in this run, as a select of `lead_id`. Call it only when is_incremental(); the model
    stores `_refreshed_at` (macro refresh_timestamp) and `_rules_fingerprint` (model
    int_scoring_rules_fingerprinted) on its rows. `landings` is int_landings_unioned,
    `fingerprint` int_scoring_rules_fingerprinted.
    - every lead of a valid landing that a base_ model recomputed since this model's
      newest `_refreshed_at`: new or re-landed leads, their events, opportunities and
      sales activities, both leads of an event moved from one to another (every copy of
      a re-landed record is recomputed), and the current leads of re-landed companies.
      Rejected rows never change what is staged, so they are skipped;
    - every landed lead when the model is empty, when a scoring seed changed since its
      last build, or when its newest `_refreshed_at` is not before this run's start (a
      clock that went back): recomputing everything is always correct.
    The ids may include leads that are not staged (orphan events' leads): the models
    join them to the staged leads.
-#}
{% macro lead_refresh_batch(landings, fingerprint) -%}
    select refreshed_landings.lead_id
    from {{ landings }} as refreshed_landings
    where
        refreshed_landings._refreshed_at > (select max(_refreshed_at) from {{ this }})
        and not refreshed_landings.is_rejected
        and refreshed_landings.lead_id is not null
    union
    select landed_leads.lead_id
    from {{ landings }} as landed_leads
    where
        landed_leads.source_table = 'crm_leads'
        and landed_leads.lead_id is not null
        and exists (
            select 1
            from (
                select
                    max(_refreshed_at) as refreshed_at,
                    max(_rules_fingerprint) as rules_fingerprint
                from {{ this }}
            ) as previous_build
            cross join {{ fingerprint }} as rules
            where
                previous_build.refreshed_at is null
                or previous_build.refreshed_at >= {{ refresh_timestamp() }}
                or previous_build.rules_fingerprint != rules.fingerprint
        )
{%- endmacro %}
