{#-
    A deterministic surrogate key: the hash of the given column expressions, each cast to
    text, with nulls replaced by a marker and the parts joined by a separator (so that
    ('a', 'bc') and ('ab', 'c'), or null and '', give different keys). Cross-database
    through dbt.hash and dbt.concat.
-#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_lead_funnel_null_')"
        ) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
