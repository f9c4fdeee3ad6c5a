"""``lead-funnel load-raw`` and ``export-marts``: move tables between a DuckDB file and a
warehouse server.

- ``load-raw --target postgres|spark --from FILE.duckdb`` copies the ten raw tables of schema
  ``raw`` of a DuckDB file (such as the generator's output) into schema ``raw`` of the
  target, keeping their column types (typed or all text), replacing what was there in one
  transaction (on Spark: one Delta commit per table). Raw data only ever grows, so
  reloading a later copy of the same file lands what was added since, as an EL tool would.
- ``export-marts --target postgres|spark --to FILE.duckdb`` copies every published mart, with
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


def _load(settings: config.Settings, source: Path, schema: str) -> dict[str, int]:
    """The raw tables of ``source`` into the target's ``schema``, per engine."""
    if settings.engine == "spark":
        from lead_funnel import spark  # pyspark: the optional [spark] extra

        settings.state_dir.mkdir(parents=True, exist_ok=True)
        return spark.load_raw(source, settings, schema=schema)
    from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

    postgres.ensure_database()
    return postgres.load_raw(source, schema=schema)


def _export(settings: config.Settings, schemas: list[str], destination: Path) -> dict[str, int]:
    """Every table of the target's ``schemas`` into the same-named schemas of
    ``destination`` (the published marts by default); rows per ``schema.table``."""
    if settings.engine == "spark":
        from lead_funnel import spark  # pyspark: the optional [spark] extra

        return spark.export_schemas(schemas, destination, settings)
    from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

    counts = {}
    for schema in schemas:
        exported = postgres.export_schema(schema, destination, duckdb_schema=schema)
        counts.update({f"{schema}.{table}": rows for table, rows in exported.items()})
    return counts


def cmd_load_raw(args: argparse.Namespace) -> int:
    """Copy the raw tables of a DuckDB file into the target's ``raw`` schema."""
    settings = _server_settings(args, "load-raw")
    if settings is None:
        return EXIT_USAGE
    source = Path(args.source)
    if not source.is_file():
        print(f"lead-funnel load-raw: no DuckDB file at {source}", file=sys.stderr)
        return EXIT_USAGE
    try:
        counts = _load(settings, source, args.schema)
    except Exception as exc:  # the engine's own errors: unreachable, refused, ...
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
    destination = Path(args.destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        counts = _export(settings, args.schema or [MARTS_SCHEMA], destination)
    except Exception as exc:  # the engine's own errors: unreachable, refused, ...
        print(f"lead-funnel export-marts: {exc}".strip(), file=sys.stderr)
        return EXIT_FAILED
    if not counts:
        print(
            f"lead-funnel export-marts: {settings.warehouse} has no tables in "
            f"{', '.join(args.schema or [MARTS_SCHEMA])}; run `lead-funnel run --target ...` first",
            file=sys.stderr,
        )
        return EXIT_FAILED
    for table, rows in counts.items():
        print(f"  {table:<36} {rows:>12,} rows")
    print(f"exported {len(counts)} tables of {settings.warehouse} to {destination}")
    return EXIT_OK
