"""Which rows a run's data tests read: every row, or only what the run recomputed.

Data tests with ``meta: {scope: ...}`` (on the big incremental models) read only the rows
this dbt invocation recomputed when dbt gets ``LEAD_FUNNEL_TEST_SCOPE=refreshed`` (macros
``test_scope`` and ``get_where_subquery``). That is only sound when every row *not*
recomputed was fully tested before, by the same project code. The runner records that
in the build file, table ``main.lead_funnel_tested_build`` (one row: run id, project
fingerprint, time), and is its only writer:

- before the build, it reads the marker and drops it (so a failed or killed run leaves
  none); the scope is ``refreshed`` only if the marker was there, its fingerprint equals
  the current project's, and the run is neither ``--full-refresh`` nor ``--select``;
- after a successful build without ``--select``, it writes the marker again.

Any other dbt command that may change the warehouse (``dbt build/run/seed/snapshot/test``)
drops the marker in an ``on-run-end`` hook (macro ``forget_tested_build``), so the next
run tests every row again.

DuckDB allows one writer per file: these functions open the build file read-write for a
moment and close it; call them only while holding the run lock, with no dbt running.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

SCOPE_ALL = "all"
SCOPE_REFRESHED = "refreshed"
SCOPE_ENV = "LEAD_FUNNEL_TEST_SCOPE"

MARKER_SCHEMA = "main"
MARKER_NAME = "lead_funnel_tested_build"
MARKER_TABLE = f"{MARKER_SCHEMA}.{MARKER_NAME}"

# What the project's data and tests are built from: any change here may change what a
# test checks or what a model computes for the rows it does not recompute.
FINGERPRINT_DIRS = ("models", "macros", "seeds", "tests/singular")
FINGERPRINT_FILES = ("dbt_project.yml",)


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the sorted relative paths and contents of the project's code files.

    Every file under ``models/``, ``macros/``, ``seeds/``, ``tests/singular/`` and
    ``dbt_project.yml``; a file added, removed, renamed or edited changes it.
    """
    files: list[tuple[str, Path]] = []
    for name in FINGERPRINT_DIRS:
        root = project_dir / name
        if root.is_dir():
            files.extend(
                (path.relative_to(project_dir).as_posix(), path)
                for path in root.rglob("*")
                if path.is_file()
            )
    for name in FINGERPRINT_FILES:
        path = project_dir / name
        if path.is_file():
            files.append((name, path))
    digest = hashlib.sha256()
    for relative, path in sorted(files):
        content = path.read_bytes()
        # lengths delimit the fields, so no two different trees hash the same stream
        digest.update(f"{len(relative)}:{relative}:{len(content)}:".encode())
        digest.update(content)
    return digest.hexdigest()


@dataclass(frozen=True)
class TestedBuild:
    """The marker row: the last run whose build passed every data test on every row."""

    __test__ = False  # not a pytest test class, whatever its name

    run_id: str
    project_fingerprint: str
    tested_at: datetime | None


def take_marker(duckdb_path: Path) -> TestedBuild | None:
    """Read the marker from the build file and drop it; ``None`` when there is none.

    A marker that is not exactly one readable row counts as none (and is dropped too).
    Raises :class:`duckdb.Error` when the file cannot be opened (another process holds
    it).
    """
    if not duckdb_path.exists():
        return None
    with contextlib.closing(duckdb.connect(str(duckdb_path))) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [MARKER_SCHEMA, MARKER_NAME],
        ).fetchone()
        if not exists or not exists[0]:
            return None
        try:
            rows = con.execute(
                f"select run_id, project_fingerprint, tested_at from {MARKER_TABLE}"
            ).fetchall()
        except duckdb.Error:  # not the table the runner writes: no usable marker
            rows = []
        con.execute(f"drop table if exists {MARKER_TABLE}")
    if len(rows) != 1 or not rows[0][0] or not rows[0][1]:
        return None
    run_id, fingerprint, tested_at = rows[0]
    return TestedBuild(str(run_id), str(fingerprint), tested_at)


def write_marker(duckdb_path: Path, run_id: str, fingerprint: str) -> None:
    """Record that ``run_id`` built and fully tested the project with ``fingerprint``."""
    tested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with contextlib.closing(duckdb.connect(str(duckdb_path))) as con:
        con.execute("begin transaction")
        con.execute(
            f"create or replace table {MARKER_TABLE} "
            "(run_id varchar, project_fingerprint varchar, tested_at timestamp)"
        )
        con.execute(
            f"insert into {MARKER_TABLE} values (?, ?, ?)", [run_id, fingerprint, tested_at]
        )
        con.execute("commit")


def choose_scope(
    marker: TestedBuild | None, fingerprint: str, *, full_refresh: bool, selected: bool
) -> tuple[str, str]:
    """The test scope of a run and why, as ``(scope, reason)``."""
    if full_refresh:
        return SCOPE_ALL, "--full-refresh rebuilds every row"
    if selected:
        return SCOPE_ALL, "--select builds only part of the project"
    if marker is None:
        return SCOPE_ALL, (
            "no fully tested build is recorded (first run, or the last run failed, was "
            "interrupted or used --select, or another dbt command changed the warehouse)"
        )
    if marker.project_fingerprint != fingerprint:
        return SCOPE_ALL, (
            f"the project code changed since run {marker.run_id}, the last fully tested build"
        )
    return SCOPE_REFRESHED, (
        f"run {marker.run_id} tested every row with the same project code; only the rows "
        "this run recomputes are tested again"
    )
