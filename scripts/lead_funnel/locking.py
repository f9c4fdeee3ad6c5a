"""One run at a time: an advisory ``flock`` on a lock file next to the build DuckDB file.

The kernel releases a ``flock`` when the process that holds it dies, however it dies
(SIGKILL included), so a killed run never leaves a stale lock behind. The file itself stays;
its content (pid, host, start time, run id of the holder) is only there for messages and
for the next run to find a writer the dead run may have left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) the run lock, as written in the lock file."""

    run_id: str | None = None
    command: str | None = None
    pid: int | None = None
    host: str | None = None
    started_at: str | None = None
    child_pid: int | None = None

    def describe(self) -> str:
        """A one-line description for error messages."""
        parts = [f"run {self.run_id or '?'}"]
        if self.command:
            parts.append(f"({self.command})")
        parts.append(f"pid {self.pid or '?'} on {self.host or '?'}")
        if self.started_at:
            parts.append(f"started {self.started_at}")
        return " ".join(parts)


class LockBusyError(RuntimeError):
    """Raised when another process holds the run lock."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "another process (no details in the lock file)"
        super().__init__(f"another run holds the lock {path}: {who}")


def lock_path_for(duckdb_path: Path) -> Path:
    """The lock file guarding a build DuckDB file (``<file>.lock`` beside it)."""
    return duckdb_path.with_name(duckdb_path.name + ".lock")


def _parse_holder(text: str) -> LockHolder | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = set(LockHolder.__dataclass_fields__)
    return LockHolder(**{k: v for k, v in data.items() if k in fields})


def read_holder(path: Path) -> LockHolder | None:
    """Read the holder details written in a lock file (None when empty or missing)."""
    try:
        return _parse_holder(path.read_text(encoding="utf-8"))
    except OSError:
        return None


def is_locked(path: Path) -> bool:
    """True when a live process holds the lock (probed with a non-blocking shared lock)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class RunLock:
    """An exclusive, kernel-managed lock for one run (use as a context manager)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._info: dict[str, object] = {}
        self.previous: LockHolder | None = None

    def acquire(
        self,
        *,
        run_id: str,
        command: str,
        started_at: str,
        wait: bool = False,
        timeout: float | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        """Take the lock or raise :class:`LockBusyError`.

        Without ``wait`` the attempt is retried for a fraction of a second only (so a
        concurrent ``status`` probe cannot cause a false "locked"); with ``wait`` it is
        retried until ``timeout`` seconds have passed (forever when ``timeout`` is None).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children
        limit = timeout if wait else 0.3  # None: wait forever
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            if deadline is not None and time.monotonic() >= deadline:
                os.close(fd)
                raise LockBusyError(self.path, read_holder(self.path))
            time.sleep(poll_seconds if wait else 0.05)
        self._fd = fd
        with os.fdopen(os.dup(fd), "r", encoding="utf-8") as handle:
            self.previous = _parse_holder(handle.read())
        self._info = {
            "run_id": run_id,
            "command": command,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": started_at,
            "child_pid": None,
        }
        self._write()

    def set_child(self, child_pid: int | None) -> None:
        """Record the pid of the dbt process working for this run (or None when done)."""
        self._info["child_pid"] = child_pid
        self._write()

    def _write(self) -> None:
        if self._fd is None:
            return
        payload = json.dumps(self._info).encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, payload, 0)

    def release(self) -> None:
        """Empty the lock file and release the lock (safe to call twice)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def reap_orphan_writer(previous: LockHolder | None, timeout: float = 30.0) -> int | None:
    """Make sure a dbt process left by a killed run is gone before a new run starts.

    On Linux the child dies with its parent (PR_SET_PDEATHSIG), but that takes a moment;
    elsewhere it may keep running. The pid is only touched when it still looks like a dbt
    process started before this one. Returns the pid that was waited for, if any.
    """
    if previous is None or not previous.child_pid or previous.host != socket.gethostname():
        return None
    try:
        proc = psutil.Process(previous.child_pid)
        cmdline = " ".join(proc.cmdline())
        if "dbt" not in cmdline or proc.create_time() > psutil.Process().create_time():
            return None
        try:
            proc.wait(timeout=min(5.0, timeout))
        except psutil.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return None
    return previous.child_pid
