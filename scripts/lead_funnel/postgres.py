"""Moving tables between DuckDB files and PostgreSQL, exactly and fast.

The PostgreSQL engine (profiles.yml target ``postgres``) reads the raw landing tables from
schema ``raw`` of a PostgreSQL database and builds the marts there. This module moves data
across the engine boundary:

* `load_raw` copies the raw tables of a DuckDB file (what ``lead-funnel generate`` writes)
  into PostgreSQL, replacing them in one transaction;
* `export_schema` copies the tables of a PostgreSQL schema (the marts) into a DuckDB file,
  e.g. to publish them or compare them with the DuckDB build.

Connections come from the standard libpq variables with the defaults of profiles.yml
(`connection_params`); anything else libpq reads from the environment (``PGSSLMODE``,
``~/.pgpass``, ...) applies too.

How the data travels
--------------------
Both directions use CSV through a temporary file (``TMPDIR``) and the engines' bulk paths:
DuckDB ``COPY ... TO`` / ``read_csv`` and PostgreSQL ``COPY ... FROM STDIN`` / ``TO STDOUT``
(about 2 million rows take seconds). The CSV dialect is fixed on both sides: comma, ``"``
quoting with ``""`` inside values, UTF-8, NULL written as the unquoted marker ``\\N`` and
every non-null string quoted. A quoted value is never NULL (PostgreSQL CSV rules; DuckDB
``allow_quoted_nulls = false``), so NULL, ``''``, ``'   '`` and the string ``'\\N'`` stay
distinct, and commas, quotes, backslashes, tabs, newlines and non-ASCII text pass through.
Numbers, dates and timestamps are written in forms the other side parses exactly:
timestamps to the microsecond, decimals with their scale, and doubles as the shortest text
that reads back as the same double (DuckDB always; PostgreSQL 12+ with
``extra_float_digits`` >= 1, set for the export).

Limits: PostgreSQL text cannot hold the NUL character (``chr(0)``); a string containing it
fails the load with PostgreSQL's error (nothing is changed). Dates and timestamps before
year 1 (BC) are not supported.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from lead_funnel.generate import RAW_TABLES
from lead_funnel.publication import WarehouseBusyError

# Defaults of the libpq variables: the same as the `postgres` target of profiles.yml.
DEFAULT_HOST = "localhost"
DEFAULT_PORT = 5432
DEFAULT_USER = "postgres"
DEFAULT_PASSWORD = ""
DEFAULT_DATABASE = "lead_funnel"
APPLICATION_NAME = "lead-funnel"

NULL_MARKER = r"\N"
COPY_BUFFER = 1 << 20  # bytes per read/write between psycopg2 and the temporary file
DUCKDB_MAX_DECIMAL_PRECISION = 38

# DuckDB type -> PostgreSQL type, spelled as PostgreSQL's format_type() prints it (so an
# existing table can be compared column by column). VARCHAR becomes `text`: both are
# unbounded strings, `text` is PostgreSQL's native string type (`varchar` without a length
# is the same thing under another name) and what dbt-postgres uses for strings.
DUCKDB_TO_POSTGRES = {
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp without time zone",
    "DATE": "date",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DOUBLE": "double precision",
    "FLOAT": "real",
}
# PostgreSQL type (format_type() without a length/precision) -> DuckDB type.
POSTGRES_TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "boolean": "BOOLEAN",
    "timestamp without time zone": "TIMESTAMP",
    "date": "DATE",
    "double precision": "DOUBLE",
    "real": "FLOAT",
}
# numeric without precision and scale can hold any number of digits; no DuckDB DECIMAL can
# (at most 38 digits, fixed scale). It becomes DOUBLE, the type the DuckDB build uses for
# computed ratios: 15-17 significant digits, the nearest double to the PostgreSQL value.
# Declare numeric(p, s) (p <= 38) in a model's contract to export it exactly as DECIMAL(p, s).
UNCONSTRAINED_NUMERIC_DUCKDB_TYPE = "DOUBLE"

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_NUMERIC = re.compile(r"^numeric\((\d+),(-?\d+)\)$")
_LENGTH = re.compile(r"^(character varying|character|timestamp)\(\d+\)(.*)$")


class PostgresIOError(RuntimeError):
    """A load or export failed; the target was left as it was."""


@dataclass(frozen=True)
class Column:
    """A column and its type on the source and on the target side."""

    name: str
    source_type: str
    target_type: str


# ------------------------------------------------------------------ connections


def connection_params(database: str | None = None) -> dict[str, Any]:
    """psycopg2/libpq connection keywords from the standard libpq environment variables.

    ``PGHOST`` (default ``localhost``), ``PGPORT`` (5432), ``PGUSER`` (``postgres``),
    ``PGPASSWORD`` (empty) and ``PGDATABASE`` (``lead_funnel``): the same variables and
    defaults as the ``postgres`` target of profiles.yml, so this module and dbt reach the
    same database (a variable set to an empty string is used as is, as dbt's ``env_var``
    does). ``database`` overrides ``PGDATABASE``.
    """
    port_text = os.environ.get("PGPORT", str(DEFAULT_PORT))
    try:
        port = int(port_text)
    except ValueError as exc:
        raise PostgresIOError(f"PGPORT must be a port number, not {port_text!r}") from exc
    return {
        "host": os.environ.get("PGHOST", DEFAULT_HOST),
        "port": port,
        "user": os.environ.get("PGUSER", DEFAULT_USER),
        "password": os.environ.get("PGPASSWORD", DEFAULT_PASSWORD),
        "dbname": database or os.environ.get("PGDATABASE", DEFAULT_DATABASE),
    }


def server_url(database: str | None = None) -> str:
    """``postgres://host:port/database`` of the connection settings (no user, no password)."""
    params = connection_params(database)
    return f"postgres://{params['host']}:{params['port']}/{params['dbname']}"


