{#-
    The qualification gates of an MQL other than the threshold (docs/semantics.md,
    "Qualifying at `t`"), as a condition on a scored event joined to its rule set
    (`rule_sets`: scoring_rule_sets), its lead's fit (`fits`: fit_score and
    disqualifying_rule_id of int_leads_fit_scored) and a left join of the disqualified
    cycles (`disqualified_cycles`: int_lead_cycles of kind `disqualified`, on lead and
    cycle): the engagement score reaches the rule set's minimum engagement, the fit score
    its minimum fit (when it has one), no disqualifying fit rule matches and the cycle
    is not disqualified. int_lead_cycles_qualified adds the rule set's threshold;
    threshold_calibration tries every candidate threshold on the events passing these.
-#}
{% macro passes_mql_gates(scored_events, rule_sets, fits, disqualified_cycles) -%}
    {{ scored_events }}.engagement_score >= {{ rule_sets }}.min_engagement_points
    and ({{ rule_sets }}.min_fit_points is null or {{ fits }}.fit_score >= {{ rule_sets }}.min_fit_points)
    and {{ fits }}.disqualifying_rule_id is null
    and {{ disqualified_cycles }}.lead_id is null
{%- endmacro %}
