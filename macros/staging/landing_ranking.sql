{#-
    The ranking of a landing_ model (docs/architecture.md, "Validation"): among the valid
    rows of one record id the newest landing or version is staged, the others are extra
    copies (events, sales activities, dispositions: `copy_number`, `is_duplicate`) or
    older versions (CRM leads, companies, opportunities: `version_number`,
    `is_superseded`). Each model writes its own order; the rest is the same for all:

        events_deduplicated as (
            select
                *,
                {% call valid_landing_number('event_id') -%}
                    loaded_at desc,
                    ...
                {%- endcall %} as copy_number
            from events_landed
        ),

        flagged as (
            select
                *,
                {{ landing_flags('copy_number') | indent(4) }}
            from events_deduplicated
        ),
-#}


{#-
    The rank of a valid row (`rejection_issue` null) among the valid rows of the same
    `key_column`, from 1, in the order of the call block's body (an `order by` list);
    null for a rejected row. Rejected rows are ranked apart, so a rejected newest landing
    never supersedes, nor duplicates, a valid one.
-#}
{% macro valid_landing_number(key_column) -%}
    case
        when rejection_issue is null
            then row_number() over (
                partition by {{ key_column }}, rejection_issue is null
                order by
                    {%- for order_item in caller().strip().splitlines() %}
                    {{ order_item.strip() }}
                    {%- endfor %}
            )
    end
{%- endmacro %}


{#-
    The flags of a ranked landing_ row, from its rank `number_column` (macro
    valid_landing_number), in this order:
    - is_rejected: the row failed validation (`rejection_issue` set);
    - is_superseded, for `version_number`, or is_duplicate, for `copy_number`: a valid
      row that another valid row of the same id replaces (an older version, or an extra
      copy);
    - is_staged: the valid row the stg_ model keeps (rank 1).
-#}
{% macro landing_flags(number_column) -%}
    {%- set replaced_flags = {'version_number': 'is_superseded', 'copy_number': 'is_duplicate'} -%}
    {%- if number_column not in replaced_flags -%}
        {{ exceptions.raise_compiler_error("landing_flags: the rank column is version_number or copy_number, not '" ~ number_column ~ "'") }}
    {%- endif -%}
    rejection_issue is not null as is_rejected,
    rejection_issue is null and {{ number_column }} > 1 as {{ replaced_flags[number_column] }},
    rejection_issue is null and {{ number_column }} = 1 as is_staged
{%- endmacro %}


{#-
    Every column a landing_ model computes after ranking its landings (macros
    valid_landing_number and landing_flags), whichever rank it has: an incremental run
    computes them again for the stored rows it ranks anew (macro landings_to_rank).
-#}
{% macro landing_ranking_columns() -%}
    {{ return(['version_number', 'copy_number', 'is_rejected', 'is_superseded', 'is_duplicate', 'is_staged']) }}
{%- endmacro %}
