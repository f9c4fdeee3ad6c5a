{{ config(schema='semantic') }}

{#-
    Daily time spine for MetricFlow (the semantic layer): one row per calendar day from
    2020-01-01 up to and including 2030-12-31. Built with dbt's cross-database
    `dbt.date_spine` macro (its end date is exclusive). Lives in schema `semantic`, not
    `marts`, so the published marts stay exactly the SPEC section 4 list. A plain table:
    rebuilding its 4,018 rows costs a run no more than checking them would.
-#}

with

days as (
    {{
        dbt.date_spine(
            datepart='day',
            start_date="cast('2020-01-01' as date)",
            end_date="cast('2031-01-01' as date)"
        )
    }}
),

final as (
    select cast(days.date_day as date) as date_day
    from days
)

select * from final
