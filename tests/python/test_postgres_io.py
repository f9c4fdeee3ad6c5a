"""Moving tables between DuckDB and a real (private) PostgreSQL server: `lead_funnel.postgres`.

No mocks: every test talks to the session's private server (`postgres_fixtures`) in a
database of its own, and every value is compared exactly (NULL vs '' vs spaces, doubles bit
for bit, timestamps to the microsecond, column types).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lead_funnel import postgres as pgio
from lead_funnel.generate import RAW_TABLES, generate_raw
from postgres_server import PostgresServer

pytestmark = pytest.mark.build

PROJECT_DIR = Path(__file__).resolve().parents[2]
START = dt.date(2025, 1, 1)
# Independent of the module's own mapping on purpose.
POSTGRES_TYPE_OF = {
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp without time zone",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DECIMAL(18,2)": "numeric(18,2)",
}
NASTY_STRINGS: list[str | None] = [
    None,
    "",
    "   ",
    "a,b",
    'say "hi"',
    '"',
    '""',
    "back\\slash",
    "tab\tnew\nline",
    "crlf\r\nend",
    "Plzeň ž",
    "emoji 😀",
    "N/A",
    "\\N",
    "\\N ",
    "NULL",
    " trailing ",
    ",",
]
DOUBLES: list[float | None] = [
    0.1,
    1 / 3,
    1e-300,
    123456789.123456789,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -0.0,
    0.0,
    math.pi,
    -2.5e-17,
    9007199254740993.0,
    math.inf,
    -math.inf,
    math.nan,
    None,
]


# ------------------------------------------------------------------ helpers and fixtures


@pytest.fixture
def database(
    postgres_env: PostgresServer,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """A fresh database of the private server for this test, also set as PGDATABASE."""
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:55]
    postgres_env.create_database(name)
    monkeypatch.setenv("PGDATABASE", name)
    return name


@pytest.fixture(scope="module")
def raw_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small generated landings with every kind of mess: typed and all-text."""
    folder = tmp_path_factory.mktemp("raw")
    files = {}
    for mode in ("typed", "text"):
        path = folder / f"{mode}.duckdb"
        generate_raw(
            path, leads=300, days=60, start_date=START, seed=11, text=mode == "text", mess_rate=0.05
        )
        files[mode] = path
    return files


def _duckdb_file(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return path


def _raw_table(path: Path, columns: str, rows: Sequence[Sequence[object]] = ()) -> Path:
    """A DuckDB file holding one table, ``raw.<file stem>`` (``columns``), with ``rows``."""
    table = f"raw.{path.stem}"
    _duckdb_file(path, "create schema raw", f"create table {table} ({columns})")
    if rows:
        with duckdb.connect(str(path)) as con:
            con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)
    return path


def _duckdb_rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(query).fetchall()


def _duckdb_types(path: Path, schema: str) -> list[tuple[str, str, str]]:
    return [
        (str(t), str(c), str(d))
        for t, c, d in _duckdb_rows(
            path,
            "select table_name, column_name, data_type from duckdb_columns() "
            f"where schema_name = '{schema}' order by table_name, column_index",
        )
    ]


def _pg_execute(server: PostgresServer, database: str, *statements: str) -> None:
    """Run ``statements`` in ``database``, in one transaction."""
    conn = server.connect(database)
    try:
        with conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def _pg_rows(server: PostgresServer, database: str, query: str) -> list[tuple[object, ...]]:
    conn = server.connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        conn.close()


def _pg_types(server: PostgresServer, database: str, schema: str) -> list[tuple[str, str, str]]:
    rows = _pg_rows(
        server,
        database,
        "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_attribute as a join pg_class as c on c.oid = a.attrelid "
        "join pg_namespace as n on n.oid = c.relnamespace "
        f"where n.nspname = '{schema}' and c.relkind = 'r' and a.attnum > 0 "
        "and not a.attisdropped order by c.relname, a.attnum",
    )
    return [(str(t), str(c), str(d)) for t, c, d in rows]


def _assert_same_tables(
    left: Path, right: Path, tables: Sequence[str], schema: str = "raw"
) -> None:
    """Every row of every table equal both ways (``except all``) and equal column types."""
    assert _duckdb_types(left, schema) == _duckdb_types(right, schema)
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        for table in tables:
            for a, b in (("l", "r"), ("r", "l")):
                extra = con.execute(
                    f"select * from {a}.{schema}.{table} except all "
                    f"select * from {b}.{schema}.{table} limit 5"
                ).fetchall()
                assert extra == [], f"{table}: rows of {a} missing in {b}: {extra}"
            counts = [
                con.execute(f"select count(*) from {side}.{schema}.{table}").fetchall()[0][0]
                for side in ("l", "r")
            ]
            assert counts[0] == counts[1]


