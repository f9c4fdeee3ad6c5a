"""The ``lead-funnel run`` / ``status`` commands: steps, exit codes, lock, run log, logs.

Everything runs for real: the CLI in subprocesses, dbt on a copy of the project, DuckDB
and SQLite files in a temporary directory.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from lead_funnel import locking, publish, runlog
from runner_support import (
    FIXED_AS_OF,
    Workspace,
    kill_hard,
    make_fresh,
    make_stale,
    read_until,
    running,
    wait_for_exit,
)

pytestmark = pytest.mark.build

STEP_LINE = re.compile(
    r"^\[run (?P<run>\d{8}T\d{6}Z-[0-9a-f]{4})\] step=(?P<step>\w+) "
    r"status=(?P<status>\w+) duration=(?P<duration>\d+\.\d)s"
)


def run_log(ws: Workspace) -> runlog.RunLog:
    """The run log beside the workspace's build file."""
    return runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME)


def published_run_id(ws: Workspace) -> str | None:
    """The run id of the version currently published."""
    pub = publish.read_publication(ws.publish_path)
    return pub.run_id if pub else None


def test_successful_run_logs_each_step_and_records_the_run(template: Path, ws: Workspace) -> None:
    output = (template / "run.log").read_text(encoding="utf-8")
    steps = {m["step"]: m for m in map(STEP_LINE.match, output.splitlines()) if m}
    assert {"freshness", "build", "publish", "run"} <= set(steps), output
    assert "seed" not in steps  # one dbt build loads the seeds too
    assert all(m["status"] in ("ok", "success") for m in steps.values()), output
    assert re.search(r"step=build progress=\d+/\d+ node=\w+ type=model status=success", output)
    run_id = steps["run"]["run"]
    run_results = json.loads((template / "project" / "target" / "run_results.json").read_text())
    kinds = {r["unique_id"].split(".")[0] for r in run_results["results"]}
    assert {"seed", "model", "test"} <= kinds  # one dbt build: seeds, models, data tests
    assert "unit_test" not in kinds  # logic tests run in CI or with --unit-tests

    record = run_log(ws).get(run_id)
    assert record is not None
    assert record.status == runlog.SUCCESS
    assert record.as_of == FIXED_AS_OF
    assert record.rule_set == "default"
    assert not record.full_refresh and record.selector is None
    assert record.models_passed > 0 and record.models_failed == 0
    assert record.tests_passed > 0 and record.tests_failed == 0
    assert record.published and record.ended_at and record.duration_s and record.duration_s > 0
    assert record.error is None
    assert record.test_scope == "all"  # the first run on a warehouse tests every row
    assert "test_scope=all" in next(line for line in output.splitlines() if "step=build" in line)

    pub = publish.read_publication(ws.publish_path)
    assert pub is not None
    assert pub.run_id == run_id and pub.as_of == FIXED_AS_OF and pub.rule_set_id == "default"
    assert pub.row_counts == record.mart_rows
    assert pub.row_counts == publish.count_mart_rows(ws.duckdb_path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--rule-set", "no_such_set"], "scoring_rule_sets.csv"),
        (["--as-of", "yesterday"], "--as-of"),
        (["--target", "nowhere"], "profiles.yml"),
        (["--freshness", "sometimes"], "invalid choice"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    ws: Workspace, args: list[str], expected: str
) -> None:
    before = len(run_log(ws).recent(100))
    result = ws.cli("run", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout + result.stderr
    assert len(run_log(ws).recent(100)) == before  # nothing ran, nothing was recorded


def test_second_run_exits_3_naming_the_holder(ws: Workspace) -> None:
    holder = locking.RunLock(locking.lock_path_for(ws.duckdb_path))
    holder.acquire(run_id="20260101T000000Z-beef", command="run", started_at="2026-01-01")
    try:
        started = time.monotonic()
        result = ws.cli("run")
        assert result.returncode == 3, result.stdout
        assert time.monotonic() - started < 30  # at once: no dbt was started
        assert "another run holds the lock" in result.stdout
        assert f"pid {os.getpid()}" in result.stdout and "20260101T000000Z-beef" in result.stdout

        started = time.monotonic()
        result = ws.cli("run", "--wait", "--wait-timeout", "1")
        assert result.returncode == 3, result.stdout
        assert time.monotonic() - started >= 1
        assert "waiting for the run lock" in result.stdout
    finally:
        holder.release()
    locked_out = [r for r in run_log(ws).recent(10) if r.status == runlog.LOCKED_OUT]
    assert len(locked_out) >= 2
    assert "20260101T000000Z-beef" in (locked_out[0].error or "")


@pytest.mark.slow
def test_wait_json_logs_stale_warning_no_publish_then_publish_every_mart(
    ws: Workspace,
) -> None:
    make_stale(ws.duckdb_path, "webinar_events", days=5)
    all_marts = set(publish.count_mart_rows(ws.duckdb_path))
    holder = locking.RunLock(locking.lock_path_for(ws.duckdb_path))
    holder.acquire(run_id="20260101T000000Z-cafe", command="run", started_at="2026-01-01")
    args = ["run", "--wait", "--wait-timeout", "300", "--log-format", "json"]
    args += ["--freshness", "warn", "--select", "dim_leads int_leads_fit_scored"]
    args += ["--rule-set", "strict", "--no-publish", "--unit-tests"]
    version = published_run_id(ws)
    with running(ws.start(*args)) as proc:
        time.sleep(2)
        assert proc.poll() is None  # still waiting for the lock
        holder.release()
        output, _ = proc.communicate(timeout=300)
    make_fresh(ws.duckdb_path)
    assert proc.returncode == 0, output

    events = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    run_id = events[0]["run_id"]
    assert all(e["run_id"] == run_id and "ts" in e and "level" in e for e in events)
    assert any("waiting for the run lock" in e.get("message", "") for e in events)
    stale = [e for e in events if e["level"] == "warning" and "webinar_events" in e["message"]]
    assert stale and "stale" in stale[0]["message"] and "days ago" in stale[0]["message"]
    steps = {e["step"]: e for e in events if e["event"] == "step" and e["status"] != "start"}
    assert list(steps) == ["freshness", "build", "count", "run"]
    assert all(isinstance(s["duration_s"], float) for s in steps.values())
    assert any(e["event"] == "progress" and e["node"] == "dim_leads" for e in events)

    record = run_log(ws).get(run_id)
    assert record and record.status == runlog.SUCCESS and not record.published
    assert record.selector == "dim_leads int_leads_fit_scored" and record.rule_set == "strict"
    assert record.as_of and record.as_of != FIXED_AS_OF  # the run's start time, recorded
    assert set(record.mart_rows) == all_marts
    run_results = json.loads((ws.project_dir / "target" / "run_results.json").read_text())
    # as_of reaches dbt as env LEAD_FUNNEL_AS_OF: a var would defeat dbt's partial parsing
    assert run_results["args"]["vars"] == {"active_rule_set": "strict"}
    assert steps["build"]["test_scope"] == "all" and record.test_scope == "all"  # --select
    built = {r["unique_id"] for r in run_results["results"]}
    assert {"model.lead_funnel.dim_leads", "model.lead_funnel.int_leads_fit_scored"} <= built
    assert "seed.lead_funnel.scoring_fit_rules" in built  # the seeds are always loaded
    assert any(uid.startswith("unit_test.lead_funnel.int_leads_fit_scored.") for uid in built)
    assert not any(uid.startswith("model.lead_funnel.fct_") for uid in built)
    assert published_run_id(ws) == version  # --no-publish left the published file alone

    result = ws.cli("publish")
    assert result.returncode == 0, result.stdout
    assert re.search(r"step=publish status=ok duration=\d+\.\ds", result.stdout)
    pub = publish.read_publication(ws.publish_path)
    assert pub and pub.run_id == run_id and pub.as_of == record.as_of
    assert pub.rule_set_id == "strict"
    assert pub.row_counts == record.mart_rows  # --select rebuilt one model; all are published


def test_stale_source_fails_the_run_before_the_build(ws: Workspace) -> None:
    make_stale(ws.duckdb_path, "email_events", days=5)
    version = published_run_id(ws)
    try:
        result = ws.cli("run")
    finally:
        make_fresh(ws.duckdb_path)
    assert result.returncode == 1, result.stdout
    assert "step=build" not in result.stdout
    detail = next(line for line in result.stdout.splitlines() if "is stale" in line)
    assert "ERROR: source marketing.email_events is stale" in detail
    assert "days ago" in detail and "error after" in detail
    summary = next(line for line in result.stdout.splitlines() if "freshness failed" in line)
    assert "marketing.email_events (5." in summary and "days old" in summary
    assert "--freshness warn" in summary and "rerun `lead-funnel run`" in summary
    record = run_log(ws).recent(1)[0]
    assert record.status == runlog.FAILED and record.models_passed == 0
    assert "marketing.email_events" in (record.error or "")
    assert published_run_id(ws) == version  # nothing published


def test_failed_model_and_test_fail_the_run_and_never_publish(ws: Workspace) -> None:
    broken_model = ws.project_dir / "models" / "zz_runner_broken.sql"
    failing_test = ws.project_dir / "tests" / "singular" / "zz_runner_failing_check.sql"
    broken_model.write_text("select no_such_column from {{ ref('dim_leads') }}\n")
    failing_test.write_text("select 1 as failing_row\n")
    version = published_run_id(ws)
    try:
        result = ws.cli(
            "run", "--select", "zz_runner_broken zz_runner_failing_check", "--freshness", "skip"
        )
    finally:
        broken_model.unlink()
        failing_test.unlink()
    assert result.returncode == 1, result.stdout
    assert "step=build status=failed" in result.stdout
    assert "model zz_runner_broken failed:" in result.stdout
    assert "test zz_runner_failing_check failed:" in result.stdout
    assert "run_results.json" in result.stdout and "rerun `lead-funnel run`" in result.stdout
    assert "step=publish" not in result.stdout
    record = run_log(ws).recent(1)[0]
    assert record.status == runlog.FAILED
    assert (record.models_failed, record.tests_failed) == (1, 1)
    assert not record.published
    assert published_run_id(ws) == version

    refused = ws.cli("publish")
    assert refused.returncode == 1 and "--force" in refused.stdout
    assert published_run_id(ws) == version


def test_broken_rule_seed_fails_the_run_and_skips_what_is_scored_from_it(ws: Workspace) -> None:
    rules = ws.project_dir / "seeds" / "scoring_engagement_rules.csv"
    original = rules.read_text(encoding="utf-8")
    first_rule = original.splitlines()[1]
    rules.write_text(original + first_rule + "\n", encoding="utf-8")  # a duplicated rule
    version = published_run_id(ws)
    try:
        result = ws.cli("run", "--freshness", "skip")
    finally:
        rules.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout
    assert "scoring_engagement_rules_rule_set_id__rule_id" in result.stdout
    run_results = json.loads((ws.project_dir / "target" / "run_results.json").read_text())
    status = {r["unique_id"].split(".")[-1]: r["status"] for r in run_results["results"]}
    assert status["scoring_engagement_rules"] == "success"  # loaded, then its tests fail
    for model in ("int_lead_events_scored", "fct_lead_lifecycle", "mql_sql_funnel"):
        assert status[model] == "skipped", model
    assert published_run_id(ws) == version  # nothing published
    assert run_log(ws).recent(1)[0].status == runlog.FAILED


def test_status_shows_recent_runs(ws: Workspace) -> None:
    result = ws.cli("status", "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert "lock: free" in result.stdout and "published:" in result.stdout
    assert "run_id" in result.stdout and "status" in result.stdout
    recent = run_log(ws).recent(3)
    assert all(r.run_id in result.stdout for r in recent)

    payload = json.loads(ws.cli("status", "--json", "--limit", "2").stdout)
    assert len(payload["runs"]) == 2 and payload["lock_holder"] is None
    assert payload["published"]["run_id"] == published_run_id(ws)
    assert ws.cli("status", "--limit", "0").returncode == 2


def test_sigterm_stops_dbt_and_records_interrupted(ws: Workspace) -> None:
    proc = ws.start("run", "--freshness", "skip")
    with running(proc):
        read_until(proc, "step=build status=start")
        child = _wait_for_child(ws)
        time.sleep(1)  # let dbt get going
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, output
    assert wait_for_exit(child, timeout=10)
    assert "interrupted by SIGTERM" in output
    assert run_log(ws).recent(1)[0].status == runlog.INTERRUPTED
    assert not locking.is_locked(locking.lock_path_for(ws.duckdb_path))


def _wait_for_child(ws: Workspace, timeout: float = 60) -> int:
    """The pid of the dbt child the running runner recorded in its lock file."""
    lock_file = locking.lock_path_for(ws.duckdb_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = locking.read_holder(lock_file)
        if holder and holder.child_pid:
            return holder.child_pid
        time.sleep(0.05)
    raise AssertionError("the runner never recorded a dbt child in its lock file")


def test_sigkilled_run_leaves_no_stale_lock_and_shows_as_interrupted(ws: Workspace) -> None:
    proc = ws.start("run", "--freshness", "skip")
    with running(proc):
        read_until(proc, "step=build status=start")
        child = _wait_for_child(ws)
        holder = locking.read_holder(locking.lock_path_for(ws.duckdb_path))
        assert holder is not None and holder.run_id
        run_id = holder.run_id
        kill_hard(proc)
    assert wait_for_exit(child, timeout=10), "dbt outlived the SIGKILLed runner"
    assert not locking.is_locked(locking.lock_path_for(ws.duckdb_path))

    status = json.loads(ws.cli("status", "--json").stdout)
    assert status["runs"][0]["run_id"] == run_id
    assert status["runs"][0]["status"] == runlog.INTERRUPTED  # shown so before any new run
    with sqlite3.connect(ws.duckdb_path.parent / runlog.RUN_LOG_NAME) as con:
        stored = con.execute("select status from runs where run_id = ?", [run_id]).fetchone()
    assert stored == (runlog.RUNNING,)  # the killed process could not write anything

    # The next command that takes the lock is not blocked by the dead run, and records it.
    result = ws.cli("publish")
    assert result.returncode == 1, result.stdout  # refuses: the latest build is interrupted
    assert "interrupted" in result.stdout
    record = run_log(ws).get(run_id)
    assert record is not None and record.status == runlog.INTERRUPTED
