"""``lead-funnel run``: source freshness, build and publish, one run at a time.

Steps, each logged as one line with its duration:

1. ``freshness``: ``dbt source freshness``; stale sources are warnings, and in ``fail``
   mode a source past its error threshold stops the run before anything is rebuilt
   (which is why it runs first: it needs nothing from the other steps).
2. ``build``: one ``dbt build`` of the seeds, models and data tests (or the seeds and
   ``--select``). Before it, the runner decides the test scope and forgets the last fully
   tested build; after a successful build without ``--select`` it records this one (see
   :mod:`lead_funnel.tested_build`). A run that tests only the refreshed rows leaves out
   the seeds: their CSVs are those of the last fully tested build.
   The rule seeds come first in the DAG and their tests gate everything built from them,
   so a broken rule CSV fails the run and nothing scored from it is built or published.
   dbt unit tests test the SQL logic on fixed inputs, not the data: they run in CI (and
   with ``--unit-tests``), not in every scheduled run, as dbt recommends.
3. ``publish``: after a successful build only, copy every mart into a new DuckDB file and
   atomically replace the published file (see :mod:`lead_funnel.publish`).

Every dbt command of a run gets ``as_of`` in the environment variable ``LEAD_FUNNEL_AS_OF``
(macro ``as_of_timestamp`` reads it while dbt executes) and ``active_rule_set`` in
``--vars``. dbt re-parses the whole project whenever ``--vars`` changes between two
invocations; ``as_of`` changes every run, the rule set rarely, so this way consecutive
runs keep dbt's partial parsing.
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

import duckdb

from lead_funnel import config, locking, publish, runlog, tested_build
from lead_funnel.config import ConfigError
from lead_funnel.dbt_process import (
    DbtInvocation,
    DbtRunner,
    NodeCounts,
    Progress,
    dbt_executable,
    read_freshness,
)
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lead_funnel.session import NotStarted, Refusal, Session
from lead_funnel.timefmt import REFRESHED_AT_FORMAT, TIMESTAMP_FORMAT, parse_as_of

FRESHNESS_MODES = ("fail", "warn", "skip")
RULE_SETS_SEED = Path("seeds") / "scoring_rule_sets.csv"
RERUN_HINT = "fix it and rerun `lead-funnel run`"
AS_OF_ENV = "LEAD_FUNNEL_AS_OF"


def _condense(message: str, limit: int = 400) -> str:
    """dbt's multi-line error message as one line, cut to ``limit`` characters."""
    text = " ".join(line.strip() for line in message.splitlines() if line.strip())
    text = text or "no message"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StepFailed(RuntimeError):
    """A step failed; the message says what failed and what to do."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Interrupted(BaseException):
    """The runner received SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def available_rule_sets(project_dir: Path) -> list[str]:
    """Rule set ids defined in ``seeds/scoring_rule_sets.csv``."""
    path = project_dir / RULE_SETS_SEED
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return [row["rule_set_id"].strip() for row in csv.DictReader(handle)]
    except (OSError, KeyError) as exc:
        raise ConfigError(f"cannot read rule sets from {path}: {exc}") from exc


def format_age(seconds: float | None) -> str:
    """A human-friendly age: '45 minutes', '5.2 hours', '3.1 days'."""
    if seconds is None:
        return "an unknown time"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


@dataclass(frozen=True)
class RunOptions:
    """Validated options of one ``run``."""

    as_of: str
    rule_set: str
    select: str | None
    full_refresh: bool
    unit_tests: bool
    target: str | None
    freshness: str
    publish: bool
    wait: bool
    wait_timeout: float

    @property
    def dbt_vars(self) -> str:
        """The ``--vars`` JSON passed to every dbt command (not ``as_of``: see dbt_env)."""
        return json.dumps({"active_rule_set": self.rule_set})

    @property
    def dbt_env(self) -> dict[str, str]:
        """Environment variables for every dbt command: ``as_of``, read at execution time.

        Not a var: dbt re-parses the whole project when ``--vars`` changes between
        invocations, and ``as_of`` changes every run.
        """
        return {AS_OF_ENV: self.as_of}


