{#-
    One seed row as one line of text, for a fingerprint of the seeds (the rule_row of
    int_scoring_rule_rows_unioned): `label` and `:`, then every column of `columns` cast
    to text and joined with `:`, a null as empty text (so no line is ever null, whether
    the engine's concat skips nulls or returns null).
-#}
{% macro seed_row_text(label, columns) -%}
    {%- set parts = ["'" ~ label ~ ":'"] -%}
    {%- for column in columns -%}
        {%- if not loop.first -%}
            {%- do parts.append("':'") -%}
        {%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
