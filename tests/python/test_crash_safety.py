"""Crash safety: SIGKILL the runner (and so dbt) mid-way, then the next run repairs it all.

A run is killed at several points: about a second in, in the middle of a full-refresh
build, and as it starts publishing. After each kill the dbt child is gone, the lock is
free, and the published file is a complete version (the previous one, or the new one if
the swap had happened). Then a normal run succeeds and its marts equal a clean build with
the same ``--as-of``, row by row, in the build file and in the published file.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lead_funnel import locking, publish, runlog
from runner_support import (
    FIXED_AS_OF,
    Workspace,
    kill_hard,
    mart_snapshot,
    read_until,
    running,
    wait_for_exit,
)

pytestmark = pytest.mark.build


def assert_published_file_is_complete(ws: Workspace, allowed_versions: set[str]) -> str:
    """The published file is one whole version: metadata and every table agree."""
    pub = publish.read_publication(ws.publish_path)
    assert pub is not None, "the published file is missing or unreadable"
    assert pub.run_id in allowed_versions
    snapshot = mart_snapshot(ws.publish_path)
    assert {table: len(rows) for table, rows in snapshot.items()} == pub.row_counts
    return pub.run_id


def kill_at(ws: Workspace, args: list[str], *, after: str | None, delay: float) -> str:
    """Start ``lead-funnel run``, SIGKILL it once ``after`` is logged (+ ``delay`` s)."""
    lock_file = locking.lock_path_for(ws.duckdb_path)
    proc = ws.start("run", "--as-of", FIXED_AS_OF, *args)
    with running(proc):
        if after:
            read_until(proc, after, timeout=300)
        time.sleep(delay)
        holder = locking.read_holder(lock_file)
        kill_hard(proc)
    if holder and holder.child_pid:
        assert wait_for_exit(holder.child_pid, timeout=10), "dbt outlived the killed runner"
    assert not locking.is_locked(lock_file)
    return holder.run_id if holder and holder.run_id else ""


@pytest.mark.slow
def test_killed_runs_never_leave_a_partial_published_file_and_the_next_run_repairs(
    template: Path, ws: Workspace
) -> None:
    clean = mart_snapshot(template / "warehouse" / "build.duckdb")
    assert clean, "the clean build has no marts"
    first = publish.read_publication(ws.publish_path)
    assert first is not None
    versions = {assert_published_file_is_complete(ws, {first.run_id})}
    killed = []

    killed.append(kill_at(ws, [], after=None, delay=1.0))
    assert_published_file_is_complete(ws, versions)

    killed.append(
        kill_at(
            ws,
            ["--full-refresh", "--freshness", "skip"],
            after="step=build progress=",
            delay=1.0,
        )
    )
    assert_published_file_is_complete(ws, versions)

    publishing = kill_at(
        ws,
        ["--freshness", "skip", "--select", "dim_leads"],  # a short build, then publish
        after="step=publish status=start",
        delay=0,
    )
    killed.append(publishing)
    versions.add(publishing)  # the swap may have happened just before the kill
    assert_published_file_is_complete(ws, versions)

    result = ws.cli("run", "--as-of", FIXED_AS_OF, timeout=600)
    assert result.returncode == 0, result.stdout
    assert "killed before it finished" in result.stdout
    assert mart_snapshot(ws.duckdb_path) == clean
    assert mart_snapshot(ws.publish_path) == clean
    assert not list(ws.publish_path.parent.glob(".*.tmp-*"))

    log = runlog.RunLog(ws.duckdb_path.parent / runlog.RUN_LOG_NAME)
    for run_id in filter(None, killed):
        record = log.get(run_id)
        assert record is not None and record.status == runlog.INTERRUPTED
