{#-
    dbt-spark 1.11.0's incremental materialization only knows its built-in strategies
    (append, merge, insert_overwrite, microbatch): it validates against that list and
    renders their SQL itself, never looking up dbt's `get_incremental_<name>_sql`. These
    two macros, defined in the root project under the adapter's names, take precedence
    over the adapter's: the built-ins go to the adapter's own macros, any other strategy
    (the project's replace_keys) through dbt's usual lookup, on Delta tables only.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy in ['append', 'merge', 'insert_overwrite', 'microbatch'] -%}
        {{ return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
    {%- endif -%}
    {%- if file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {{ exceptions.raise_compiler_error(
            "incremental strategy " ~ raw_strategy ~ " needs a table format that can delete rows "
            ~ "(file_format delta), not " ~ file_format
        ) }}
    {%- endif -%}
    {{ return(raw_strategy) }}
{%- endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {%- if strategy in ['append', 'merge', 'insert_overwrite', 'microbatch'] -%}
        {{ return(dbt.dbt_spark_get_incremental_sql(
            strategy, source, target, existing, unique_key, incremental_predicates
        )) }}
    {%- endif -%}
    {#-
        The batch is a temporary view of the model's query, which reads the model's own
        table (what changed since its last build). The strategy deletes from that table
        before it inserts, so the batch is first written to a Delta table of its own:
        the query runs once, and what it computed cannot change under the strategy.
        The strategy's statements run here; the materialization's main statement drops
        the batch table.
    -#}
    {%- set batch = target.incorporate(path={"identifier": target.identifier ~ '__dbt_batch'}) -%}
    {%- do run_query('create or replace table ' ~ batch ~ ' using delta as select * from ' ~ source) -%}
    {%- set strategy_macro = adapter.get_incremental_strategy_macro(context, strategy) -%}
    {%- do run_query(strategy_macro({
        'target_relation': target,
        'temp_relation': batch,
        'unique_key': unique_key,
        'dest_columns': adapter.get_columns_in_relation(target),
        'incremental_predicates': incremental_predicates,
    })) -%}
    {{ return('drop table if exists ' ~ batch) }}
{%- endmacro %}
