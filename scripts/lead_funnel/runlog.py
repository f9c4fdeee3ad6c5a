"""The run log: one row per run in ``run_log.sqlite`` next to the build DuckDB file.

SQLite (WAL mode) rather than DuckDB, so the log survives failed and killed runs and can
be read while a build holds the DuckDB file. A run killed mid-way stays ``running`` in the
file; readers show it as ``interrupted`` once no live process holds the run lock for it,
and the next run records it as such.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from lead_funnel import config, locking

RUN_LOG_NAME = "run_log.sqlite"

RUNNING = "running"
SUCCESS = "success"
FAILED = "failed"
LOCKED_OUT = "locked_out"
INTERRUPTED = "interrupted"
STATUSES = (RUNNING, SUCCESS, FAILED, LOCKED_OUT, INTERRUPTED)


AS_OF_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_as_of(text: str) -> str:
    """Validate an ``--as-of`` value (UTC) and return it as 'YYYY-MM-DD HH:MM:SS'."""
    for fmt in (AS_OF_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).strftime(AS_OF_FORMAT)
        except ValueError:
            continue
    raise ValueError(f"--as-of {text!r} is not a UTC timestamp like '2026-11-22 06:00:00'")


def utc_now() -> datetime:
    """The current time in UTC, without microseconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_ts(moment: datetime) -> str:
    """Format a timestamp as 'YYYY-MM-DD HH:MM:SS' (UTC)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class RunRecord:
    """One run of the runner (``run`` or ``publish``) as stored in the run log."""

    run_id: str
    command: str
    status: str
    started_at: str
    ended_at: str | None = None
    duration_s: float | None = None
    step: str | None = None
    as_of: str | None = None
    rule_set: str | None = None
    selector: str | None = None
    full_refresh: bool = False
    target: str | None = None
    freshness: str | None = None
    models_passed: int = 0
    models_failed: int = 0
    models_skipped: int = 0
    tests_passed: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0
    mart_rows: dict[str, int] = field(default_factory=dict)
    published: bool = False
    publish_path: str | None = None
    error: str | None = None
    pid: int | None = None
    host: str | None = None
    test_scope: str | None = None
    warehouse: str | None = None
    project_fingerprint: str | None = None
    refreshed_at: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dictionary of the record."""
        return asdict(self)


_COLUMNS = [f.name for f in fields(RunRecord)]
_SCHEMA = """
create table if not exists runs (
    run_id text primary key,
    command text not null,
    status text not null,
    started_at text not null,
    ended_at text,
    duration_s real,
    step text,
    as_of text,
    rule_set text,
    selector text,
    full_refresh integer not null default 0,
    target text,
    freshness text,
    models_passed integer not null default 0,
    models_failed integer not null default 0,
    models_skipped integer not null default 0,
    tests_passed integer not null default 0,
    tests_failed integer not null default 0,
    tests_skipped integer not null default 0,
    mart_rows text not null default '{}',
    published integer not null default 0,
    publish_path text,
    error text,
    pid integer,
    host text,
    test_scope text,
    warehouse text,
    project_fingerprint text,
    refreshed_at text
);
create index if not exists runs_started_at on runs (started_at);
"""
# Columns added after the first release: (name, definition). Files created before get
# them on first open (_migrate); new files have them from _SCHEMA.
_ADDED_COLUMNS = (
    ("test_scope", "text"),
    ("warehouse", "text"),
    ("project_fingerprint", "text"),
    ("refreshed_at", "text"),
)


