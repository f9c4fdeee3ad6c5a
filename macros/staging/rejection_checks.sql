{#-
    The two validation columns of a landing_ model, SPEC section 1 "Bad input", in order of
    precedence (docs/architecture.md): `rejection_issue` (missing_id, invalid_timestamp,
    future_timestamp, missing_lead; null for a valid row) and `rejected_column` (the raw
    column at fault). Expects the cleaned `id_column`, `loaded_at` and, when given, the
    parsed `required_timestamp` and `lead_id` columns.
    - required_timestamp: the timestamp a row cannot do without (none: only `_loaded_at`);
    - is_event: an event may not occur more than 1 day after it landed;
    - requires_lead: a row without `lead_id` is rejected.
-#}
{% macro rejection_checks(id_column, required_timestamp=none, is_event=false, requires_lead=false) -%}
    {%- set occurs_after_landing = required_timestamp ~ ' > ' ~ dbt.dateadd('day', 1, 'loaded_at') -%}
    case
        when {{ id_column }} is null then 'missing_id'
        {%- if required_timestamp %}
        when {{ required_timestamp }} is null or loaded_at is null then 'invalid_timestamp'
        {%- else %}
        when loaded_at is null then 'invalid_timestamp'
        {%- endif %}
        {%- if is_event %}
        when {{ occurs_after_landing }} then 'future_timestamp'
        {%- endif %}
        {%- if requires_lead %}
        when lead_id is null then 'missing_lead'
        {%- endif %}
    end as rejection_issue,
    case
        when {{ id_column }} is null then '{{ id_column }}'
        {%- if required_timestamp %}
        when {{ required_timestamp }} is null then '{{ required_timestamp }}'
        {%- endif %}
        when loaded_at is null then '_loaded_at'
        {%- if is_event %}
        when {{ occurs_after_landing }} then '{{ required_timestamp }}'
        {%- endif %}
        {%- if requires_lead %}
        when lead_id is null then 'lead_id'
        {%- endif %}
    end as rejected_column
{%- endmacro %}
