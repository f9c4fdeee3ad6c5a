"""Publish the marts for BI tools: a separate DuckDB file, replaced atomically.

Every table of schema ``marts`` in the build file is copied into a NEW DuckDB file next to
the published path, together with ``marts._publication`` (one row per mart: run id, as_of,
rule set, publication time, row count). The new file is fsynced and then moved over the
old one with ``os.replace`` (and the directory fsynced), so a reader that opens the
published path read-only always sees one complete version: the previous or the new one.
Readers never block the build, and the build never blocks readers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

import duckdb

from lead_funnel import config, runlog
from lead_funnel.config import ConfigError
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from lead_funnel.publication import MARTS_SCHEMA, PUBLICATION_TABLE, Publication, PublishError
from lead_funnel.session import NotStarted, Refusal, Session
from lead_funnel.timefmt import format_ts, parse_as_of, utc_now


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Names of the base tables in schema ``marts`` of an attached database."""
    rows = con.execute(
        "select table_name from duckdb_tables() "
        "where database_name = ? and schema_name = ? and not temporary "
        "order by table_name",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows if r[0] != PUBLICATION_TABLE]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    if row is None:
        raise PublishError(f"no result for {sql!r}")
    return row[0]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(str(_scalar(con, f"select count(*) from {relation}")))


def count_mart_rows(build_path: Path) -> dict[str, int]:
    """Row counts of every mart table in the build file (opened read-only)."""
    with contextlib.closing(duckdb.connect(str(build_path), read_only=True)) as con:
        catalog = str(_scalar(con, "select current_database()"))
        return {
            table: _count(con, f"{MARTS_SCHEMA}.{_quote_ident(table)}")
            for table in mart_tables(con, catalog)
        }


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_prefix(publish_path: Path) -> str:
    return f".{publish_path.name}.tmp-"


