"""How a run passes ``as_of`` and the test scope to dbt, and when it tests only new rows.

``as_of`` reaches dbt as env ``LEAD_FUNNEL_AS_OF`` (not ``--vars``, so consecutive runs
keep dbt's partial parsing). Data tests read only the rows a run recomputed
(``LEAD_FUNNEL_TEST_SCOPE=refreshed``) only right after a fully tested build of the same
project code, recorded in ``main.lead_funnel_tested_build``; any other dbt command, a
code change, ``--full-refresh`` or ``--select`` means every row is tested.

The slow tests run the real ``lead-funnel`` CLI and dbt on a small generated warehouse.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

import dbt_support
from lead_funnel import locking, runlog, tested_build
from runner_support import (
    Workspace,
    built_template,
    clone_workspace,
    kill_hard,
    read_until,
    running,
    wait_for_exit,
)

RUN_ID = re.compile(r'(?:^\[run |"run_id": ")(\d{8}T\d{6}Z-[0-9a-f]{4})', re.MULTILINE)
SCOPED_TEST = "unique_int_leads_enriched_lead_id"  # meta: {scope: refreshed_rows}


# --- the pieces, without dbt -------------------------------------------------------------


def test_fingerprint_covers_the_project_code_and_nothing_else(tmp_path: Path) -> None:
    files = {
        "dbt_project.yml": "name: p\n",
        "models/marts/a.sql": "select 1 as a\n",
        "models/marts/_a.yml": "version: 2\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
        "seeds/s.csv": "id\n1\n",
        "tests/singular/t.sql": "select 1 where false\n",
        "tests/python/test_x.py": "x = 1\n",
        "docs/readme.md": "docs\n",
        "target/run_results.json": "{}\n",
        "logs/dbt.log": "log\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    original = tested_build.project_fingerprint(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{64}", original)

    for outside in ("tests/python/test_x.py", "docs/readme.md", "target/run_results.json"):
        (tmp_path / outside).write_text("changed\n")
    (tmp_path / "docs" / "new.md").write_text("new\n")
    assert tested_build.project_fingerprint(tmp_path) == original

    def changed(edit) -> bool:
        edit()
        return tested_build.project_fingerprint(tmp_path) != original

    model = tmp_path / "models" / "marts" / "a.sql"
    assert changed(lambda: model.write_text("select 2 as a\n"))
    model.write_text("select 1 as a\n")
    assert not changed(lambda: None)
    assert changed(lambda: model.rename(model.with_name("b.sql")))
    model.with_name("b.sql").rename(model)
    for added in ("macros/n.sql", "seeds/t.csv", "tests/singular/u.sql", "models/x/y.yml"):
        path = tmp_path / added
        path.parent.mkdir(parents=True, exist_ok=True)
        assert changed(lambda path=path: path.write_text("\n")), added
        path.unlink()
    assert changed(lambda: (tmp_path / "dbt_project.yml").write_text("name: q\n"))


def test_marker_is_taken_once_then_gone(tmp_path: Path) -> None:
    path = tmp_path / "build.duckdb"
    assert tested_build.take_marker(path) is None
    assert not path.exists()  # reading never creates a build file

    with contextlib.closing(duckdb.connect(str(path))) as con:
        con.execute("create table main.other (x int)")
    assert tested_build.take_marker(path) is None

    tested_build.write_marker(path, "20260101T000000Z-0001", "abc")
    tested_build.write_marker(path, "20260101T000000Z-0002", "def")  # replaces the row
    marker = tested_build.take_marker(path)
    assert marker is not None
    assert (marker.run_id, marker.project_fingerprint) == ("20260101T000000Z-0002", "def")
    assert isinstance(marker.tested_at, datetime)
    assert tested_build.take_marker(path) is None  # dropped when read
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        tables = con.execute("select table_name from duckdb_tables()").fetchall()
    assert tables == [("other",)]

    with contextlib.closing(duckdb.connect(str(path))) as con:  # not what the runner writes
        con.execute(f"create table {tested_build.MARKER_TABLE} (run_id varchar)")
        con.execute(f"insert into {tested_build.MARKER_TABLE} values ('x')")
    assert tested_build.take_marker(path) is None
    assert tested_build.take_marker(path) is None  # and it was dropped too


@pytest.mark.parametrize(
    ("fingerprint", "full_refresh", "selected", "scope", "reason"),
    [
        ("same", False, False, "refreshed", "same project code"),
        ("other", False, False, "all", "project code changed"),
        (None, False, False, "all", "no fully tested build"),
        ("same", True, False, "all", "--full-refresh"),
        ("same", False, True, "all", "--select"),
    ],
)
def test_choose_scope(
    fingerprint: str | None, full_refresh: bool, selected: bool, scope: str, reason: str
) -> None:
    marker = None if fingerprint is None else tested_build.TestedBuild("r1", fingerprint, None)
    chosen, why = tested_build.choose_scope(
        marker, "same", full_refresh=full_refresh, selected=selected
    )
    assert chosen == scope and reason in why


def test_run_log_files_without_test_scope_get_the_column(tmp_path: Path) -> None:
    path = tmp_path / runlog.RUN_LOG_NAME
    old_schema = runlog._SCHEMA.replace(",\n    test_scope text\n", "\n")  # as first released
    assert "test_scope" not in old_schema
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.executescript(old_schema)
        con.execute(
            "insert into runs (run_id, command, status, started_at) "
            "values ('old', 'run', 'success', '2026-01-01 00:00:00')"
        )
        con.commit()
    log = runlog.RunLog(path)
    old = log.get("old")
    assert old is not None and old.status == runlog.SUCCESS and old.test_scope is None
    log.update("old", test_scope="all")
    log.start(runlog.RunRecord("new", "run", runlog.RUNNING, "2026-01-02 00:00:00"))
    log.update("new", test_scope="refreshed")
    assert [(r.run_id, r.test_scope) for r in log.recent()] == [
        ("new", "refreshed"),
        ("old", "all"),
    ]
    with contextlib.closing(sqlite3.connect(path)) as con:
        names = [row[1] for row in con.execute("pragma table_info(runs)")]
    assert names.count("test_scope") == 1  # added once, however often the file is opened
    assert "test scope" in runlog.format_table(log.recent(), None)


# --- real runs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the once-built workspace (its one run tested every row)."""
    template = built_template(tmp_path_factory)
    return clone_workspace(template, tmp_path_factory.mktemp("test_scope") / "ws")


