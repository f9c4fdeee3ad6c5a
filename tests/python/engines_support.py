"""Running the same project on DuckDB, PostgreSQL and Spark in tests: one workspace per
engine.

`Engines` drives the real `lead-funnel` command line in subprocesses: a DuckDB file that
holds the raw tables (and the DuckDB build), a database on the private PostgreSQL server
and a Spark warehouse folder the raw tables are loaded into. Each engine gets its own copy
of the dbt project (its own `target/` and partial parse) and its own state folder (run
lock and run log).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

import compare_support
from lead_funnel.generate import generate_raw
from postgres_server import PostgresServer
from runner_support import SCRIPTS_DIR, copy_project

AS_OF = "2026-05-15 00:00:00"
MARTS = (
    "data_quality_issues",
    "dim_leads",
    "fct_lead_lifecycle",
    "fct_lead_mqls",
    "fct_lead_score_events",
    "fct_lead_stage_history",
    "funnel_daily",
    "mql_sql_funnel",
    "rule_set_comparison",
    "sales_handoff_queue",
    "threshold_calibration",
)
STAGING_MODELS = {
    "crm_leads": "stg_crm__leads",
    "crm_companies": "stg_crm__companies",
    "crm_opportunities": "stg_crm__opportunities",
    "sales_activities": "stg_crm__sales_activities",
    "crm_lead_dispositions": "stg_crm__lead_dispositions",
    "web_page_views": "stg_web__page_views",
    "form_submissions": "stg_web__form_submissions",
    "email_events": "stg_marketing__email_events",
    "webinar_events": "stg_marketing__webinar_events",
    "content_downloads": "stg_marketing__content_downloads",
}
CRM_VERSIONED = {
    "crm_leads": "landing_crm__leads",
    "crm_companies": "landing_crm__companies",
    "crm_opportunities": "landing_crm__opportunities",
}


@dataclass
class Engines:
    """One DuckDB workspace and the server engines (PostgreSQL, Spark), on the same raw data."""

    root: Path
    raw: Path  # the DuckDB file: raw tables, and the DuckDB build
    server: PostgresServer | None  # None: no PostgreSQL in this test
    database: str = ""
    servers: tuple[str, ...] = ("postgres",)

    def cli(self, engine: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``lead-funnel <args>`` for one engine, which must succeed."""
        result = self.cli_result(engine, *args)
        assert result.returncode == 0, (
            f"lead-funnel {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
        return result

    def cli_result(self, engine: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``lead-funnel <args>`` for one engine, in its own project copy and state folder."""
        project = self.root / f"project_{engine}"
        if not project.exists():
            copy_project(project)
        env = {
            **_clean_env(),
            **(self.server.env_for(self.database) if self.server else {}),
            "LEAD_FUNNEL_PROJECT_DIR": str(project),
            "LEAD_FUNNEL_DUCKDB": str(self.raw),
            "LEAD_FUNNEL_PUBLISH_PATH": str(self.root / "duckdb_published.duckdb"),
            "LEAD_FUNNEL_STATE_DIR": str(self.root / f"state_{engine}"),
            "LEAD_FUNNEL_SPARK_WAREHOUSE": str(self.spark_warehouse),
            # the test data is small: Spark's per-query planning is most of its time
            "LEAD_FUNNEL_SPARK_SHUFFLE_PARTITIONS": "1",
            "LEAD_FUNNEL_SPARK_ADAPTIVE": "false",
            "PYTHONPATH": str(SCRIPTS_DIR),
        }
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "lead_funnel.cli", *args],
            env=env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        print(f"[{time.monotonic() - started:6.1f} s] lead-funnel {' '.join(args[:3])}")
        for line in result.stdout.splitlines():  # the runner's step lines, with durations
            if " step=" in line and "status=start" not in line:
                print(f"    {line}")
        return result

    def run_server(self, engine: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Land the raw file's tables on a server engine and run the job there."""
        self.cli(engine, "load-raw", "--target", engine, "--from", str(self.raw))
        return self.cli(
            engine, "run", "--target", engine, "--as-of", AS_OF, "--freshness", "skip", *args
        )

    def run_postgres(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Land the raw file's tables on PostgreSQL and run the job there."""
        return self.run_server("postgres", *args)

    @property
    def spark_warehouse(self) -> Path:
        """The Spark warehouse folder of this workspace (published marts: marts.db)."""
        return self.root / "spark_warehouse"

    def exported(self, engine: str) -> Path:
        """The DuckDB file a server engine's schemas are exported into."""
        return self.root / f"{engine}_export.duckdb"

    def export(self, engine: str, *schemas: str) -> Path:
        """``export-marts`` of a server engine's schemas (default: the published marts)."""
        path = self.exported(engine)
        path.unlink(missing_ok=True)
        options = [option for schema in schemas for option in ("--schema", schema)]
        self.cli(engine, "export-marts", "--target", engine, "--to", str(path), *options)
        return path

    def build_all(self) -> None:
        """Build (or incrementally run) every engine and export each server's marts (on
        Spark also raw and staging, for the nothing-lost check: on PostgreSQL that check
        is SQL)."""
        self.cli("duckdb", "run", "--as-of", AS_OF, "--freshness", "skip")
        for engine in self.servers:
            self.run_server(engine)
            self.export(engine, *(("raw", "staging", "marts") if engine == "spark" else ()))

    def compare_marts(self, engine: str = "postgres") -> dict[str, compare_support.Difference]:
        """Every mart of the DuckDB publication against a server engine's exported one."""
        with duckdb.connect() as con:
            con.execute(f"attach '{self.root / 'duckdb_published.duckdb'}' as d (read_only)")
            con.execute(f"attach '{self.exported(engine)}' as p (read_only)")
            published = {
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = 'p' "
                    "and schema_name = 'marts' and table_name != '_publication'"
                ).fetchall()
            }
            assert published == set(MARTS), published
            differences = {}
            for mart in MARTS:
                left, right = f"d.marts.{mart}", f"p.marts.{mart}"
                assert compare_support.columns(con, left) == compare_support.columns(con, right), (
                    f"{mart}: column names or types differ between the engines"
                )
                # `_refreshed_at` (incremental marts) is when each engine's run computed a row
                skip = tuple(n for n, _ in compare_support.columns(con, left) if n.startswith("_"))
                differences[mart] = compare_support.compare(con, left, right, skip=skip)
        return differences


def _clean_env() -> dict[str, str]:
    drop = ("DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_PROFILES_DIR", "LEAD_FUNNEL_AS_OF")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PG")}


def generate_test_raw(path: Path, landing: str) -> None:
    """The raw data every engine test builds: 800 leads over 120 days from 1 January 2026
    (seed 11, so every engine gets the same rows), messy (2 % of the rows per kind of bad
    input), typed or all-text (`landing`), landed until 25 March; the rest waits for
    `land_pending`, the incremental landing."""
    generate_raw(
        path,
        leads=800,
        start_date=date(2026, 1, 1),
        days=120,
        seed=11,
        text=landing == "text",
        mess_rate=0.02,
        replace=True,
        land_until=datetime(2026, 3, 25),
    )


def land_hand_made_changes(path: Path) -> dict[str, str]:
    """Re-land one clean email open under another lead, another one as `delivered`, and
    land a late `recycled` disposition in the middle of a lead's email history (it cuts
    the lead's scores after it: the lead is recomputed).

    Chosen from the raw tables alone (trimmed, case-insensitive), so that typed and text
    landings pick the same rows on any engine; landed one minute after the newest
    landing. Returns the moved event and its old and new lead, and the disposed lead.
    """
    text = "nullif(trim(cast({} as varchar)), '')".format
    with duckdb.connect(str(path)) as con:
        opens = con.execute(
            f"""
            select {text("event_id")}, {text("lead_id")}
            from raw.email_events
            where lower({text("event_type")}) = 'open'
                and {text("event_id")} is not null
                and try_cast({text("occurred_at")} as timestamp) is not null
                and {text("lead_id")} in (select {text("lead_id")} from raw.crm_leads)
            group by 1, 2
            having count(*) = 1
            order by 1
            limit 3
            """
        ).fetchall()
        assert len(opens) == 3, opens
        (moved_id, from_lead), (_, to_lead), (demoted_id, _) = opens
        # the landing's timestamp type (timestamp, or varchar in a text landing)
        timestamp_type, latest = con.execute(
            """
            select
                (select data_type from information_schema.columns
                 where table_schema = 'raw' and table_name = 'email_events'
                   and column_name = '_loaded_at'),
                (select max(try_cast(_loaded_at as timestamp)) from raw.email_events)
            """
        ).fetchone()
        landed_at = f"cast(timestamp '{latest}' + interval 1 minute as {timestamp_type})"
        con.execute(
            f"""
            insert into raw.email_events
            select event_id, ?, email_campaign_id, event_type, occurred_at, {landed_at}
            from raw.email_events where {text("event_id")} = ? limit 1
            """,
            [to_lead, moved_id],
        )
        con.execute(
            f"""
            insert into raw.email_events
            select event_id, lead_id, email_campaign_id, 'delivered', occurred_at, {landed_at}
            from raw.email_events where {text("event_id")} = ? limit 1
            """,
            [demoted_id],
        )
        # the lead (landed, without dispositions) with the most email opens and clicks over
        # at least two days; the disposition lands now but occurred between its earliest
        # and latest one
        disposed_lead, disposed_at = con.execute(
            f"""
            select
                {text("lead_id")},
                min(try_cast({text("occurred_at")} as timestamp))
                + (max(try_cast({text("occurred_at")} as timestamp))
                   - min(try_cast({text("occurred_at")} as timestamp))) / 2
            from raw.email_events
            where {text("lead_id")} in (select {text("lead_id")} from raw.crm_leads)
                and {text("lead_id")} not in (
                    select {text("lead_id")} from raw.crm_lead_dispositions
                    where {text("lead_id")} is not null
                )
                and lower({text("event_type")}) in ('open', 'click')
                and try_cast({text("occurred_at")} as timestamp) is not null
            group by 1
            having count(distinct cast(try_cast({text("occurred_at")} as timestamp) as date)) > 1
            order by count(*) desc, 1
            limit 1
            """
        ).fetchone()
        con.execute(
            f"""
            insert into raw.crm_lead_dispositions
            values ('late-disposition', ?, 'recycled', 'no budget',
                    cast(cast(? as timestamp) as {timestamp_type}), {landed_at})
            """,
            [disposed_lead, disposed_at],
        )
    return {
        "moved_event": moved_id,
        "from_lead": from_lead,
        "to_lead": to_lead,
        "disposed_lead": disposed_lead,
    }


def postgres_nothing_lost(server: PostgresServer, database: str) -> dict[str, tuple[int, ...]]:
    """Per raw table on PostgreSQL: (raw, staged, rejected, deduplicated, superseded)."""
    counts = {}
    with contextlib.closing(server.connect(database)) as con, con.cursor() as cur:
        cur.execute(
            "select source_table, action, count(*) from marts.data_quality_issues group by 1, 2"
        )
        reported = {(table, action): n for table, action, n in cur.fetchall()}
        for table, model in STAGING_MODELS.items():
            cur.execute(f"select count(*) from raw.{table}")
            raw = cur.fetchone()[0]
            cur.execute(f"select count(*) from staging.{model}")
            staged = cur.fetchone()[0]
            superseded = 0
            if table in CRM_VERSIONED:
                cur.execute(
                    f"select count(*) from staging.{CRM_VERSIONED[table]} where is_superseded"
                )
                superseded = cur.fetchone()[0]
            counts[table] = (
                raw,
                staged,
                reported.get((table, "rejected"), 0),
                reported.get((table, "deduplicated"), 0),
                superseded,
            )
    return counts


def assert_nothing_lost(counts: dict[str, tuple[int, ...]]) -> None:
    """raw = staged + rejected + deduplicated + superseded, for every raw table."""
    for table, (raw, staged, rejected, deduplicated, superseded) in counts.items():
        assert raw > 0, table
        assert raw == staged + rejected + deduplicated + superseded, (table, counts[table])


def nothing_lost_in(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple[int, ...]]:
    """Per raw table, in a DuckDB catalog holding schemas raw, staging and marts (a build,
    or an engine's export): (raw, staged, rejected, deduplicated, superseded)."""
    reported = {
        (table, action): n
        for table, action, n in con.execute(
            f"select source_table, action, count(*) from {catalog}.marts.data_quality_issues "
            "group by 1, 2"
        ).fetchall()
    }
    counts = {}
    for table, model in STAGING_MODELS.items():
        raw = con.execute(f"select count(*) from {catalog}.raw.{table}").fetchone()[0]
        staged = con.execute(f"select count(*) from {catalog}.staging.{model}").fetchone()[0]
        superseded = 0
        if table in CRM_VERSIONED:
            superseded = con.execute(
                f"select count(*) from {catalog}.staging.{CRM_VERSIONED[table]} where is_superseded"
            ).fetchone()[0]
        rejected = reported.get((table, "rejected"), 0)
        deduplicated = reported.get((table, "deduplicated"), 0)
        counts[table] = (raw, staged, rejected, deduplicated, superseded)
    return counts


def assert_same_marts(label: str, differences: dict[str, compare_support.Difference]) -> None:
    """Zero differing rows in every mart, and every mart has rows; prints the counts."""
    compared = sum(d.left_rows for d in differences.values())
    print(f"\n{label}: {compared:,} rows compared, per mart (rows, differing):")
    for mart, d in differences.items():
        print(f"  {mart:<24} {d.left_rows:>8,} {d.differing:>4}")
    mismatched = {
        m: d for m, d in differences.items() if d.differing or d.left_rows != d.right_rows
    }
    assert not mismatched, f"{label}: marts that differ between the two builds: {mismatched}"
    assert all(d.left_rows > 0 for d in differences.values()), differences
