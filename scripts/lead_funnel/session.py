"""One recorded command: what ``run`` and ``publish`` do before their own work, and how
they record its end.

A :class:`Session` starts with the command: its start time, run id and log lines (a usage
error is logged under the run id too). Once the settings are loaded,
:meth:`Session.recorded` takes the run lock (and, on PostgreSQL, the database's own lock:
runs may start on other machines), waits for a dbt process a killed run left behind, marks
the runs killed mid-way ``interrupted`` and inserts this run's row in the run log. A
command that cannot start is recorded ``locked_out`` (exit code 3) or ``failed`` (the
warehouse cannot be reached, exit code 1), says so, and ends with :class:`NotStarted`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from lead_funnel import config, locking, runlog
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_LOCKED
from lead_funnel.publication import WarehouseBusyError
from lead_funnel.steplog import StepLogger
from lead_funnel.timefmt import STAMP_FORMAT, format_ts


def new_run_id(started: datetime) -> str:
    """A sortable, unique run id: ``YYYYMMDDTHHMMSSZ-<4 hex>`` (UTC)."""
    return f"{started.astimezone(timezone.utc).strftime(STAMP_FORMAT)}-{os.urandom(2).hex()}"


@dataclass(frozen=True)
class Refusal:
    """What a command tells the operator, after the reason, when it cannot start."""

    locked: str  # another process holds the run lock
    warehouse_busy: str  # another machine holds the database's lock
    unreachable: str = ""  # the database cannot be reached ("": nothing to add)


@dataclass(frozen=True)
class Cleanup:
    """What killed runs had left behind, found once the lock is held."""

    reaped_pid: int | None  # the dbt process of a killed run that was waited for
    interrupted: list[str]  # runs still marked running, now recorded interrupted


class NotStarted(Exception):
    """The command could not start; it is recorded and logged, ``exit_code`` ends it."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class Session:
    """One recorded command (``run`` or ``publish``): its run id, start time and log lines
    and, once :meth:`load_settings` ran, its warehouse, run log and run lock."""

    settings: config.Settings
    runs: runlog.RunLog
    lock: locking.RunLock

    def __init__(self, command: str, log_format: str) -> None:
        self.command = command
        self.started = datetime.now(timezone.utc)
        self.run_id = new_run_id(self.started)
        self.log = StepLogger(self.run_id, log_format)

    def load_settings(self, args: argparse.Namespace) -> config.Settings:
        """The warehouse of ``--duckdb``, ``--publish-path`` and ``--target``.

        Raises :class:`~lead_funnel.config.ConfigError` (exit code 2).
        """
        self.settings = config.load_settings(args.duckdb, args.publish_path, args.target)
        self.runs = runlog.RunLog.for_settings(self.settings)
        self.lock = locking.RunLock(self.settings.lock_path)
        return self.settings

    def record(self, **fields: Any) -> runlog.RunRecord:
        """This command's run log row, status ``running``, with ``fields`` set."""
        return runlog.RunRecord(
            run_id=self.run_id,
            command=self.command,
            status=runlog.RUNNING,
            started_at=format_ts(self.started),
            target=self.settings.target,
            warehouse=self.settings.warehouse,
            pid=os.getpid(),
            host=socket.gethostname(),
            **fields,
        )

    @contextlib.contextmanager
    def recorded(
        self,
        record: runlog.RunRecord,
        *,
        wait: bool,
        timeout: float,
        refusal: Refusal,
        on_wait: Callable[[locking.LockBusyError], None] | None = None,
    ) -> Iterator[Cleanup]:
        """Hold the run lock, with ``record`` inserted in the run log, while inside.

        With ``wait``, a busy lock is waited for up to ``timeout`` seconds (``on_wait`` is
        told first). Raises :class:`NotStarted` after recording and logging why the
        command cannot start (the messages end with ``refusal``'s advice).
        """
        try:
            self._acquire(wait=wait, timeout=timeout, on_wait=on_wait)
        except locking.LockBusyError as exc:
            self._refuse(record, runlog.LOCKED_OUT, str(exc), f"{exc}; {refusal.locked}")
            raise NotStarted(EXIT_LOCKED) from exc
        with self.lock, contextlib.ExitStack() as held:
            try:
                held.enter_context(self._warehouse_lock(wait=wait, timeout=timeout))
            except WarehouseBusyError as exc:
                advice = f"{exc}; {refusal.warehouse_busy}"
                self._refuse(record, runlog.LOCKED_OUT, str(exc), advice)
                raise NotStarted(EXIT_LOCKED) from exc
            except Exception as exc:  # the server is down, refuses us, ...: nothing ran
                message = f"cannot reach the warehouse {self.settings.warehouse}: {exc}".strip()
                advice = f"{message}; {refusal.unreachable}" if refusal.unreachable else message
                self._refuse(record, runlog.FAILED, message, advice)
                raise NotStarted(EXIT_FAILED) from exc
            cleanup = Cleanup(
                reaped_pid=locking.reap_orphan_writer(self.lock.previous),
                interrupted=self.runs.mark_interrupted(self.run_id),
            )
            self.runs.start(record)
            yield cleanup

    def update(self, **changes: object) -> None:
        """Update some columns of this run's row."""
        self.runs.update(self.run_id, **changes)

    def finish(self, status: str, error: str | None, **changes: object) -> None:
        """Close this run's row: ``status``, ``error``, end time and duration, ``changes``."""
        self.runs.update(
            self.run_id, **changes, **runlog.finish_fields(self.started, status, error)
        )

    def _acquire(
        self,
        *,
        wait: bool,
        timeout: float,
        on_wait: Callable[[locking.LockBusyError], None] | None,
    ) -> None:
        def take(wait: bool) -> None:
            self.lock.acquire(
                run_id=self.run_id,
                command=self.command,
                started_at=format_ts(self.started),
                wait=wait,
                timeout=timeout,
            )

        try:
            take(wait=False)
        except locking.LockBusyError as exc:
            if not wait:
                raise
            if on_wait is not None:
                on_wait(exc)
            take(wait=True)

    def _warehouse_lock(
        self, *, wait: bool, timeout: float
    ) -> contextlib.AbstractContextManager[None]:
        """On a server, the database's own lock too (runs may start on other machines)."""
        if self.settings.engine != "postgres":
            return contextlib.nullcontext()
        from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

        return postgres.warehouse_lock(self.run_id, wait=wait, timeout=timeout)

    def _refuse(self, record: runlog.RunRecord, status: str, error: str, message: str) -> None:
        """Record a command that did not start (``error`` in the run log) and log ``message``."""
        self.runs.start(dataclasses.replace(record, status=status))
        self.runs.update(self.run_id, **runlog.finish_fields(self.started, status, error))
        self.log.error(message)
