"""Safe parsing gives identical results on DuckDB and PostgreSQL, and never fails.

The real macros (`cast_or_null`, `parse_raw_value`, `parse_raw_integer`, `has_raw_value`,
the portable `default__cast_or_null`, `hours_between`) are rendered by dbt itself
(`dbt compile --inline`, once per target, both at once), and the compiled SQL runs on a
DuckDB file and on a private PostgreSQL server (`postgres_fixtures`) over the same corpus:
several hundred nasty strings, each parsed as every type used in staging, typed landings
of every kind, literal inputs (which PostgreSQL's planner folds) and timestamp pairs.
Both sessions run in a non-UTC time zone (PostgreSQL also with DateStyle DMY) to show
that nothing depends on them. The grammar itself is documented in
macros/staging/cast_or_null.sql.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import duckdb
import pytest

from dbt_support import run_dbt
from postgres_server import PostgresServer

pytestmark = pytest.mark.build

DATABASE = "lfcast"  # PostgreSQL database of this module
SCHEMA = "lfcast"
SESSION_TIME_ZONE = "America/New_York"
STATEMENT_MARKER = re.compile(r"^-- @@(\w+)\s*$", re.MULTILINE)

# ------------------------------------------------------------------ the corpus

TIMESTAMP_TEXTS = [
    # accepted forms
    "2026-03-01",
    "2026-03-01 10:15",
    "2026-03-01T10:15",
    "2026-03-01 10:15:00",
    "2026-03-01T10:15:00",
    "2026-03-01 10:15:00.1",
    "2026-03-01 10:15:00.123456",
    "2026-03-01 10:15:00.1234567",
    "2026-03-01 10:15:00.123456789",
    "2026-03-01 23:59:59.9999999",
    "2026-03-01 10:15:00Z",
    "2026-03-01T10:15:00Z",
    "2026-03-01T10:15Z",
    "2026-03-01T10:15:00.000Z",
    "2026-03-01 10:15:00+00",
    "2026-03-01 10:15:00+00:00",
    "2026-03-01 10:15:00+0000",
    "2026-03-01 10:15:00-00",
    "2026-03-01 10:15:00-00:00",
    "2026-03-01T10:15:00.000000+00:00",
    "2024-02-29",
    "2024-02-29 10:00:00",
    "2000-02-29",
    "2400-02-29",
    "2026-01-31",
    "2026-03-31",
    "2026-04-30",
    "2026-06-30",
    "2026-07-31",
    "2026-08-31",
    "2026-09-30",
    "2026-10-31",
    "2026-11-30",
    "2026-12-31 23:59:59",
    "2026-02-28",
    "0001-01-01",
    "0999-12-31",
    "1970-01-01 00:00:00",
    "9999-12-31 23:59:59.999999",
    "2026-03-01 00:00",
    " 2026-03-01 ",
    "  2026-03-01 10:15:00  ",
    # impossible calendar or clock values
    "2026-02-29",
    "2026-02-30",
    "2026-02-31",
    "1900-02-29",
    "2100-02-29",
    "2026-04-31",
    "2026-06-31",
    "2026-09-31",
    "2026-11-31",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "2026-01-32",
    "0000-00-00 00:00:00",
    "0000-01-01",
    "2026-03-01 24:00:00",
    "2026-03-01 24:00",
    "2026-03-01 23:59:60",
    "2026-03-01 23:60:00",
    "2026-03-01 25:00:00",
    "31/02/2024 25:61",
    # offsets other than UTC, zone names, sloppy designators
    "2026-03-01 10:15:00+02:00",
    "2026-03-01 10:15:00+02",
    "2026-03-01 10:15:00+0200",
    "2026-03-01 10:15:00 +02:00",
    "2026-03-01 10:15:00-05:30",
    "2026-03-01 10:15:00+14:00",
    "2026-03-01 10:15:00+99:99",
    "2026-03-01 10:15:00+00:30",
    "2026-03-01 10:15:00+00:00:00",
    "2026-03-01 10:15:00+0",
    "2026-03-01 10:15:00+000",
    "2026-03-01 10:15:00 Z",
    "2026-03-01 10:15:00z",
    "2026-03-01 10:15:00 UTC",
    "2026-03-01 10:15:00 GMT",
    "2026-03-01 10:15:00 Europe/Prague",
    "2026-03-01 10:15:00 EST",
    "2026-03-01Z",
    "2026-03-01 Z",
    "2026-03-01+00:00",
    # other layouts
    "2026-3-1",
    "2026-03-1",
    "2026-3-01 1:2:3",
    "2026-03-01 1:02:03",
    "2026-03-01 10:5",
    "2026-03-01 10",
    "2026-03-01 10:15:5",
    "2026-03-01 1015",
    "2026-03-01 10:15:00.",
    "2026-03-01 10:15:00.1234567890",
    "2026-03-01 10:15:00,5",
    "2026-03-01  10:15:00",
    "2026-03-01T 10:15",
    "2026-03-01t10:15:00",
    "2026-03-01_10:15:00",
    "20260301",
    "20260301T101500",
    "2026/03/01",
    "2026.03.01",
    "26-03-01",
    "02026-03-01",
    "10000-01-01",
    "294247-01-10",
    "-2026-03-01",
    "+2026-03-01",
    "2026-03-01 BC",
    "2026-03-01 AD",
    "01-03-2026",
    "03/01/2026",
    "01/03/2026",
    "1/3/2026",
    "March 1 2026",
    "Mar 1, 2026",
    "1 March 2026",
    "Sun, 01 Mar 2026 10:15:00 GMT",
    "J2451187",
    "2026-060",
    "2026-W09-7",
    "2026-03-01 10:00 PM",
    "2026-03-01 10:00PM",
    "2026-03-01 10:00 AM",
    "1772360100",
    "2026-03-01 10:15:00 garbage",
    "2026-03-01garbage",
    "2026-03-01 10:15:00 allballs",
    # words PostgreSQL (and partly DuckDB) read as timestamps
    "yesterday",
    "today",
    "now",
    "tomorrow",
    "epoch",
    "infinity",
    "-infinity",
    "+infinity",
    "Infinity",
    "INFINITY",
    "allballs",
    "NOW",
    "Yesterday",
    "now()",
    "current_timestamp",
    "today 10:00",
    "epoch 10:00",
    "NaT",
    "None",
    # whitespace other than spaces, non-ASCII digits and dashes
    "\t2026-03-01",
    "2026-03-01\t",
    "\n2026-03-01",
    "2026-03-01\n",
    "2026-03-01\r\n",
    "\u00a02026-03-01",
    "2026-03-01\u00a0",
    "\u30002026-03-01 10:15:00",
    "\ufeff2026-03-01",
    "2026-03-01\u200b",
    "\uff12\uff10\uff12\uff16-03-01",
    "\u0662\u0660\u0662\u0666-03-01",
    "\u0968\u0966\u0968\u0966-03-01",
    "2026\u201003\u201001",
    "2026\u221203\u221201",
    "\u00b2026-03-01",
]

NUMBER_TEXTS = [
    "0",
    "12",
    "12.5",
    "12.0",
    "12.000",
    "12.",
    ".5",
    "-.5",
    "+.5",
    ".0",
    "-.0",
    "+.000",
    "-0",
    "+0",
    "-0.0",
    "+7",
    "007",
    "-007.00",
    "12.50",
    "12.0000001",
    "12.000000000000000000000000000001",
    " 42 ",
    " -12 ",
    "- 12",
    "12-",
    "(12)",
    "1,000",
    "1 000",
    "1.000,5",
    "12,5",
    "1_000",
    "1__0",
    "_1",
    "1_",
    "1e3",
    "1E3",
    "1.5e2",
    "12e0",
    "1e-2",
    ".e1",
    "0x1F",
    "0b101",
    "0o7",
    ".",
    "+",
    "-",
    "+.",
    "-.",
    "--1",
    "+-1",
    "-+1",
    "1.2.3",
    "1..2",
    "12abc",
    "$12",
    "12%",
    "12\u20ac",
    "1/2",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "\u221e",
    "\u221212",
    "\uff11\uff12",
    "\u0663",
    "\u0967\u0968",
    "12\u00a0",
    "\t12",
    "12\n",
    # integer bounds
    "32767",
    "32768",
    "-32768",
    "-32769",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "2147483647.000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "99999999999",
    "0000000000000000000000000000000000000000000000012",
    # decimal(18, 2) and numeric(38, 6) bounds and rounding (half away from zero)
    "1.005",
    "1.015",
    "1.025",
    "-1.005",
    "2.5",
    "-2.5",
    "0.125",
    "0.135",
    "-0.125",
    "1.0049999",
    "1.00500000000001",
    "0.005",
    "-0.005",
    "0.0049",
    "-0.001",
    "12.3456785",
    "12.3456775",
    "-12.3456785",
    "0.0000005",
    "-0.0000005",
    "0.0000004999",
    "0.000001",
    "1200.50",
    "12345678901234567.89",
    "9999999999999999.99",
    "9999999999999999.994",
    "9999999999999999.995",
    "-9999999999999999.995",
    "-9999999999999999.994",
    "10000000000000000",
    "0000000000000000000000009999999999999999.99",
    "99999999999999999999999999999999",
    "100000000000000000000000000000000",
    "99999999999999999999999999999999.999999",
    "99999999999999999999999999999999.9999994",
    "99999999999999999999999999999999.9999995",
    "-99999999999999999999999999999999.9999995",
    "1." + "0" * 100 + "1",
    "0." + "9" * 50,
]

BOOLEAN_TEXTS = [
    "true",
    "false",
    "t",
    "f",
    "yes",
    "no",
    "y",
    "n",
    "on",
    "off",
    "1",
    "0",
    "TRUE",
    "FALSE",
    "True",
    "False",
    "tRuE",
    "T",
    "F",
    "YES",
    "NO",
    "Yes",
    "No",
    "Y",
    "N",
    "ON",
    "Off",
    " true ",
    "  yes",
    "no  ",
    "tr",
    "tru",
    "fa",
    "fal",
    "ye",
    "of",
    "o",
    "2",
    "-1",
    "01",
    "00",
    "1.0",
    "0.0",
    "+1",
    "10",
    "yes!",
    "null",
    "NULL",
    "nil",
    "enabled",
    "disabled",
    "\u2713",
    "\uff54\uff52\uff55\uff45",
    "\ttrue",
    "true\n",
    "true\u00a0",
    "TRUE\r",
    "x",
    "N/A",
    "n/a",
    "-",
    "?",
    "",
    " ",
    "   ",
]

LONG_TEXTS = [
    "1" * 100_000,
    "0" * 100_000 + "1",
    "1." + "0" * 100_000,
    "1." + "5" * 50_000,
    "9" * 50_000 + ".5",
    "0." + "0" * 20_000 + "1",
    "-" + "0" * 60_000,
    "x" * 100_000,
    "2026-03-01" + " " * 5_000,
    " " * 5_000 + "2026-03-01 10:15:00" + " " * 5_000,
    "2026-03-01 10:15:00." + "1" * 10_000,
    "2026-03-01" * 1_000,
    "true" + " " * 10_000,
    "yes" * 10_000,
]

CORPUS: list[str | None] = [
    None,
    *dict.fromkeys(TIMESTAMP_TEXTS + NUMBER_TEXTS + BOOLEAN_TEXTS + LONG_TEXTS),
]
ID_OF = {text: position for position, text in enumerate(CORPUS, start=1)}

# Typed landings: every raw type that can meet a staging column, as SQL literals.
TYPED_COLUMNS = {  # name: (DuckDB type, PostgreSQL type)
    "ts": ("timestamp", "timestamp"),
    "tstz": ("timestamptz", "timestamptz"),
    "d": ("date", "date"),
    "bi": ("bigint", "bigint"),
    "i": ("integer", "integer"),
    "n": ("decimal(10, 3)", "numeric(10, 3)"),
    "amt": ("decimal(18, 2)", "numeric(18, 2)"),
    "dbl": ("double", "double precision"),
    "flt": ("float", "real"),
    "b": ("boolean", "boolean"),
    "txt": ("varchar", "text"),
}
TYPED_ROWS = [
    (
        1,
        "2026-03-01 10:15:00.123456",
        "2026-03-01 10:15:00.5+00",
        "2026-03-01",
        "42",
        "7",
        "12.345",
        "1200.50",
        "1.005",
        "12.5",
        "true",
        " 2026-03-01T10:15:00Z ",
    ),
    (
        2,
        "2024-02-29 23:59:59",
        "2026-03-01 23:30:00-05:00",
        "0001-01-01",
        "3000000000",
        "-2147483648",
        "-0.005",
        "-0.01",
        "1e15",
        "1234567",
        "false",
        "yes",
    ),
    (
        3,
        "9999-12-31 23:59:59.999999",
        "1999-12-31 23:59:59.999999+14",
        "9999-12-31",
        "-1",
        "0",
        "9999999.999",
        "9999999999999999.99",
        "0.30000000000000004",
        "0.1",
        None,
        "12",
    ),
    (4, None, None, None, None, None, None, None, None, None, None, None),
    (
        5,
        "1970-01-01",
        "2026-06-15 12:00:00+02",
        "2026-02-28",
        "2147483647",
        "12",
        "12.000",
        "0.00",
        "12.0",
        "-0.0",
        "true",
        "N/A",
    ),
    (6, None, None, None, "1", None, None, None, "NaN", "NaN", None, "2026-02-30"),
    (7, None, None, None, "0", None, None, None, "Infinity", "-Infinity", None, ""),
    (8, None, None, None, None, None, None, None, "999999999999999.9", "1e-05", None, "1.005"),
    (9, None, None, None, None, None, None, None, "-1e-05", "99999.5", None, "   "),
]
HOUR_PAIRS = [
    (1, "2026-03-01 00:00:00", "2026-03-01 00:00:00.000001"),
    (2, "2026-03-01 10:00:00", "2026-03-01 09:00:00"),
    (3, "2000-01-01 00:00:00", "2026-03-01 12:34:56.789012"),
    (4, "2026-03-29 00:59:59.999999", "2026-03-29 01:00:00"),
    (5, "2024-02-28 23:00:00", "2024-03-01 01:00:00.5"),
    (6, "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999"),
    (7, "2026-03-01 10:00:00", "2026-03-01 10:00:00"),
    (8, "2026-03-01 00:00:00", "infinity"),
    (9, "-infinity", "2026-03-01 00:00:00"),
    (10, None, "2026-03-01 00:00:00"),
    (11, "2026-03-01 00:00:00", None),
]

TYPES_JINJA = """{%- set types = {
    'ts': dbt.type_timestamp(),
    'int': dbt.type_int(),
    'dec': api.Column.numeric_type('decimal', 18, 2),
    'bool': dbt.type_boolean(),
    'num': api.Column.numeric_type('numeric', 38, 6),
    'big': 'bigint',
    'small': 'smallint',
} -%}"""

INLINE_SQL = (
    TYPES_JINJA
    + """
{%- set corpus = adapter.get_relation(target.database, 'lfcast', 'corpus') -%}
{%- set typed = adapter.get_relation(target.database, 'lfcast', 'typed') -%}
{%- set hour_pairs = adapter.get_relation(target.database, 'lfcast', 'hour_pairs') -%}
{%- set text_types = get_raw_column_types(corpus) -%}
{%- set typed_types = get_raw_column_types(typed) -%}
-- @@corpus
select
    id
    {%- for name in ['ts', 'dec', 'bool'] %}
    , {{ parse_raw_value('raw_value', types[name], text_types) }} as staged__{{ name }}
    {%- endfor %}
    , {{ parse_raw_integer('raw_value', text_types) }} as staged__int
    , {{ has_raw_value('raw_value', text_types) }} as staged__has_value
    {%- for name, data_type in types.items() %}
    , {{ cast_or_null('raw_value', data_type) }} as cast__{{ name }}
    , {{ lead_funnel.default__cast_or_null('raw_value', data_type) }} as portable__{{ name }}
    {%- endfor %}
    {%- if target.type == 'postgres' %}
    {%- set patterns = {
        'ts': lead_funnel.timestamp_text_pattern(),
        'int': lead_funnel.integer_text_pattern(10),
        'dec': lead_funnel.decimal_text_pattern(),
    } %}
    {%- for name, pattern in patterns.items() %}
    , {{ lead_funnel.postgres__text_matches('raw_value', pattern) }} as regex_engine__{{ name }}
    , {{ lead_funnel.default__text_matches('raw_value', pattern) }} as regex_default__{{ name }}
    {%- endfor %}
    {%- endif %}
