"""How a run passes ``as_of`` and the test scope to dbt, and when it tests only new rows.

``as_of`` reaches dbt as env ``LEAD_FUNNEL_AS_OF`` (not ``--vars``, so consecutive runs
keep dbt's partial parsing). Every incremental row carries the refresh time of the run
that computed it; the data tests of a run read only the rows refreshed after the last
successful run of the same project code on the same warehouse (its refresh time in the
run log, passed as ``LEAD_FUNNEL_TESTED_THROUGH``). Rows written by any later run or dbt
command are tested; a code change, ``--full-refresh`` or ``--select`` tests every row.

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


def record(run_id: str, **fields: object) -> runlog.RunRecord:
    """A run log row of a ``run`` (success unless told otherwise)."""
    values: dict[str, object] = {
        "status": runlog.SUCCESS,
        "warehouse": "duckdb:/w.duckdb",
        "project_fingerprint": "code-1",
        "refreshed_at": None,
        **fields,
    }
    return runlog.RunRecord(run_id, "run", started_at="2026-01-01 00:00:00", **values)


def test_the_tested_run_is_the_latest_success_of_the_same_code_and_warehouse(
    tmp_path: Path,
) -> None:
    log = runlog.RunLog(tmp_path / runlog.RUN_LOG_NAME)
    assert log.latest_tested_run("duckdb:/w.duckdb", "code-1") is None  # no file yet
    at = "2026-01-0{} 00:00:00.000000".format
    for run_record in (
        record("ok-1", refreshed_at=at(1)),
        record("ok-2", refreshed_at=at(2)),
        record("failed", refreshed_at=at(3), status=runlog.FAILED),
        record("selected", refreshed_at=at(4), selector="dim_leads"),
        record("other-code", refreshed_at=at(5), project_fingerprint="code-2"),
        record("other-warehouse", refreshed_at=at(6), warehouse="duckdb:/x.duckdb"),
        record("no-build", refreshed_at=None),  # failed before its build step
    ):
        log.start(run_record)
    tested = log.latest_tested_run("duckdb:/w.duckdb", "code-1")
    assert tested is not None and tested.run_id == "ok-2"
    assert log.latest_tested_run("duckdb:/w.duckdb", "code-2").run_id == "other-code"
    assert log.latest_tested_run("duckdb:/x.duckdb", "code-1").run_id == "other-warehouse"
    assert log.latest_tested_run("duckdb:/w.duckdb", "code-3") is None


@pytest.mark.parametrize(
    ("tested", "refreshed_at", "full_refresh", "selected", "through", "reason"),
    [
        (
            "2026-01-02 00:00:00.000001",
            "2026-01-03 00:00:00.000000",
            False,
            False,
            "2026-01-02 00:00:00.000001",
            "same project code",
        ),
        (None, "2026-01-03 00:00:00.000000", False, False, None, "no successful run"),
        (
            "2026-01-02 00:00:00.000001",
            "2026-01-03 00:00:00.000000",
            True,
            False,
            None,
            "--full-refresh",
        ),
        ("2026-01-02 00:00:00.000001", "2026-01-03 00:00:00.000000", False, True, None, "--select"),
        (
            "2026-01-02 00:00:00.000001",
            "2026-01-02 00:00:00.000001",
            False,
            False,
            None,
            "the clock is at or before",
        ),
    ],
)
def test_choose_scope(
    tested: str | None,
    refreshed_at: str,
    full_refresh: bool,
    selected: bool,
    through: str | None,
    reason: str,
) -> None:
    tested_run = None if tested is None else record("r1", refreshed_at=tested)
    scope = tested_build.choose_scope(
        tested_run, refreshed_at, full_refresh=full_refresh, selected=selected
    )
    assert scope.tested_through == through and reason in scope.reason
    assert scope.scope == ("refreshed" if through else "all")


def test_run_log_files_without_the_newer_columns_get_them(tmp_path: Path) -> None:
    path = tmp_path / runlog.RUN_LOG_NAME
    old_schema = runlog._SCHEMA
    for name, definition in runlog._ADDED_COLUMNS:  # the schema as first released
        old_schema = old_schema.replace(f",\n    {name} {definition}", "")
    assert "test_scope" not in old_schema and "refreshed_at" not in old_schema
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
    for name, _ in runlog._ADDED_COLUMNS:  # added once, however often the file is opened
        assert names.count(name) == 1, name
    assert "test scope" in runlog.format_table(log.recent(), None)


# --- real runs ---------------------------------------------------------------------------


def run(ws: Workspace, *args: str) -> tuple[subprocess.CompletedProcess[str], runlog.RunRecord]:
    """``lead-funnel run <args>``, which must succeed; its output and run log row."""
    result = ws.cli("run", *args)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    found = RUN_ID.search(result.stdout)
    assert found, result.stdout
    record = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).get(found[1])
    assert record is not None and record.status == runlog.SUCCESS
    return result, record


def latest_tested_run(ws: Workspace) -> runlog.RunRecord | None:
    """The run the next run scopes its tests by (same warehouse, same project code)."""
    return runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).latest_tested_run(
        f"duckdb:{ws.duckdb_path.name}", tested_build.project_fingerprint(ws.project_dir)
    )


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


@pytest.mark.build
@pytest.mark.slow
def test_as_of_reaches_each_run_by_env_and_dbt_parses_partially(ws: Workspace) -> None:
    first = latest_tested_run(ws)
    assert first is not None  # the template's run: the first run, every row tested
    records = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).recent(10)
    assert [(r.run_id, r.test_scope) for r in records] == [(first.run_id, "all")]

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

    # Both runs followed a fully tested run of the same code: only newer rows were tested.
    assert (one.test_scope, two.test_scope) == ("refreshed", "refreshed")
    assert "test_scope=refreshed" in build_line(result.stdout)
    assert f"test scope refreshed: run {one.run_id} tested every row" in result.stdout
    assert f"_refreshed_at > cast('{one.refreshed_at}'" in scoped_test_sql(ws)
    # ... and the seeds were left out: their CSVs are those of the tested run
    built = {r["unique_id"].split(".")[0] for r in run_results["results"]}
    assert "seed" not in built and "model" in built
    assert first.refreshed_at < one.refreshed_at < two.refreshed_at
    assert latest_tested_run(ws).run_id == two.run_id
    # the rows a run recomputes carry its refresh time
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path), read_only=True)) as con:
        times = con.execute(
            "select distinct strftime(_refreshed_at, '%Y-%m-%d %H:%M:%S.%f') "
            "from intermediate.int_leads_enriched"
        ).fetchall()
    assert {t for (t,) in times} <= {first.refreshed_at, one.refreshed_at, two.refreshed_at}


@pytest.mark.build
def test_a_run_that_cannot_open_the_build_file_fails_and_says_why(ws: Workspace) -> None:
    before = latest_tested_run(ws)
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path), read_only=True)):
        result = ws.cli("run", "--freshness", "skip")
    assert result.returncode == 1, result.stdout
    assert "build failed" in result.stdout
    assert "is open in another program" in result.stdout and "read_only" in result.stdout
    record = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME).recent(1)[0]
    assert record.status == runlog.FAILED and record.step == "build"
    assert latest_tested_run(ws) == before  # a failed run never becomes the tested one


def write_bad_rows(ws: Workspace, refreshed_at: str) -> None:
    """Write two rows of one key into int_lead_milestones_aggregated, as a buggy run would
    (under a rule set no seed knows, so that nothing downstream reads them)."""
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path))) as con:
        con.execute(
            """
            insert into intermediate.int_lead_milestones_aggregated
            select * replace (
                'bad-lead' as lead_id,
                'no_such_rule_set' as rule_set_id,
                cast(? as timestamp) as _refreshed_at
            )
            from intermediate.int_lead_milestones_aggregated order by lead_id limit 2
            """,
            [refreshed_at],
        )


@pytest.mark.build
@pytest.mark.slow
def test_every_row_is_tested_unless_a_run_of_the_same_code_tested_it(ws: Workspace) -> None:
    quick = ("--freshness", "skip", "--no-publish")
    before = latest_tested_run(ws)
    assert before is not None

    # A bad row written after the tested run (by a dbt command outside the runner, say) is
    # newer than that run's refresh time: the next run's scoped tests read it and fail.
    write_bad_rows(ws, "2999-01-01 00:00:00")
    result = ws.cli("run", *quick)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "unique_combination_of_columns_int_lead_milestones" in result.stdout
    assert "models_failed=0" in build_line(result.stdout)
    assert "test_scope=refreshed" in build_line(result.stdout)
    assert latest_tested_run(ws) == before  # the failed run is not the tested one
    # ... and an older bad row, refreshed before the tested run, is not read: the scope
    # trusts what the tested run saw (it cannot have been there then)
    with contextlib.closing(duckdb.connect(str(ws.duckdb_path))) as con:
        con.execute(
            "update intermediate.int_lead_milestones_aggregated "
            "set _refreshed_at = cast(? as timestamp) "
            "where _refreshed_at = timestamp '2999-01-01 00:00:00'",
            [before.refreshed_at],
        )
    result, scoped = run(ws, *quick)
    assert scoped.test_scope == "refreshed"
    # A full refresh rebuilds (and so repairs) every row, tests them all, and becomes the
    # tested run.
    result, full = run(ws, *quick, "--full-refresh")
    assert full.test_scope == "all" and full.full_refresh
    assert "test_scope=all" in build_line(result.stdout)
    assert "_refreshed_at >" not in scoped_test_sql(ws)
    assert latest_tested_run(ws).run_id == full.run_id

    # Changed project code: the rows not recomputed were tested by other code.
    model = ws.project_dir / "models" / "marts" / "dim_leads.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert latest_tested_run(ws) is None
    result, changed = run(ws, *quick)
    assert changed.test_scope == "all"
    assert "test scope all: no successful run of this project code" in result.stdout
    assert latest_tested_run(ws).run_id == changed.run_id

    # A run killed while dbt builds is never the tested run; the next run still scopes by
    # the last successful one, so whatever the killed run wrote (newer) is tested.
    with running(ws.start("run", *quick)) as proc:
        read_until(proc, "step=build progress=")
        holder = locking.read_holder(locking.lock_path_for(ws.duckdb_path))
        kill_hard(proc)
    assert holder is not None and holder.child_pid
    assert wait_for_exit(holder.child_pid, timeout=10)
    result, after_kill = run(ws, *quick)
    assert after_kill.test_scope == "refreshed"
    assert f"test scope refreshed: run {changed.run_id} tested every row" in result.stdout

    # --select builds part of the project: tested in full, and never the tested run.
    result, selected = run(ws, *quick, "--select", "dim_leads", "--log-format", "json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    build = [e for e in events if e["event"] == "step" and e["step"] == "build"]
    assert [(e["status"], e["test_scope"]) for e in build] == [("start", "all"), ("ok", "all")]
    assert selected.test_scope == "all" and selected.selector == "dim_leads"
    assert latest_tested_run(ws).run_id == after_kill.run_id

    status = json.loads(ws.cli("status", "--json", "--limit", "1").stdout)
    assert status["runs"][0]["test_scope"] == "all"
    assert "test scope" in ws.cli("status").stdout


STAGED_KEY_TEST = "unique_stg_marketing__email_events_event_id"  # scope: refreshed_rows
EVENT_KEY_TEST = (  # scope: {refreshed_keys: [rule_set_id, event_source, event_id]}
    "unique_combination_of_columns_int_lead_events_scored_rule_set_id__event_source__event_id"
)


def compiled_tests(
    ws: Workspace, copy: Path, work_dir: Path, tested_through: str
) -> dict[str, str]:
    """The SQL of the two scoped uniqueness tests, compiled with the given tested time."""
    dbt_support.run_dbt(
        ["compile", "--select", STAGED_KEY_TEST, EVENT_KEY_TEST],
        duckdb_path=copy,
        work_dir=work_dir,
        project_dir=ws.project_dir,
        variables={"active_rule_set": "default"},
        extra_env={tested_build.TESTED_THROUGH_ENV: tested_through},
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


@pytest.mark.build
@pytest.mark.slow
def test_scoped_tests_read_the_rows_refreshed_after_the_tested_run(
    ws: Workspace, tmp_path: Path
) -> None:
    """The real compiled filters: `refreshed_rows` reads the rows refreshed after the tested
    time only; `refreshed_keys` also every older row sharing a key with them; with no tested
    time every row is read."""
    copy = tmp_path / "tampered.duckdb"
    shutil.copyfile(ws.duckdb_path, copy)
    tested = latest_tested_run(ws)
    assert tested is not None and tested.refreshed_at
    scoped = compiled_tests(ws, copy, tmp_path / "refreshed", tested.refreshed_at)
    unscoped = compiled_tests(ws, copy, tmp_path / "all", "")
    assert f"_refreshed_at > cast('{tested.refreshed_at}' as timestamp)" in scoped[STAGED_KEY_TEST]
    assert "_refreshed_at" not in unscoped[STAGED_KEY_TEST]
    later = "cast('2999-01-01 00:00:00' as timestamp)"  # a run after the tested one

    with contextlib.closing(duckdb.connect(str(copy))) as con:
        for name in (STAGED_KEY_TEST, EVENT_KEY_TEST):
            assert failures(con, scoped[name]) == 0 and failures(con, unscoped[name]) == 0

        # a second staged copy of an event, written by the tested run: only `all` sees it
        con.execute(
            """
            insert into staging.landing_marketing__email_events
            select * from staging.landing_marketing__email_events
            where is_staged order by event_id limit 1
            """
        )
        assert failures(con, unscoped[STAGED_KEY_TEST]) == 1
        assert failures(con, scoped[STAGED_KEY_TEST]) == 0
        # ... recomputed by a later run (all copies of a key are recomputed together)
        con.execute(
            f"update staging.landing_marketing__email_events set _refreshed_at = {later} "
            "where event_id = (select min(event_id) from staging.landing_marketing__email_events "
            "where is_staged)"
        )
        assert failures(con, scoped[STAGED_KEY_TEST]) == 1

        # an event scored again under another lead by a later run, while its old row (the
        # tested run's) stayed: refreshed_keys finds the pair, refreshed_rows could not
        con.execute(
            f"""
            insert into intermediate.int_lead_events_scored
            select * replace ('another-lead' as lead_id, {later} as _refreshed_at)
            from intermediate.int_lead_events_scored
            order by rule_set_id, event_source, event_id limit 1
            """
        )
        assert failures(con, scoped[EVENT_KEY_TEST]) == 1
        assert failures(con, unscoped[EVENT_KEY_TEST]) == 1