def run(ws: Workspace, *args: str) -> tuple[subprocess.CompletedProcess[str], runlog.RunRecord]:
    """``lead-funnel run <args>``, which must succeed; its output and run log row."""
    result = ws.cli("run", *args)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    found = RUN_ID.search(result.stdout)
    assert found, result.stdout
    record = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).get(found[1])
    assert record is not None and record.status == runlog.SUCCESS
    return result, record


def marker(ws: Workspace) -> tuple[str, str] | None:
    """The recorded fully tested build (run id, fingerprint), or None."""
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path), read_only=True)) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main' "
            "and table_name = 'lead_funnel_tested_build'"
        ).fetchone()
        if not exists or not exists[0]:
            return None
        rows = con.execute(
            "select run_id, project_fingerprint from main.lead_funnel_tested_build"
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def build_line(output: str) -> str:
    """The build step's closing log line."""
    return next(
        line
        for line in output.splitlines()
        if "step=build status=" in line and "status=start" not in line
    )


def scoped_test_sql(ws: Workspace) -> str:
    """The SQL dbt ran for a data test with ``meta: {scope: ...}`` in the latest build."""
    found = list((ws.project_dir / "target" / "run").rglob(f"{SCOPED_TEST}*.sql"))
    assert len(found) == 1, found
    return found[0].read_text(encoding="utf-8")


def scored_as_of(path: Path) -> list[str]:
    """The distinct ``scored_as_of`` values of the lifecycle mart."""
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        rows = con.execute(
            "select distinct strftime(scored_as_of, '%Y-%m-%d %H:%M:%S') "
            "from marts.fct_lead_lifecycle"
        ).fetchall()
    return [r[0] for r in rows]


def dbt_log_events(log_dir: Path, since: datetime) -> dict[str, list[str]]:
    """Event names per dbt invocation in ``log_dir``'s dbt.log (and rotated copies) since
    ``since``. The runner has dbt log JSON, so every line names its invocation."""
    events: dict[str, list[str]] = {}
    files = sorted(log_dir.glob("dbt.log.*"), key=lambda p: -int(p.suffix[1:]))
    for path in [*files, log_dir / "dbt.log"]:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                info = json.loads(line)["info"]
                ts = datetime.fromisoformat(info["ts"].replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError):
                continue
            if ts >= since:
                events.setdefault(info["invocation_id"], []).append(info["name"])
    return events


@pytest.mark.slow
def test_as_of_reaches_each_run_by_env_and_dbt_parses_partially(ws: Workspace) -> None:
    first = marker(ws)
    assert first is not None  # the template's run: the first run, every row tested
    records = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).recent(10)
    assert [(r.run_id, r.test_scope) for r in records] == [(first[0], "all")]
    assert first[1] == tested_build.project_fingerprint(ws.project_dir)

    as_of_1, as_of_2 = "2026-11-20 08:00:00", "2026-11-21 09:30:00"
    _, one = run(ws, "--as-of", as_of_1)
    assert scored_as_of(ws.duckdb_path) == [as_of_1]
    assert scored_as_of(ws.publish_path) == [as_of_1]
    second_started = datetime.now(timezone.utc)
    result, two = run(ws, "--as-of", as_of_2)
    assert scored_as_of(ws.duckdb_path) == [as_of_2]
    assert scored_as_of(ws.publish_path) == [as_of_2]
    assert (one.as_of, two.as_of) == (as_of_1, as_of_2)

    run_results = json.loads((ws.project_dir / "target" / "run_results.json").read_text())
    assert run_results["args"]["vars"] == {"active_rule_set": "default"}  # as_of: env only

    # The second run's two dbt commands (freshness, build) re-used the parsed project.
    invocations = dbt_log_events(ws.project_dir / "logs", second_started)
    assert len(invocations) == 2, {k: len(v) for k, v in invocations.items()}
    assert run_results["metadata"]["invocation_id"] in invocations
    for invocation, names in invocations.items():
        assert "UnableToPartialParse" not in names, invocation
        assert {"PartialParsingEnabled", "PartialParsingSkipParsing"} & set(names), invocation

    # Both runs followed a fully tested build of the same code: only new rows were tested.
    assert (one.test_scope, two.test_scope) == ("refreshed", "refreshed")
    assert "test_scope=refreshed" in build_line(result.stdout)
    assert f"test scope refreshed: run {one.run_id} tested every row" in result.stdout
    assert "_refreshed_at" in scoped_test_sql(ws)
    assert marker(ws) == (two.run_id, first[1])
    # ... and the seeds, whose CSVs are those of the tested build, were not reloaded
    built = {r["unique_id"].split(".")[0] for r in run_results["results"]}
    assert "seed" not in built and "model" in built, built