from {{ corpus }}
;
-- @@typed
select
    id
    {%- for column in typed_types %}
    {%- for name in ['ts', 'int', 'dec', 'bool'] %}
    , {{ parse_raw_value(column, types[name], typed_types) }} as typed__{{ column }}__{{ name }}
    {%- endfor %}
    , {{ has_raw_value(column, typed_types) }} as typed__{{ column }}__has_value
    {%- endfor %}
from {{ typed }}
;
-- @@literals
select
    1 as id
    , {{ cast_or_null("'N/A'", types.ts) }} as na_ts
    , {{ cast_or_null("'2026-02-30'", types.ts) }} as feb_30
    , {{ cast_or_null("'yesterday'", types.ts) }} as yesterday
    , {{ cast_or_null("'2026-03-01 10:15:00+02:00'", types.ts) }} as offset_ts
    , {{ cast_or_null("'2024-02-29 10:00:00'", types.ts) }} as leap_day
    , {{ cast_or_null("'99999999999999999999999999999999999999'", types.dec) }} as big_dec
    , {{ cast_or_null("'1e999'", types.num) }} as exponent_num
    , {{ cast_or_null("'1.005'", types.dec) }} as rounded_dec
    , {{ cast_or_null("'2147483648'", types.int) }} as big_int
    , {{ cast_or_null("'12.5'", types.int) }} as fraction_int
    , {{ cast_or_null("' 12 '", types.int) }} as spaced_int
    , {{ cast_or_null("'maybe'", types.bool) }} as maybe
    , {{ cast_or_null("'Yes'", types.bool) }} as yes_bool
    , {{ cast_or_null('null', types.ts) }} as null_ts
    , {{ cast_or_null('12', types.int) }} as typed_int
