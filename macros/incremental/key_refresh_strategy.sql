{#-
    Incremental strategy `key_refresh`: every key (config `unique_key`, e.g. lead_id or
    event_id) present in the new batch is recomputed entirely: all target rows of those
    keys are deleted, then the batch is inserted.

    Optional model configs:
    - `refresh_marker_column`: batch rows where this column is null are markers; they name
      a key to clear without inserting anything (e.g. a lead that lost all its rows) and
      are never written.
    - `refresh_always_predicate`: target rows matching it are always deleted; the model
      recomputes them in every batch (e.g. raw rows without an id or a landing time,
      which no watermark can find).
-#}
{% macro get_incremental_key_refresh_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set refresh_key = arg_dict['unique_key'] -%}
    {%- set marker_column = config.get('refresh_marker_column') -%}
    {%- set always_predicate = config.get('refresh_always_predicate') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if refresh_key is none -%}
        {{ exceptions.raise_compiler_error("the key_refresh strategy needs unique_key (the refresh key, e.g. lead_id)") }}
    {%- endif -%}
    delete from {{ target }}
    where
        {{ refresh_key }} in (select batch.{{ refresh_key }} from {{ batch }} as batch)
        {%- if always_predicate %}
        or ({{ always_predicate }})
        {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    {%- if marker_column %}
    where {{ marker_column }} is not null
    {%- endif %}
{%- endmacro %}
