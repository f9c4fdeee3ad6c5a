{#-
    Passes when none of `columns` is null in any row: one query for the columns a model
    guarantees, instead of one not_null test (and one dbt node) per column. Returns the
    offending rows.
-#}
{% test not_null_columns(model, columns) %}
    select *
    from {{ model }}
    where
        {%- for column in columns %}
        {{ 'or ' if not loop.first }}{{ column }} is null
        {%- endfor %}
{% endtest %}