;
-- @@freshness
select
    1 as id
    , (select max({{ cast_or_null('raw_value', types.ts) }}) from {{ corpus }}) as text_loaded_at
    , (select max({{ cast_or_null('ts', types.ts) }}) from {{ typed }}) as typed_loaded_at
    , (select max({{ cast_or_null('d', types.ts) }}) from {{ typed }}) as date_loaded_at
;
-- @@hours
select id, {{ hours_between('start_at', 'end_at') }} as hours from {{ hour_pairs }}
"""
)

DAY = dt.datetime(2026, 3, 1)
EXPECTED_TYPED = {
    1: {
        "typed__ts__ts": dt.datetime(2026, 3, 1, 10, 15, 0, 123456),
        "typed__tstz__ts": dt.datetime(2026, 3, 1, 10, 15, 0, 500000),
        "typed__d__ts": DAY,
        "typed__bi__int": 42,
        "typed__n__dec": Decimal("12.35"),
        "typed__n__int": None,
        "typed__amt__dec": Decimal("1200.50"),
        "typed__dbl__dec": Decimal("1.01"),
        "typed__flt__dec": Decimal("12.50"),
        "typed__b__bool": True,
        "typed__txt__ts": DAY.replace(hour=10, minute=15),
    },
    2: {
        "typed__tstz__ts": dt.datetime(2026, 3, 2, 4, 30),
        "typed__bi__int": None,
        "typed__i__int": -2147483648,
        "typed__n__dec": Decimal("-0.01"),
        "typed__dbl__dec": None,
        "typed__flt__int": 1234567,
        "typed__txt__bool": True,
    },
    3: {"typed__tstz__ts": dt.datetime(1999, 12, 31, 9, 59, 59, 999999)},
    5: {"typed__n__int": 12, "typed__dbl__int": 12, "typed__ts__ts": dt.datetime(1970, 1, 1)},
    6: {"typed__dbl__dec": None, "typed__txt__ts": None, "typed__bi__bool": True},
    7: {"typed__dbl__dec": None, "typed__bi__bool": False, "typed__txt__has_value": False},
    8: {"typed__dbl__dec": Decimal("999999999999999.90"), "typed__flt__dec": None},
}
EXPECTED_LITERALS = {
    "na_ts": None,
    "feb_30": None,
    "yesterday": None,
    "offset_ts": None,
    "leap_day": dt.datetime(2024, 2, 29, 10),
    "big_dec": None,
    "exponent_num": None,
    "rounded_dec": Decimal("1.01"),
    "big_int": None,
    "fraction_int": None,
    "spaced_int": 12,
    "maybe": None,
    "yes_bool": True,
    "null_ts": None,
    "typed_int": 12,
}


# ------------------------------------------------------------------ the grammar, in Python

REFERENCE_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(?:Z|[+-]00(?::?00)?)?)?"
)
REFERENCE_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
INTEGER_RANGES = {"small": 2**15, "int": 2**31, "big": 2**63}
BOOLEANS = {"true": True, "t": True, "yes": True, "y": True, "1": True}
BOOLEANS |= {"false": False, "f": False, "no": False, "n": False, "0": False}


def reference_value(text: str | None, kind: str) -> object:
    """What cast_or_null(text, <kind>) must return, computed independently in Python."""
    if text is None:
        return None
    text = text.strip(" ")
    if kind == "ts":
        match = REFERENCE_TIMESTAMP.fullmatch(text)
        if not match:
            return None
        year, month, day, hour, minute, second, fraction = match.groups()
        try:
            return dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "").ljust(6, "0")[:6]),
            )
        except ValueError:  # year 0, February 30, hour 24, second 60, ...
            return None
    if kind == "bool":
        return BOOLEANS.get(text.lower())
    if not REFERENCE_DECIMAL.fullmatch(text):
        return None
    number = Decimal(text)  # exact, however long
    if kind in INTEGER_RANGES:
        if text.lstrip("+-").startswith(".") or number != number.to_integral_value():
            return None
        bound = INTEGER_RANGES[kind]
        return int(number) if -bound <= number < bound else None
    precision, scale = {"dec": (18, 2), "num": (38, 6)}[kind]
    limit = Decimal(10) ** (precision - scale)
    if number.copy_abs() >= limit * 2:  # far too big: do not round a 100,000-digit number
        return None
    with localcontext() as context:
        context.prec = 100  # abs(), + and quantize() round to the context's precision
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP) + 0
        return rounded if abs(rounded) < limit else None  # (+ 0: no negative zero)


# ------------------------------------------------------------------ helpers and fixtures


@dataclass(frozen=True)
class Outcome:
    """Per engine: the compiled SQL and each statement's rows by id (column -> value)."""

    compiled: dict[str, str]
    rows: dict[str, dict[str, dict[int, dict[str, object]]]]


