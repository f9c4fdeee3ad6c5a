{#-
    The project's one incremental strategy, `replace_keys` (docs/architecture.md,
    "Incremental runs"): every key (config `unique_key`: a column, or a list of columns)
    that appears in the run's batch is replaced as a whole. The stored rows of those keys are deleted and the
    batch's rows inserted, in the model's one transaction, so a recomputed key holds
    exactly what a full refresh would give it.

    The batch comes from macro refresh_batch: rows with `_refreshed_at` set are written;
    keys-only rows (`_refreshed_at` null) only name a key whose old rows must go.

    Rows without a key (raw rows without an id) cannot be matched by key; with config
    `refresh_unkeyed_since` (a timestamp column, `loaded_at`) the stored rows with a null
    key column landed at or after the model's newest value of that column, or at an
    unknown time, are deleted: exactly the rows without a key that the model reads again
    (macros raw_rows_to_refresh and in_records_to_refresh).
-#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if not key -%}
        {{ exceptions.raise_compiler_error(
            "the replace_keys strategy needs unique_key: the column (or columns) a run recomputes by, e.g. lead_id"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('replace_keys_sql', 'lead_funnel')(
        arg_dict['target_relation'],
        arg_dict['temp_relation'],
        [key] if key is string else key,
        arg_dict['dest_columns'] | map(attribute='name') | list,
        config.get('refresh_unkeyed_since'),
    )) }}
{%- endmacro %}


{% macro default__replace_keys_sql(target, batch, keys, columns, unkeyed_since) -%}
    delete from {{ target }} as target
    where
        {%- if keys | length == 1 %}
        target.{{ keys[0] }} in (select batch.{{ keys[0] }} from {{ batch }} as batch)
        {%- else %}
        exists (
            select 1
            from {{ batch }} as batch
            where
                {%- for key in keys %}
                {{ 'and ' if not loop.first }}batch.{{ key }} = target.{{ key }}
                {%- endfor %}
        )
        {%- endif %}
        {%- if unkeyed_since %}
        or (
            ({% for key in keys %}{{ ' or ' if not loop.first }}target.{{ key }} is null{% endfor %})
            and (
                target.{{ unkeyed_since }} is null
                or target.{{ unkeyed_since }} >= (select max(newest.{{ unkeyed_since }}) from {{ target }} as newest)
            )
        )
        {%- endif %};

    insert into {{ target }} ({{ get_quoted_csv(columns) }})
    select {{ get_quoted_csv(columns) }}
    from {{ batch }}
    where _refreshed_at is not null
{%- endmacro %}


{#-
    Delta Lake (Spark): a DELETE takes no subquery, and one MERGE that both deletes and
    inserts was slow (its source read several times, every row checked for multiple
    matches). So three steps, each one Delta commit: a delete-only MERGE on the batch's
    distinct keys; with refresh_unkeyed_since, a DELETE of the stored rows without a key
    landed at or after the model's watermark (read first, passed as a literal); then an
    INSERT of the batch's rows. A MERGE or DELETE that finds no row commits nothing and
    costs about what a count would (docs/performance.md, "Spark"). Delta has no
    transaction over statements: a reader of the model's table between the commits sees
    it partly replaced, which only dbt's own later models in the same run do (they run
    after it); a failed run leaves the next run to recompute the keys (every model keeps
    its own watermark).
-#}
{% macro spark__replace_keys_sql(target, batch, keys, columns, unkeyed_since) -%}
    {%- if unkeyed_since -%}
        {%- set watermark = run_query(
            'select cast(max(' ~ unkeyed_since ~ ') as string) from ' ~ target
        ).columns[0].values()[0] -%}
    {%- endif -%}
    {%- call statement('replace_keys_delete') -%}
        merge into {{ target }} as target
        using (
            select distinct {% for key in keys %}batch.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            from {{ batch }} as batch
        ) as source
        on {% for key in keys %}{{ ' and ' if not loop.first }}target.{{ key }} = source.{{ key }}{% endfor %}
        when matched then delete
    {%- endcall -%}
    {%- if unkeyed_since -%}
        {%- call statement('replace_keys_delete_unkeyed') -%}
            delete from {{ target }}
            where
                ({% for key in keys %}{{ ' or ' if not loop.first }}{{ key }} is null{% endfor %})
                and (
                    {{ unkeyed_since }} is null
                    or {{ unkeyed_since }} >= cast({{ "'" ~ watermark ~ "'" if watermark is not none else 'null' }} as timestamp)
                )
        {%- endcall -%}
    {%- endif -%}
    insert into {{ target }} ({{ columns | join(', ') }})
    select {{ columns | join(', ') }}
    from {{ batch }}
    where _refreshed_at is not null
{%- endmacro %}
