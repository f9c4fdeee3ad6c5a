"""The `generate` and `land` subcommands of the `lead-funnel` command line.

`register` adds them to the CLI's subparsers; errors of the generator (`GenerateError`)
exit with code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

from lead_funnel.argtypes import iso_date, positive_int
from lead_funnel.config import load_settings
from lead_funnel.generate.errors import GenerateError
from lead_funnel.generate.generator import generate_raw
from lead_funnel.generate.landing import land_pending
from lead_funnel.generate.scenario import MAX_MESS_RATE


def _parse_timestamp(value: str) -> dt.datetime:
    """A UTC timestamp option (YYYY-MM-DD[ HH:MM[:SS]], an offset converts to UTC)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {value!r}: use YYYY-MM-DD[ HH:MM[:SS]] (UTC)"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _rate(value: str) -> float:
    """A mess rate option (0 to MAX_MESS_RATE)."""
    try:
        number = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if not 0 <= number <= MAX_MESS_RATE:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_MESS_RATE}: {value!r}")
    return number


def _duckdb_path(args: argparse.Namespace) -> Path:
    """The --duckdb file, else the configured one (env LEAD_FUNNEL_DUCKDB or the default)."""
    if args.duckdb:
        return Path(args.duckdb)
    return load_settings().duckdb_path


def _cmd_generate(args: argparse.Namespace) -> int:
    """`lead-funnel generate`: exit code 0, or 2 on a usage or configuration error."""
    path = _duckdb_path(args)
    started = time.perf_counter()
    try:
        counts = generate_raw(
            path,
            leads=args.leads,
            days=args.days,
            start_date=args.start_date,
            seed=args.seed,
            text=args.text,
            mess_rate=args.mess_rate,
            schema=args.schema,
            replace=args.replace,
            land_until=args.land_until,
            progress=not args.quiet,
        )
    except GenerateError as exc:
        print(f"lead-funnel generate: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(
            f"generated {sum(counts.values()):,} raw rows in {path} "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return 0


def _cmd_land(args: argparse.Namespace) -> int:
    """`lead-funnel land`: exit code 0, or 2 on a usage or configuration error."""
    path = _duckdb_path(args)
    try:
        moved = land_pending(path, until=None if args.all else args.until, schema=args.schema)
    except GenerateError as exc:
        print(f"lead-funnel land: error: {exc}", file=sys.stderr)
        return 2
    for table, rows in moved.items():
        print(f"  {table:<22} {rows:>13,} rows landed", file=sys.stderr)
    print(f"landed {sum(moved.values()):,} pending rows in {path}", file=sys.stderr)
    return 0


def register(subparsers: Any, shared: Any) -> None:
    """Add the ``generate`` and ``land`` subcommands to the CLI's subparsers.

    ``shared`` holds the parent parsers of the options other subcommands take too
    (:class:`lead_funnel.cli.SharedOptions`): here ``--duckdb``.
    """
    _add_generate_command(subparsers, shared)
    _add_land_command(subparsers, shared)


def _add_generate_command(subparsers: Any, shared: Any) -> None:
    """The ``generate`` subcommand and its options."""
    generate = subparsers.add_parser(
        "generate",
        parents=[shared.duckdb],
        help="fill the raw landing tables with realistic synthetic demo data",
        description="Generate the ten raw tables of SPEC section 1 with realistic synthetic "
        "leads, companies, events, sales activities, opportunities and dispositions, with a "
        "controllable share of bad rows. The same --seed and options give identical data. "
        "Without --start-date the period ends now, so source freshness passes; tests and "
        "reproducible runs pass --start-date. Parent folders of the --duckdb file are created.",
    )
    generate.add_argument(
        "--leads", type=positive_int, default=10_000, help="number of leads (default 10000)"
    )
    generate.add_argument(
        "--days", type=positive_int, default=365, help="length of the period in days (365)"
    )
    generate.add_argument(
        "--start-date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="first day of the period (UTC). Default: now minus --days, so the data ends now; "
        "pass a date for reproducible data (tests, benchmarks)",
    )
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument(
        "--text",
        action="store_true",
        help="land every column as varchar, like a CSV loader (default: typed columns)",
    )
    generate.add_argument(
        "--mess-rate",
        type=_rate,
        default=0.01,
        metavar="R",
        help="share of rows hit by each kind of bad input: duplicates, missing ids, bad or "
        "future timestamps, orphans, invalid values ... (0 to 0.1; 0 = clean; default 0.01)",
    )
    generate.add_argument(
        "--schema", default="raw", help="target schema (default raw, the dbt var raw_schema)"
    )
    generate.add_argument(
        "--replace",
        action="store_true",
        help="drop and regenerate existing raw tables (without it: refuse, exit code 2)",
    )
    generate.add_argument(
        "--land-until",
        type=_parse_timestamp,
        metavar="TS",
        help="land only rows with _loaded_at <= TS (UTC); later rows wait in "
        "<schema>_pending for `lead-funnel land` (incremental tests, benchmarks)",
    )
    generate.add_argument(
        "--quiet", action="store_true", help="no progress lines (one per table) on stderr"
    )
    generate.set_defaults(func=_cmd_generate)


def _add_land_command(subparsers: Any, shared: Any) -> None:
    """The ``land`` subcommand and its options."""
    land = subparsers.add_parser(
        "land",
        parents=[shared.duckdb],
        help="move rows held back by `generate --land-until` into the raw tables",
        description="Land rows held back by `generate --land-until`: rows of <schema>_pending "
        "with _loaded_at <= --until (every row with --all, the default) move into the "
        "same-named raw tables.",
    )
    which = land.add_mutually_exclusive_group()
    which.add_argument(
        "--until",
        type=_parse_timestamp,
        metavar="TS",
        help="land the rows with _loaded_at <= TS (UTC, YYYY-MM-DD[ HH:MM[:SS]])",
    )
    which.add_argument(
        "--all", action="store_true", help="land every pending row (the default without --until)"
    )
    land.add_argument("--schema", default="raw", help="raw schema (default raw)")
    land.set_defaults(func=_cmd_land)