def _bits(value: float | None) -> object:
    """A double's exact identity (NaN as one value, -0.0 distinct from 0.0)."""
    if value is None:
        return None
    if math.isnan(value):
        return "nan"
    return struct.pack(">d", value).hex()


# ------------------------------------------------------------------ connections


def test_connection_defaults_match_the_postgres_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
        monkeypatch.delenv(name, raising=False)
    profile = (PROJECT_DIR / "profiles.yml").read_text()
    postgres_target = profile[profile.index("    postgres:") :]
    defaults = dict(re.findall(r"env_var\('(PG[A-Z]+)', '([^']*)'\)", postgres_target))
    params = pgio.connection_params()
    assert params == {
        "host": defaults["PGHOST"],
        "port": int(defaults["PGPORT"]),
        "user": defaults["PGUSER"],
        "password": defaults["PGPASSWORD"],
        "dbname": defaults["PGDATABASE"],
    }
    monkeypatch.setenv("PGPORT", "6543")
    monkeypatch.setenv("PGDATABASE", "elsewhere")
    assert pgio.connection_params()["port"] == 6543
    assert pgio.connection_params()["dbname"] == "elsewhere"
    assert pgio.connection_params("mine")["dbname"] == "mine"
    monkeypatch.setenv("PGPORT", "fifty")
    with pytest.raises(pgio.PostgresIOError, match="PGPORT"):
        pgio.connection_params()


def test_ensure_database_creates_it_once(postgres_env: PostgresServer) -> None:
    name = 'fresh "db" ž'
    assert pgio.ensure_database(name) is True
    assert pgio.ensure_database(name) is False
    with pgio.connect(name) as conn, conn.cursor() as cur:
        cur.execute("select current_database()")
        assert cur.fetchall() == [(name,)]
    conn.close()


# ------------------------------------------------------------------ load_raw


