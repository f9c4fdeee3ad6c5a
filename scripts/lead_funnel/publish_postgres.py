"""Publish the marts on PostgreSQL: the built schema becomes ``marts`` in one transaction.

dbt builds the marts of a server target in schema ``marts_build`` (macro
``generate_schema_name``), never in the ``marts`` readers use. Publishing:

1. in one transaction: copy into ``marts_build`` any mart the build did not write (a
   ``--select`` run rebuilds only some; the others stay as published), write
   ``marts_build._publication`` (run id, as_of, rule set, row count per mart), grant the
   reporting role ``lead_funnel_reader`` read access to ``marts_build`` (creating the role
   when it is missing), then rename ``marts`` to ``marts_retired_<run id>`` and
   ``marts_build`` to ``marts``. Readers see the old set or the new one, never a mix:
   renaming schemas takes no lock on their tables, so a query already reading the old
   version runs on undisturbed, and every query started after the commit reads the new;
2. then drop the retired schemas, each only if no reader still holds one of its tables
   (``lock_timeout``): one still in use is left for a later publish to drop.

The reporting role can read the published marts and nothing else: it gets ``usage`` on
schema ``marts`` and ``select`` on its tables only, and no privilege on ``raw``, staging,
intermediate, seeds or ``marts_build``, and nothing to write with. BI users log in as
members of it (``create role bi login in role lead_funnel_reader``).

Publishing consumes ``marts_build``: the next ``dbt build`` writes the marts again.
"""

from __future__ import annotations

import re

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from lead_funnel import postgres
from lead_funnel.publication import MARTS_SCHEMA, PUBLICATION_TABLE, Publication, PublishError
from lead_funnel.timefmt import format_ts, utc_now

BUILD_SCHEMA = "marts_build"
RETIRED_PREFIX = "marts_retired_"
READER_ROLE = "lead_funnel_reader"
DROP_LOCK_TIMEOUT = "2s"


def _sql(template: str, *names: str) -> sql.Composed:
    """``template`` with its ``{}`` filled by ``names``, quoted as identifiers."""
    return sql.SQL(template).format(*map(sql.Identifier, names))


def _tables(cur: psycopg2.extensions.cursor, schema: str) -> list[str]:
    cur.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' and table_name != %s "
        "order by table_name",
        [schema, PUBLICATION_TABLE],
    )
    return [row[0] for row in cur.fetchall()]


def _row_counts(cur: psycopg2.extensions.cursor, schema: str) -> dict[str, int]:
    """The row count of every table of ``schema`` (but ``_publication``)."""
    counts = {}
    for table in _tables(cur, schema):
        cur.execute(_sql("select count(*) from {}.{}", schema, table))
        counts[table] = int(cur.fetchone()[0])
    return counts


def _schema_exists(cur: psycopg2.extensions.cursor, schema: str) -> bool:
    cur.execute("select 1 from pg_namespace where nspname = %s", [schema])
    return cur.fetchone() is not None


def ensure_reader_role(cur: psycopg2.extensions.cursor) -> None:
    """Create the reporting role (no login, no privileges of its own) when it is missing."""
    cur.execute("select 1 from pg_roles where rolname = %s", [READER_ROLE])
    if cur.fetchone() is not None:
        return
    try:
        cur.execute(_sql("create role {} nologin", READER_ROLE))
    except psycopg2.errors.InsufficientPrivilege as exc:
        raise PublishError(
            f"the reporting role {READER_ROLE} does not exist and this user may not create "
            f"roles; have an administrator run `create role {READER_ROLE} nologin`"
        ) from exc