def validate(args: argparse.Namespace, settings: config.Settings, started: datetime) -> RunOptions:
    """Check the options against the project; raise :class:`ConfigError` when wrong."""
    as_of = parse_as_of(args.as_of) if args.as_of else started.strftime(TIMESTAMP_FORMAT)
    rule_sets = available_rule_sets(settings.project_dir)
    if args.rule_set not in rule_sets:
        raise ConfigError(
            f"rule set {args.rule_set!r} is not in {RULE_SETS_SEED} (known: "
            f"{', '.join(rule_sets)}); add it there or pick one of those"
        )
    try:
        dbt_executable()
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    if args.wait_timeout < 0:
        raise ConfigError("--wait-timeout must be zero or more seconds")
    if settings.engine == "duckdb" and (
        settings.publish_path.resolve() == settings.duckdb_path.resolve()
    ):
        raise ConfigError("the publish path must differ from the build DuckDB file")
    if (
        settings.engine == "spark"
        and not config.spark_environment(settings)["LEAD_FUNNEL_SPARK_JARS"]
    ):
        raise ConfigError(
            "the Delta Lake jars are missing from .spark/jars: run `make install` (it fetches "
            "them from Maven Central) or set LEAD_FUNNEL_SPARK_JARS"
        )
    return RunOptions(
        as_of=as_of,
        rule_set=args.rule_set,
        select=args.select,
        full_refresh=args.full_refresh,
        unit_tests=args.unit_tests,
        target=settings.target,
        freshness=args.freshness,
        publish=not args.no_publish,
        wait=args.wait,
        wait_timeout=args.wait_timeout,
    )


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT / SIGTERM into :class:`Interrupted` while a run is in progress."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# What `run` says when it cannot start (after why).
REFUSAL = Refusal(
    locked="this run did nothing. Let it finish, retry with `--wait`, or see `lead-funnel status`",
    warehouse_busy="this run did nothing. Let it finish or retry with --wait",
    unreachable="nothing was rebuilt",
)


