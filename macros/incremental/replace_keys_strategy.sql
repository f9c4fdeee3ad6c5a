{#-
    The project's one incremental strategy, `replace_keys` (docs/architecture.md,
    "Incremental runs"): every key (config `unique_key`, one column) that appears in the
    run's batch is replaced as a whole. The stored rows of those keys are deleted and the
    batch's rows inserted, in the model's one transaction, so a recomputed key holds
    exactly what a full refresh would give it.

    The batch comes from macro refresh_batch: rows with `_refreshed_at` set are written;
    keys-only rows (`_refreshed_at` null) only name a key whose old rows must go.

    Rows without a key (the base_ models' raw rows without an id) cannot be matched by
    key; with config `refresh_unkeyed_since` (a timestamp column, `loaded_at`) the stored
    rows without a key landed at or after the model's newest value of that column, or at
    an unknown time, are deleted: exactly the rows without a key that the model reads
    again (macro raw_rows_to_refresh).
-#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- if arg_dict['unique_key'] is none or arg_dict['unique_key'] is not string -%}
        {{ exceptions.raise_compiler_error(
            "the replace_keys strategy needs unique_key: the one column a run recomputes by, e.g. lead_id"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('replace_keys_sql', 'lead_funnel')(
        arg_dict['target_relation'],
        arg_dict['temp_relation'],
        arg_dict['unique_key'],
        arg_dict['dest_columns'] | map(attribute='name') | list,
        config.get('refresh_unkeyed_since'),
    )) }}
{%- endmacro %}


{% macro default__replace_keys_sql(target, batch, key, columns, unkeyed_since) -%}
    delete from {{ target }}
    where
        {{ key }} in (select batch.{{ key }} from {{ batch }} as batch)
        {%- if unkeyed_since %}
        or (
            {{ key }} is null
            and (
                {{ unkeyed_since }} is null
                or {{ unkeyed_since }} >= (select max(newest.{{ unkeyed_since }}) from {{ target }} as newest)
            )
        )
        {%- endif %};

    insert into {{ target }} ({{ get_quoted_csv(columns) }})
    select {{ get_quoted_csv(columns) }}
    from {{ batch }}
    where _refreshed_at is not null
{%- endmacro %}
