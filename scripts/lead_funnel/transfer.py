"""``lead-funnel load-raw`` and ``export-marts``: move tables between a DuckDB file and a
warehouse server.

- ``load-raw --target postgres --from FILE.duckdb`` copies the nine raw tables of schema
  ``raw`` of a DuckDB file (such as the generator's output) into schema ``raw`` of the
  target, keeping their column types (typed or all text), replacing what was there in one
  transaction. Raw data only ever grows, so reloading a later copy of the same file lands
  what was added since, as an EL tool would.
- ``export-marts --target postgres --to FILE.duckdb`` copies every published mart, with
  exact types, into schema ``marts`` of a DuckDB file: for BI extracts, and to compare
  engines row by row.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lead_funnel import config
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lead_funnel.publication import MARTS_SCHEMA


def _server_settings(args: argparse.Namespace, command: str) -> config.Settings | None:
    """The target's settings, or None (after printing why) when it is not a server."""
    try:
        settings = config.load_settings(target=args.target)
    except config.ConfigError as exc:
        print(f"lead-funnel {command}: {exc}", file=sys.stderr)
        return None
    if settings.engine == "duckdb":
        print(
            f"lead-funnel {command}: target {settings.target!r} is the DuckDB file itself; "
            "pass a server target, e.g. --target postgres",
            file=sys.stderr,
        )
        return None
    return settings


def cmd_load_raw(args: argparse.Namespace) -> int:
    """Copy the raw tables of a DuckDB file into the target's ``raw`` schema."""
    settings = _server_settings(args, "load-raw")
    if settings is None:
        return EXIT_USAGE
    source = Path(args.source)
    if not source.is_file():
        print(f"lead-funnel load-raw: no DuckDB file at {source}", file=sys.stderr)
        return EXIT_USAGE
    from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

    try:
        postgres.ensure_database()
        counts = postgres.load_raw(source, schema=args.schema)
    except (postgres.PostgresIOError, postgres.psycopg2.Error) as exc:
        print(f"lead-funnel load-raw: {exc}".strip(), file=sys.stderr)
        return EXIT_FAILED
    for table, rows in counts.items():
        print(f"  {args.schema}.{table:<28} {rows:>12,} rows")
    print(f"loaded {sum(counts.values()):,} raw rows from {source} into {settings.warehouse}")
    return EXIT_OK


def cmd_export_marts(args: argparse.Namespace) -> int:
    """Copy every published mart of the target into schema ``marts`` of a DuckDB file."""
    settings = _server_settings(args, "export-marts")
    if settings is None:
        return EXIT_USAGE
    from lead_funnel import postgres

    destination = Path(args.destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        counts = postgres.export_schema(args.schema, destination, duckdb_schema=MARTS_SCHEMA)
    except (postgres.PostgresIOError, postgres.psycopg2.Error) as exc:
        print(f"lead-funnel export-marts: {exc}".strip(), file=sys.stderr)
        return EXIT_FAILED
    if not counts:
        print(
            f"lead-funnel export-marts: schema {args.schema} of {settings.warehouse} has no "
            "tables; run `lead-funnel run --target ...` first",
            file=sys.stderr,
        )
        return EXIT_FAILED
    for table, rows in counts.items():
        print(f"  {MARTS_SCHEMA}.{table:<28} {rows:>12,} rows")
    print(f"exported {len(counts)} tables of {settings.warehouse} to {destination}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``load-raw`` and ``export-marts`` subcommands."""
    load = subparsers.add_parser(
        "load-raw",
        help="copy the raw tables of a DuckDB file into a warehouse server",
        description="Copy the nine raw landing tables of schema raw of a DuckDB file (such "
        "as `lead-funnel generate` writes) into schema raw of the target, keeping their "
        "column types (typed or all text). The target's tables are replaced in one "
        "transaction; the database is created when missing.",
    )
    load.add_argument(
        "--target", required=True, metavar="NAME", help="server target, e.g. postgres"
    )
    load.add_argument(
        "--from", dest="source", required=True, metavar="FILE.duckdb", help="DuckDB file to read"
    )
    load.add_argument("--schema", default="raw", help="raw schema on both sides (default: raw)")
    load.set_defaults(func=cmd_load_raw)

    export = subparsers.add_parser(
        "export-marts",
        help="copy the published marts of a warehouse server into a DuckDB file",
        description="Copy every table of the target's published schema marts, with exact "
        "types, into schema marts of a DuckDB file (created when missing; its tables of the "
        "same names are replaced): for BI extracts and for comparing engines.",
    )
    export.add_argument(
        "--target", required=True, metavar="NAME", help="server target, e.g. postgres"
    )
    export.add_argument(
        "--to", dest="destination", required=True, metavar="FILE.duckdb", help="DuckDB file"
    )
    export.add_argument(
        "--schema",
        default=MARTS_SCHEMA,
        help="schema to export (default: marts, the published one; marts_build holds a "
        "build not published yet)",
    )
    export.set_defaults(func=cmd_export_marts)
