{#-
    Filter for the raw rows an incremental base_ model must recompute (a predicate on the
    raw relation's own columns), given W = the newest `loaded_at` the model holds (macro
    newest_in_target; `_loaded_at` is when a row landed, so later landings are at or
    after it: "at" too, so rows landed later with the same `_loaded_at` are never missed):
    - every row landed at or after W, with or without an id;
    - every landing, old or new, of an id landed at or after W, so the id's copies and
      versions are re-ranked together;
    - every row without a parseable `_loaded_at`: no watermark finds them, so they are
      recomputed each run (with the config refresh_unkeyed_since, the strategy deletes
      exactly the rows without an id this recomputes).
    An empty model holds no watermark: every row is recomputed.
-#}
{% macro raw_rows_to_refresh(raw_relation, key_column, raw_column_types) -%}
    {%- set landed_at = parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) -%}
    {{ landed_at }} is null
    or {{ landed_at }} >= {{ newest_in_target('loaded_at') }}
    or {{ clean_text(key_column) }} in (
        select {{ clean_text(key_column) }}
        from {{ raw_relation }}
        where {{ landed_at }} >= {{ newest_in_target('loaded_at') }}
    )
{%- endmacro %}
