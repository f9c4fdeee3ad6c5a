"""The `lead-funnel` command line: one entry point, one subcommand per job.

This module builds the whole parser. The options several subcommands take are defined
once, as parent parsers (:class:`SharedOptions`, passed as ``parents=[...]``); the
subcommands are defined here, except ``generate``/``land`` and ``report``, which register
their own (with the shared options). Each subcommand calls a command function of the
module that does the work (``runner.cmd_run``, ``publish.cmd_publish``, ...).

Exit codes (also in docs/running.md and :mod:`lead_funnel.exitcodes`):
    0  success
    1  a model, test or data check failed
    2  usage or configuration error
    3  another run holds the lock
    130/143  a run was interrupted by SIGINT/SIGTERM (and logged as interrupted)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lead_funnel import __version__, benchmark, generate, publish, report, runner, status, transfer
from lead_funnel.argtypes import iso_date, positive_int
from lead_funnel.steplog import LOG_FORMATS

Subparsers = argparse._SubParsersAction  # what add_subparsers returns
SHARED_TITLE = "options shared with other commands"


@dataclass(frozen=True)
class SharedOptions:
    """Parent parsers of the options several subcommands take, each defined once."""

    duckdb: argparse.ArgumentParser  # --duckdb: the build file
    publish_path: argparse.ArgumentParser  # --publish-path: the published file
    target: argparse.ArgumentParser  # --target, optional: the profile's default
    server_target: argparse.ArgumentParser  # --target, required: a server
    wait: argparse.ArgumentParser  # --wait, --wait-timeout: for the run lock
    log_format: argparse.ArgumentParser  # --log-format: the run's log lines

    def warehouse(self) -> list[argparse.ArgumentParser]:
        """Which warehouse a command works on: --duckdb, --publish-path, --target."""
        return [self.duckdb, self.publish_path, self.target]


def _parent() -> tuple[argparse.ArgumentParser, argparse._ArgumentGroup]:
    """A parent parser and its one titled group: a command's help lists its own options
    first, then the shared ones under :data:`SHARED_TITLE`."""
    parser = argparse.ArgumentParser(add_help=False)
    return parser, parser.add_argument_group(SHARED_TITLE)


def shared_options() -> SharedOptions:
    """Build the parent parsers (new ones for every parser: argparse shares their actions)."""
    duckdb, group = _parent()
    group.add_argument(
        "--duckdb",
        metavar="PATH",
        help="build DuckDB file; its lock and run_log.sqlite live beside it (default: "
        "$LEAD_FUNNEL_DUCKDB or warehouse/lead_funnel.duckdb)",
    )
    publish_path, group = _parent()
    group.add_argument(
        "--publish-path",
        metavar="PATH",
        help="published read-only DuckDB file for BI tools (default: "
        "$LEAD_FUNNEL_PUBLISH_PATH or warehouse/lead_funnel_published.duckdb)",
    )
    target, group = _parent()
    group.add_argument(
        "--target", metavar="NAME", help="dbt target from profiles.yml (default: its default)"
    )
    server_target, group = _parent()
    group.add_argument(
        "--target", required=True, metavar="NAME", help="server target: postgres or spark"
    )
    wait, group = _parent()
    group.add_argument(
        "--wait",
        action="store_true",
        help="if another run holds the lock, wait for it instead of exiting with code 3",
    )
    group.add_argument(
        "--wait-timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="with --wait: give up (exit 3) after this many seconds (default: 3600)",
    )
    log_format, group = _parent()
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text lines (default) or one JSON object per line, for log collectors",
    )
    return SharedOptions(duckdb, publish_path, target, server_target, wait, log_format)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="lead-funnel",
        description="Lead funnel warehouse: generate demo data, build, publish and inspect runs.",
        epilog="Exit codes: 0 success, 1 a model/test/check failed, 2 usage or configuration "
        "error, 3 another run holds the lock, 130/143 interrupted by SIGINT/SIGTERM. "
        "See docs/running.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    shared = shared_options()
    generate.register(subparsers, shared)
    _add_run(subparsers, shared)
    _add_publish(subparsers, shared)
    _add_status(subparsers, shared)
    _add_transfer(subparsers, shared)
    _add_benchmark(subparsers, shared)
    report.register(subparsers, shared.publish_path)
    return parser


def _add_run(subparsers: Subparsers, shared: SharedOptions) -> None:
    parser = subparsers.add_parser(
        "run",
        parents=[*shared.warehouse(), shared.wait, shared.log_format],
        help="check source freshness, build and publish (one run at a time)",
        description="Run the whole job: dbt source freshness, one dbt build (rule seeds and "
        "their tests first, then every model and data test), then publish the marts to the "
        "read-only file for BI tools. Only one run at a time per build file; every run is "
        "recorded in run_log.sqlite.",
        epilog="Exit codes: 0 success, 1 a model/test/freshness check or publish failed, "
        "2 usage or configuration error, 3 another run holds the lock, 130/143 interrupted "
        "by SIGINT/SIGTERM.",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild incremental models (and seeds) from scratch",
    )
    parser.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (logic checks on fixed inputs; CI runs them, so "
        "scheduled runs leave them out by default)",
    )
    parser.add_argument(
        "--select",
        metavar="SELECTOR",
        help="dbt node selection for the build step (e.g. 'marts.fct_lead_lifecycle+'); "
        "the seeds are always loaded and tested; publish still copies every mart table",
    )
    parser.add_argument(
        "--as-of",
        metavar="'YYYY-MM-DD HH:MM:SS'",
        help="UTC point in time the marts are evaluated at; default: the run's start time "
        "in UTC. Passed to every dbt command as env LEAD_FUNNEL_AS_OF (read by the "
        "as_of_timestamp macro, like var as_of) and recorded",
    )
    parser.add_argument(
        "--rule-set",
        default="default",
        metavar="ID",
        help="scoring rule set published in the lifecycle marts (dbt var active_rule_set); "
        "must exist in seeds/scoring_rule_sets.csv (default: default)",
    )
    parser.add_argument(
        "--freshness",
        choices=runner.FRESHNESS_MODES,
        default="fail",
        help="source freshness gate: fail (default) stops the run before the build when a "
        "source is past its error threshold; warn only warns; skip does not check",
    )
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="build only; leave the published file as it is (publish later with "
        "`lead-funnel publish`)",
    )
    parser.set_defaults(func=runner.cmd_run)


def _add_publish(subparsers: Subparsers, shared: SharedOptions) -> None:
    parser = subparsers.add_parser(
        "publish",
        parents=[*shared.warehouse(), shared.wait, shared.log_format],
        help="publish the current build's marts without rebuilding",
        description="Copy every table of schema marts from the build file into a new "
        "DuckDB file and atomically replace the published file with it. Refuses when the "
        "latest run failed (its marts may be half rebuilt) unless --force.",
    )
    parser.add_argument(
        "--as-of",
        metavar="'YYYY-MM-DD HH:MM:SS'",
        help="as_of to record in marts._publication (default: the latest run's); for a "
        "build made outside the runner, e.g. by an orchestrator",
    )
    parser.add_argument(
        "--rule-set",
        metavar="ID",
        help="rule set to record in marts._publication (default: the latest run's)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even though the latest run failed or was interrupted",
    )
    parser.set_defaults(func=publish.cmd_publish)


def _add_status(subparsers: Subparsers, shared: SharedOptions) -> None:
    parser = subparsers.add_parser(
        "status",
        parents=shared.warehouse(),
        help="show recent runs from the run log",
        description="Show recent runs (newest first), who holds the run lock, and which "
        "version is published. Runs killed mid-way show as 'interrupted'.",
    )
    parser.add_argument("--limit", type=int, default=10, help="how many runs to show (default: 10)")
    parser.add_argument(
        "--json", action="store_true", help="print JSON (runs, lock holder, publication)"
    )
    parser.set_defaults(func=status.cmd_status)


def _add_transfer(subparsers: Subparsers, shared: SharedOptions) -> None:
    load = subparsers.add_parser(
        "load-raw",
        parents=[shared.server_target],
        help="copy the raw tables of a DuckDB file into a warehouse server",
        description="Copy the ten raw landing tables of schema raw of a DuckDB file (such "
        "as `lead-funnel generate` writes) into schema raw of the target, keeping their "
        "column types (typed or all text). The target's tables are replaced in one "
        "transaction; the database is created when missing.",
    )
    load.add_argument(
        "--from", dest="source", required=True, metavar="FILE.duckdb", help="DuckDB file to read"
    )
    load.add_argument("--schema", default="raw", help="raw schema on both sides (default: raw)")
    load.set_defaults(func=transfer.cmd_load_raw)

    export = subparsers.add_parser(
        "export-marts",
        parents=[shared.server_target],
        help="copy the published marts of a warehouse server into a DuckDB file",
        description="Copy every table of the target's published schema marts, with exact "
        "types, into schema marts of a DuckDB file (created when missing; its tables of the "
        "same names are replaced): for BI extracts and for comparing engines.",
    )
    export.add_argument(
        "--to", dest="destination", required=True, metavar="FILE.duckdb", help="DuckDB file"
    )
    export.add_argument(
        "--schema",
        action="append",
        metavar="SCHEMA",
        help="schema to export into the same-named schema of the file, repeatable (default: "
        "marts, the published one; marts_build holds a build not published yet, raw and "
        "staging are there too, for checks)",
    )
    export.set_defaults(func=transfer.cmd_export_marts)


def _sizes(value: str) -> list[benchmark.Size]:
    try:
        return benchmark.parse_sizes(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _add_benchmark(subparsers: Subparsers, shared: SharedOptions) -> None:
    parser = subparsers.add_parser(
        "benchmark",
        parents=[shared.target],
        help="time generate, full build, incremental run and the floor query at several sizes",
        description="For each size: generate the raw data (the last day held back), time a "
        "full `lead-funnel run --no-publish` at a fixed as_of, time the floor query (mql_at "
        "from raw in one DuckDB query, checked against fct_lead_lifecycle), land the held-back "
        "day and time an incremental run; sample the peak RSS of the whole process tree. "
        "Prints a table (medians of --repeat runs) and writes JSON to --output-dir. "
        "The default target is the DuckDB file; with --target postgres each size loads its "
        "raw data into a fresh database lead_funnel_bench_<size> of the server the PG* "
        "variables name; with spark, into a fresh warehouse folder per size under the work "
        "dir. See docs/performance.md.",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=benchmark.parse_sizes(benchmark.DEFAULT_SIZES),
        metavar="S,M,L",
        help="comma-separated sizes: S (10,000 leads), M (100,000), L (1,000,000) or a number "
        f"of leads, e.g. 2000 (default: {benchmark.DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        metavar="N",
        help=f"runs per size, each figure the median (default: {benchmark.DEFAULT_REPEAT}; "
        f"sizes of {benchmark.EXPENSIVE_LEADS:,} leads or more run once unless --repeat is "
        "given: expensive)",
    )
    parser.add_argument(
        "--days",
        type=positive_int,
        default=benchmark.DEFAULT_DAYS,
        help=f"length of the generated period in days (default: {benchmark.DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--start-date",
        type=iso_date,
        default=benchmark.DEFAULT_START_DATE,
        metavar="YYYY-MM-DD",
        help="first day of the generated data; as_of is its end (start + days). Default: "
        f"{benchmark.DEFAULT_START_DATE.isoformat()}",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=benchmark.DEFAULT_SEED,
        help=f"generator seed (default {benchmark.DEFAULT_SEED})",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help=f"where the JSON results go (default: {benchmark.RESULTS_DIR}/ in the project, "
        "git-ignored)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        metavar="DIR",
        help="where the DuckDB files, dbt target folders and run logs go (default: a new "
        "temporary folder); needs several GB free for L",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the DuckDB files and logs of the last run of each size in the work dir",
    )
    parser.set_defaults(func=benchmark.cmd_benchmark)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the chosen subcommand and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
