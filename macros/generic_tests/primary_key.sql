{#-
    Passes when `columns` are a primary key: no row has a null in any of them and no two
    rows share their values. One query for both checks (as dbt_constraints' primary_key
    test; tests/python/test_project_structure.py counts it as a primary-key test).
    Returns the offending keys.
-#}
{% test primary_key(model, columns) %}
    {%- set key = columns | join(', ') %}
    select
        {{ key }},
        count(*) as occurrences
    from {{ model }}
    group by {{ key }}
    having
        count(*) > 1
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
{% endtest %}
