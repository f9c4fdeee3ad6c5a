"""``lead-funnel benchmark``: how the whole job scales, from 10,000 to a million leads.

For each size the benchmark

1. **generates** the raw tables (timed) with :func:`lead_funnel.generate.generate_raw`,
   holding back the last day of landings (``land_until`` = end of the period minus one
   day; the rows wait in ``raw_pending``);
2. runs the **full build** (timed): ``lead-funnel run --no-publish --freshness skip`` with a
   fixed ``--as-of`` at the end of the data, i.e. ``dbt build`` of the seeds (and their
   tests) then of every model and test, in a fresh DuckDB file;
3. times the **floor** (:data:`FLOOR_SQL`): one hand-written DuckDB query computing every
   lead's ``mql_at`` straight from the raw tables, the least work the job needs; it is
   also checked against ``marts.fct_lead_lifecycle`` (``floor_mismatches`` must be 0);
4. **lands** the held-back day (:func:`lead_funnel.generate.land_pending`) and times an
   **incremental run** (the same command, not ``--full-refresh``), as a scheduled run
   would: after a fully tested build of the same code, so its data tests read only the
   rows it recomputed (the runner's test scope ``refreshed``);
5. times a **rerun** with nothing new landed: what every run costs whatever it lands
   (dbt's start, parse and per-node work, and the marts rebuilt for ``as_of``);

while a thread samples the resident memory (RSS) of this process and all its children
every 0.2 s and keeps the largest sum. Generation and the floor run in a child process,
so the memory of each phase is its own. Every figure is the median of ``--repeat`` runs,
each from a freshly generated file (the same data: fixed seed and start date); the
million-lead size runs once unless ``--repeat`` is given, since it is expensive.

The readable table goes to stdout, progress to stderr, and a JSON file with every
figure, the per-run details, the slowest dbt nodes and the machine facts (cores,
memory, CPU model, load average, versions) to ``--output-dir``. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import psutil

from lead_funnel import __version__, config
from lead_funnel.dbt_process import read_run_results
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lead_funnel.generate import generate_raw, land_pending
from lead_funnel.timefmt import STAMP_FORMAT, TIMESTAMP_FORMAT

SIZES: dict[str, int] = {"S": 10_000, "M": 100_000, "L": 1_000_000}
DEFAULT_SIZES = "S,M,L"
DEFAULT_REPEAT = 3
EXPENSIVE_LEADS = 1_000_000  # sizes this large run once unless --repeat is given
DEFAULT_DAYS = 365
DEFAULT_START_DATE = dt.date(2025, 1, 1)
DEFAULT_SEED = 42
RULE_SET = "default"
SAMPLE_INTERVAL_S = 0.2
GIB = 1024**3
FLOOR_SQL_PATH = Path(__file__).resolve().parent / "sql" / "floor_mql_at.sql"
RESULTS_DIR = Path("benchmarks") / "results"
TOP_NODES = 15


def floor_sql() -> str:
    """The floor query (``sql/floor_mql_at.sql``, shipped with the package)."""
    return FLOOR_SQL_PATH.read_text(encoding="utf-8")


class BenchmarkError(RuntimeError):
    """A step of the benchmark failed (the message says which and where its log is)."""


# ------------------------------------------------------------------ sizes


@dataclass(frozen=True)
class Size:
    """One benchmark size: its label (``S``, ``M``, ``L`` or the number) and leads."""

    label: str
    leads: int


def parse_sizes(text: str) -> list[Size]:
    """Parse ``--sizes``: comma-separated ``S``, ``M``, ``L`` or positive lead counts.

    >>> parse_sizes("S,2000")
    [Size(label='S', leads=10000), Size(label='2000', leads=2000)]
    """
    sizes: list[Size] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item.upper() in SIZES:
            sizes.append(Size(item.upper(), SIZES[item.upper()]))
            continue
        try:
            leads = int(item.replace("_", ""))
        except ValueError:
            raise ValueError(
                f"unknown size {item!r}: use S (10,000 leads), M (100,000), L (1,000,000) "
                "or a number of leads"
            ) from None
        if leads < 1:
            raise ValueError(f"a size must be at least 1 lead, not {item!r}")
        sizes.append(Size(str(leads), leads))
    if not sizes:
        raise ValueError("--sizes is empty")
    return sizes


def repeats_for(size: Size, repeat: int | None) -> int:
    """Runs for a size: ``--repeat`` if given, else 3 (1 from a million leads up)."""
    if repeat is not None:
        return repeat
    return 1 if size.leads >= EXPENSIVE_LEADS else DEFAULT_REPEAT


# ------------------------------------------------------------------ memory sampling


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of ``process`` plus all its descendants, in bytes."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


class PeakRss:
    """Samples the process tree's RSS in a thread while the ``with`` block runs."""

    def __init__(self, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._process = psutil.Process(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, tree_rss(self._process))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakRss:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


# ------------------------------------------------------------------ child-process work


def _timed(function: Callable[..., dict[str, int]], *args: Any) -> tuple[dict[str, int], float]:
    """``function(*args)`` (generate or land, in a child process): rows per table, seconds."""
    started = time.perf_counter()
    counts = function(*args)
    return counts, time.perf_counter() - started


def _floor_in_child(
    path: str, as_of: str, seeds_dir: str, compare: bool, marts_path: str | None = None
) -> dict[str, Any]:
    """Time the floor query on ``path`` (child process) and compare it with the mart (in
    ``path``, or in ``marts_path``: a server build's lifecycle copied into DuckDB)."""
    con = duckdb.connect(path, read_only=True)
    try:
        marts = "marts"
        if marts_path is not None:
            con.execute("ATTACH ? AS server (READ_ONLY)", [marts_path])
            marts = "server.marts"
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET VARIABLE lf_as_of = ?", [as_of])
        con.execute("SET VARIABLE lf_rule_set = ?", [RULE_SET])
        con.execute("SET VARIABLE lf_seeds_dir = ?", [seeds_dir])
        started = time.perf_counter()
        con.execute("CREATE TEMP TABLE floor_mql_at AS " + floor_sql())
        seconds = time.perf_counter() - started
        leads, mqls = con.execute("SELECT count(*), count(mql_at) FROM floor_mql_at").fetchone()
        result: dict[str, Any] = {"seconds": seconds, "leads": leads, "mqls": mqls}
        if compare:
            result["mismatches"] = con.execute(
                f"""
                SELECT count(*)
                FROM floor_mql_at AS f
                FULL JOIN (
                    SELECT lead_id, mql_at FROM {marts}.fct_lead_lifecycle WHERE rule_set_id = ?
                ) AS m ON f.lead_id = m.lead_id
                WHERE f.lead_id IS NULL OR m.lead_id IS NULL OR f.mql_at IS DISTINCT FROM m.mql_at
                """,
                [RULE_SET],
            ).fetchone()[0]
        return result
    finally:
        con.close()


def _in_child(function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function(*args)`` in a fresh (spawned) child process and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# ------------------------------------------------------------------ one run of the job


@dataclass
class NodeTime:
    """One dbt node's execution time from ``run_results.json``."""

    unique_id: str
    resource_type: str
    name: str
    status: str
    execution_time_s: float


def read_node_times(run_results: Path) -> list[NodeTime]:
    """Every node of a ``run_results.json``, slowest first (empty when missing)."""
    nodes = [
        NodeTime(
            unique_id=r.unique_id,
            resource_type=r.resource_type,
            name=r.name,
            status=r.status,
            execution_time_s=round(r.execution_time, 3),
        )
        for r in read_run_results(run_results)
    ]
    return sorted(nodes, key=lambda n: n.execution_time_s, reverse=True)


@dataclass
class BuildResult:
    """One ``lead-funnel run`` of the benchmark."""

    seconds: float
    peak_rss_bytes: int
    steps_s: dict[str, float]
    nodes: list[NodeTime]
    log_path: str
    test_scope: str | None


@dataclass(kw_only=True)
class Bench:
    """Runs the benchmark for a list of sizes in a work directory."""

    work_dir: Path
    days: int
    start_date: dt.date
    seed: int
    project_dir: Path
    log: Callable[[str], None]
    settings: config.Settings

    def __post_init__(self) -> None:
        start = dt.datetime.combine(self.start_date, dt.time())
        self.end = start + dt.timedelta(days=self.days)
        self.land_until = self.end - dt.timedelta(days=1)
        self.as_of = self.end.strftime(TIMESTAMP_FORMAT)

    @property
    def engine(self) -> str:
        """``duckdb``, or the server engine of the benchmark's target."""
        return self.settings.engine

    def _database(self, size_dir: Path) -> str:
        """The server database of one size (a fresh one per repeat)."""
        return f"lead_funnel_bench_{size_dir.name.removeprefix('size-').lower()}"

    def _spark_settings(self, size_dir: Path) -> config.Settings:
        """The Spark target's settings with the size's own warehouse folder."""
        return dataclasses.replace(self.settings, spark_warehouse=size_dir / "spark")

    def _fresh_server(self, size_dir: Path) -> None:
        """An empty database (PostgreSQL) or warehouse folder (Spark) for one size."""
        if self.engine == "spark":
            shutil.rmtree(size_dir / "spark", ignore_errors=True)
            return
        from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

        postgres.recreate_database(self._database(size_dir))

    def _land_on_server(self, db_path: Path) -> float:
        """Copy the raw tables of ``db_path`` to the server target; seconds taken."""
        started = time.perf_counter()
        if self.engine == "spark":
            from lead_funnel import spark  # pyspark: the optional [spark] extra

            # in a child: the JVM of a Spark session outlives the session and would keep
            # the warehouse's Derby metastore locked against the runs' own Spark
            _in_child(spark.load_raw, db_path, self._spark_settings(db_path.parent))
        else:
            from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

            postgres.load_raw(db_path, database=self._database(db_path.parent))
        return time.perf_counter() - started

    def _build(self, db_path: Path, name: str) -> BuildResult:
        """``lead-funnel run --no-publish`` on ``db_path`` (or its copy on the server target),
        timed, with its peak RSS."""
        size_dir = db_path.parent
        target_dir = size_dir / "target"
        command = [
            sys.executable,
            "-m",
            "lead_funnel.cli",
            "run",
            "--duckdb",
            str(db_path),
            "--publish-path",
            str(size_dir / "published.duckdb"),
            "--no-publish",
            "--as-of",
            self.as_of,
            "--rule-set",
            RULE_SET,
            "--freshness",
            "skip",
            "--log-format",
            "json",
            "--target",
            self.settings.target,
        ]
        package_root = str(Path(__file__).resolve().parents[1])
        python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        env = {
            **os.environ,
            "PYTHONPATH": python_path,
            "LEAD_FUNNEL_PROJECT_DIR": str(self.project_dir),
            "DBT_TARGET_PATH": str(target_dir),
            "DBT_LOG_PATH": str(size_dir / "logs"),
        }
        if self.engine != "duckdb":
            env["PGDATABASE"] = self._database(size_dir)
            env["LEAD_FUNNEL_STATE_DIR"] = str(size_dir / "state")
            env["LEAD_FUNNEL_SPARK_WAREHOUSE"] = str(size_dir / "spark")
        log_path = size_dir / f"{name}.log"
        with log_path.open("w", encoding="utf-8") as log_file, PeakRss() as peak:
            started = time.perf_counter()
            completed = subprocess.run(
                command,
                cwd=self.project_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                check=False,
            )
            seconds = time.perf_counter() - started
        if completed.returncode != 0:
            tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-8:]
            raise BenchmarkError(
                f"`lead-funnel run` ({name}) exited with code {completed.returncode}; "
                f"log: {log_path}\n" + "\n".join(tail)
            )
        return BuildResult(
            seconds=seconds,
            peak_rss_bytes=peak.peak_bytes,
            steps_s=_step_durations(log_path),
            nodes=read_node_times(target_dir / "run_results.json"),
            log_path=str(log_path),
            test_scope=_test_scope(log_path),
        )

    def run_once(self, size: Size, index: int) -> dict[str, Any]:
        """Generate, build, floor, land, build incrementally: one repeat of one size."""
        size_dir = self.work_dir / f"size-{size.label}"
        if size_dir.exists():
            shutil.rmtree(size_dir)
        size_dir.mkdir(parents=True)
        db_path = size_dir / "warehouse.duckdb"
        tag = f"[{size.label} {index}]"

        self.log(f"{tag} generating {size.leads:,} leads over {self.days} days")
        options = {
            "leads": size.leads,
            "days": self.days,
            "start_date": self.start_date,
            "seed": self.seed,
            "replace": True,
            "land_until": self.land_until,
        }
        with PeakRss() as generate_peak:
            counts, generate_s = _in_child(
                _timed, functools.partial(generate_raw, **options), str(db_path)
            )
        raw_rows = sum(counts.values())
        self.log(f"{tag} generated {raw_rows:,} raw rows in {generate_s:.1f} s")
        load_s = None
        if self.engine != "duckdb":
            self._fresh_server(size_dir)
            load_s = self._land_on_server(db_path)
            self.log(f"{tag} loaded the raw tables into {self.engine} in {load_s:.1f} s")

        self.log(f"{tag} full build (lead-funnel run --as-of '{self.as_of}')")
        full = self._build(db_path, f"run-{index}-full")
        self.log(f"{tag} full build {full.seconds:.1f} s")

        on_duckdb = self.engine == "duckdb"
        with PeakRss() as floor_peak:
            floor = self._floor(db_path, compare=on_duckdb)
        if not on_duckdb:
            floor["mismatches"] = self._floor_mismatches_on_server(db_path)
        self.log(
            f"{tag} floor {floor['seconds']:.2f} s ({floor['mqls']:,} MQLs of "
            f"{floor['leads']:,} leads; {floor['mismatches']} differ from fct_lead_lifecycle)"
        )

        landed, land_s = _in_child(_timed, land_pending, str(db_path))
        if not on_duckdb:
            land_s += self._land_on_server(db_path)
        landed_rows = sum(landed.values())
        self.log(f"{tag} landed the held-back day: {landed_rows:,} rows; incremental run")
        incremental = self._build(db_path, f"run-{index}-incremental")
        self.log(f"{tag} incremental run {incremental.seconds:.1f} s")
        rerun = self._build(db_path, f"run-{index}-rerun")
        self.log(f"{tag} rerun with nothing new landed {rerun.seconds:.1f} s")

        return {
            "repeat": index,
            "engine": self.engine,
            "raw_rows": raw_rows,
            "raw_rows_by_table": counts,
            "held_back_rows": landed_rows,
            "generate_s": round(generate_s, 3),
            "load_raw_s": None if load_s is None else round(load_s, 3),
            "full_build_s": round(full.seconds, 3),
            "full_build_steps_s": full.steps_s,
            "floor_s": round(floor["seconds"], 4),
            "floor_leads": floor["leads"],
            "floor_mqls": floor["mqls"],
            "floor_mismatches": floor["mismatches"],
            "land_s": round(land_s, 3),
            "incremental_s": round(incremental.seconds, 3),
            "incremental_steps_s": incremental.steps_s,
            "incremental_test_scope": incremental.test_scope,
            "rerun_s": round(rerun.seconds, 3),
            "peak_rss_bytes": {
                "generate": generate_peak.peak_bytes,
                "full_build": full.peak_rss_bytes,
                "floor": floor_peak.peak_bytes,
                "incremental": incremental.peak_rss_bytes,
                "rerun": rerun.peak_rss_bytes,
            },
            "full_build_nodes": [asdict(n) for n in full.nodes],
            "incremental_nodes": [asdict(n) for n in incremental.nodes],
            "logs": [full.log_path, incremental.log_path, rerun.log_path],
        }

    def _floor_mismatches_on_server(self, db_path: Path) -> int:
        """Leads whose floor ``mql_at`` differs from the server build's fct_lead_lifecycle."""
        copy = db_path.with_name("server_lifecycle.duckdb")
        copy.unlink(missing_ok=True)
        if self.engine == "spark":
            from lead_funnel import spark  # pyspark: the optional [spark] extra

            _in_child(  # in a child, as in _land_on_server
                functools.partial(spark.export_schemas, tables=["fct_lead_lifecycle"]),
                ["marts_build"],
                copy,
                self._spark_settings(db_path.parent),
            )
            with contextlib.closing(duckdb.connect(str(copy))) as con:
                con.execute("create schema marts")  # DuckDB cannot rename a schema
                con.execute(
                    "create table marts.fct_lead_lifecycle as "
                    "select * from marts_build.fct_lead_lifecycle"
                )
        else:
            from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

            postgres.export_schema(
                "marts_build",
                copy,
                duckdb_schema="marts",
                tables=["fct_lead_lifecycle"],
                database=self._database(db_path.parent),
            )
        return int(self._floor(db_path, compare=True, marts_path=copy)["mismatches"])

    def _floor(
        self, db_path: Path, *, compare: bool, marts_path: Path | None = None
    ) -> dict[str, Any]:
        """The floor query on ``db_path``, in a child process (see `_floor_in_child`)."""
        seeds = str(self.project_dir / "seeds")
        marts = None if marts_path is None else str(marts_path)
        return _in_child(_floor_in_child, str(db_path), self.as_of, seeds, compare, marts)


def _log_records(log_path: Path) -> Iterator[dict[str, object]]:
    """The runner's JSON log lines as dicts (other lines and an unreadable file: none)."""
    with contextlib.suppress(OSError):
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def _step_durations(log_path: Path) -> dict[str, float]:
    """Durations of the runner's finished steps, read from its JSON log lines."""
    steps: dict[str, float] = {}
    for record in _log_records(log_path):
        duration = record.get("duration_s")
        if (
            record.get("event") == "step"
            and record.get("status") not in (None, "start")
            and isinstance(duration, (int, float))
        ):
            steps[str(record.get("step"))] = float(duration)
    return steps


def _test_scope(log_path: Path) -> str | None:
    """The test scope of the runner's build step (``all`` / ``refreshed``), from its log."""
    for record in _log_records(log_path):
        if record.get("step") == "build" and "test_scope" in record:
            return str(record["test_scope"])
    return None


# ------------------------------------------------------------------ summary


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _node_medians(runs: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Median execution time per node over the runs, slowest first."""
    by_node: dict[str, list[float]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for run in runs:
        for node in run[key]:
            by_node.setdefault(node["unique_id"], []).append(node["execution_time_s"])
            kinds[node["unique_id"]] = (node["resource_type"], node["name"])
    rows = [
        {
            "unique_id": uid,
            "resource_type": kinds[uid][0],
            "name": kinds[uid][1],
            "execution_time_s": round(_median(times), 3),
        }
        for uid, times in by_node.items()
    ]
    return sorted(rows, key=lambda r: r["execution_time_s"], reverse=True)


def _slowest_models(nodes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in nodes if n["resource_type"] == "model"][:TOP_NODES]


def summarise(size: Size, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The medians of one size's runs (the figures of the table) plus the slowest nodes."""

    def median_of(key: str) -> float:
        return _median([r[key] for r in runs])

    def step_medians(key: str) -> dict[str, float]:
        return {
            step: round(_median([r[key].get(step, 0.0) for r in runs]), 3) for step in runs[0][key]
        }

    full_s = median_of("full_build_s")
    incremental_s = median_of("incremental_s")
    rerun_s = median_of("rerun_s")
    floor_s = median_of("floor_s")
    raw_rows = runs[0]["raw_rows"]
    peaks = [max(r["peak_rss_bytes"].values()) for r in runs]
    peak = int(_median(peaks))
    full_nodes = _node_medians(runs, "full_build_nodes")
    incremental_nodes = _node_medians(runs, "incremental_nodes")
    incremental_pct = _ratio(100 * incremental_s, full_s)
    full_to_floor = _ratio(full_s, floor_s)
    rows_per_s = _ratio(raw_rows, full_s)
    return {
        "size": size.label,
        "engine": runs[0].get("engine", "duckdb"),
        "leads": size.leads,
        "repeats": len(runs),
        "raw_rows": raw_rows,
        "held_back_rows": runs[0]["held_back_rows"],
        "generate_s": round(median_of("generate_s"), 3),
        "load_raw_s": (
            round(median_of("load_raw_s"), 3) if runs[0].get("load_raw_s") is not None else None
        ),
        "full_build_s": round(full_s, 3),
        "incremental_s": round(incremental_s, 3),
        "incremental_pct": None if incremental_pct is None else round(incremental_pct, 1),
        "incremental_test_scopes": sorted({str(r.get("incremental_test_scope")) for r in runs}),
        "rerun_s": round(rerun_s, 3),
        "floor_s": round(floor_s, 4),
        "full_to_floor_ratio": None if full_to_floor is None else round(full_to_floor, 1),
        "peak_rss_bytes": peak,
        "peak_rss_gib": round(peak / GIB, 3),
        "peak_rss_by_phase_gib": {
            phase: round(_median([r["peak_rss_bytes"][phase] for r in runs]) / GIB, 3)
            for phase in runs[0]["peak_rss_bytes"]
        },
        "rows_per_s": None if rows_per_s is None else round(rows_per_s),
        "floor_mismatches": max(r["floor_mismatches"] for r in runs),
        "floor_matches_marts": all(r["floor_mismatches"] == 0 for r in runs),
        "full_build_steps_s": step_medians("full_build_steps_s"),
        "incremental_steps_s": step_medians("incremental_steps_s"),
        "slowest_models_full_build": _slowest_models(full_nodes),
        "slowest_nodes_full_build": full_nodes[:TOP_NODES],
        "slowest_models_incremental": _slowest_models(incremental_nodes),
        "runs": list(runs),
    }


TABLE_COLUMNS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("size", "size", str),
    ("engine", "engine", str),
    ("leads", "leads", lambda v: f"{v:,}"),
    ("raw rows", "raw_rows", lambda v: f"{v:,}"),
    ("generate s", "generate_s", lambda v: f"{v:.1f}"),
    ("full build s", "full_build_s", lambda v: f"{v:.1f}"),
    ("incremental s", "incremental_s", lambda v: f"{v:.1f}"),
    ("incr/full %", "incremental_pct", lambda v: "-" if v is None else f"{v:.0f}"),
    ("rerun s", "rerun_s", lambda v: f"{v:.1f}"),
    ("floor s", "floor_s", lambda v: f"{v:.2f}"),
    ("full/floor", "full_to_floor_ratio", lambda v: "-" if v is None else f"{v:.1f}x"),
    ("peak RSS GiB", "peak_rss_gib", lambda v: f"{v:.2f}"),
    ("rows/s", "rows_per_s", lambda v: "-" if v is None else f"{v:,}"),
)


def format_table(results: Sequence[dict[str, Any]]) -> str:
    """The results as an aligned text table (one row per size, medians)."""
    header = [title for title, _, _ in TABLE_COLUMNS]
    rows = [[fmt(r[key]) for _, key, fmt in TABLE_COLUMNS] for r in results]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# ------------------------------------------------------------------ machine facts


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def project_commit(project_dir: Path) -> str | None:
    """The git commit of the dbt project, with ``+dirty`` if its SQL differs (best effort)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(project_dir), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--", "models", "macros")
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine_facts() -> dict[str, Any]:
    """Cores, memory, CPU model, load average and the versions that matter."""
    memory = psutil.virtual_memory()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "hostname": socket.gethostname(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_bytes": memory.total,
        "memory_gib": round(memory.total / GIB, 1),
        "memory_available_gib": round(memory.available / GIB, 1),
        "load_average": [round(x, 2) for x in load],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            "lead_funnel": __version__,
            "dbt_core": _version("dbt-core"),
            "dbt_duckdb": _version("dbt-duckdb"),
            "duckdb": _version("duckdb"),
            "psutil": _version("psutil"),
            # the server adapters, when installed (None otherwise)
            "dbt_postgres": _version("dbt-postgres"),
            "dbt_spark": _version("dbt-spark"),
            "pyspark": _version("pyspark"),
        },
    }


# ------------------------------------------------------------------ command line


@dataclass
class BenchmarkOptions:
    """Validated options of one ``benchmark`` run."""

    sizes: list[Size]
    repeat: int | None
    days: int
    start_date: dt.date
    seed: int
    output_dir: Path
    work_dir: Path | None
    keep: bool
    target: str | None = None


def run_benchmark(
    options: BenchmarkOptions, log: Callable[[str], None] | None = None
) -> tuple[dict[str, Any], Path]:
    """Run the benchmark; return the JSON document and the path it was written to."""
    say = log or (lambda message: print(message, file=sys.stderr, flush=True))
    settings = config.load_settings(target=options.target)
    started = dt.datetime.now(dt.timezone.utc)
    machine_before = machine_facts()
    own_dir = options.work_dir is None
    work_dir = Path(tempfile.mkdtemp(prefix="lead-funnel-bench-")) if own_dir else options.work_dir
    assert work_dir is not None
    work_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(
        work_dir=work_dir,
        days=options.days,
        start_date=options.start_date,
        seed=options.seed,
        project_dir=settings.project_dir,
        log=say,
        settings=settings,
    )
    say(
        f"benchmark: sizes {', '.join(s.label for s in options.sizes)}; as_of {bench.as_of}; "
        f"work dir {work_dir}; load average {machine_before['load_average']}"
    )
    results = []
    try:
        for size in options.sizes:
            runs = [bench.run_once(size, i + 1) for i in range(repeats_for(size, options.repeat))]
            results.append(summarise(size, runs))
            say("\n" + format_table(results) + "\n")
    finally:
        if not options.keep:
            for size in options.sizes:
                shutil.rmtree(work_dir / f"size-{size.label}", ignore_errors=True)
            if own_dir:
                shutil.rmtree(work_dir, ignore_errors=True)
    finished = dt.datetime.now(dt.timezone.utc)
    machine = machine_facts()
    document = {
        "benchmark": "lead-funnel benchmark",
        "format_version": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 1),
        "machine": {
            **machine,
            "load_average_at_start": machine_before["load_average"],
            "load_average_at_end": machine["load_average"],
        },
        "settings": {
            "sizes": [asdict(s) for s in options.sizes],
            "repeat": {s.label: repeats_for(s, options.repeat) for s in options.sizes},
            "days": options.days,
            "start_date": options.start_date.isoformat(),
            "seed": options.seed,
            "land_until": bench.land_until.strftime(TIMESTAMP_FORMAT),
            "as_of": bench.as_of,
            "rule_set": RULE_SET,
            "target": settings.target,
            "engine": settings.engine,
            # Spark: a fresh warehouse folder per size under the work dir (_spark_settings)
            "server": {"duckdb": None, "spark": str(work_dir / "size-<size>" / "spark")}.get(
                settings.engine, settings.warehouse
            ),
            "build_command": "lead-funnel run --no-publish --freshness skip --as-of AS_OF",
            "dbt_threads": os.environ.get("LEAD_FUNNEL_THREADS", "profile default"),
            "dbt_memory_limit": os.environ.get("LEAD_FUNNEL_MEMORY_LIMIT", "profile default"),
            "work_dir": str(work_dir),
            "kept": options.keep,
            "project_dir": str(settings.project_dir),
            "project_commit": project_commit(settings.project_dir),
        },
        "columns": {
            "generate_s": "seconds to generate the raw tables (last day held back)",
            "full_build_s": "seconds of `lead-funnel run` (seed + build + tests) on a fresh file",
            "incremental_s": "seconds of the same run after landing the held-back day",
            "incremental_pct": "incremental_s / full_build_s * 100",
            "rerun_s": "seconds of the same run again with nothing new landed (fixed cost)",
            "load_raw_s": "on a server target: seconds of load-raw (DuckDB file -> server)",
            "floor_s": "seconds of the floor query (mql_at from raw, one DuckDB query, on "
            "DuckDB also for a server target: a reference, compared with its marts)",
            "full_to_floor_ratio": "full_build_s / floor_s",
            "peak_rss_gib": "largest RSS sum of the process tree in any phase (GiB)",
            "rows_per_s": "raw rows / full_build_s",
        },
        "results": results,
        "floor_sql": str(FLOOR_SQL_PATH),
    }
    output_dir = options.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime(STAMP_FORMAT)
    labels = "-".join(s.label for s in options.sizes)
    path = output_dir / f"benchmark-{stamp}-{labels}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document, path


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed arguments; print the table; return the exit code."""
    output_dir = args.output_dir or config.load_settings().project_dir / RESULTS_DIR
    options = BenchmarkOptions(
        sizes=args.sizes,
        repeat=args.repeat,
        days=args.days,
        start_date=args.start_date,
        seed=args.seed,
        output_dir=output_dir,
        work_dir=args.work_dir,
        keep=args.keep,
        target=args.target,
    )
    if args.days < 2:
        print("lead-funnel benchmark: error: --days must be at least 2", file=sys.stderr)
        return EXIT_USAGE
    try:
        document, path = run_benchmark(options)
    except config.ConfigError as exc:
        print(f"lead-funnel benchmark: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BenchmarkError as exc:
        print(f"lead-funnel benchmark: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_table(document["results"]))
    machine = document["machine"]
    print(
        f"\nmedians of {', '.join(f'{k}: {v}' for k, v in document['settings']['repeat'].items())}"
        f" run(s); {machine['logical_cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['cpu_model']}; load average {machine['load_average_at_start']} at start, "
        f"{machine['load_average_at_end']} at end"
    )
    mismatched = [r["size"] for r in document["results"] if not r["floor_matches_marts"]]
    if mismatched:
        print(
            f"WARNING: the floor query differs from fct_lead_lifecycle at {', '.join(mismatched)}",
            file=sys.stderr,
        )
    print(f"results written to {path}")
    return EXIT_FAILED if mismatched else EXIT_OK
