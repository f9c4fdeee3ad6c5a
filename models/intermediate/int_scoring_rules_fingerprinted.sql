{{ config(materialized='view') }}

{#-
    One row: a hash of every scoring seed row (macro scoring_rules_fingerprint). The
    incremental models store it with their rows; when a rule changes, their next run
    recomputes every lead. A view, so the seeds are its only parents.
-#}

with

fingerprint as (
    {{ scoring_rules_fingerprint() }}
)

select * from fingerprint
