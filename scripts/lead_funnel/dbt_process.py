"""Run dbt in a child process and read what it left in the target folder.

dbt runs from the project directory with ``--profiles-dir <project_dir>`` and JSON logs on
stdout, so the runner can forward per-node progress. On Linux the child gets
``PR_SET_PDEATHSIG = SIGKILL``: if the runner is killed, dbt dies with it and never keeps
writing to the warehouse without a lock.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1

# dbt events that report one finished node (model, test, seed, snapshot, source freshness).
NODE_RESULT_EVENTS = frozenset(
    {
        "LogModelResult",
        "LogTestResult",
        "LogSeedResult",
        "LogSnapshotResult",
        "LogFreshnessResult",
        "LogNodeNoOpResult",
        "LogNodeResult",
        "SkippingDetails",
    }
)

MODEL_STATUSES_OK = {"success"}
TEST_STATUSES_OK = {"pass", "warn"}
FAILED_STATUSES = {"error", "fail", "runtime error"}


def dbt_executable() -> str:
    """The ``dbt`` next to the running Python (same virtualenv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError(
            f"dbt not found next to {sys.executable} nor on PATH; install the project "
            "(`make install`) and run the venv's lead-funnel"
        )
    return found


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGKILL when the runner dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded in the parent, before fork
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


@dataclass(frozen=True)
class NodeResult:
    """One node's result from ``run_results.json``."""

    unique_id: str
    status: str
    message: str
    execution_time: float

    @property
    def resource_type(self) -> str:
        """``model``, ``test``, ``unit_test``, ``seed``, ``snapshot`` or ``source``."""
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The node name without package prefix."""
        return self.unique_id.split(".", 2)[-1]

    @property
    def failed(self) -> bool:
        """Whether this node failed (error, failing test, runtime error)."""
        return self.status in FAILED_STATUSES


@dataclass
class NodeCounts:
    """Passed / failed / skipped counts of models and tests (data and unit tests)."""

    models_passed: int = 0
    models_failed: int = 0
    models_skipped: int = 0
    tests_passed: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0

    def add(self, results: Sequence[NodeResult]) -> None:
        """Add the results of one dbt invocation."""
        for r in results:
            if r.resource_type == "model":
                kind, ok = "models", MODEL_STATUSES_OK
            elif r.resource_type in ("test", "unit_test"):
                kind, ok = "tests", TEST_STATUSES_OK
            else:
                continue
            if r.status in ok:
                outcome = "passed"
            elif r.status == "skipped":
                outcome = "skipped"
            elif r.failed:
                outcome = "failed"
            else:
                continue
            counter = f"{kind}_{outcome}"
            setattr(self, counter, getattr(self, counter) + 1)


def read_run_results(path: Path) -> list[NodeResult]:
    """Parse ``run_results.json`` (an empty list when dbt did not write it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [
        NodeResult(
            unique_id=str(r.get("unique_id", "?")),
            status=str(r.get("status", "?")),
            message=str(r.get("message") or ""),
            execution_time=float(r.get("execution_time") or 0.0),
        )
        for r in data.get("results", [])
    ]


@dataclass(frozen=True)
class SourceFreshness:
    """One source table's freshness from ``sources.json``."""

    unique_id: str
    status: str  # pass, warn, error, runtime error
    max_loaded_at: str | None
    age_seconds: float | None
    warn_after: str | None
    error_after: str | None
    message: str

    @property
    def name(self) -> str:
        """``<source>.<table>``."""
        return ".".join(self.unique_id.split(".")[-2:])


def _threshold(criteria: Mapping[str, object], key: str) -> str | None:
    value = criteria.get(key) or {}
    if not isinstance(value, dict) or value.get("count") is None:
        return None
    count, period = value["count"], value.get("period", "")
    return f"{count} {period}{'' if count == 1 else 's'}"


def read_freshness(path: Path) -> list[SourceFreshness]:
    """Parse ``sources.json`` written by ``dbt source freshness``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for r in data.get("results", []):
        criteria = r.get("criteria") or {}
        out.append(
            SourceFreshness(
                unique_id=str(r.get("unique_id", "?")),
                status=str(r.get("status", "?")),
                max_loaded_at=r.get("max_loaded_at"),
                age_seconds=r.get("max_loaded_at_time_ago_in_s"),
                warn_after=_threshold(criteria, "warn_after"),
                error_after=_threshold(criteria, "error_after"),
                message=str(r.get("error") or r.get("message") or ""),
            )
        )
    return out


@dataclass
class DbtInvocation:
    """What one dbt command did."""

    args: list[str]
    returncode: int
    duration_s: float
    results: list[NodeResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    output_tail: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Progress:
    """One finished node, as reported live by dbt."""

    index: int
    total: int
    unique_id: str
    status: str
    execution_time: float


class DbtRunner:
    """Runs dbt commands for one project, build file and target folder."""

    def __init__(
        self,
        project_dir: Path,
        duckdb_path: Path,
        *,
        target: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.project_dir = project_dir
        self.duckdb_path = duckdb_path
        self.target = target
        target_path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
        self.target_dir = target_path if target_path.is_absolute() else project_dir / target_path
        log_path = Path(os.environ.get("DBT_LOG_PATH", "logs"))
        self.log_dir = log_path if log_path.is_absolute() else project_dir / log_path
        self.env = {
            **os.environ,
            **(extra_env or {}),
            "LEAD_FUNNEL_DUCKDB": str(duckdb_path),
            "DBT_TARGET_PATH": str(self.target_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen[str] | None = None

    @property
    def run_results_path(self) -> Path:
        """Where dbt writes node results."""
        return self.target_dir / "run_results.json"

    @property
    def sources_path(self) -> Path:
        """Where ``dbt source freshness`` writes its results."""
        return self.target_dir / "sources.json"

    def command(self, args: Sequence[str]) -> list[str]:
        """The full command line for dbt ``args``."""
        cmd = [dbt_executable(), *args, "--profiles-dir", str(self.project_dir)]
        cmd += ["--project-dir", str(self.project_dir), "--log-format", "json"]
        cmd += ["--no-use-colors"]
        if self.target:
            cmd += ["--target", self.target]
        return cmd

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        on_start: Callable[[int], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> DbtInvocation:
        """Run ``dbt <args>`` to completion, forwarding progress; never raises on failure.

        ``env`` adds environment variables for this command only (on top of ``self.env``).
        """
        for stale in (self.run_results_path, self.sources_path):
            stale.unlink(missing_ok=True)
        cmd = self.command(args)
        started = time.monotonic()
        errors: list[str] = []
        tail: deque[str] = deque(maxlen=40)
        self.process = subprocess.Popen(
            cmd,
            cwd=self.project_dir,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            preexec_fn=_die_with_parent(),  # the runner starts no threads
        )
        try:
            if on_start:
                on_start(self.process.pid)
            for line in self.process.stdout or ():
                self._handle_line(line.rstrip("\n"), errors, tail, on_progress)
            returncode = self.process.wait()
        finally:
            self.terminate()
        results = read_run_results(self.run_results_path) if "freshness" not in args else []
        return DbtInvocation(
            args=list(args),
            returncode=returncode,
            duration_s=time.monotonic() - started,
            results=results,
            errors=errors,
            output_tail=list(tail),
        )

    @staticmethod
    def _handle_line(
        line: str,
        errors: list[str],
        tail: deque[str],
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        try:
            event = json.loads(line)
            info, data = event["info"], event.get("data", {})
        except (ValueError, KeyError, TypeError):
            if line.strip():
                tail.append(line)
            return
        msg = str(info.get("msg", ""))
        if msg.strip():
            tail.append(msg)
        if info.get("level") == "error" and msg.strip():
            errors.append(msg.strip())
        name = info.get("name")
        if name in NODE_RESULT_EVENTS and on_progress and "index" in data:
            node = data.get("node_info", {})
            on_progress(
                Progress(
                    index=int(data.get("index") or 0),
                    total=int(data.get("total") or 0),
                    unique_id=str(node.get("unique_id", "?")),
                    status=str(data.get("status") or node.get("node_status", "?")),
                    execution_time=float(data.get("execution_time") or 0.0),
                )
            )

    def terminate(self, grace_seconds: float = 10.0) -> None:
        """Stop a still-running dbt child: SIGINT (dbt cancels cleanly), then SIGKILL."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
