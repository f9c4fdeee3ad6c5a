"""PostgreSQL on its own, on a real private server: incremental runs equal a full refresh,
the reporting role reads the published marts and nothing else, and a reader querying
while a publish swaps the marts in finishes undisturbed on the old version.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import psycopg2
import pytest

import compare_support
from engines_support import AS_OF, Engines, land_hand_made_changes
from lead_funnel import postgres as pgio
from lead_funnel import publish_postgres, runlog
from lead_funnel.generate import generate_raw, land_pending
from postgres_server import PostgresServer

pytestmark = pytest.mark.build


def export_built_tables(server: PostgresServer, database: str, destination: Path) -> list[str]:
    """Every table of staging, intermediate and marts of a database into one DuckDB file."""
    tables = []
    with pytest.MonkeyPatch.context() as env:
        for name, value in server.env_for(database).items():
            env.setenv(name, value)
        for schema in ("staging", "intermediate", "marts"):
            counts = pgio.export_schema(schema, destination, duckdb_schema=schema)
            tables += [f"{schema}.{table}" for table in counts if table != "_publication"]
    return sorted(tables)


@pytest.fixture(scope="module")
def incremental_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Engines:
    """A PostgreSQL database built by a first run, then an incremental run after a landing
    of late, moved and re-landed rows (typed landings)."""
    root = tmp_path_factory.mktemp("postgres_incremental")
    engines = Engines(
        root=root,
        raw=root / "warehouse.duckdb",
        server=postgres_server,
        database=postgres_server.create_database("incremental"),
    )
    generate_raw(
        engines.raw,
        leads=1000,
        start_date=date(2026, 1, 1),
        days=120,
        seed=21,
        mess_rate=0.02,
        replace=True,
        land_until=datetime(2026, 3, 1),
    )
    engines.run_postgres()
    land_hand_made_changes(engines.raw)
    land_pending(engines.raw)
    second = engines.run_postgres()
    assert "test_scope=refreshed" in second.stdout
    return engines


@pytest.mark.slow
def test_postgres_incremental_runs_equal_a_full_refresh(incremental_postgres: Engines) -> None:
    engines = incremental_postgres
    full = Engines(
        root=engines.root / "full",
        raw=engines.raw,
        server=engines.server,
        database=engines.server.create_database("full_refresh"),
    )
    full.root.mkdir()
    full.run_postgres("--full-refresh")
    incremental_file = engines.root / "incremental_tables.duckdb"
    full_file = engines.root / "full_tables.duckdb"
    tables = export_built_tables(engines.server, engines.database, incremental_file)
    assert tables == export_built_tables(engines.server, full.database, full_file)
    assert {"marts.fct_lead_lifecycle", "intermediate.int_lead_events_scored"} <= set(tables)
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental_file}' as i (read_only)")
        con.execute(f"attach '{full_file}' as f (read_only)")
        differences = {}
        for table in tables:
            skip = ("_refreshed_at",)
            if table == "intermediate.int_scoring_rule_changes":
                skip += ("changed_at",)  # when a run first saw the rules: a run time
            differences[table] = compare_support.compare(con, f"i.{table}", f"f.{table}", skip=skip)
        batches = con.execute(
            "select count(distinct _refreshed_at) from i.intermediate.int_lead_events_scored"
        ).fetchone()[0]
    mismatched = {t: d for t, d in differences.items() if d.differing}
    assert not mismatched, f"incremental != full refresh on PostgreSQL: {mismatched}"
    assert all(d.left_rows > 0 for t, d in differences.items() if t.startswith("marts.")), (
        differences
    )
    assert batches > 1, "every lead was recomputed: the runs were not incremental"


def reader_connection(server: PostgresServer, database: str) -> psycopg2.extensions.connection:
    """A connection as a BI user: a login role that is a member of lead_funnel_reader."""
    with contextlib.closing(server.connect(database)) as con, con.cursor() as cur:
        con.autocommit = True
        cur.execute("select 1 from pg_roles where rolname = 'bi_tool'")
        if cur.fetchone() is None:
            cur.execute("create role bi_tool login in role lead_funnel_reader")
    return psycopg2.connect(
        host=server.host, port=server.port, user="bi_tool", dbname=database, connect_timeout=10
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        ("select count(*) from marts.fct_lead_lifecycle", True),
        ("select count(*) from marts.data_quality_issues", True),
        ("select run_id from marts._publication", True),
        ("select count(*) from raw.crm_leads", False),
        ("select count(*) from staging.stg_crm__leads", False),
        ("select count(*) from staging.landing_crm__leads", False),
        ("select count(*) from intermediate.int_leads_enriched", False),
        ("select count(*) from seeds.scoring_rule_sets", False),
        ("insert into marts.dim_leads (lead_id) values ('x')", False),
        ("update marts.dim_leads set job_title = 'x'", False),
        ("delete from marts.dim_leads", False),
        ("truncate marts.dim_leads", False),
        ("drop table marts.dim_leads", False),
        ("create table marts.bi_scratch (x int)", False),
        ("create table public.bi_scratch (x int)", False),
        ("create schema bi_scratch", False),
        ("alter schema marts rename to bi_scratch", False),
    ],
)
def test_the_reporting_role_reads_the_published_marts_and_nothing_else(
    incremental_postgres: Engines, statement: str, allowed: bool
) -> None:
    engines = incremental_postgres
    with contextlib.closing(reader_connection(engines.server, engines.database)) as con:
        with con.cursor() as cur:
            if allowed:
                cur.execute(statement)
                assert cur.fetchall()
            else:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(statement)
        con.rollback()


@pytest.mark.slow
def test_a_reader_querying_through_a_publish_finishes_on_the_old_version(
    incremental_postgres: Engines,
) -> None:
    engines = incremental_postgres
    server, database = engines.server, engines.database
    # a new build at another as_of, not published yet (marts_build); through the freshness
    # gate, which warns (the generated data is months old) and goes on
    built = engines.cli(
        "postgres",
        "run",
        "--target",
        "postgres",
        "--as-of",
        "2026-05-16 00:00:00",
        "--freshness",
        "warn",
        "--no-publish",
    )
    assert "step=freshness status=ok" in built.stdout and "is stale" in built.stdout
    result: dict[str, object] = {}

    def long_read() -> None:
        with contextlib.closing(reader_connection(server, database)) as con, con.cursor() as cur:
            started = time.monotonic()
            cur.execute(
                "select to_char(p.as_of, 'YYYY-MM-DD HH24:MI:SS'), count(l.lead_id), "
                "max(pg_sleep(0)::text), (select pg_sleep(6)::text) "
                "from marts._publication as p cross join marts.fct_lead_lifecycle as l "
                "group by 1"
            )
            result["rows"] = cur.fetchall()
            result["seconds"] = time.monotonic() - started

    reader = threading.Thread(target=long_read)
    reader.start()
    time.sleep(1.5)  # the reader holds its locks on the old marts now
    started = time.monotonic()
    engines.cli("postgres", "publish", "--target", "postgres")
    publish_seconds = time.monotonic() - started
    reader.join(timeout=60)
    assert not reader.is_alive()

    # the publish did not wait for the reader, and the reader saw the old version whole
    assert publish_seconds < 20, publish_seconds
    assert result["rows"] and result["rows"][0][0] == AS_OF, result
    assert result["seconds"] >= 6
    with contextlib.closing(reader_connection(server, database)) as con, con.cursor() as cur:
        cur.execute(
            "select distinct to_char(as_of, 'YYYY-MM-DD HH24:MI:SS') from marts._publication"
        )
        assert cur.fetchall() == [("2026-05-16 00:00:00",)]
        cur.execute(
            "select distinct to_char(scored_as_of, 'YYYY-MM-DD HH24:MI:SS') "
            "from marts.fct_lead_lifecycle"
        )
        assert cur.fetchall() == [("2026-05-16 00:00:00",)]
    # the old version, in use during the publish, was left for a later publish to drop;
    # now that no reader uses it, the next drop removes it
    retired = "select count(*) from pg_namespace where nspname like 'marts\\_retired\\_%'"
    with contextlib.closing(server.connect(database)) as con:
        with con.cursor() as cur:
            cur.execute(retired)
            assert cur.fetchone()[0] == 1
        with pytest.MonkeyPatch.context() as env:
            for name, value in server.env_for(database).items():
                env.setenv(name, value)
            assert len(publish_postgres.drop_retired(con)) == 1
        with con.cursor() as cur:
            cur.execute(retired)
            assert cur.fetchone()[0] == 0


def test_a_run_on_a_database_another_machine_is_running_on_exits_3(
    incremental_postgres: Engines,
) -> None:
    """The database's advisory lock keeps runners on other machines apart."""
    engines = incremental_postgres
    with contextlib.closing(engines.server.connect(engines.database)) as other:
        other.autocommit = True
        with other.cursor() as cur:
            cur.execute("set application_name = 'lead-funnel 20990101T000000Z-beef'")
            cur.execute("select pg_advisory_lock(%s, %s)", list(pgio.RUN_LOCK_KEYS))
        for command in ("run", "publish"):
            result = engines.cli_result("postgres", command, "--target", "postgres")
            assert result.returncode == 3, result.stdout[-2000:]
            assert "another lead-funnel run holds the lock" in result.stdout
            assert "lead-funnel 20990101T000000Z-beef" in result.stdout
    records = runlog.RunLog(engines.root / "state_postgres" / runlog.RUN_LOG_NAME).recent(2)
    assert [r.status for r in records] == [runlog.LOCKED_OUT, runlog.LOCKED_OUT]
