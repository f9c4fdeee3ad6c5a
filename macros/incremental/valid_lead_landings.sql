{#-
    The valid landed rows of some raw tables that belong to a lead, as one union for
    change detection (the int_*_landings_unioned models): per row its lead, the raw
    table, the record id, which valid landing of the record it is (the landing model's
    copy_number or version_number) and when its landing model last (re)computed it
    (`_refreshed_at`). `tables` lists (source_table, landing model name, id column,
    landing number column). Rejected rows never change what is staged, and rows without
    a lead concern no lead, so both are left out.
-#}
{% macro valid_lead_landings(tables) -%}
{%- for source_table, model, id_column, number_column in tables %}
select
    lead_id,
    '{{ source_table }}' as source_table,
    {{ id_column }} as record_id,
    {{ number_column }} as landing_number,
    _refreshed_at
from {{ ref(model) }}
where
    not is_rejected
    and lead_id is not null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}
