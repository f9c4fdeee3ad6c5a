{#-
    One row per raw landing table: `source_table` and, as `count_column`, the number of
    rows of the relation `relations` maps it to (source_table -> relation: the raw table,
    its staging model, ...), counting only the rows that match `where` (SQL) when given.
-#}
{% macro row_counts_per_source_table(relations, count_column, where=none) -%}
    {%- for source_table, relation in relations.items() -%}
    {%- if not loop.first %}
    union all
    {% endif -%}
    select
        '{{ source_table }}' as source_table,
        count(*) as {{ count_column }}
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