def connect(database: str | None = None) -> psycopg2.extensions.connection:
    """A new psycopg2 connection (UTF-8, not autocommit) from `connection_params`."""
    params = connection_params(database)
    try:
        conn = psycopg2.connect(**params, fallback_application_name=APPLICATION_NAME)
    except psycopg2.Error as exc:
        where = f"{params['user']}@{params['host']}:{params['port']}/{params['dbname']}"
        raise PostgresIOError(f"cannot connect to PostgreSQL {where}: {exc}".strip()) from exc
    conn.set_client_encoding("UTF8")
    return conn


def ensure_database(name: str | None = None) -> bool:
    """Create database ``name`` (default: `connection_params`' database) if it is missing.

    Connects to the ``postgres`` maintenance database. Returns True when it was created.
    """
    name = name or connection_params()["dbname"]
    with contextlib.closing(connect("postgres")) as conn:
        conn.autocommit = True  # create database cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", [name])
            if cur.fetchone() is not None:
                return False
            try:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            except psycopg2.errors.DuplicateDatabase:
                return False  # created concurrently by someone else
            except psycopg2.Error as exc:
                raise PostgresIOError(f"cannot create database {name!r}: {exc}") from exc
    return True


def recreate_database(name: str) -> None:
    """Drop database ``name`` (closing its connections) and create it empty."""
    with contextlib.closing(connect("postgres")) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


# ------------------------------------------------------------------ helpers


