{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#-
    One row per change of the scoring rules: a hash of every scoring seed row
    (int_scoring_rule_rows_unioned and int_scoring_lookup_rows_unioned, ordered by code
    point, so the same rows give the same hash on every run and engine) and when a run
    first built with it. A run appends a row only when the hash differs from the latest
    one. int_lead_changes_unioned turns the latest change into a change of every staged
    lead, so the lead-keyed incremental models recompute every lead when the rules changed
    after their last build (macro leads_to_refresh): an edited rule needs no
    --full-refresh.
-#}

with

rule_rows as (
    select rule_row
    from {{ ref('int_scoring_rule_rows_unioned') }}
    union all
    select rule_row
    from {{ ref('int_scoring_lookup_rows_unioned') }}
),

current_rules as (
    select {{ dbt.hash(sorted_text_agg('rule_rows.rule_row', "'|'")) }} as fingerprint
    from rule_rows
),

changes as (
    select
        current_rules.fingerprint,
        {{ refresh_timestamp() }} as changed_at
    from current_rules
    {%- if is_incremental() %}
    where current_rules.fingerprint != coalesce(
        (
            select latest.fingerprint
            from {{ this }} as latest
            order by latest.changed_at desc
            limit 1
        ),
        ''
    )
    {%- endif %}
)

select * from changes
