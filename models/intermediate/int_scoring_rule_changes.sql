{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#-
    One row per change of the scoring rules: a hash of every scoring seed row (macro
    scoring_rules_fingerprint) and when a run first built with it. A run appends a row
    only when the hash differs from the latest one. The lead-keyed incremental models
    recompute every lead when the rules changed after their last build (macro
    leads_to_refresh), so an edited rule needs no --full-refresh.
-#}

with

current_rules as (
    {{ scoring_rules_fingerprint() | indent(4) }}
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
