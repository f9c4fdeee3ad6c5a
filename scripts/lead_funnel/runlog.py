"""The run log: one row per run in ``run_log.sqlite`` in the state folder (next to the
build DuckDB file), and how its rows read in ``lead-funnel status``'s table.

SQLite (WAL mode) rather than DuckDB, so the log survives failed and killed runs and can
be read while a build holds the DuckDB file. A run killed mid-way stays ``running`` in the
file; readers show it as ``interrupted`` once no live process holds the run lock for it,
and the next run records it as such.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from lead_funnel import config
from lead_funnel.timefmt import format_ts, utc_now

RUN_LOG_NAME = "run_log.sqlite"

RUNNING = "running"
SUCCESS = "success"
FAILED = "failed"
LOCKED_OUT = "locked_out"
INTERRUPTED = "interrupted"


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


def finish_fields(started: datetime, status: str, error: str | None) -> dict[str, object]:
    """The run log columns that close a run: status, error, ended_at, duration."""
    ended = utc_now()
    return {
        "status": status,
        "error": error,
        "ended_at": format_ts(ended),
        "duration_s": round((datetime.now(timezone.utc) - started).total_seconds(), 3),
    }


class RunLog:
    """Reads and writes the run log file (every call opens a short-lived connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_settings(cls, settings: config.Settings) -> RunLog:
        """The run log that belongs to a build DuckDB file."""
        return cls(settings.state_dir / RUN_LOG_NAME)

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