def remove_leftovers(publish_path: Path) -> list[Path]:
    """Delete temporary files a killed publish left next to the published file.

    Only call this while holding the run lock (no other publish can be writing).
    """
    removed = []
    if publish_path.parent.exists():
        for leftover in publish_path.parent.glob(_temp_prefix(publish_path) + "*"):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def publish(
    build_path: Path,
    publish_path: Path,
    *,
    run_id: str,
    as_of: str | None,
    rule_set_id: str | None,
    selector: str | None = None,
) -> Publication:
    """Copy every mart table of ``build_path`` into a new file and swap it in atomically.

    ``selector`` records a partial rebuild (``run --select``): every mart is published,
    but only the selected ones were rebuilt as of ``as_of``. The caller holds the run lock
    (nothing writes the build file meanwhile). On any error the temporary file is removed
    and the published file is left as it was. The file is made read-only (mode 0444).
    """
    if not build_path.exists():
        raise PublishError(f"build file {build_path} does not exist; run `lead-funnel run` first")
    publish_path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(publish_path)
    tmp = publish_path.with_name(f"{_temp_prefix(publish_path)}{run_id}")
    published_at = format_ts(utc_now())
    try:
        with contextlib.closing(duckdb.connect(str(tmp))) as con:
            con.execute(f"attach {_quote_literal(str(build_path))} as build (read_only)")
            tables = mart_tables(con, "build")
            if not tables:
                raise PublishError(
                    f"the build file {build_path} has no tables in schema {MARTS_SCHEMA}; "
                    "nothing to publish (did the build run?)"
                )
            con.execute(f"create schema {MARTS_SCHEMA}")
            counts: dict[str, int] = {}
            for table in tables:
                target = f"{MARTS_SCHEMA}.{_quote_ident(table)}"
                con.execute(
                    f"create table {target} as "
                    f"select * from build.{MARTS_SCHEMA}.{_quote_ident(table)}"
                )
                counts[table] = _count(con, target)
            con.execute("detach build")
            con.execute(
                f"create table {MARTS_SCHEMA}.{PUBLICATION_TABLE} ("
                "run_id varchar not null, as_of timestamp, rule_set_id varchar, "
                "selector varchar, published_at timestamp not null, "
                "table_name varchar not null, row_count bigint not null)"
            )
            con.executemany(
                f"insert into {MARTS_SCHEMA}.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
                [
                    [run_id, as_of, rule_set_id, selector, published_at, table, rows]
                    for table, rows in counts.items()
                ],
            )
            con.execute("checkpoint")
        wal = tmp.with_name(tmp.name + ".wal")
        if wal.exists():  # close() checkpoints; a WAL left here would be a DuckDB bug
            raise PublishError(f"DuckDB left a write-ahead log {wal}; not publishing")
        tmp.chmod(0o444)  # BI tools read it; nobody should open it for writing
        _fsync_path(tmp)
        # A WAL next to the published file can only come from someone writing to it; it
        # belongs to the old file and must not be replayed onto the new one.
        publish_path.with_name(publish_path.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, publish_path)
        _fsync_path(publish_path.parent, directory=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    return Publication(
        path=str(publish_path),
        run_id=run_id,
        as_of=as_of,
        rule_set_id=rule_set_id,
        published_at=published_at,
        row_counts=counts,
    )


def publish_marts(
    settings: config.Settings,
    *,
    run_id: str,
    as_of: str | None,
    rule_set_id: str | None,
    selector: str | None = None,
) -> Publication:
    """Publish the built marts of the settings' target: a DuckDB file, or a server schema."""
    if settings.engine == "postgres":
        from lead_funnel import publish_postgres  # psycopg2: the optional [postgres] extra

        return publish_postgres.publish(
            run_id=run_id, as_of=as_of, rule_set_id=rule_set_id, selector=selector
        )
    if settings.engine == "spark":
        from lead_funnel import publish_spark  # pyspark: the optional [spark] extra

        return publish_spark.publish(
            settings, run_id=run_id, as_of=as_of, rule_set_id=rule_set_id, selector=selector
        )
    return publish(
        settings.duckdb_path,
        settings.publish_path,
        run_id=run_id,
        as_of=as_of,
        rule_set_id=rule_set_id,
        selector=selector,
    )


def count_built_marts(settings: config.Settings) -> dict[str, int]:
    """Row counts of every mart the last build wrote (not necessarily published)."""
    if settings.engine == "postgres":
        from lead_funnel import publish_postgres  # psycopg2: the optional [postgres] extra

        return publish_postgres.count_built_marts()
    if settings.engine == "spark":
        from lead_funnel import publish_spark  # pyspark: the optional [spark] extra

        return publish_spark.count_built_marts(settings)
    return count_mart_rows(settings.duckdb_path)


def published_version(settings: config.Settings) -> Publication | None:
    """What readers of the settings' target see now (None when nothing is published)."""
    if settings.engine == "postgres":
        from lead_funnel import publish_postgres  # psycopg2: the optional [postgres] extra

        return publish_postgres.read_publication()
    if settings.engine == "spark":
        from lead_funnel import publish_spark  # pyspark: the optional [spark] extra

        return publish_spark.read_publication(settings)
    return read_publication(settings.publish_path)


def read_publication(path: Path) -> Publication | None:
    """Read ``marts._publication`` from a published file (None when absent or unreadable)."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(duckdb.connect(str(path), read_only=True)) as con:
            rows = con.execute(
                "select run_id, strftime(as_of, '%Y-%m-%d %H:%M:%S'), rule_set_id, "
                "strftime(published_at, '%Y-%m-%d %H:%M:%S'), table_name, row_count "
                f"from {MARTS_SCHEMA}.{PUBLICATION_TABLE} order by table_name"
            ).fetchall()
    except duckdb.Error:
        return None
    return Publication.from_rows(str(path), rows)


# What `publish` says when it cannot start (after why).
REFUSAL = Refusal(
    locked="retry later, wait with --wait, or see `lead-funnel status`",
    warehouse_busy="retry later or wait with --wait",
)


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the current build under the run lock and record it in the run log."""
    session = Session("publish", args.log_format)
    try:
        settings = session.load_settings(args)
        as_of = parse_as_of(args.as_of) if args.as_of else None
    except ConfigError as exc:
        session.log.error(str(exc))
        return EXIT_USAGE
    if settings.engine == "duckdb" and not settings.duckdb_path.exists():
        session.log.error(
            f"no build file at {settings.duckdb_path}; build one with `lead-funnel run`"
        )
        return EXIT_USAGE
    record = session.record(
        publish_path=str(settings.publish_path) if settings.engine == "duckdb" else None
    )
    try:
        with session.recorded(record, wait=args.wait, timeout=args.wait_timeout, refusal=REFUSAL):
            return _publish_locked(session, as_of, args.rule_set, force=args.force)
    except NotStarted as exc:
        return exc.exit_code


def _publish_locked(
    session: Session, as_of: str | None, rule_set: str | None, *, force: bool
) -> int:
    """Publish under the run lock, unless the latest run may have left half-built marts.

    ``as_of`` and ``rule_set`` describe a build made outside the runner (None: the latest
    run's).
    """
    log = session.log
    latest = session.runs.latest_build()
    if latest is not None and latest.status != runlog.SUCCESS and not force:
        message = (
            f"the latest run {latest.run_id} ended '{latest.status}', so the build file may "
            "hold half-rebuilt marts; not publishing. Rerun `lead-funnel run`, or use "
            "`lead-funnel publish --force` if you know the build is good"
        )
        log.error(message)
        session.finish(runlog.FAILED, message)
        return EXIT_FAILED
    if latest is None and not (as_of and rule_set):
        log.warning(
            "no run of the runner is recorded for this build file; pass --as-of and "
            "--rule-set to record what the build was evaluated at"
        )
    # The version is the run that built the marts, unless the caller describes a build
    # made elsewhere (--as-of / --rule-set): then it is this publish's own id.
    describes_latest = latest is not None and not (as_of or rule_set)
    as_of = as_of or (latest.as_of if latest else None)
    rule_set = rule_set or (latest.rule_set if latest else None)
    session.update(step="publish", as_of=as_of, rule_set=rule_set)
    log.step("publish", "start")
    step_started = time.monotonic()
    try:
        result = publish_marts(
            session.settings,
            run_id=latest.run_id if describes_latest and latest else session.run_id,
            as_of=as_of,
            rule_set_id=rule_set,
            selector=latest.selector if describes_latest and latest else None,
        )
    except (PublishError, duckdb.Error, OSError) as exc:
        message = f"publish failed: {exc}; the published marts are unchanged"
        log.step("publish", "failed", time.monotonic() - step_started)
        log.error(message)
        session.finish(runlog.FAILED, message)
        return EXIT_FAILED
    log.step(
        "publish",
        "ok",
        time.monotonic() - step_started,
        path=result.path,
        version=result.run_id,
        marts=len(result.row_counts),
        rows=sum(result.row_counts.values()),
    )
    session.finish(runlog.SUCCESS, None, mart_rows=result.row_counts, published=True)
    return EXIT_OK