def _statements(compiled: str) -> dict[str, str]:
    parts = STATEMENT_MARKER.split(compiled)
    return {
        name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def _load(cursor: Any, placeholder: str, engine: str) -> None:
    """The three input tables, through a DB-API cursor of `engine`."""
    column_types = ", ".join(
        f"{name} {kinds[engine == 'postgres']}" for name, kinds in TYPED_COLUMNS.items()
    )
    cursor.execute(f"create schema {SCHEMA}")
    cursor.execute(f"create table {SCHEMA}.corpus (id integer, raw_value text)")
    cursor.execute(f"create table {SCHEMA}.typed (id integer, {column_types})")
    cursor.execute(
        f"create table {SCHEMA}.hour_pairs (id integer, start_at timestamp, end_at timestamp)"
    )
    two = f"{placeholder}, {placeholder}"
    cursor.executemany(
        f"insert into {SCHEMA}.corpus values ({two})", [(ID_OF[t], t) for t in CORPUS]
    )
    typed_values = ", ".join([placeholder] * (len(TYPED_COLUMNS) + 1))
    cursor.executemany(f"insert into {SCHEMA}.typed values ({typed_values})", TYPED_ROWS)
    cursor.executemany(f"insert into {SCHEMA}.hour_pairs values ({two}, {placeholder})", HOUR_PAIRS)


def _fetch(cursor: Any, statements: dict[str, str]) -> dict[str, dict[int, dict[str, object]]]:
    result = {}
    for name, sql in statements.items():
        cursor.execute(sql)
        columns = [column[0] for column in cursor.description]
        result[name] = {
            int(row[0]): dict(zip(columns, row, strict=True)) for row in cursor.fetchall()
        }
    return result


@pytest.fixture(scope="module")
def outcome(
    postgres_server: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Outcome:
    """The corpus loaded into both engines, the macros compiled by dbt, the SQL run."""
    work = tmp_path_factory.mktemp("safe_casts")
    duckdb_path = work / "casts.duckdb"
    with duckdb.connect(str(duckdb_path)) as con:
        _load(con, "?", "duckdb")
    postgres_server.create_database(DATABASE)
    conn = postgres_server.connect(DATABASE)
    try:
        with conn, conn.cursor() as cur:
            _load(cur, "%s", "postgres")
    finally:
        conn.close()

    # One dbt invocation per target, both at once (each costs several seconds).
    compile_args = ["compile", "--quiet", "--inline", INLINE_SQL]
    with ThreadPoolExecutor(max_workers=2) as pool:
        duckdb_job = pool.submit(
            run_dbt, compile_args, duckdb_path=duckdb_path, work_dir=work / "duckdb"
        )
        postgres_job = pool.submit(
            run_dbt,
            [*compile_args, "--target", "postgres"],
            duckdb_path=work / "unused.duckdb",
            work_dir=work / "postgres",
            extra_env=postgres_server.env_for(DATABASE),
        )
        compiled = {"duckdb": duckdb_job.result().stdout, "postgres": postgres_job.result().stdout}

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        con.execute(f"set TimeZone = '{SESSION_TIME_ZONE}'")
        duckdb_rows = _fetch(con, _statements(compiled["duckdb"]))
    conn = postgres_server.connect(DATABASE)
    try:
        with conn.cursor() as cur:
            cur.execute(f"set time zone '{SESSION_TIME_ZONE}'")
            cur.execute("set datestyle = 'ISO, DMY'")
            postgres_rows = _fetch(cur, _statements(compiled["postgres"]))
    finally:
        conn.close()
    return Outcome(compiled=compiled, rows={"duckdb": duckdb_rows, "postgres": postgres_rows})


def _comparable(value: object) -> tuple[str, object]:
    """Values equal across drivers compare equal; a Decimal keeps its scale."""
    return (type(value).__name__, str(value) if isinstance(value, Decimal) else value)


def _differences(
    outcome: Outcome, statement: str, columns: list[str], row_ids: list[int] | None = None
) -> list[str]:
    """Every (row, column) whose DuckDB and PostgreSQL values differ, described."""
    duck = outcome.rows["duckdb"][statement]
    pg = outcome.rows["postgres"][statement]
    assert duck.keys() == pg.keys()
    found = []
    for row_id in row_ids if row_ids is not None else sorted(duck):
        for column in columns:
            left, right = duck[row_id][column], pg[row_id][column]
            if _comparable(left) != _comparable(right):
                label = repr(CORPUS[row_id - 1])[:60] if statement == "corpus" else row_id
                found.append(f"{column} of {label}: duckdb {left!r} != postgres {right!r}")
    return found


def _report(found: list[str]) -> str:
    return f"{len(found)} differences:\n" + "\n".join(found[:40])


def _columns(outcome: Outcome, statement: str, prefix: str = "") -> list[str]:
    first = next(iter(outcome.rows["duckdb"][statement].values()))
    return [column for column in first if column != "id" and column.startswith(prefix)]


def _has_unicode_space_padding(text: str | None) -> bool:
    stripped = (text or "").strip(" ")
    return any(unicodedata.category(char) == "Zs" for char in stripped[:1] + stripped[-1:])


# Strings without Unicode space padding (clean_text keeps it: see the test below).
PLAIN_IDS = [ID_OF[text] for text in CORPUS if not _has_unicode_space_padding(text)]


# ------------------------------------------------------------------ tests


def test_corpus_has_over_100_nasty_strings_per_type() -> None:
    assert len(TIMESTAMP_TEXTS) > 150
    assert len(NUMBER_TEXTS) > 120
    assert len(BOOLEAN_TEXTS) > 60
    assert len(CORPUS) > 350  # and every string is parsed as every type


def test_cast_or_null_is_identical_on_both_engines(outcome: Outcome) -> None:
    """cast_or_null and the portable default__ give the same value for every string."""
    columns = _columns(outcome, "corpus", "cast__") + _columns(outcome, "corpus", "portable__")
    assert len(columns) == 14
    found = _differences(outcome, "corpus", columns)
    assert not found, _report(found)


@pytest.mark.parametrize("kind", ["ts", "int", "dec", "bool", "num", "big", "small"])
def test_cast_or_null_follows_the_grammar(outcome: Outcome, kind: str) -> None:
    """Every string's value is what an independent Python reading of the grammar gives."""
    found = []
    for text in CORPUS:
        row = outcome.rows["duckdb"]["corpus"][ID_OF[text]]
        expected = reference_value(text, kind)
        for column in (f"cast__{kind}", f"portable__{kind}"):
            if _comparable(row[column]) != _comparable(expected):
                found.append(f"{column} of {text!r:.60}: {row[column]!r} != {expected!r}")
    assert not found, _report(found)


def test_default_regex_match_equals_the_postgres_operator(outcome: Outcome) -> None:
    """The anchored regexp_like with a sentinel (default__, Spark) works like `~`."""
    for row in outcome.rows["postgres"]["corpus"].values():
        for kind in ("ts", "int", "dec"):
            assert row[f"regex_default__{kind}"] == row[f"regex_engine__{kind}"], (kind, row["id"])


def test_staged_values_are_identical_on_both_engines(outcome: Outcome) -> None:
    """parse_raw_value / parse_raw_integer / has_raw_value on a text landing."""
    found = _differences(outcome, "corpus", _columns(outcome, "corpus", "staged__"), PLAIN_IDS)
    assert not found, _report(found)
    for row_id in PLAIN_IDS:
        text = CORPUS[row_id - 1]
        row = outcome.rows["postgres"]["corpus"][row_id]
        assert row["staged__has_value"] == bool(text and text.strip(" ")), text
        for kind in ("ts", "int", "dec", "bool"):
            assert _comparable(row[f"staged__{kind}"]) == _comparable(row[f"cast__{kind}"])


def test_clean_text_trims_the_same_characters_on_both_engines(outcome: Outcome) -> None:
    """Only U+0020 is trimmed (a bare trim() strips every Unicode space on DuckDB)."""
    found = _differences(outcome, "corpus", ["staged__has_value", "staged__ts"])
    assert not found, _report(found)


SPOT_CHECKS = [
    ("2024-02-29 10:00:00", "staged__ts", dt.datetime(2024, 2, 29, 10)),
    (" 2026-03-01 ", "staged__ts", dt.datetime(2026, 3, 1)),
    ("2026-03-01T10:15:00Z", "staged__ts", dt.datetime(2026, 3, 1, 10, 15)),
    ("2026-03-01 10:15:00.1234567", "staged__ts", dt.datetime(2026, 3, 1, 10, 15, 0, 123456)),
    ("2026-02-29", "staged__ts", None),
    ("2026-03-01 10:15:00+02:00", "staged__ts", None),
    ("2026-03-01 24:00:00", "staged__ts", None),
    ("yesterday", "staged__ts", None),
    ("epoch", "staged__ts", None),
    ("infinity", "staged__ts", None),
    ("N/A", "staged__ts", None),
    ("12.0", "staged__int", 12),
    ("12.5", "staged__int", None),
    ("1e3", "staged__int", None),
    ("2147483648", "staged__int", None),
    ("1.005", "staged__dec", Decimal("1.01")),
    ("-1.005", "staged__dec", Decimal("-1.01")),
    ("9999999999999999.995", "staged__dec", None),
    ("1,000", "staged__dec", None),
    ("Yes", "staged__bool", True),
    ("on", "staged__bool", None),
    ("N/A", "staged__has_value", True),
    ("   ", "staged__has_value", False),
]


@pytest.mark.parametrize(("text", "column", "expected"), SPOT_CHECKS, ids=lambda v: repr(v)[:30])
def test_spot_checks(outcome: Outcome, text: str, column: str, expected: object) -> None:
    for engine in ("duckdb", "postgres"):
        value = outcome.rows[engine]["corpus"][ID_OF[text]][column]
        assert _comparable(value) == _comparable(expected), engine


def test_typed_landings_are_identical_on_both_engines(outcome: Outcome) -> None:
    """Every typed column parsed as every staging type, in a non-UTC session."""
    found = _differences(outcome, "typed", _columns(outcome, "typed"))
    assert not found, _report(found)
    for engine in ("duckdb", "postgres"):
        rows = outcome.rows[engine]["typed"]
        for row_id, expected in EXPECTED_TYPED.items():
            for column, value in expected.items():
                assert _comparable(rows[row_id][column]) == _comparable(value), (engine, column)


def test_typed_columns_of_the_target_type_are_used_as_is(outcome: Outcome) -> None:
    for engine, compiled in outcome.compiled.items():
        for column, kind in (("ts", "ts"), ("i", "int"), ("amt", "dec"), ("b", "bool")):
            assert re.search(rf"\n\s*, {column} as typed__{column}__{kind}\n", compiled), (
                engine,
                column,
            )


def test_literal_inputs_never_fail_and_agree(outcome: Outcome) -> None:
    """Constants (which PostgreSQL's planner folds early) do not raise either."""
    assert not _differences(outcome, "literals", _columns(outcome, "literals"))
    row = outcome.rows["postgres"]["literals"][1]
    for column, value in EXPECTED_LITERALS.items():
        assert _comparable(row[column]) == _comparable(value), column


def test_freshness_query_works_on_text_and_typed_landings(outcome: Outcome) -> None:
    assert not _differences(outcome, "freshness", _columns(outcome, "freshness"))
    row = outcome.rows["postgres"]["freshness"][1]
    assert row["text_loaded_at"] == dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
    assert row["typed_loaded_at"] == dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
    assert row["date_loaded_at"] == dt.datetime(9999, 12, 31)


def test_hours_between_is_exact_and_identical(outcome: Outcome) -> None:
    assert not _differences(outcome, "hours", ["hours"])
    rows = outcome.rows["postgres"]["hours"]
    for row_id, start, end in HOUR_PAIRS:
        hours = rows[row_id]["hours"]
        if start is None or end is None or "infinity" in start + end:
            assert hours is None, row_id
            continue
        elapsed = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
        micros = elapsed // dt.timedelta(microseconds=1)
        assert isinstance(hours, float)
        assert hours == float(micros) / 3_600_000_000.0, row_id
    assert rows[1]["hours"] == 1 / 3_600_000_000
