{#-
    One `invalid_value` issue per staged row of `relation` and nulled column: for each
    column of `columns`, the staged rows whose flag `has_invalid_<column>` is set (the value
    did not parse or was out of range, and staging set it to null). Superseded CRM versions
    are not staged, so their invalid values are not reported. Same columns as
    `rejected_row_issues`.
-#}
{% macro invalid_value_issues(relation, source_table, id_column, columns, lead_column='lead_id') -%}
    {%- for column in columns -%}
    {%- if not loop.first %}
    union all
    {% endif -%}
    select
        '{{ source_table }}' as source_table,
        {{ id_column }} as record_id,
        {{ lead_column or 'cast(null as ' ~ dbt.type_string() ~ ')' }} as lead_id,
        'invalid_value' as issue,
        '{{ column }}' as column_name,
        loaded_at
    from {{ relation }}
    where is_staged and has_invalid_{{ column }}
    {%- endfor %}
{%- endmacro %}
