{#-
    The rule set published in the lifecycle marts (var `active_rule_set`), rendered as a
    quoted SQL string literal. Only identifier-like names are accepted; the runner also
    checks that the rule set exists in the seed.
-#}
{% macro active_rule_set() -%}
    {%- set value = var('active_rule_set', 'default') | string | trim -%}
    {%- if not modules.re.fullmatch('[a-z0-9_]+', value) -%}
        {{ exceptions.raise_compiler_error("var active_rule_set must match [a-z0-9_]+, got: " ~ value) }}
    {%- endif -%}
    '{{ value }}'
{%- endmacro %}
