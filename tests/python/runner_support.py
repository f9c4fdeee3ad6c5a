"""Helpers shared by the runner, publish and crash-safety tests (real processes, real files).

Each test module builds in its own copy of the dbt project (so its ``target/`` and ``logs/``
never collide with anyone else's), with raw data in its own DuckDB file, and drives the
real ``lead-funnel`` command line in subprocesses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from lead_funnel.generate import generate_raw

REPO_DIR = Path(__file__).resolve().parents[2]
SCRIPTS_DIR = REPO_DIR / "scripts"
# The dbt project the tests copy: the repository, unless pointed at a snapshot (useful
# while models are being edited: RUNNER_TESTS_PROJECT=/path/to/project/copy).
PROJECT_SOURCE = Path(os.environ.get("RUNNER_TESTS_PROJECT", REPO_DIR))
PROJECT_ITEMS = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "dependencies.yml",
    "package-lock.yml",
    "dbt_packages",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "analyses",
    "tests/singular",
)
FIXED_AS_OF = "2026-11-20 12:00:00"


def copy_project(destination: Path) -> Path:
    """Copy the dbt project (not its build output) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for item in PROJECT_ITEMS:
        source = PROJECT_SOURCE / item
        target = destination / item
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def fill_raw(duckdb_path: Path, *, leads: int = 500, days: int = 60) -> None:
    """Land generated raw data ending about now (fresh for the freshness gate)."""
    start = (datetime.now(timezone.utc) - timedelta(days=days)).date()
    generate_raw(duckdb_path, leads=leads, start_date=start, days=days, seed=3, replace=True)
    make_fresh(duckdb_path)


def make_fresh(duckdb_path: Path, *, hours_ago: float = 1.0) -> None:
    """Shift each raw table's ``_loaded_at`` so its newest landing is ``hours_ago`` old.

    Small generated datasets have sparse tables (a handful of opportunities) whose last
    landing can be days old, which the freshness gate rightly rejects; the tests want a
    warehouse whose loads are all running. Shifting later keeps every row's order.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    target = now - timedelta(hours=hours_ago)
    with contextlib.closing(duckdb.connect(str(duckdb_path))) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
        for (table,) in tables:
            newest = con.execute(f"select max(cast(_loaded_at as timestamp)) from raw.{table}")
            row = newest.fetchone()
            if row is None or row[0] is None or row[0] >= target:
                continue
            shift = target - row[0]
            con.execute(
                f"update raw.{table} set _loaded_at = cast(_loaded_at as timestamp) + ?",
                [shift],
            )


def make_stale(duckdb_path: Path, table: str, *, days: float) -> None:
    """Move every landing of one raw table ``days`` back, as if its loader had stopped."""
    with contextlib.closing(duckdb.connect(str(duckdb_path))) as con:
        con.execute(
            f"update raw.{table} set _loaded_at = cast(_loaded_at as timestamp) - ?",
            [timedelta(days=days)],
        )


@dataclass
class Workspace:
    """A project copy plus its build file, published file and environment."""

    root: Path
    project_dir: Path
    duckdb_path: Path
    publish_path: Path

    @property
    def env(self) -> dict[str, str]:
        """Environment for the CLI subprocesses of this workspace."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_PROFILES_DIR")
        }
        env.update(
            LEAD_FUNNEL_PROJECT_DIR=str(self.project_dir),
            LEAD_FUNNEL_DUCKDB=str(self.duckdb_path),
            LEAD_FUNNEL_PUBLISH_PATH=str(self.publish_path),
            PYTHONPATH=os.pathsep.join(filter(None, [str(SCRIPTS_DIR), env.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
        )
        return env

    def command(self, *args: str) -> list[str]:
        """The ``lead-funnel`` command line for ``args``."""
        return [sys.executable, "-m", "lead_funnel.cli", *args]

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``lead-funnel <args>`` to completion and capture its output."""
        return subprocess.run(
            self.command(*args),
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``lead-funnel <args>`` in the background, output on a pipe."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def make_workspace(root: Path, *, leads: int = 500) -> Workspace:
    """A fresh project copy with raw data landed in its build file."""
    ws = Workspace(
        root=root,
        project_dir=copy_project(root / "project"),
        duckdb_path=root / "warehouse" / "build.duckdb",
        publish_path=root / "published" / "lead_funnel_published.duckdb",
    )
    ws.duckdb_path.parent.mkdir(parents=True)
    fill_raw(ws.duckdb_path, leads=leads)
    return ws


def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one successful ``lead-funnel run --as-of FIXED_AS_OF``, built once.

    The first test module that asks builds it (about half a minute); later modules copy
    it with :func:`clone_workspace`, so each starts from a clean, published build. Its
    output is kept in ``run.log`` for the tests that check the log lines.
    """
    root = tmp_path_factory.getbasetemp() / "runner_template"
    done = root / "run.log"
    if done.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    ws = make_workspace(root)
    result = ws.cli("run", "--as-of", FIXED_AS_OF)
    if result.returncode != 0:
        raise RuntimeError(
            f"the template build failed (exit {result.returncode}); the dbt project does not "
            f"build yet:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
    done.write_text(result.stdout, encoding="utf-8")
    return root


def clone_workspace(template: Path, destination: Path) -> Workspace:
    """A private copy of the template workspace (project, build, published file, run log)."""
    shutil.copytree(template, destination)
    return Workspace(
        root=destination,
        project_dir=destination / "project",
        duckdb_path=destination / "warehouse" / "build.duckdb",
        publish_path=destination / "published" / "lead_funnel_published.duckdb",
    )


# The fixtures of the modules that work on a copy of the built template (conftest.py makes
# them every module's; a module's own fixture of the same name wins).


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The once-built, published workspace every module starts from (`built_template`)."""
    return built_template(tmp_path_factory)


@pytest.fixture(scope="module")
def ws(
    template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Workspace:
    """This module's own copy of the built, published workspace."""
    name = request.module.__name__.removeprefix("test_")
    return clone_workspace(template, tmp_path_factory.mktemp(name) / "ws")


def read_until(proc: subprocess.Popen[str], needle: str, timeout: float = 120) -> list[str]:
    """Read ``proc``'s output lines until one contains ``needle``; return the lines read."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        lines.append(line)
        if needle in line:
            return lines
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"{needle!r} not seen in output:\n{''.join(lines)}")


def kill_hard(proc: subprocess.Popen[str]) -> None:
    """SIGKILL a runner process and reap it (its dbt child dies with it)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


def mart_snapshot(path: Path, exclude: Sequence[str] = ("_publication",)) -> dict[str, list]:
    """Every row of every table in schema marts, sorted, for exact comparisons; without
    the incremental bookkeeping columns (`_refreshed_at`: when a run computed a row)."""
    out: dict[str, list] = {}
    with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "order by table_name"
            ).fetchall()
        ]
        for table in tables:
            if table in exclude:
                continue
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? and not starts_with(column_name, '_') "
                    "order by column_index",
                    [table],
                ).fetchall()
            ]
            select = ", ".join(f'"{name}"' for name in columns)
            rows = con.execute(f'select {select} from marts."{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
    return out


def wait_for_exit(pid: int, timeout: float = 30) -> bool:
    """Wait until ``pid`` no longer exists (a reaped or foreign process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def running(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Make sure a background CLI process is killed when a test leaves early."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            kill_hard(proc)
