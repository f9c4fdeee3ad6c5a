{{ config(materialized='view') }}

{#-
    Every row of the scoring lookup seeds (page categories, free-mail and excluded email
    domains) as one line of text, for the fingerprint of int_scoring_rule_changes, like
    int_scoring_rule_rows_unioned.
-#}

with

page_category_rows as (
    select
        {{ dbt.concat([
            "'page:'", "page_category", "':'", "url_pattern", "':'",
            "cast(priority as " ~ dbt.type_string() ~ ")",
        ]) }} as rule_row
    from {{ ref('page_categories') }}
),

free_email_domain_rows as (
    select {{ dbt.concat(["'free_mail:'", "email_domain"]) }} as rule_row
    from {{ ref('free_email_domains') }}
),

excluded_email_domain_rows as (
    select {{ dbt.concat(["'excluded:'", "email_domain", "':'", "kind"]) }} as rule_row
    from {{ ref('excluded_email_domains') }}
),

lookup_rows as (
    select * from page_category_rows
    union all
    select * from free_email_domain_rows
    union all
    select * from excluded_email_domain_rows
)

select * from lookup_rows
