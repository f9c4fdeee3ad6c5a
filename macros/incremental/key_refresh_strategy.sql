{#-
    Incremental strategy `lead_refresh`: every lead present in the new batch is
    recomputed entirely. All rows of those leads are deleted from the target, then the
    batch is inserted. Batch rows whose `refresh_marker_column` (model config) is null are
    markers: they name a lead to clear without inserting anything (a lead that lost all
    its rows), and are never written.
-#}
{% macro get_incremental_lead_refresh_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set refresh_key = arg_dict['unique_key'] -%}
    {%- set marker_column = config.get('refresh_marker_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if refresh_key is none -%}
        {{ exceptions.raise_compiler_error("the lead_refresh strategy needs unique_key (the refresh key, e.g. lead_id)") }}
    {%- endif -%}
    delete from {{ target }}
    where {{ refresh_key }} in (select batch.{{ refresh_key }} from {{ batch }} as batch);

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    {%- if marker_column %}
    where {{ marker_column }} is not null
    {%- endif %}
{%- endmacro %}
