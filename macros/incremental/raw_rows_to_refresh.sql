{#-
    Filter for the raw rows an incremental base_ model reads (a predicate on the raw
    relation's own columns), given W = the newest `loaded_at` the model holds (macro
    newest_in_target; `_loaded_at` is when a row landed, so later landings are at or after
    it: "at" too, so rows landed later with the same `_loaded_at` are never missed):
    every row landed at or after W, with or without an id, and every row without a
    parseable `_loaded_at` (no watermark finds them: they are recomputed each run; with
    the config refresh_unkeyed_since the strategy deletes exactly the rows without an id
    this recomputes). The earlier landings of the ids landed again are not re-read from
    raw: macro previous_landings takes them, already cast and validated, from the model.
    An empty model holds no watermark: every row is read.
-#}
{% macro raw_rows_to_refresh(raw_relation, key_column, raw_column_types) -%}
    {%- set landed_at = parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) -%}
    {{ landed_at }} is null
    or {{ landed_at }} >= {{ newest_in_target('loaded_at') }}
{%- endmacro %}


{#-
    The rows of an incremental base_ model to rank again with the new landings: every row
    the model holds, landed before its watermark (newest `loaded_at`), of an id in
    `new_landings` (a CTE of the new landings, cast and validated). They were cast and
    validated from raw by earlier runs exactly as the new ones are now, so the `columns`
    (the CTE's columns, listed in the same order) are re-used as stored: the id's copies
    and versions are ranked together without re-reading and re-casting the raw table.
-#}
{% macro previous_landings(new_landings, key_column, columns) -%}
    select
        {%- for column in columns %}
        previous.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as previous
    where
        previous.loaded_at < {{ newest_in_target('loaded_at') }}
        and previous.{{ key_column }} in (
            select {{ new_landings }}.{{ key_column }}
            from {{ new_landings }}
        )
{%- endmacro %}
