"""Landing: how the rows of a raw table are written, typed or as text, now or held back.

The row queries of the tables yield timestamps as epoch seconds, with a
``<column>_unparseable`` flag where mess can break a timestamp; `land_table` renders the
columns (typed, or text like a CSV loader: ISO timestamps, garbage for unparseable ones)
and inserts the rows into the raw schema, or into ``<schema>_pending`` when they land
after the cut. `land_pending` moves held-back rows into the raw tables later.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from lead_funnel.generate.database import close, connect
from lead_funnel.generate.errors import GenerateError
from lead_funnel.generate.scenario import epoch, from_epoch
from lead_funnel.generate.schema import (
    COLUMNS,
    RAW_TABLES,
    check_schema_name,
    existing_raw_tables,
)
from lead_funnel.generate.sql import literal, uniform_choice, uniform_for
from lead_funnel.generate.vocabulary import GARBAGE_TIMESTAMPS

# The timestamp columns that mess can make unparseable (text landings: a garbage string,
# typed landings: null); their row query has a `<column>_unparseable` flag.
UNPARSEABLE_TIMESTAMPS: dict[str, str] = {
    "crm_leads": "created_at",
    "crm_opportunities": "created_at",
    "web_page_views": "occurred_at",
    "email_events": "occurred_at",
    "webinar_events": "occurred_at",
    "content_downloads": "occurred_at",
    "form_submissions": "occurred_at",
    "sales_activities": "occurred_at",
    "crm_lead_dispositions": "occurred_at",
}


def land_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: str,
    *,
    schema: str,
    text: bool,
    end_s: int,
    cut_s: int | None,
) -> tuple[int, int]:
    """Insert the rows of query ``rows`` that land by ``end_s`` into ``schema``.``table``.

    With a cut, rows landing after ``cut_s`` go to ``<schema>_pending``.``table`` instead.
    Returns the rows landed and the rows held back.
    """
    columns = ", ".join(name for name, _ in COLUMNS[table])
    rendered = ", ".join(
        f"{render_column(table, name, kind, text=text)} as {name}" for name, kind in COLUMNS[table]
    )
    landed_rows = f"""
        select {columns}
        from (
            select {rendered}, raw_rows._loaded_at as loaded_s
            from ({rows}) as raw_rows
        )
        where loaded_s <= {end_s}
    """
    if cut_s is None:
        return _insert(con, f"{schema}.{table}", columns, landed_rows), 0
    landed = _insert(con, f"{schema}.{table}", columns, f"{landed_rows} and loaded_s <= {cut_s}")
    pending = _insert(
        con, f"{schema}_pending.{table}", columns, f"{landed_rows} and loaded_s > {cut_s}"
    )
    return landed, pending


def _insert(con: duckdb.DuckDBPyConnection, target: str, columns: str, query: str) -> int:
    """Insert the rows of ``query`` into ``target``; the number of rows inserted."""
    rows = con.execute(f"insert into {target} ({columns}) {query}").fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def render_column(table: str, name: str, kind: str, *, text: bool) -> str:
    """The landed value of column ``name`` (of kind ``kind``) from the row query's value."""
    value = f"raw_rows.{name}"
    if kind == "ts":
        return _render_timestamp(table, name, text=text)
    if kind == "int":
        if not text:
            return f"({value})::integer"
        if table == "crm_companies" and name == "account_tier":
            # some invalid tiers read 'n/a' in text landings
            return f"""
                case
                    when raw_rows.account_tier_is_na then 'n/a'
                    else cast(({value})::integer as varchar)
                end
            """
        return f"cast(({value})::integer as varchar)"
    if kind == "bool":
        return f"cast({value} as varchar)" if text else f"({value})::boolean"
    if kind == "dec":
        decimal = f"cast({value} as decimal(18, 2))"
        return f"cast({decimal} as varchar)" if text else decimal
    return f"cast({value} as varchar)"


def _render_timestamp(table: str, name: str, *, text: bool) -> str:
    """A timestamp from epoch seconds: typed, or text (mostly 'YYYY-MM-DD HH:MM:SS',
    sometimes ISO 'T'-separated); an unparseable one is null or a garbage string."""
    epoch_s = f"raw_rows.{name}"
    timestamp = f"make_timestamp({epoch_s} * 1000000)"
    unparseable = (
        f"raw_rows.{name}_unparseable" if UNPARSEABLE_TIMESTAMPS.get(table) == name else None
    )
    if not text:
        if unparseable is None:
            return timestamp
        return f"case when {unparseable} then null else {timestamp} end"
    random = uniform_for(f"hash({epoch_s}, {literal(name)})")
    garbage = (
        f"when {unparseable} then {uniform_choice(GARBAGE_TIMESTAMPS, random('garbage'))}"
        if unparseable
        else ""
    )
    return f"""
        case
            {garbage}
            when {random("iso")} < 0.04 then strftime({timestamp}, '%Y-%m-%dT%H:%M:%S')
            else strftime({timestamp}, '%Y-%m-%d %H:%M:%S')
        end
    """


def land_pending(
    duckdb_path: str | Path,
    *,
    until: dt.datetime | None = None,
    schema: str = "raw",
) -> dict[str, int]:
    """Move held-back rows from ``<schema>_pending`` into ``schema``.

    Rows whose ``_loaded_at`` is at or before ``until`` (UTC; every row when None) are
    appended to the same-named table of ``schema`` and deleted from the pending table, all
    in one transaction. Works for typed and text landings.

    Returns:
        Rows moved per raw table (0 where nothing was pending).

    Raises:
        GenerateError: the file does not exist or cannot be opened.
    """
    check_schema_name(schema)
    path = Path(duckdb_path)
    if not path.exists():
        raise GenerateError(f"{path} does not exist: run `lead-funnel generate` first")
    con = connect(path)
    try:
        return _move_pending_rows(con, schema, until)
    finally:
        close(con, path)


def _move_pending_rows(
    con: duckdb.DuckDBPyConnection, schema: str, until: dt.datetime | None
) -> dict[str, int]:
    """Move the due rows of every pending table in one transaction; rows moved per table."""
    pending_schema = f"{schema}_pending"
    moved = dict.fromkeys(RAW_TABLES, 0)
    pending = set(existing_raw_tables(con, pending_schema))
    landed = set(existing_raw_tables(con, schema))
    if until is None:
        due, params = "true", []
    else:
        # text landings store _loaded_at as text
        due = "try_cast(trim(cast(_loaded_at as varchar)) as timestamp) <= ?"
        params = [from_epoch(epoch(until))]
    con.execute("begin transaction")
    try:
        for table in RAW_TABLES:
            if table not in pending:
                continue
            if table not in landed:
                con.execute(
                    f"create table {schema}.{table} as "
                    f"select * from {pending_schema}.{table} where false"
                )
            rows = con.execute(
                f"insert into {schema}.{table} select * from {pending_schema}.{table} where {due}",
                params,
            ).fetchall()
            con.execute(f"delete from {pending_schema}.{table} where {due}", params)
            moved[table] = int(rows[0][0])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return moved
