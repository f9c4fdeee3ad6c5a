"""Comparing two relations row by row in DuckDB, for the cross-engine and incremental tests.

Values of every column must be equal (timestamps to the microsecond, decimals exactly,
NULL only with NULL), except floating-point columns, which may differ by rounding: within
``FLOAT_TOLERANCE`` absolute, or relative for values above 1 in magnitude (a median of
hours computed by another engine's arithmetic).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

FLOAT_TOLERANCE = 1e-9
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class Difference:
    """How two relations compare: rows on each side and rows without a match."""

    left_rows: int
    right_rows: int
    only_left: int
    only_right: int

    @property
    def differing(self) -> int:
        """Rows of either side with no equal row on the other."""
        return self.only_left + self.only_right


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every column of ``relation``, in order."""
    return [
        (row[0], row[1]) for row in con.execute(f"describe select * from {relation}").fetchall()
    ]


def compare(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    *,
    skip: tuple[str, ...] = (),
) -> Difference:
    """Compare two relations with the same columns (names in ``skip`` are left out).

    Rows are matched on every non-float column (NULL matching NULL) and, among rows equal
    there, in the order of their float columns; a matched pair must also have every float
    within tolerance. Duplicate rows count as often as they occur.
    """
    left_columns = [c for c in columns(con, left) if c[0] not in skip]
    right_columns = [c for c in columns(con, right) if c[0] not in skip]
    assert [c[0] for c in left_columns] == [c[0] for c in right_columns], (
        f"{left} and {right} have different columns: {left_columns} / {right_columns}"
    )
    exact = [f'"{name}"' for name, kind in left_columns if kind.upper() not in FLOAT_TYPES]
    floats = [f'"{name}"' for name, kind in left_columns if kind.upper() in FLOAT_TYPES]
    selected = ", ".join(f'"{name}"' for name, _ in left_columns)
    left_rows = con.execute(f"select count(*) from {left}").fetchone()[0]
    right_rows = con.execute(f"select count(*) from {right}").fetchone()[0]
    if not floats:
        only_left = con.execute(
            f"select count(*) from (select {selected} from {left} "
            f"except all select {selected} from {right})"
        ).fetchone()[0]
        only_right = con.execute(
            f"select count(*) from (select {selected} from {right} "
            f"except all select {selected} from {left})"
        ).fetchone()[0]
        return Difference(left_rows, right_rows, only_left, only_right)

    partition = ", ".join(exact) if exact else "1"
    order = ", ".join(f"{name} nulls last" for name in floats)

    def numbered(relation: str) -> str:
        return (
            f"select {selected}, row_number() over (partition by {partition} order by {order}) "
            f"as copy_number from {relation}"
        )

    keys = " and ".join(
        [
            *(f"l.{name} is not distinct from r.{name}" for name in exact),
            "l.copy_number = r.copy_number",
        ]
    )
    close = " and ".join(
        f"(l.{name} is not distinct from r.{name} or abs(l.{name} - r.{name}) <= "
        f"{FLOAT_TOLERANCE} * greatest(1.0, abs(l.{name}), abs(r.{name})))"
        for name in floats
    )
    matched = con.execute(
        f"select count(*) from ({numbered(left)}) as l join ({numbered(right)}) as r "
        f"on {keys} where {close}"
    ).fetchone()[0]
    return Difference(left_rows, right_rows, left_rows - matched, right_rows - matched)