def _migrate(con: sqlite3.Connection) -> None:
    """Add the columns an older run log file lacks (outside any open transaction)."""

    def present() -> set[str]:
        return {row[1] for row in con.execute("pragma table_info(runs)")}

    if all(name in present() for name, _ in _ADDED_COLUMNS):
        return
    con.execute("begin immediate")  # one writer at a time: check and add atomically
    try:
        existing = present()
        for name, definition in _ADDED_COLUMNS:
            if name not in existing:
                con.execute(f"alter table runs add column {name} {definition}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _to_db(name: str, value: object) -> object:
    if name == "mart_rows":
        return json.dumps(value or {}, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value


def _from_row(row: sqlite3.Row) -> RunRecord:
    values = {name: row[name] for name in _COLUMNS}
    values["mart_rows"] = json.loads(values["mart_rows"] or "{}")
    values["full_refresh"] = bool(values["full_refresh"])
    values["published"] = bool(values["published"])
    return RunRecord(**values)


class RunLog:
    """Reads and writes the run log file (every call opens a short-lived connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_settings(cls, settings: config.Settings) -> RunLog:
        """The run log that belongs to a build DuckDB file."""
        return cls(settings.warehouse_dir / RUN_LOG_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.row_factory = sqlite3.Row
            con.execute("pragma journal_mode = wal")
            con.execute("pragma synchronous = full")
            con.executescript(_SCHEMA)
            _migrate(con)
            with con:  # one transaction, committed on success
                yield con

    def start(self, record: RunRecord) -> None:
        """Insert a new run."""
        names = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        values = [_to_db(n, getattr(record, n)) for n in _COLUMNS]
        with self._connect() as con:
            con.execute(f"insert into runs ({names}) values ({marks})", values)

    def update(self, run_id: str, **changes: object) -> None:
        """Update some columns of a run."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run log columns: {sorted(unknown)}")
        if not changes:
            return
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = [_to_db(n, v) for n, v in changes.items()]
        with self._connect() as con:
            con.execute(f"update runs set {assignments} where run_id = ?", [*values, run_id])

    def get(self, run_id: str) -> RunRecord | None:
        """One run by id."""
        with self._connect() as con:
            row = con.execute("select * from runs where run_id = ?", [run_id]).fetchone()
        return _from_row(row) if row else None

    def recent(self, limit: int = 10) -> list[RunRecord]:
        """The latest runs, newest first."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            rows = con.execute(
                "select * from runs order by started_at desc, rowid desc limit ?", [limit]
            ).fetchall()
        return [_from_row(r) for r in rows]

    def latest_build(self) -> RunRecord | None:
        """The latest ``run`` that got the lock and so may have changed the build file."""
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute(
                "select * from runs where command = 'run' and status != ? "
                "order by started_at desc, rowid desc limit 1",
                [LOCKED_OUT],
            ).fetchone()
        return _from_row(row) if row else None

    def latest_tested_run(self, warehouse: str, fingerprint: str) -> RunRecord | None:
        """The latest successful ``run`` without ``--select`` of ``warehouse`` built from
        project code with ``fingerprint``: every row it refreshed, and every older row,
        passed every data test (see :mod:`lead_funnel.tested_build`)."""
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute(
                "select * from runs where command = 'run' and status = ? and selector is null "
                "and warehouse = ? and project_fingerprint = ? and refreshed_at is not null "
                "order by refreshed_at desc, rowid desc limit 1",
                [SUCCESS, warehouse, fingerprint],
            ).fetchone()
        return _from_row(row) if row else None

    def mark_interrupted(self, except_run_id: str) -> list[str]:
        """Record every other run still marked running as interrupted.

        Only call this while holding the run lock: then no other run can be alive.
        """
        if not self.path.exists():
            return []
        with self._connect() as con:
            rows = con.execute(
                "select run_id from runs where status = ? and run_id != ?",
                [RUNNING, except_run_id],
            ).fetchall()
            ids = [r["run_id"] for r in rows]
            for run_id in ids:
                con.execute(
                    "update runs set status = ?, error = coalesce(error, ?) where run_id = ?",
                    [
                        INTERRUPTED,
                        "the run was killed (no process held the run lock any more)",
                        run_id,
                    ],
                )
        return ids


def effective_status(record: RunRecord, live_run_id: str | None) -> str:
    """The status to show: a ``running`` row whose process is gone is ``interrupted``."""
    if record.status == RUNNING and record.run_id != live_run_id:
        return INTERRUPTED
    return record.status


def live_run_id(settings: config.Settings) -> str | None:
    """The run id of the run holding the lock right now, if any."""
    lock_file = settings.lock_path
    if not locking.is_locked(lock_file):
        return None
    holder = locking.read_holder(lock_file)
    return holder.run_id if holder else "?"


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def format_table(records: Sequence[RunRecord], live: str | None) -> str:
    """Render runs as a plain-text table (newest first)."""
    headers = ["run_id", "command", "status", "started (UTC)", "took", "as_of", "rule_set"]
    headers += ["models ok/fail", "tests ok/fail", "test scope", "mart rows", "published"]
    headers += ["error"]
    rows = []
    for r in records:
        error = (r.error or "").splitlines()[0] if r.error else ""
        counted = r.status != LOCKED_OUT
        rows.append(
            [
                r.run_id,
                r.command,
                effective_status(r, live),
                r.started_at,
                _fmt_duration(r.duration_s),
                r.as_of or "-",
                r.rule_set or "-",
                f"{r.models_passed}/{r.models_failed}" if counted else "-",
                f"{r.tests_passed}/{r.tests_failed}" if counted else "-",
                r.test_scope or "-",
                str(sum(r.mart_rows.values())) if r.mart_rows else "-",
                "yes" if r.published else "no",
                error[:48] + ("..." if len(error) > 48 else ""),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``status`` subcommand."""
    parser = subparsers.add_parser(
        "status",
        help="show recent runs from the run log",
        description="Show recent runs (newest first), who holds the run lock, and which "
        "version is published. Runs killed mid-way show as 'interrupted'.",
    )
    parser.add_argument("--limit", type=int, default=10, help="how many runs to show (default: 10)")
    parser.add_argument(
        "--json", action="store_true", help="print JSON (runs, lock holder, publication)"
    )
    parser.add_argument(
        "--duckdb",
        metavar="PATH",
        help="build DuckDB file whose run log to read (default: $LEAD_FUNNEL_DUCKDB or "
        "warehouse/lead_funnel.duckdb)",
    )
    parser.add_argument(
        "--publish-path",
        metavar="PATH",
        help="published DuckDB file to describe (default: $LEAD_FUNNEL_PUBLISH_PATH or "
        "warehouse/lead_funnel_published.duckdb)",
    )
    parser.add_argument(
        "--target", metavar="NAME", help="dbt target from profiles.yml (default: its default)"
    )
    parser.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    """Print recent runs, the lock holder and the published version."""
    from lead_funnel import publish  # local import: publish imports this module

    if args.limit < 1:
        print("lead-funnel status: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = config.load_settings(args.duckdb, args.publish_path, args.target)
    except config.ConfigError as exc:
        print(f"lead-funnel status: {exc}", file=sys.stderr)
        return 2
    log = RunLog.for_settings(settings)
    records = log.recent(args.limit)
    live = live_run_id(settings)
    holder = locking.read_holder(settings.lock_path) if live else None
    publication = publish.published_version(settings)
    if args.json:
        payload = {
            "run_log": str(log.path),
            "lock_holder": asdict(holder) if holder else None,
            "published": publication.to_dict() if publication else None,
            "runs": [{**r.to_dict(), "status": effective_status(r, live)} for r in records],
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(f"run log: {log.path}")
    print(f"lock: {'held by ' + holder.describe() if holder else 'free (no run in progress)'}")
    if publication:
        print(
            f"published: {publication.path} = run {publication.run_id}, "
            f"as_of {publication.as_of}, rule set {publication.rule_set_id}, "
            f"published {publication.published_at}, {len(publication.row_counts)} marts"
        )
    else:
        where = settings.publish_path if settings.engine == "duckdb" else settings.warehouse
        print(f"published: nothing yet at {where}")
    if not records:
        print("no runs recorded yet; start one with `lead-funnel run`")
        return 0
    print()
    print(format_table(records, live))
    return 0


def new_run_id(started: datetime) -> str:
    """A sortable, unique run id: ``YYYYMMDDTHHMMSSZ-<4 hex>`` (UTC)."""
    return f"{started.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{os.urandom(2).hex()}"


def finish_fields(started: datetime, status: str, error: str | None) -> dict[str, object]:
    """The run log columns that close a run: status, error, ended_at, duration."""
    ended = utc_now()
    return {
        "status": status,
        "error": error,
        "ended_at": format_ts(ended),
        "duration_s": round((datetime.now(timezone.utc) - started).total_seconds(), 3),
    }
