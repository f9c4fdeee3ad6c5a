{#-
    Filter for the raw rows an incremental base_ model must recompute (a predicate on the
    raw relation's own columns):
    - every landing of an id that landed at or after the newest `_loaded_at` the model
      already holds (all versions and copies, so the id is re-ranked in full);
    - every row without an id or without a parseable `_loaded_at`: no watermark can find
      them, so they are recomputed each run (they are few; see refresh_always_predicate).
    An empty model holds no watermark: every row is recomputed.
-#}
{% macro raw_rows_to_refresh(raw_relation, key_column, raw_column_types) -%}
    {%- set landed_at = parse_raw_value('_loaded_at', dbt.type_timestamp(), raw_column_types) -%}
    {{ clean_text(key_column) }} is null
    or {{ landed_at }} is null
    or {{ clean_text(key_column) }} in (
        select {{ clean_text(key_column) }}
        from {{ raw_relation }}
        where {{ landed_at }} >= (
            select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            from {{ this }}
        )
    )
{%- endmacro %}
