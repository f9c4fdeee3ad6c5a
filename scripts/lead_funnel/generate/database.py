"""The DuckDB file the generator writes: opened with bounded memory, closed tidily.

Memory stays bounded at any scale: ``memory_limit`` 4GB, spilling to ``<file>.tmp`` next
to the DuckDB file (removed when empty), ``preserve_insertion_order`` off.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from lead_funnel.generate.errors import GenerateError
from lead_funnel.generate.sql import literal

MEMORY_LIMIT = "4GB"


def _spill_folder(path: Path) -> Path:
    return path.parent / f"{path.name}.tmp"


def connect(duckdb_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (or create, with its parent folders) the file with bounded memory."""
    path = Path(duckdb_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise GenerateError(f"cannot open {path}: {exc}") from exc
    con.execute(f"set memory_limit = {literal(MEMORY_LIMIT)}")
    con.execute(f"set temp_directory = {literal(str(_spill_folder(path)))}")
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    return con


def close(con: duckdb.DuckDBPyConnection, duckdb_path: str | Path) -> None:
    """Close the connection and remove the spill folder when it is empty."""
    con.close()
    with contextlib.suppress(OSError):
        _spill_folder(Path(duckdb_path)).rmdir()  # only when empty