class Run:
    """One execution of ``lead-funnel run``."""

    def __init__(self, options: RunOptions, session: Session) -> None:
        self.options = options
        self.session = session
        self.settings = session.settings
        self.log = session.log
        self.dbt = DbtRunner(
            self.settings.project_dir,
            self.settings.duckdb_path,
            target=options.target,
            # every row tested unless the build step says otherwise (never inherited)
            extra_env={
                **options.dbt_env,
                tested_build.TESTED_THROUGH_ENV: "",
                **(
                    config.spark_environment(self.settings)
                    if self.settings.engine == "spark"
                    else {}
                ),
            },
        )
        self.counts = NodeCounts()

    def record(self) -> runlog.RunRecord:
        """The run log row this run starts with."""
        o = self.options
        return self.session.record(
            as_of=o.as_of,
            rule_set=o.rule_set,
            selector=o.select,
            full_refresh=o.full_refresh,
            freshness=o.freshness,
            publish_path=self._publish_destination() if o.publish else None,
        )

    def execute(self) -> int:
        """Take the lock, run every step, record the outcome; return the exit code."""
        o = self.options
        try:
            with self.session.recorded(
                self.record(),
                wait=o.wait,
                timeout=o.wait_timeout,
                refusal=REFUSAL,
                on_wait=self._waiting,
            ) as cleanup:
                if cleanup.reaped_pid:
                    self.log.warning(
                        f"waited for dbt process {cleanup.reaped_pid} left behind by a killed run"
                    )
                for dead in cleanup.interrupted:
                    self.log.warning(
                        f"run {dead} was killed before it finished; this run rebuilds what it left"
                    )
                if self.settings.engine == "duckdb":
                    publish.remove_leftovers(self.settings.publish_path)
                self.log.info(
                    "run started",
                    as_of=o.as_of,
                    rule_set=o.rule_set,
                    select=o.select,
                    full_refresh=o.full_refresh,
                    target=self.settings.target,
                    warehouse=self.settings.warehouse,
                )
                return self._run_steps()
        except NotStarted as exc:
            return exc.exit_code

    def _waiting(self, busy: locking.LockBusyError) -> None:
        who = busy.holder.describe() if busy.holder else "another process"
        self.log.info(
            f"waiting for the run lock held by {who}",
            timeout=f"{self.options.wait_timeout:.0f}s",
        )

    def _run_steps(self) -> int:
        o = self.options
        status, exit_code, error = runlog.FAILED, EXIT_FAILED, None
        try:
            with _signals_raise():
                if o.freshness == "skip":
                    self.log.step("freshness", "skipped", 0.0)
                else:
                    self._freshness_step()
                self._build_step()
                if o.publish:
                    self._publish_step()
                else:
                    self._count_step()
            status, exit_code = runlog.SUCCESS, EXIT_OK
        except StepFailed as exc:
            error, exit_code = str(exc), exc.exit_code
            self.log.error(error)
        except Interrupted as exc:
            status, exit_code = runlog.INTERRUPTED, 128 + exc.signum
            error = f"interrupted by {exc}; the build file may be partly rebuilt"
            self.log.error(f"{error}; rerun `lead-funnel run` to finish the job")
        except Exception as exc:  # a bug or an environment problem: still record it
            error = f"unexpected error: {exc!r}"
            self.log.error(f"{error}; see the traceback below and `lead-funnel status`")
            traceback.print_exc()
        self.session.finish(status, error)
        final = self.session.runs.get(self.session.run_id)
        self.log.step(
            "run",
            status,
            (datetime.now(timezone.utc) - self.session.started).total_seconds(),
            models_passed=self.counts.models_passed,
            models_failed=self.counts.models_failed,
            tests_passed=self.counts.tests_passed,
            tests_failed=self.counts.tests_failed,
            published=final.published if final else False,
            exit_code=exit_code,
        )
        return exit_code

    def _build_step(self) -> None:
        """Choose the test scope, then run the one ``dbt build``.

        The build's refresh time (every row it computes carries it as ``_refreshed_at``)
        and the project fingerprint go to the run log first: once the run succeeds, it is
        the fully tested run the next runs scope their tests by (:mod:`tested_build`).
        """
        o = self.options
        fingerprint = tested_build.project_fingerprint(self.settings.project_dir)
        refreshed_at = datetime.now(timezone.utc).strftime(REFRESHED_AT_FORMAT)
        tested_run = self.session.runs.latest_tested_run(self.settings.warehouse, fingerprint)
        scope = tested_build.choose_scope(
            tested_run, refreshed_at, full_refresh=o.full_refresh, selected=bool(o.select)
        )
        self.session.update(
            step="build",
            test_scope=scope.scope,
            project_fingerprint=fingerprint,
            refreshed_at=refreshed_at,
        )
        self.log.info(f"test scope {scope.scope}: {scope.reason}")
        env = {
            tested_build.REFRESHED_AT_ENV: refreshed_at,
            tested_build.TESTED_THROUGH_ENV: scope.tested_through or "",
        }
        args = self._build_args(seeds=scope.scope != tested_build.SCOPE_REFRESHED)
        self._dbt_step("build", args, env=env, fields={"test_scope": scope.scope})

    def _build_args(self, *, seeds: bool) -> list[str]:
        """One ``dbt build``: seeds and every model and test, or the seeds and ``--select``.

        One invocation, not a seed step then a build step: dbt starts and parses once.
        Without ``seeds`` (a run of the ``refreshed`` test scope) the seeds and their tests
        are left out: the project fingerprint, which covers the seed CSVs, is that of the
        last fully tested build, so the seed tables already hold exactly these CSVs, tested.
        """
        o = self.options
        args = ["build", "--vars", o.dbt_vars]
        if o.select:
            args += ["--select", "resource_type:seed", o.select]
        elif not seeds:
            args += ["--exclude", "resource_type:seed"]
        if not o.unit_tests:
            args += ["--exclude-resource-type", "unit_test"]
        return args + (["--full-refresh"] if o.full_refresh else [])

    def _on_progress(self, step: str) -> Callable[[Progress], None]:
        """Forward finished nodes: every model, seed and snapshot; tests only when not passing."""
        total = 0

        def report(p: Progress) -> None:
            nonlocal total
            total = max(total, p.total)
            kind, _, name = p.unique_id.partition(".")
            status = p.status.lower()
            if kind in ("test", "unit_test") and status in ("pass", "skipped"):
                return  # tests are many: report only those that did not pass
            self.log.progress(
                step,
                progress=f"{p.index}/{total or '?'}",
                node=name.split(".", 1)[-1][:80],
                type=kind,
                status="success" if status == "ok" else status,
                duration_s=p.execution_time,
            )

        return report

    def _invoke(
        self,
        step: str,
        args: list[str],
        env: dict[str, str] | None = None,
        fields: dict[str, object] | None = None,
    ) -> DbtInvocation:
        self.session.update(step=step)
        self.log.step(step, "start", **(fields or {}))
        try:
            return self.dbt.run(
                args,
                env=env,
                on_start=self.session.lock.set_child,
                on_progress=self._on_progress(step),
            )
        finally:
            self.session.lock.set_child(None)

    def _dbt_step(
        self,
        step: str,
        args: list[str],
        env: dict[str, str] | None = None,
        fields: dict[str, object] | None = None,
    ) -> None:
        """Run one dbt command as a step; raise :class:`StepFailed` unless every node passed.

        ``env`` goes to dbt's environment, ``fields`` to the step's start and end lines.
        """
        inv = self._invoke(step, args, env, fields)
        step_counts = NodeCounts()
        step_counts.add(inv.results)
        self.counts.add(inv.results)
        self.session.update(**vars(self.counts))
        failed = [r for r in inv.results if r.failed]
        status = "ok" if inv.returncode == 0 and not failed else "failed"
        summary: dict[str, object] = {"nodes": len(inv.results)}
        if step == "build":
            summary.update(vars(step_counts))
        self.log.step(step, status, inv.duration_s, **summary, **(fields or {}))
        if status == "ok":
            return
        results_file = self._rel(self.dbt.run_results_path)
        if failed:
            details = []
            for r in failed[:5]:
                details.append(f"{r.resource_type} {r.name} failed: {_condense(r.message)}")
                self.log.error(details[-1], node=r.unique_id)
            more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
            raise StepFailed(
                f"{step} failed: {'; '.join(details)}{more}; see {results_file} and "
                f"{self._rel(self.dbt.log_dir / 'dbt.log')}; {RERUN_HINT}"
            )
        raise StepFailed(f"{step} failed: {self._dbt_error(inv)}; {RERUN_HINT}")

    def _dbt_error(self, inv: DbtInvocation) -> str:
        text = "\n".join(inv.errors or inv.output_tail[-5:]) or f"dbt exited {inv.returncode}"
        if "Could not set lock on file" in text:
            return self._duckdb_error(text, "dbt")
        return f"dbt exited with code {inv.returncode}: " + " | ".join(text.splitlines()[:6])

    def _duckdb_error(self, text: str, who: str = "DuckDB") -> str:
        """What to do about an error opening the build file (usually: someone holds it)."""
        first_line = text.strip().splitlines()[0] if text.strip() else "no message"
        if "Could not set lock on file" not in text:
            return f"cannot open the build file {self.settings.duckdb_path}: {first_line}"
        return (
            f"the build file {self.settings.duckdb_path} is open in another program "
            "(DuckDB allows one writer); close it: BI tools and notebooks should open "
            f"the published file {self.settings.publish_path} read_only instead. {who} said: "
            + first_line
        )

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.settings.project_dir))
        except ValueError:
            return str(path)

    def _freshness_step(self) -> None:
        mode = self.options.freshness
        inv = self._invoke("freshness", ["source", "freshness", "--vars", self.options.dbt_vars])
        sources = read_freshness(self.dbt.sources_path)
        blocking: list[str] = []  # short "<source> (<age> old)" items for the summary
        warned = 0
        for s in sources:
            age = format_age(s.age_seconds)
            if s.status in ("warn", "error"):
                threshold = s.error_after if s.status == "error" else s.warn_after
                message = (
                    f"source {s.name} is stale: newest row loaded {age} ago "
                    f"({s.max_loaded_at}), {s.status} after {threshold}"
                )
                item = f"{s.name} ({age} old, error after {threshold})"
            elif s.status == "runtime error":
                message = f"freshness of source {s.name} could not be checked: {s.message}"
                item = f"{s.name} (could not be checked: {_condense(s.message, 200)})"
            else:
                continue
            if s.status == "warn" or mode == "warn":
                warned += 1
                self.log.warning(message, source=s.name)
            else:
                blocking.append(item)
                self.log.error(message, source=s.name)
        if not sources and inv.returncode != 0:
            problem = f"dbt source freshness failed: {self._dbt_error(inv)}"
            if mode == "fail":
                blocking.append(problem)
            else:
                self.log.warning(problem)
        self.log.step(
            "freshness",
            "failed" if blocking else "ok",
            inv.duration_s,
            sources=len(sources),
            stale=warned + len(blocking),
            mode=mode,
        )
        if blocking:
            raise StepFailed(
                f"freshness failed, nothing was rebuilt: {'; '.join(blocking)}. Check that the "
                "EL loads of these tables are running and landing rows, then rerun "
                "`lead-funnel run`; to build on stale data anyway use "
                "`lead-funnel run --freshness warn`"
            )

    def _target_option(self) -> str:
        """`` --target NAME`` for the commands this run suggests, when not the default."""
        return f" --target {self.options.target}" if self.settings.engine != "duckdb" else ""

    def _publish_destination(self) -> str:
        """Where this run publishes: the read-only DuckDB file, or a server's schema."""
        if self.settings.engine == "duckdb":
            return str(self.settings.publish_path)
        return f"{self.settings.warehouse} schema {publish.MARTS_SCHEMA}"

    def _publish_step(self) -> None:
        self.session.update(step="publish")
        self.log.step("publish", "start")
        started = time.monotonic()
        try:
            result = publish.publish_marts(
                self.settings,
                run_id=self.session.run_id,
                as_of=self.options.as_of,
                rule_set_id=self.options.rule_set,
                selector=self.options.select,
            )
        except (publish.PublishError, duckdb.Error, OSError) as exc:
            self.log.step("publish", "failed", time.monotonic() - started)
            raise StepFailed(
                f"publish failed: {exc}; the published marts are unchanged; fix the cause "
                f"and run `lead-funnel publish{self._target_option()}` (no rebuild needed)"
            ) from exc
        self.session.update(mart_rows=result.row_counts, published=True)
        self.log.step(
            "publish",
            "ok",
            time.monotonic() - started,
            path=result.path,
            marts=len(result.row_counts),
            rows=sum(result.row_counts.values()),
        )

    def _count_step(self) -> None:
        started = time.monotonic()
        try:
            counts = publish.count_built_marts(self.settings)
        except (publish.PublishError, duckdb.Error) as exc:
            raise StepFailed(f"counting mart rows failed: {exc}") from exc
        self.session.update(mart_rows=counts)
        self.log.step(
            "count", "ok", time.monotonic() - started, marts=len(counts), rows=sum(counts.values())
        )


def cmd_run(args: argparse.Namespace) -> int:
    """Validate the options, then run the job; return the exit code."""
    session = Session("run", args.log_format)
    try:
        settings = session.load_settings(args)
        options = validate(args, settings, session.started)
    except ConfigError as exc:
        session.log.error(str(exc))
        return EXIT_USAGE
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    return Run(options, session).execute()
