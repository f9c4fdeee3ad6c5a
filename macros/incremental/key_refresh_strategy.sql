{#-
    Incremental strategy `key_refresh`: every key (config `unique_key`: a column such as
    lead_id, or a list of columns such as ['source_table', 'record_id']) present in the
    new batch is recomputed entirely: all target rows of those keys are deleted, then the
    batch is inserted.

    Optional model configs:
    - `refresh_marker_column`: batch rows where this column is null are markers; they name
      a key to clear without inserting anything (e.g. a lead that lost all its rows) and
      are never written.
    - `refresh_unkeyed_since`: a timestamp column (e.g. loaded_at). Rows with a null key
      cannot be matched by key: the target rows with a null key whose column is null or
      at or after the target's newest value of it are deleted, and the model's batch must
      recompute exactly those rows (macros newest_in_target, raw_rows_to_refresh,
      in_records_to_refresh). Rows landed earlier never change: a row without an id has
      no other copy to be ranked against.
-#}
{% macro get_incremental_key_refresh_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set refresh_key = arg_dict['unique_key'] -%}
    {%- set marker_column = config.get('refresh_marker_column') -%}
    {%- set unkeyed_since = config.get('refresh_unkeyed_since') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if refresh_key is none -%}
        {{ exceptions.raise_compiler_error("the key_refresh strategy needs unique_key (the refresh key, e.g. lead_id)") }}
    {%- endif -%}
    {%- set key_columns = [refresh_key] if refresh_key is string else refresh_key -%}
    delete from {{ target }}
    where
        {%- if key_columns | length == 1 %}
        {{ key_columns[0] }} in (select batch.{{ key_columns[0] }} from {{ batch }} as batch)
        {%- else %}
        exists (
            select 1
            from {{ batch }} as batch
            where
                {%- for column in key_columns %}
                {{ 'and ' if not loop.first }}batch.{{ column }} = {{ target }}.{{ column }}
                {%- endfor %}
        )
        {%- endif %}
        {%- if unkeyed_since %}
        or (
            ({% for column in key_columns %}{{ ' or ' if not loop.first }}{{ column }} is null{% endfor %})
            and (
                {{ unkeyed_since }} is null
                or {{ unkeyed_since }} >= (select max(newest.{{ unkeyed_since }}) from {{ target }} as newest)
            )
        )
        {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    {%- if marker_column %}
    where {{ marker_column }} is not null
    {%- endif %}
{%- endmacro %}
