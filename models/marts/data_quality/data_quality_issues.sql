{{
    config(
        materialized='incremental',
        incremental_strategy='key_refresh',
        unique_key=['source_table', 'record_id'],
        refresh_marker_column='issue',
        refresh_unkeyed_since='loaded_at',
        on_schema_change='fail',
        post_hook="{{ record_model_build() }}",
    )
}}

{#-
    Every raw row that did not reach staging as landed, with its reason (SPEC section 1,
    "Bad input"): rejected rows, extra copies of events, orphans (kept in staging, not
    scored until their lead lands) and invalid optional values nulled in staged rows.
    The issues are found per source in the int_*_data_quality_issues_identified models.
    Incremental like them (macro record_refresh_batch), counting from this mart's last
    build (macro model_builds): a run rewrites the records whose issues were recomputed
    since then; everything when there is no comparable previous build.
-#}

{%- set previous_build -%}
    (select case when previous_build.is_comparable then previous_build.built_at end from {{ previous_model_build() }} as previous_build)
{%- endset %}

-- depends_on: {{ ref('int_scoring_rules_fingerprinted') }}
-- depends_on: {{ ref('int_landings_unioned') }}

with

{% if is_incremental() -%}
records_to_refresh as (
    {{ record_refresh_batch(
        ref('int_landings_unioned'),
        ['crm_leads', 'crm_companies', 'crm_opportunities', 'sales_activities', 'web_page_views',
         'form_submissions', 'email_events', 'webinar_events', 'content_downloads'],
        previous_build=previous_build,
    ) | indent(4) }}
),

{% endif -%}
issues_identified as (
    -- the three models share one shape (issues_with_ids), so they union column by column
    select * from {{ ref('int_crm_data_quality_issues_identified') }}
    union all
    select * from {{ ref('int_web_data_quality_issues_identified') }}
    union all
    select * from {{ ref('int_marketing_data_quality_issues_identified') }}
),

issues_to_write as (
    select issues_identified.*
    from issues_identified
    {%- if is_incremental() %}
    where
        (
            issues_identified.record_id is null
            and (
                issues_identified.loaded_at is null
                or issues_identified.loaded_at >= {{ newest_in_target('loaded_at') }}
            )
        )
        or exists (
            select 1
            from records_to_refresh
            where
                records_to_refresh.source_table = issues_identified.source_table
                and records_to_refresh.record_id = issues_identified.record_id
        )
    {%- endif %}
),

final as (
    select
        issue_id,
        source_table,
        record_id,
        lead_id,
        issue,
        column_name,
        -- `action` is a column name fixed by the contract (RF04: also an SQL keyword)
        case issue
            when 'duplicate' then 'deduplicated'
            when 'orphan_lead' then 'excluded'
            when 'invalid_value' then 'nulled'
            else 'rejected'
        end as action,  -- noqa: RF04
        loaded_at
    from issues_to_write
    {%- if is_incremental() %}
    union all
    -- refresh markers: the old issues of every refreshed record go (`issue` is null)
    select
        cast(null as {{ dbt.type_string() }}) as issue_id,
        source_table,
        record_id,
        cast(null as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as issue,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as action,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at
    from records_to_refresh
    {%- endif %}
)

select * from final