def test_a_run_that_cannot_open_the_build_file_stops_before_dbt(ws: Workspace) -> None:
    before = marker(ws)
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path), read_only=True)):
        result = ws.cli("run", "--freshness", "skip")
    assert result.returncode == 1, result.stdout
    assert "build failed, nothing was rebuilt" in result.stdout
    assert "is open in another program" in result.stdout and "read_only" in result.stdout
    assert "step=build status=start" not in result.stdout  # dbt never started
    record = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).recent(1)[0]
    assert record.status == runlog.FAILED and record.step == "build"
    assert record.test_scope is None
    assert marker(ws) == before  # untouched: nothing was built


@pytest.mark.slow
def test_every_row_is_tested_unless_the_last_run_fully_tested_the_same_code(
    ws: Workspace,
) -> None:
    quick = ("--freshness", "skip", "--no-publish")
    # Any other dbt command on the warehouse forgets the tested build (on-run-end hook).
    assert marker(ws) is not None
    dbt_support.run_dbt(
        ["run", "--select", "stg_crm__leads"],
        duckdb_path=ws.duckdb_path,
        work_dir=ws.root / "plain_dbt",
        project_dir=ws.project_dir,
    )
    assert marker(ws) is None
    result, after_dbt = run(ws, *quick)
    assert after_dbt.test_scope == "all"
    assert "test_scope=all" in build_line(result.stdout)
    assert "test scope all: no fully tested build is recorded" in result.stdout
    assert "_refreshed_at" not in scoped_test_sql(ws)
    fingerprint = tested_build.project_fingerprint(ws.project_dir)
    assert marker(ws) == (after_dbt.run_id, fingerprint)

    # Changed project code: the rows not recomputed were tested by other code.
    model = ws.project_dir / "models" / "marts" / "dim_leads.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    result, changed = run(ws, *quick)
    assert changed.test_scope == "all"
    assert f"the project code changed since run {after_dbt.run_id}" in result.stdout
    changed_fingerprint = tested_build.project_fingerprint(ws.project_dir)
    assert changed_fingerprint != fingerprint
    assert marker(ws) == (changed.run_id, changed_fingerprint)

    # --full-refresh recomputes everything, so everything is tested; and it is recorded.
    result, full = run(ws, *quick, "--full-refresh")
    assert full.test_scope == "all" and full.full_refresh
    assert "test_scope=all" in build_line(result.stdout)
    assert marker(ws) == (full.run_id, changed_fingerprint)

    # A run killed while dbt builds leaves no marker: it was dropped before dbt started.
    with running(ws.start("run", *quick)) as proc:
        read_until(proc, "step=build progress=")
        holder = locking.read_holder(locking.lock_path_for(ws.duckdb_path))
        kill_hard(proc)
    assert holder is not None and holder.child_pid
    assert wait_for_exit(holder.child_pid, timeout=10)
    assert marker(ws) is None

    # --select builds part of the project: tested in full, and never recorded.
    result, selected = run(ws, *quick, "--select", "dim_leads", "--log-format", "json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    build = [e for e in events if e["event"] == "step" and e["step"] == "build"]
    assert [(e["status"], e["test_scope"]) for e in build] == [("start", "all"), ("ok", "all")]
    assert selected.test_scope == "all" and selected.selector == "dim_leads"
    assert marker(ws) is None

    status = json.loads(ws.cli("status", "--json", "--limit", "1").stdout)
    assert status["runs"][0]["test_scope"] == "all"
    assert "test scope" in ws.cli("status").stdout


STAGED_KEY_TEST = "unique_stg_marketing__email_events_event_id"  # scope: refreshed_rows
EVENT_KEY_TEST = (  # scope: {refreshed_keys: [rule_set_id, event_source, event_id]}
    "unique_combination_of_columns_int_lead_events_scored_rule_set_id__event_source__event_id"
)


def compiled_tests(ws: Workspace, copy: Path, work_dir: Path, scope: str) -> dict[str, str]:
    """The SQL of the two scoped uniqueness tests, compiled with the given test scope."""
    dbt_support.run_dbt(
        ["compile", "--select", STAGED_KEY_TEST, EVENT_KEY_TEST],
        duckdb_path=copy,
        work_dir=work_dir,
        project_dir=ws.project_dir,
        variables={"active_rule_set": "default"},
        extra_env={tested_build.SCOPE_ENV: scope},
    )
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text(encoding="utf-8"))
    sql = {}
    for name in (STAGED_KEY_TEST, EVENT_KEY_TEST):
        (node,) = [n for n in manifest["nodes"].values() if n["name"] == name]
        sql[name] = node["compiled_code"]
    return sql