@pytest.mark.parametrize("mode", ["typed", "text"])
def test_load_raw_copies_every_row_and_type_exactly(
    mode: str,
    raw_files: dict[str, Path],
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    source = raw_files[mode]
    counts = pgio.load_raw(source)

    assert list(counts) == list(RAW_TABLES)
    for table, rows in counts.items():
        assert rows == _duckdb_rows(source, f"select count(*) from raw.{table}")[0][0] > 0
        assert _pg_rows(postgres_env, database, f"select count(*) from raw.{table}")[0][0] == rows
    expected_pg = [(t, c, POSTGRES_TYPE_OF[d]) for t, c, d in _duckdb_types(source, "raw")]
    assert _pg_types(postgres_env, database, "raw") == expected_pg
    if mode == "text":
        assert {d for _, _, d in expected_pg} == {"text"}
    else:
        assert {d for _, _, d in expected_pg} == set(POSTGRES_TYPE_OF.values())

    # The mess is really there, so the comparison below proves it survives.
    mess = _pg_rows(
        postgres_env,
        database,
        "select count(*) filter (where event_id is null), count(*) filter (where event_id = ''),"
        " count(*) filter (where event_id = '   ') from raw.web_page_views",
    )[0]
    assert all(n > 0 for n in mess), mess

    back = tmp_path / "back.duckdb"
    assert pgio.export_schema("raw", back, duckdb_schema="raw") == {
        t: counts[t] for t in sorted(RAW_TABLES)
    }
    _assert_same_tables(source, back, RAW_TABLES)


def test_nasty_strings_round_trip(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    source = _raw_table(
        tmp_path / "nasty.duckdb", "id integer, s varchar", list(enumerate(NASTY_STRINGS))
    )
    expected = list(enumerate(NASTY_STRINGS))

    assert pgio.load_raw(source, tables=["nasty"]) == {"nasty": len(NASTY_STRINGS)}
    assert _pg_rows(postgres_env, database, "select id, s from raw.nasty order by id") == expected

    back = tmp_path / "back.duckdb"
    assert pgio.export_schema("raw", back, duckdb_schema="landing") == {"nasty": len(expected)}
    assert _duckdb_rows(back, "select id, s from landing.nasty order by id") == expected


def test_doubles_round_trip_bit_for_bit(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    source = _raw_table(
        tmp_path / "doubles.duckdb",
        "id integer, d double, f float",
        [
            (i, d, d if d is None or not abs(d) < math.inf or abs(d) < 3e38 else None)
            for i, d in enumerate(DOUBLES)
        ],
    )
    floats = _duckdb_rows(source, "select f from raw.doubles order by id")
    expected = [_bits(d) for d in DOUBLES]

    pgio.load_raw(source, tables=["doubles"])
    in_pg = _pg_rows(postgres_env, database, "select d from raw.doubles order by id")
    assert [_bits(d) for (d,) in in_pg] == expected

    back = tmp_path / "back.duckdb"
    pgio.export_schema("raw", back)
    assert [_bits(d) for (d,) in _duckdb_rows(back, "select d from marts.doubles order by id")] == (
        expected
    )
    # real (float4) both ways: the same single-precision values.
    assert [_bits(f) for (f,) in _duckdb_rows(back, "select f from marts.doubles order by id")] == [
        _bits(f) for (f,) in floats
    ]

    # Doubles computed in PostgreSQL (not parsed from text first) come out exact too.
    conn = postgres_env.connect(database)
    with conn, conn.cursor() as cur:
        cur.execute("create schema marts")
        cur.execute(
            "create table marts.computed as select i, i / 7.0::float8 as ratio, "
            "sqrt(i::float8) as root, exp(-(i % 100)::float8 * 7) as tiny "
            "from generate_series(1, 2000) as i"
        )
        cur.execute("set extra_float_digits = 3")  # 17 digits: exact whatever the default
        cur.execute("select i, ratio, root, tiny from marts.computed order by i")
        computed = [tuple(_bits(v) if isinstance(v, float) else v for v in r) for r in cur]
    conn.close()
    pgio.export_schema("marts", back, tables=["computed"])
    exported = _duckdb_rows(back, "select i, ratio, root, tiny from marts.computed order by i")
    assert [tuple(_bits(v) if isinstance(v, float) else v for v in r) for r in exported] == (
        computed
    )


def test_decimals_dates_and_microsecond_timestamps_round_trip(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    rows = [
        (1, Decimal("9999999999999999.99"), dt.datetime(2024, 2, 29, 23, 59, 59, 999999)),
        (2, Decimal("-9999999999999999.99"), dt.datetime(1970, 1, 1, 0, 0, 0, 1)),
        (3, Decimal("0.01"), dt.datetime(1, 1, 1)),
        (4, Decimal("-0.01"), dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
        (5, Decimal("0.00"), dt.datetime(2025, 6, 30, 12, 0, 0, 500000)),
        (6, Decimal("1234.50"), dt.datetime(2025, 3, 30, 2, 30, 0, 10)),  # a DST night in CZ
        (7, None, None),
    ]
    source = _raw_table(
        tmp_path / "exact.duckdb",
        "id bigint, amount decimal(18, 2), happened timestamp, on_day date, flag boolean, "
        "small smallint",
        [
            (i, a, t, t.date() if t else None, None if t is None else i % 2 == 0, -i)
            for i, a, t in rows
        ],
    )
    expected = _duckdb_rows(source, "select * from raw.exact order by id")

    pgio.load_raw(source, tables=["exact"])
    assert _pg_types(postgres_env, database, "raw") == [
        ("exact", "id", "bigint"),
        ("exact", "amount", "numeric(18,2)"),
        ("exact", "happened", "timestamp without time zone"),
        ("exact", "on_day", "date"),
        ("exact", "flag", "boolean"),
        ("exact", "small", "smallint"),
    ]
    assert _pg_rows(postgres_env, database, "select * from raw.exact order by id") == expected

    back = tmp_path / "back.duckdb"
    pgio.export_schema("raw", back, duckdb_schema="raw")
    assert _duckdb_rows(back, "select * from raw.exact order by id") == expected
    _assert_same_tables(source, back, ["exact"])


def test_load_raw_twice_replaces_and_keeps_dependent_views(
    raw_files: dict[str, Path],
    database: str,
    postgres_env: PostgresServer,
) -> None:
    typed, text = raw_files["typed"], raw_files["text"]
    first = pgio.load_raw(typed)
    _pg_execute(  # like dbt's staging views on the raw tables
        postgres_env,
        database,
        "create schema staging",
        "create view staging.leads as select lead_id from raw.crm_leads",
        "create table raw.other_landing as select 1 as x",
    )

    assert pgio.load_raw(typed) == first  # same columns: emptied and refilled
    for table, rows in first.items():
        assert _pg_rows(postgres_env, database, f"select count(*) from raw.{table}")[0][0] == rows
    assert (
        _pg_rows(postgres_env, database, "select count(*) from staging.leads")[0][0]
        == (first["crm_leads"])
    )
    assert _pg_rows(postgres_env, database, "select x from raw.other_landing") == [(1,)]

    # All-text landing: crm_leads' columns change type, and a view depends on it.
    with pytest.raises(pgio.PostgresIOError, match=r"raw\.crm_leads.*drop_dependents"):
        pgio.load_raw(text)
    assert ("crm_leads", "created_at", "timestamp without time zone") in _pg_types(
        postgres_env, database, "raw"
    )
    assert pgio.load_raw(text, drop_dependents=True) == pgio.load_raw(text)
    assert {d for t, _, d in _pg_types(postgres_env, database, "raw") if t != "other_landing"} == {
        "text"
    }
    assert _pg_rows(
        postgres_env, database, "select count(*) from pg_views where schemaname = 'staging'"
    ) == [(0,)]


def test_missing_raw_tables_are_named_and_change_nothing(
    raw_files: dict[str, Path],
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    loaded = pgio.load_raw(raw_files["typed"])
    partial = _duckdb_file(
        tmp_path / "partial.duckdb",
        f"attach '{raw_files['text']}' as src (read_only)",
        "create schema raw",
        *(
            f"create table raw.{t} as select * from src.raw.{t}"
            for t in RAW_TABLES
            if t not in ("email_events", "crm_opportunities")
        ),
    )
    with pytest.raises(pgio.PostgresIOError, match="email_events, crm_opportunities"):
        pgio.load_raw(partial)
    with pytest.raises(pgio.PostgresIOError, match="does not exist"):
        pgio.load_raw(tmp_path / "nowhere.duckdb")
    for table, rows in loaded.items():
        assert _pg_rows(postgres_env, database, f"select count(*) from raw.{table}")[0][0] == rows
    assert {d for *_, d in _pg_types(postgres_env, database, "raw")} != {"text"}


def test_a_failing_load_rolls_everything_back(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    statements = (
        "create schema raw",
        "create table raw.a (s varchar)",
        "create table raw.b (s varchar)",
    )
    good = _duckdb_file(tmp_path / "good.duckdb", *statements)
    bad = _duckdb_file(tmp_path / "bad.duckdb", *statements)
    with duckdb.connect(str(good)) as con:
        con.execute("insert into raw.a values ('old a')")
        con.execute("insert into raw.b values ('old b')")
    with duckdb.connect(str(bad)) as con:
        con.execute("insert into raw.a values ('new a')")
        con.execute("insert into raw.b values ('nul ' || chr(0) || ' inside')")  # not storable
    pgio.load_raw(good, tables=["a", "b"])

    with pytest.raises(pgio.PostgresIOError, match=r"raw\.b.*nothing was changed"):
        pgio.load_raw(bad, tables=["a", "b"])
    assert _pg_rows(postgres_env, database, "select s from raw.a") == [("old a",)]
    assert _pg_rows(postgres_env, database, "select s from raw.b") == [("old b",)]


def test_unsupported_duckdb_type_is_a_clear_error(database: str, tmp_path: Path) -> None:
    source = _raw_table(tmp_path / "odd.duckdb", "id integer, tags varchar[]")
    with pytest.raises(pgio.PostgresIOError, match=r"raw\.odd\.tags.*VARCHAR\[\]"):
        pgio.load_raw(source, tables=["odd"])


# ------------------------------------------------------------------ export_schema


def test_export_maps_every_postgres_type(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    _pg_execute(
        postgres_env,
        database,
        "create schema marts",
        "create table marts.all_types (v varchar(20), t text, c char(3), i integer, "
        "b bigint, s smallint, ok boolean, ts timestamp, ts3 timestamp(3), d date, "
        "f8 double precision, f4 real, n numeric(18,2), n38 numeric(38,10), nn numeric)",
        "insert into marts.all_types values "
        "('', 'x\ny', 'ab', -2147483648, 9223372036854775807, -32768, true, "
        "'2025-01-02 03:04:05.678901', '2025-01-02 03:04:05.678', '2025-01-02', 0.1, 0.1, "
        "-12.34, 1234567890123456789012345678.0123456789, 2.5), "
        "(null, null, null, null, null, null, null, null, null, null, null, null, null, "
        "null, null), ('   ', '\\N', 'z', 0, 0, 0, false, '1999-12-31 23:59:59', "
        "'1999-12-31 23:59:59.5', '1999-12-31', 1e-300, 3.4e38, 0, 0, 1.0/3)",
        "create view marts.not_a_table as select 1 as x",
        "create table marts.empty (x integer)",
        "create table marts.part (k integer) partition by range (k)",
        *(
            f"create table marts.{name} partition of marts.part for values from ({low}) to ({high})"
            for name, low, high in (("part_low", 0, 10), ("part_high", 10, 20))
        ),
        "insert into marts.part values (1), (15)",
    )
    back = _duckdb_file(
        tmp_path / "published.duckdb",
        "create schema marts",
        "create table marts.empty (old varchar)",
        "create table marts.kept (y integer)",
    )

    # Views and partitions are not exported; a partitioned table is, once.
    assert pgio.export_schema("marts", back) == {"all_types": 3, "empty": 0, "part": 2}
    assert _duckdb_types(back, "marts") == [
        ("all_types", "v", "VARCHAR"),
        ("all_types", "t", "VARCHAR"),
        ("all_types", "c", "VARCHAR"),
        ("all_types", "i", "INTEGER"),
        ("all_types", "b", "BIGINT"),
        ("all_types", "s", "SMALLINT"),
        ("all_types", "ok", "BOOLEAN"),
        ("all_types", "ts", "TIMESTAMP"),
        ("all_types", "ts3", "TIMESTAMP"),
        ("all_types", "d", "DATE"),
        ("all_types", "f8", "DOUBLE"),
        ("all_types", "f4", "FLOAT"),
        ("all_types", "n", "DECIMAL(18,2)"),
        ("all_types", "n38", "DECIMAL(38,10)"),
        ("all_types", "nn", "DOUBLE"),
        ("empty", "x", "INTEGER"),  # replaced
        ("kept", "y", "INTEGER"),  # other tables are left alone
        ("part", "k", "INTEGER"),
    ]
    in_pg = _pg_rows(
        postgres_env,
        database,
        "select v, t, c, i, b, s, ok, ts, ts3, d, f8, f4::float8, n, n38, nn::float8 "
        "from marts.all_types order by i nulls last",
    )
    exported = _duckdb_rows(
        back,
        "select v, t, c, i, b, s, ok, ts, ts3, d, f8, f4::double, n, n38, nn "
        "from marts.all_types order by i nulls last",
    )
    assert exported == in_pg
    assert exported[0][:3] == ("", "x\ny", "ab ")


def test_export_errors_are_clear_and_leave_the_file_alone(
    database: str,
    postgres_env: PostgresServer,
    tmp_path: Path,
) -> None:
    _pg_execute(
        postgres_env,
        database,
        "create schema marts",
        "create table marts.fine (x integer)",
        "insert into marts.fine values (1)",
        "create table marts.odd (x integer, doc jsonb)",
        "create table marts.huge (x numeric(50, 2))",
    )
    back = tmp_path / "marts.duckdb"  # catalog `marts` and schema `marts`: no ambiguity
    assert pgio.export_schema("marts", back, tables=["fine"]) == {"fine": 1}
    with pytest.raises(pgio.PostgresIOError, match=r"marts\.odd\.doc.*jsonb"):
        pgio.export_schema("marts", back, tables=["fine", "odd"])
    with pytest.raises(pgio.PostgresIOError, match=r"marts\.huge\.x.*numeric\(50,2\)"):
        pgio.export_schema("marts", back, tables=["huge"])
    with pytest.raises(pgio.PostgresIOError, match="nope, gone"):
        pgio.export_schema("marts", back, tables=["fine", "nope", "gone"])
    with pytest.raises(pgio.PostgresIOError, match="'elsewhere' does not exist"):
        pgio.export_schema("elsewhere", back)
    assert _duckdb_types(back, "marts") == [("fine", "x", "INTEGER")]
    assert _duckdb_rows(back, "select x from marts.marts.fine") == [(1,)]


def test_server_fixture_env_reaches_the_private_server(
    postgres_env: PostgresServer,
) -> None:
    assert pgio.connection_params()["port"] == postgres_env.port
    with pgio.connect() as conn, conn.cursor() as cur:
        cur.execute("select current_setting('port')::int, current_setting('data_directory')")
        assert cur.fetchall() == [(postgres_env.port, str(postgres_env.data_dir))]
    conn.close()
