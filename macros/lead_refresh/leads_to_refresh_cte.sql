{#-
    The two pieces every lead-keyed incremental model (unique_key `lead_id`, ending with
    refresh_batch(..., keys='leads_to_refresh')) writes around macro leads_to_refresh.
-#}

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
