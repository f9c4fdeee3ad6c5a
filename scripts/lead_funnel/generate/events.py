"""The rows of the event-like tables: landing times, mess and duplicates around a base query.

Every event table (page views, email, webinar, download, form, sales activity and
disposition events) is a base query wrapped by `event_rows`, which adds when the row
lands (the next EL batch, or days late), the event mess and duplicated rows.
"""

from __future__ import annotations

from lead_funnel.generate.scenario import Scenario
from lead_funnel.generate.schema import COLUMNS, EVENT_COLUMNS
from lead_funnel.generate.sql import (
    lead_id,
    missing_id,
    mixed_case,
    next_batch,
    uniform_choice,
)
from lead_funnel.generate.vocabulary import UNKNOWN_ENUM_VALUES

# Columns `event_rows` makes itself (the others come from the base query as they are).
_WRAPPER_COLUMNS = ("lead_id", "occurred_at", "_loaded_at")


def event_rows(scenario: Scenario, table: str, base: str, *, batch_s: int) -> str:
    """The rows of event table ``table`` from the base query ``base``.

    ``base`` yields ``row_key`` (keys the row's random numbers), ``event_id``, ``lead_no``
    (null: an anonymous page view), the table's own columns and ``occurred_s`` (the clean
    epoch of the event). Rows land with the next EL batch of ``batch_s`` seconds. Mess bands
    of ``mess_u``: 0 missing id, 1 unparseable occurred_at, 2 future occurred_at, 3 orphan
    lead, 4 no lead (not page views), 5 landed days late, 6 enumeration in mixed case,
    7 unknown enumeration value (tables of ``UNKNOWN_ENUM_VALUES``). Independently about
    ``mess_rate`` of the rows land twice.
    """
    mess_band = scenario.mess_band
    id_column, enum_column = EVENT_COLUMNS[table]
    own_columns = [
        _enum_with_mess(scenario, table, name) if name == enum_column else name
        for name, _ in COLUMNS[table]
        if name != id_column and name not in _WRAPPER_COLUMNS
    ]
    # anonymous page views have no lead anyway: only other events lose theirs
    lost_lead = "" if table == "web_page_views" else f"when {mess_band('mess_u', 4)} then null"
    landing_lag = f"floor(uniform(row_key, 'lag') * {min(batch_s, 900) // 3})::bigint"
    return f"""
        with base as ({base}),

        landed as (
            select
                base.*,
                uniform(row_key, 'mess') as mess_u,
                uniform(row_key, 'mess2') as mess_detail_u,
                case
                    when {mess_band("mess_u", 5)}
                        then occurred_s + 86400 + floor(mess_detail_u * 9 * 86400)::bigint
                    else {next_batch("occurred_s", batch_s, landing_lag)}
                end as loaded_s,
                uniform(row_key, 'dup') < {scenario.mess_rate!r} as is_duplicated
            from base
            where occurred_s >= {scenario.start_s}
        )

        select
            case
                when {mess_band("mess_u", 0)} then {missing_id("mess_detail_u")}
                else event_id
            end as {id_column},
            case
                when lead_no is null then null
                when {mess_band("mess_u", 3)} then {scenario.orphan_lead_id("mess_detail_u")}
                {lost_lead}
                else {lead_id("lead_no")}
            end as lead_id,
            {", ".join(own_columns)},
            case
                when {mess_band("mess_u", 2)}
                    then loaded_s + 90000 + floor(mess_detail_u * 30 * 86400)::bigint
                else occurred_s
            end as occurred_at,
            {mess_band("mess_u", 1)} as occurred_at_unparseable,
            case
                when copy_no = 1 and uniform(row_key, 'dup2') >= 0.5
                    then loaded_s + 900 * (1 + floor(uniform(row_key, 'dup3') * 288))::bigint
                else loaded_s
            end as _loaded_at
        from
            landed,
            unnest(case when is_duplicated then [0, 1] else [0] end) as copies(copy_no)
    """


def _enum_with_mess(scenario: Scenario, table: str, enum_column: str) -> str:
    """The enumeration column with its mess: mixed case (band 6), an unknown value (band 7)."""
    mess_band = scenario.mess_band
    unknown_values = UNKNOWN_ENUM_VALUES.get(table)
    unknown = (
        f"when {mess_band('mess_u', 7)} then {uniform_choice(unknown_values, 'mess_detail_u')}"
        if unknown_values
        else ""
    )
    return f"""
        case
            when {mess_band("mess_u", 6)} then {mixed_case(enum_column, "mess_detail_u")}
            {unknown}
            else {enum_column}
        end as {enum_column}
    """
