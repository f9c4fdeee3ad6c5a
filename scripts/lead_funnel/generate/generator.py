"""`generate_raw`: check the options, plan the story, land the ten raw tables.

A generation defines the random-number macros, builds the temporary planning tables in
order (companies, leads, bursts, sales, opportunities, recycling, re-engagement), lands
every raw table with one streaming ``insert ... select`` over them, then drops them. On
any failure the half-generated raw (and pending) tables are dropped.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from lead_funnel.generate.bursts import plan_bursts
from lead_funnel.generate.companies import crm_companies_rows, plan_companies
from lead_funnel.generate.database import close, connect
from lead_funnel.generate.dispositions import (
    crm_lead_dispositions_rows,
    plan_recycling,
    plan_reengagement,
)
from lead_funnel.generate.errors import GenerateError, RawTablesExistError
from lead_funnel.generate.landing import land_table
from lead_funnel.generate.leads import crm_leads_rows, plan_leads
from lead_funnel.generate.marketing import email_events_rows, webinar_events_rows
from lead_funnel.generate.sales import (
    crm_opportunities_rows,
    plan_opportunities,
    plan_sales,
    sales_activities_rows,
)
from lead_funnel.generate.scenario import DAY, MAX_MESS_RATE, Scenario, epoch, from_epoch
from lead_funnel.generate.schema import (
    RAW_TABLES,
    check_schema_name,
    create_raw_tables,
    drop_raw_tables,
    existing_raw_tables,
)
from lead_funnel.generate.sql import macro_statements
from lead_funnel.generate.web import (
    content_downloads_rows,
    form_submissions_rows,
    web_page_views_rows,
)

# The planning steps in order: each creates (or extends) temporary tables the next read.
PLAN_STEPS: tuple[tuple[str, Callable[[Scenario], list[str]]], ...] = (
    ("companies", plan_companies),
    ("leads", plan_leads),
    ("bursts", plan_bursts),
    ("sales", plan_sales),
    ("opportunities", plan_opportunities),
    ("recycling", plan_recycling),
    ("reengagement", plan_reengagement),
)
PLAN_TABLES = (
    "plan_reengagement",
    "plan_recycling",
    "plan_opps",
    "plan_sales",
    "plan_bursts",
    "plan_leads",
    "plan_companies",
)
# The row query of each raw table, over the planning tables.
ROW_QUERIES: dict[str, Callable[[Scenario], str]] = {
    "crm_leads": crm_leads_rows,
    "crm_companies": crm_companies_rows,
    "web_page_views": web_page_views_rows,
    "email_events": email_events_rows,
    "webinar_events": webinar_events_rows,
    "content_downloads": content_downloads_rows,
    "form_submissions": form_submissions_rows,
    "sales_activities": sales_activities_rows,
    "crm_opportunities": crm_opportunities_rows,
    "crm_lead_dispositions": crm_lead_dispositions_rows,
}


def generate_raw(
    duckdb_path: str | Path,
    *,
    leads: int = 10_000,
    days: int = 365,
    start_date: dt.date | None = None,
    seed: int = 42,
    text: bool = False,
    mess_rate: float = 0.01,
    schema: str = "raw",
    replace: bool = False,
    land_until: dt.datetime | None = None,
    progress: bool = False,
) -> dict[str, int]:
    """Generate the ten raw landing tables into ``schema`` of a DuckDB file.

    Args:
        duckdb_path: the DuckDB file (created, with its parent folders, if missing).
        leads: number of leads; companies (0.4 per lead), events and the rest scale with it.
        days: length of the period. Every timestamp lies in [start, start + days] except
            deliberately broken ones (future timestamps); nothing lands after the end.
        start_date: first day of the period (from UTC midnight). None: the period ends now
            (start = now minus ``days``) so the demo passes source freshness; tests and
            reproducible runs pass a date.
        seed: random seed; the same seed and options give identical data.
        text: land every column as varchar, like a CSV loader (else typed columns).
        mess_rate: share of rows hit by each kind of bad input (0 to 0.1; 0 = clean data).
        schema: target schema; held-back rows go to ``<schema>_pending``.
        replace: drop existing raw (and pending) tables first; otherwise refuse.
        land_until: land only rows with ``_loaded_at <= land_until`` (UTC) into ``schema``;
            later ones go to the same-named tables of ``<schema>_pending`` (see
            `land_pending`).
        progress: print a line per table (rows, seconds) to stderr.

    Returns:
        Rows landed in ``schema`` per raw table.

    Raises:
        GenerateError: invalid options or an unusable file; `RawTablesExistError` when the
            raw tables exist and ``replace`` is false.
    """
    check_schema_name(schema)
    _check_options(leads=leads, days=days, seed=seed, mess_rate=mess_rate)
    if start_date is None:
        end_s = epoch(dt.datetime.now(dt.timezone.utc))
        start_s = end_s - days * DAY
    else:
        start_s = epoch(dt.datetime.combine(start_date, dt.time()))
        end_s = start_s + days * DAY
    scenario = Scenario(
        leads=leads,
        start_s=start_s,
        end_s=end_s,
        seed=seed,
        text=text,
        mess_rate=float(mess_rate),
    )
    cut_s = epoch(land_until) if land_until is not None else None
    log = _progress_log(progress)

    con = connect(duckdb_path)
    try:
        _make_room(con, schema, replace=replace, duckdb_path=duckdb_path)
        log(
            f"generating {leads:,} leads over {days} days from {from_epoch(start_s)} to "
            f"{from_epoch(end_s)} UTC (seed {seed}, mess rate {mess_rate}, "
            f"{'text' if text else 'typed'} columns) into {duckdb_path}"
        )
        schemas = (schema,) if cut_s is None else (schema, f"{schema}_pending")
        for target in schemas:
            create_raw_tables(con, target, text=text)
        try:
            counts = _generate(con, scenario, schema=schema, cut_s=cut_s, log=log)
        except BaseException:
            drop_raw_tables(con, (schema, f"{schema}_pending"))  # no half-generated landing
            raise
        con.execute("checkpoint")
        return counts
    finally:
        close(con, duckdb_path)


def _check_options(*, leads: int, days: int, seed: int, mess_rate: float) -> None:
    """Refuse options of the wrong type or out of range."""
    for name, value in (("leads", leads), ("days", days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise GenerateError(f"{name} must be a positive integer, not {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GenerateError(f"seed must be an integer, not {seed!r}")
    if not 0 <= float(mess_rate) <= MAX_MESS_RATE:
        raise GenerateError(f"mess_rate must be between 0 and {MAX_MESS_RATE}, not {mess_rate}")


def _make_room(
    con: duckdb.DuckDBPyConnection, schema: str, *, replace: bool, duckdb_path: str | Path
) -> None:
    """Drop the raw and pending tables, or refuse when raw tables exist without ``replace``."""
    existing = existing_raw_tables(con, schema)
    if existing and not replace:
        raise RawTablesExistError(
            f"raw tables already exist in schema {schema!r} of {duckdb_path} "
            f"({', '.join(existing)}); use --replace (replace=True) to regenerate them"
        )
    drop_raw_tables(con, (schema, f"{schema}_pending"))


def _progress_log(progress: bool) -> Callable[[str], None]:
    """A function printing progress lines to stderr, or doing nothing."""

    def log(message: str) -> None:
        if progress:
            print(message, file=sys.stderr, flush=True)

    return log


def _generate(
    con: duckdb.DuckDBPyConnection,
    scenario: Scenario,
    *,
    schema: str,
    cut_s: int | None,
    log: Callable[[str], None],
) -> dict[str, int]:
    """Plan, land every raw table, drop the planning tables; rows landed per table."""
    started = time.perf_counter()
    for statement in macro_statements(scenario.seed):
        con.execute(statement)
    for step, plan in PLAN_STEPS:
        step_started = time.perf_counter()
        for statement in plan(scenario):
            con.execute(statement)
        log(f"  plan {step:<17} {time.perf_counter() - step_started:27.1f} s")
    counts: dict[str, int] = {}
    for table in RAW_TABLES:
        table_started = time.perf_counter()
        counts[table], pending = land_table(
            con,
            table,
            ROW_QUERIES[table](scenario),
            schema=schema,
            text=scenario.text,
            end_s=scenario.end_s,
            cut_s=cut_s,
        )
        held_back = "" if cut_s is None else f" (+{pending:,} pending)"
        seconds = time.perf_counter() - table_started
        log(f"  {table:<22} {counts[table]:>13,} rows{held_back}  {seconds:7.1f} s")
    for name in PLAN_TABLES:
        con.execute(f"drop table if exists {name}")
    log(f"  {'total':<22} {sum(counts.values()):>13,} rows  {time.perf_counter() - started:7.1f} s")
    return counts