def publish(
    *,
    run_id: str,
    as_of: str | None,
    rule_set_id: str | None,
    selector: str | None = None,
) -> Publication:
    """Swap the built marts in as schema ``marts`` (see the module docstring).

    Raises :class:`PublishError` when there is nothing built to publish or the server
    refuses; then nothing changed.
    """
    published_at = format_ts(utc_now())
    retired = RETIRED_PREFIX + re.sub(r"[^a-z0-9]", "_", run_id.lower())
    try:
        con = postgres.connect()
    except (psycopg2.Error, postgres.PostgresIOError) as exc:
        raise PublishError(str(exc).strip()) from exc
    try:
        with con, con.cursor() as cur:
            if not _schema_exists(cur, BUILD_SCHEMA) or not _tables(cur, BUILD_SCHEMA):
                raise PublishError(
                    f"schema {BUILD_SCHEMA} holds no marts: nothing was built since the last "
                    "publish; run `lead-funnel run --target postgres`"
                )
            published = _tables(cur, MARTS_SCHEMA) if _schema_exists(cur, MARTS_SCHEMA) else []
            built = set(_tables(cur, BUILD_SCHEMA))
            for table in published:
                if table not in built:  # not rebuilt by a --select run: keep the published one
                    cur.execute(
                        _sql(
                            "create table {}.{} as table {}.{}",
                            BUILD_SCHEMA,
                            table,
                            MARTS_SCHEMA,
                            table,
                        )
                    )
            counts = _row_counts(cur, BUILD_SCHEMA)
            cur.execute(
                _sql(
                    "create table {}.{} (run_id text not null, as_of timestamp, "
                    "rule_set_id text, selector text, published_at timestamp not null, "
                    "table_name text not null, row_count bigint not null)",
                    BUILD_SCHEMA,
                    PUBLICATION_TABLE,
                )
            )
            cur.executemany(
                _sql(
                    "insert into {}.{} values (%s, %s, %s, %s, %s, %s, %s)",
                    BUILD_SCHEMA,
                    PUBLICATION_TABLE,
                ),
                [
                    [run_id, as_of, rule_set_id, selector, published_at, table, rows]
                    for table, rows in counts.items()
                ],
            )
            ensure_reader_role(cur)
            cur.execute(_sql("grant usage on schema {} to {}", BUILD_SCHEMA, READER_ROLE))
            cur.execute(
                _sql("grant select on all tables in schema {} to {}", BUILD_SCHEMA, READER_ROLE)
            )
            if published or _schema_exists(cur, MARTS_SCHEMA):
                cur.execute(_sql("alter schema {} rename to {}", MARTS_SCHEMA, retired))
            cur.execute(_sql("alter schema {} rename to {}", BUILD_SCHEMA, MARTS_SCHEMA))
        drop_retired(con)
    except psycopg2.Error as exc:
        raise PublishError(f"PostgreSQL refused: {exc}".strip()) from exc
    finally:
        con.close()
    return Publication(
        path=f"{postgres.server_url()} schema {MARTS_SCHEMA}",
        run_id=run_id,
        as_of=as_of,
        rule_set_id=rule_set_id,
        published_at=published_at,
        row_counts=counts,
    )


def drop_retired(con: psycopg2.extensions.connection) -> list[str]:
    """Drop every retired marts schema no reader is using; return the ones dropped."""
    dropped = []
    with con.cursor() as cur:
        cur.execute(
            "select nspname from pg_namespace where nspname like %s order by nspname",
            [RETIRED_PREFIX.replace("_", r"\_") + "%"],
        )
        schemas = [row[0] for row in cur.fetchall()]
    for schema in schemas:
        try:
            with con, con.cursor() as cur:
                cur.execute(
                    sql.SQL("set local lock_timeout = {}").format(sql.Literal(DROP_LOCK_TIMEOUT))
                )
                cur.execute(_sql("drop schema {} cascade", schema))
            dropped.append(schema)
        except psycopg2.errors.LockNotAvailable:
            continue  # a reader still queries the old version: a later publish drops it
    return dropped


def count_built_marts() -> dict[str, int]:
    """Row counts of every mart in ``marts_build`` (a build not published yet)."""
    with postgres.connect() as con, con.cursor() as cur:
        return _row_counts(cur, BUILD_SCHEMA)


def read_publication() -> Publication | None:
    """What ``marts`` holds now, from ``marts._publication`` (None when nothing is)."""
    try:
        with postgres.connect() as con, con.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "select run_id, to_char(as_of, 'YYYY-MM-DD HH24:MI:SS'), rule_set_id, "
                    "to_char(published_at, 'YYYY-MM-DD HH24:MI:SS'), table_name, row_count "
                    "from {}.{} order by table_name"
                ).format(sql.Identifier(MARTS_SCHEMA), sql.Identifier(PUBLICATION_TABLE))
            )
            rows = cur.fetchall()
    except (psycopg2.Error, postgres.PostgresIOError):  # nothing published, or unreachable
        return None
    return Publication.from_rows(f"{postgres.server_url()} schema {MARTS_SCHEMA}", rows)