def failures(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """Rows a compiled data test returns (0: it passes)."""
    return con.execute(f"select count(*) from ({sql}) as test_rows").fetchone()[0]


@pytest.mark.slow
def test_scoped_tests_read_what_this_run_recomputed(ws: Workspace, tmp_path: Path) -> None:
    """The real compiled filters: `refreshed_rows` reads the rows of this run only;
    `refreshed_keys` also every older row sharing a key with them; `all` reads everything."""
    copy = tmp_path / "tampered.duckdb"
    shutil.copyfile(ws.duckdb_path, copy)
    scoped = compiled_tests(ws, copy, tmp_path / "refreshed", tested_build.SCOPE_REFRESHED)
    unscoped = compiled_tests(ws, copy, tmp_path / "all", tested_build.SCOPE_ALL)
    this_run = re.search(r"_refreshed_at = (cast\('[^']+' as timestamp\))", scoped[STAGED_KEY_TEST])
    assert this_run, scoped[STAGED_KEY_TEST]
    assert "_refreshed_at" not in unscoped[STAGED_KEY_TEST]

    with contextlib.closing(duckdb.connect(str(copy))) as con:
        for name in (STAGED_KEY_TEST, EVENT_KEY_TEST):
            assert failures(con, scoped[name]) == 0 and failures(con, unscoped[name]) == 0

        # a second staged copy of an event, written by an earlier run: only `all` sees it
        con.execute(
            """
            insert into staging.base_marketing__email_events
            select * from staging.base_marketing__email_events
            where is_staged order by event_id limit 1
            """
        )
        assert failures(con, unscoped[STAGED_KEY_TEST]) == 1
        assert failures(con, scoped[STAGED_KEY_TEST]) == 0
        # ... recomputed by this run (all copies of a key are recomputed together)
        con.execute(
            f"update staging.base_marketing__email_events set _refreshed_at = {this_run[1]} "
            "where event_id = (select min(event_id) from staging.base_marketing__email_events "
            "where is_staged)"
        )
        assert failures(con, scoped[STAGED_KEY_TEST]) == 1

        # an event scored again under another lead by this run, while its old row (an
        # earlier run's) stayed: refreshed_keys finds the pair, refreshed_rows could not
        con.execute(
            f"""
            insert into intermediate.int_lead_events_scored
            select * replace ('another-lead' as lead_id, {this_run[1]} as _refreshed_at)
            from intermediate.int_lead_events_scored
            order by rule_set_id, event_source, event_id limit 1
            """
        )
        assert failures(con, scoped[EVENT_KEY_TEST]) == 1
        assert failures(con, unscoped[EVENT_KEY_TEST]) == 1
