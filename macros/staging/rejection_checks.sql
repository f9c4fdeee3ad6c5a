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
    {#- (condition, rejection_issue, rejected_column), in order of precedence -#}
    {%- set checks = [(id_column ~ ' is null', 'missing_id', id_column)] -%}
    {%- if required_timestamp -%}
        {%- do checks.append((required_timestamp ~ ' is null', 'invalid_timestamp', required_timestamp)) -%}
    {%- endif -%}
    {%- do checks.append(('loaded_at is null', 'invalid_timestamp', '_loaded_at')) -%}
    {%- if is_event -%}
        {%- set occurs_after_landing = required_timestamp ~ ' > ' ~ dbt.dateadd('day', 1, 'loaded_at') -%}
        {%- do checks.append((occurs_after_landing, 'future_timestamp', required_timestamp)) -%}
    {%- endif -%}
    {%- if requires_lead -%}
        {%- do checks.append(('lead_id is null', 'missing_lead', 'lead_id')) -%}
    {%- endif -%}
    case
        {%- for condition, issue, column in checks %}
        when {{ condition }} then '{{ issue }}'
        {%- endfor %}
    end as rejection_issue,
    case
        {%- for condition, issue, column in checks %}
        when {{ condition }} then '{{ column }}'
        {%- endfor %}
    end as rejected_column
{%- endmacro %}
