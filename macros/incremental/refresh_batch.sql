{#-
    What an incremental model writes in a run, its batch for the replace_keys strategy:
    every row of `rows` (a CTE) with `_refreshed_at`, when this run computed it (macro
    refresh_timestamp). In an incremental run, `keys` (a CTE holding the model's
    unique_key columns: the keys the run recomputes) adds one keys-only row per key, with
    `_refreshed_at` null: the strategy deletes the stored rows of those keys too and
    never writes these rows, so a key left without rows (a lead whose only scored event
    moved to another lead) loses its old ones. The keys-only rows take the stored table's
    columns, which are those of `rows` followed by `_refreshed_at`.
-#}
{% macro refresh_batch(rows, keys=none) -%}
    select
        {{ rows }}.*,
        {{ refresh_timestamp() }} as _refreshed_at
    from {{ rows }}
    {%- if keys is not none and is_incremental() %}
    union all
    select
        {%- set key = config.get('unique_key') %}
        {%- set key_columns = [key] if key is string else key %}
        {%- for column in adapter.get_columns_in_relation(this) %}
        {{ keys ~ '.' ~ column.name if column.name in key_columns else 'null' }}
            as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ keys }}
    {%- endif %}
{%- endmacro %}


{#-
    When this run computed a row, as a SQL timestamp: env `LEAD_FUNNEL_REFRESHED_AT`
    ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), which `lead-funnel run` sets to its build step's
    start and records in the run log, else dbt's `run_started_at`. Every incremental row
    carries it as `_refreshed_at`: a model downstream recomputes what was refreshed after
    its own newest `_refreshed_at` (macro leads_to_refresh), and the tests of a scheduled
    run read only the rows refreshed after the last fully tested run (get_where_subquery).
-#}
{% macro refresh_timestamp() -%}
    {%- set text = env_var('LEAD_FUNNEL_REFRESHED_AT', '') | trim if execute else '' -%}
    {%- if text == '' -%}
        {%- set refreshed_at = run_started_at.replace(tzinfo=none) -%}
    {%- else -%}
        {%- set refreshed_at = parse_utc_timestamp(text, 'env LEAD_FUNNEL_REFRESHED_AT') -%}
    {%- endif -%}
    cast('{{ refreshed_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