def _duckdb_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duckdb_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _duckdb_catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The quoted catalog of the open file, to qualify names fully: a file named like a
    schema (``marts.duckdb`` with schema ``marts``) makes ``marts.t`` ambiguous."""
    row = con.execute("select current_database()").fetchone()
    return _duckdb_ident(str(row[0]) if row else "memory")


def _qualified(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def _postgres_type(duckdb_type: str, where: str) -> str:
    """The PostgreSQL type (format_type spelling) for a DuckDB column type."""
    if duckdb_type in DUCKDB_TO_POSTGRES:
        return DUCKDB_TO_POSTGRES[duckdb_type]
    match = _DECIMAL.match(duckdb_type)
    if match:
        return f"numeric({match[1]},{match[2]})"
    supported = ", ".join([*DUCKDB_TO_POSTGRES, "DECIMAL(p,s)"])
    raise PostgresIOError(
        f"{where} has DuckDB type {duckdb_type}, which cannot be loaded into PostgreSQL "
        f"(supported: {supported})"
    )


def _duckdb_type(postgres_type: str, where: str) -> str:
    """The DuckDB type for a PostgreSQL column type (format_type spelling)."""
    base = postgres_type
    length = _LENGTH.match(postgres_type)
    if length:  # varchar(n), char(n), timestamp(p) without time zone
        base = length[1] + length[2]
    if base in POSTGRES_TO_DUCKDB:
        return POSTGRES_TO_DUCKDB[base]
    if postgres_type == "numeric":
        return UNCONSTRAINED_NUMERIC_DUCKDB_TYPE
    match = _NUMERIC.match(postgres_type)
    if match:
        precision, scale = int(match[1]), int(match[2])
        if precision <= DUCKDB_MAX_DECIMAL_PRECISION and 0 <= scale <= precision:
            return f"DECIMAL({precision},{scale})"
    supported = ", ".join([*POSTGRES_TO_DUCKDB, "numeric(p,s) with p <= 38", "numeric"])
    raise PostgresIOError(
        f"{where} has PostgreSQL type {postgres_type}, which cannot be exported to DuckDB "
        f"(supported: {supported})"
    )


def _duckdb_columns(
    con: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str]
) -> dict[str, list[Column]]:
    """Columns (DuckDB and PostgreSQL types) of tables or views of a DuckDB schema."""
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? "
        "order by table_name, column_index",
        [schema],
    ).fetchall()
    found: dict[str, list[Column]] = {}
    for table, column, data_type in rows:
        if table in tables:
            where = f"column {schema}.{table}.{column}"
            target = _postgres_type(str(data_type), where)
            found.setdefault(table, []).append(Column(column, str(data_type), target))
    missing = [table for table in tables if table not in found]
    if missing:
        raise PostgresIOError(
            f"table(s) {', '.join(missing)} missing in schema {schema!r} of the DuckDB file"
        )
    return {table: found[table] for table in tables}


def _postgres_columns(cur: psycopg2.extensions.cursor, schema: str, table: str) -> list[Column]:
    """Columns of an existing PostgreSQL table (empty when it does not exist)."""
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_attribute as a "
        "join pg_class as c on c.oid = a.attrelid "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        [schema, table],
    )
    return [Column(name, postgres_type, "") for name, postgres_type in cur.fetchall()]


@contextlib.contextmanager
def _scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lead_funnel_pgio-") as name:
        yield Path(name)


def _csv_options_duckdb_write(columns: Sequence[Column]) -> str:
    strings = [_duckdb_ident(c.name) for c in columns if c.source_type == "VARCHAR"]
    force_quote = f", force_quote ({', '.join(strings)})" if strings else ""
    return (
        "format csv, header false, delimiter ',', quote '\"', escape '\"', "
        f"nullstr {_duckdb_literal(NULL_MARKER)}{force_quote}"
    )


# ------------------------------------------------------------------ DuckDB -> PostgreSQL


def load_raw(
    duckdb_path: str | os.PathLike[str],
    *,
    schema: str = "raw",
    tables: Sequence[str] = RAW_TABLES,
    database: str | None = None,
    drop_dependents: bool = False,
) -> dict[str, int]:
    """Copy raw tables from schema ``schema`` of a DuckDB file into the same-named schema of
    PostgreSQL, replacing them, and return the rows copied per table.

    Every column keeps its type (`DUCKDB_TO_POSTGRES`; DECIMAL(p,s) -> numeric(p,s)); an
    unsupported type is an error. Values arrive exactly (see the module docstring). The
    schema is created if missing. All tables are replaced in ONE transaction: a reader sees
    the old tables or the new ones, never a mix or a half-loaded table, and on any error
    nothing changes. A table whose columns (names and types, in order) are unchanged is
    emptied (``truncate``) and refilled, so views built on it (dbt's staging views) stay; a
    new table or one whose columns changed (e.g. a typed landing replaced by an all-text
    one) is dropped and created. Dropping refuses when other objects depend on the table,
    unless ``drop_dependents`` (``drop ... cascade``; dbt re-creates its views on the next
    build). Other tables of the schema are left alone.

    Args:
        duckdb_path: the DuckDB file (opened read-only).
        schema: schema of the raw tables, in DuckDB and in PostgreSQL.
        tables: the tables to copy (default: the ten raw tables of SPEC section 1).
        database: PostgreSQL database (default: ``PGDATABASE``, see `connection_params`);
            it must exist (`ensure_database`).
        drop_dependents: drop objects depending on a table that must be re-created.

    Raises:
        PostgresIOError: a missing file or table (all missing tables are named), an
            unsupported type, a connection or PostgreSQL error.
    """
    path = Path(duckdb_path)
    if not path.is_file():
        raise PostgresIOError(f"DuckDB file {path} does not exist")
    tables = list(dict.fromkeys(tables))
    with _scratch_dir() as scratch:
        exported = _export_from_duckdb(path, schema, tables, scratch)
        return _load_into_postgres(exported, schema, database, drop_dependents)


@dataclass(frozen=True)
class _Exported:
    table: str
    columns: list[Column]
    csv_path: Path
    rows: int


def _export_from_duckdb(
    path: Path, schema: str, tables: Sequence[str], scratch: Path
) -> list[_Exported]:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise PostgresIOError(f"cannot open DuckDB file {path}: {exc}") from exc
    with contextlib.closing(con):
        con.execute("begin transaction")  # one snapshot for every table
        catalog = _duckdb_catalog(con)
        exported = []
        for table, columns in _duckdb_columns(con, schema, tables).items():
            csv_path = scratch / f"{len(exported)}.csv"
            select_list = ", ".join(_duckdb_ident(c.name) for c in columns)
            result = con.execute(
                f"copy (select {select_list} "
                f"from {catalog}.{_duckdb_ident(schema)}.{_duckdb_ident(table)}) "
                f"to {_duckdb_literal(str(csv_path))} ({_csv_options_duckdb_write(columns)})"
            ).fetchone()
            rows = int(result[0]) if result else 0
            exported.append(_Exported(table, columns, csv_path, rows))
        con.execute("commit")
    return exported


def _replace_table(
    cur: psycopg2.extensions.cursor,
    schema: str,
    item: _Exported,
    drop_dependents: bool,
) -> None:
    """Empty the table when its columns are unchanged, else (re-)create it."""
    target = _qualified(schema, item.table)
    existing = [(c.name, c.source_type) for c in _postgres_columns(cur, schema, item.table)]
    wanted = [(c.name, c.target_type) for c in item.columns]
    if existing == wanted:
        cur.execute(sql.SQL("truncate table {}").format(target))
        return
    if existing:
        drop = "drop table {} cascade" if drop_dependents else "drop table {}"
        try:
            cur.execute(sql.SQL(drop).format(target))
        except psycopg2.errors.DependentObjectsStillExist as exc:
            detail = (exc.diag.message_detail or "").replace("\n", "; ")
            raise PostgresIOError(
                f"cannot replace {schema}.{item.table}: its columns changed and other objects "
                f"depend on it ({detail}); drop them (dbt re-creates its views) or pass "
                "drop_dependents=True"
            ) from exc
    column_defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.target_type))
        for c in item.columns
    )
    cur.execute(sql.SQL("create table {} ({})").format(target, column_defs))


def _load_into_postgres(
    exported: Iterable[_Exported], schema: str, database: str | None, drop_dependents: bool
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with contextlib.closing(connect(database)) as conn:
        table = ""
        try:
            with conn, conn.cursor() as cur:  # one transaction: commit or roll back
                cur.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                )
                for item in exported:
                    table = item.table
                    _replace_table(cur, schema, item, drop_dependents)
                    copy = sql.SQL(
                        "copy {} ({}) from stdin with (format csv, header false, "
                        "delimiter ',', quote '\"', escape '\"', null {}, encoding 'UTF8', "
                        "freeze true)"
                    ).format(
                        _qualified(schema, item.table),
                        sql.SQL(", ").join(sql.Identifier(c.name) for c in item.columns),
                        sql.Literal(NULL_MARKER),
                    )
                    with item.csv_path.open("rb") as source:
                        cur.copy_expert(copy.as_string(cur), source, size=COPY_BUFFER)
                    if cur.rowcount != item.rows:
                        raise PostgresIOError(
                            f"{schema}.{item.table}: PostgreSQL loaded {cur.rowcount} rows, "
                            f"the DuckDB file has {item.rows}"
                        )
                    cur.execute(sql.SQL("analyze {}").format(_qualified(schema, item.table)))
                    counts[item.table] = item.rows
        except psycopg2.Error as exc:
            raise PostgresIOError(
                f"loading {schema}.{table} into PostgreSQL failed (nothing was changed): "
                f"{exc}".strip()
            ) from exc
    return counts


# ------------------------------------------------------------------ PostgreSQL -> DuckDB


def export_schema(
    pg_schema: str,
    duckdb_path: str | os.PathLike[str],
    *,
    duckdb_schema: str = "marts",
    tables: Sequence[str] | None = None,
    database: str | None = None,
) -> dict[str, int]:
    """Copy the base tables of a PostgreSQL schema into a DuckDB file; rows per table.

    Every base table of ``pg_schema`` (or only ``tables``) becomes a table of the same name
    in schema ``duckdb_schema`` of the DuckDB file (file and schema created if missing, a
    same-named table replaced, other tables left alone). Types map exactly
    (`POSTGRES_TO_DUCKDB`; numeric(p,s) -> DECIMAL(p,s); numeric without precision ->
    DOUBLE, see `UNCONSTRAINED_NUMERIC_DUCKDB_TYPE`); another type is an error. All tables
    are read from one PostgreSQL snapshot (a repeatable-read, read-only transaction) and
    written in one DuckDB transaction: a reader of the file sees all old or all new tables.

    Args:
        pg_schema: the PostgreSQL schema, e.g. the one dbt builds the marts into.
        duckdb_path: the DuckDB file (must not be open by another process).
        duckdb_schema: the schema to write in the DuckDB file.
        tables: the tables to copy (default: every base table of ``pg_schema``).
        database: PostgreSQL database (default: ``PGDATABASE``, see `connection_params`).

    Raises:
        PostgresIOError: a missing schema or table, an unsupported type, a connection,
            PostgreSQL or DuckDB error; the DuckDB file is then unchanged.
    """
    with _scratch_dir() as scratch:
        exported = _export_from_postgres(pg_schema, tables, database, scratch)
        return _load_into_duckdb(exported, Path(duckdb_path), duckdb_schema)


def _export_from_postgres(
    schema: str, tables: Sequence[str] | None, database: str | None, scratch: Path
) -> list[_Exported]:
    exported: list[_Exported] = []
    with contextlib.closing(connect(database)) as conn:
        conn.set_session(
            isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True
        )
        try:
            with conn, conn.cursor() as cur:
                # Shortest exact floats, ISO dates: the text DuckDB parses back exactly.
                cur.execute("set local extra_float_digits = 1")
                cur.execute("set local datestyle = 'ISO, YMD'")
                cur.execute("select 1 from pg_namespace where nspname = %s", [schema])
                if cur.fetchone() is None:
                    raise PostgresIOError(f"PostgreSQL schema {schema!r} does not exist")
                cur.execute(
                    "select c.relname from pg_class as c "
                    "join pg_namespace as n on n.oid = c.relnamespace "
                    "where n.nspname = %s and c.relkind in ('r', 'p') and not c.relispartition "
                    "order by c.relname",
                    [schema],
                )
                available = [row[0] for row in cur.fetchall()]
                if tables is None:
                    tables = available
                missing = [table for table in tables if table not in available]
                if missing:
                    raise PostgresIOError(
                        f"table(s) {', '.join(missing)} missing in PostgreSQL schema {schema!r}"
                    )
                for table in dict.fromkeys(tables):
                    columns = [
                        Column(
                            c.name,
                            c.source_type,
                            _duckdb_type(c.source_type, f"column {schema}.{table}.{c.name}"),
                        )
                        for c in _postgres_columns(cur, schema, table)
                    ]
                    csv_path = scratch / f"{len(exported)}.csv"
                    copy = sql.SQL(
                        "copy (select {} from {}) to stdout with (format csv, header false, "
                        "delimiter ',', quote '\"', escape '\"', null {}, encoding 'UTF8', "
                        "force_quote *)"
                    ).format(
                        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
                        _qualified(schema, table),
                        sql.Literal(NULL_MARKER),
                    )
                    with csv_path.open("wb") as target:
                        cur.copy_expert(copy.as_string(cur), target, size=COPY_BUFFER)
                    exported.append(_Exported(table, columns, csv_path, cur.rowcount))
        except psycopg2.Error as exc:
            raise PostgresIOError(
                f"reading schema {schema!r} from PostgreSQL failed: {exc}"
            ) from exc
    return exported


def _load_into_duckdb(exported: Sequence[_Exported], path: Path, schema: str) -> dict[str, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise PostgresIOError(f"cannot open DuckDB file {path}: {exc}") from exc
    counts: dict[str, int] = {}
    with contextlib.closing(con):
        try:
            con.execute("begin transaction")
            catalog = _duckdb_catalog(con)
            con.execute(f"create schema if not exists {catalog}.{_duckdb_ident(schema)}")
            for item in exported:
                target = f"{catalog}.{_duckdb_ident(schema)}.{_duckdb_ident(item.table)}"
                column_defs = ", ".join(
                    f"{_duckdb_ident(c.name)} {c.target_type}" for c in item.columns
                )
                con.execute(f"create or replace table {target} ({column_defs})")
                column_types = ", ".join(
                    f"{_duckdb_literal(c.name)}: {_duckdb_literal(c.target_type)}"
                    for c in item.columns
                )
                result = con.execute(
                    f"insert into {target} select * from read_csv("
                    f"{_duckdb_literal(str(item.csv_path))}, columns = {{{column_types}}}, "
                    "header = false, auto_detect = false, delim = ',', quote = '\"', "
                    f"escape = '\"', nullstr = {_duckdb_literal(NULL_MARKER)}, "
                    "allow_quoted_nulls = false)"
                ).fetchone()
                rows = int(result[0]) if result else 0
                if rows != item.rows:
                    raise PostgresIOError(
                        f"{schema}.{item.table}: DuckDB read {rows} rows, "
                        f"PostgreSQL exported {item.rows}"
                    )
                counts[item.table] = rows
            con.execute("commit")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            if isinstance(exc, duckdb.Error):
                raise PostgresIOError(f"writing into DuckDB file {path} failed: {exc}") from exc
            raise
    return counts


# ------------------------------------------------------------------ one run at a time

# The advisory lock every lead-funnel run or publish on a database holds while it works
# (two 32-bit keys: the project, and what is locked), whatever machine it runs on.
RUN_LOCK_KEYS = (0x4C46_554E, 1)  # "LFUN", the warehouse


def _lock_holder(cur: psycopg2.extensions.cursor) -> str:
    cur.execute(
        "select a.application_name, coalesce(host(a.client_addr), 'local'), a.backend_start "
        "from pg_locks as l join pg_stat_activity as a on a.pid = l.pid "
        "where l.locktype = 'advisory' and l.classid = %s and l.objid = %s and l.granted",
        list(RUN_LOCK_KEYS),
    )
    row = cur.fetchone()
    if row is None:
        return "another session"
    return f"{row[0] or 'a session'} from {row[1]}, connected since {row[2]:%Y-%m-%d %H:%M:%S}"


@contextlib.contextmanager
def warehouse_lock(run_id: str, *, wait: bool = False, timeout: float = 0.0) -> Iterator[None]:
    """Hold the database's lead-funnel advisory lock (a session of its own) while inside.

    The run lock file only guards one machine; this guards the database, for schedulers on
    several machines. Raises :class:`WarehouseBusyError` naming the holder when it is taken
    (after ``timeout`` seconds of retrying with ``wait``).
    """
    con = connect()
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("set application_name = %s", [f"lead-funnel {run_id}"])
            deadline = time.monotonic() + timeout
            while True:
                cur.execute("select pg_try_advisory_lock(%s, %s)", list(RUN_LOCK_KEYS))
                if cur.fetchone()[0]:
                    break
                if not wait or time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"another lead-funnel run holds the lock of {server_url()}: "
                        f"{_lock_holder(cur)}"
                    )
                time.sleep(2)
        yield
    finally:
        con.close()  # ends the session, which releases the lock
