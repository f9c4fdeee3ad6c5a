"""Spark with Delta Lake after an incremental landing, for typed and all-text landings.

Outside the test command (about 35 minutes for both cases on the 2-core machine, most
of it Spark's per-statement cost at 500 leads): `make test-spark-incremental`. The
test command's test_spark_engine.py covers the typed full build and a second publish.

The same generated raw data (messy: 2 % of the rows per kind of bad input) is built by
`lead-funnel run` on the embedded DuckDB file and, after `lead-funnel load-raw --target
spark`, by `lead-funnel run --target spark`; every row of the nine published marts is
compared (compare_support) after the full build and again after an incremental landing
(late events, events landed before their lead, re-landed CRM rows, an event moved to
another lead, one re-landed as a non-scoring type); then Spark's incremental result is
compared with a full refresh of the same data. The nothing-lost accounting of staging
is checked on Spark's tables after both runs.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from engines_support import (
    AS_OF,
    Engines,
    assert_nothing_lost,
    assert_same_marts,
    land_hand_made_changes,
    nothing_lost_in,
)
from lead_funnel import runlog
from lead_funnel.generate import generate_raw, land_pending

LEADS = 500


@pytest.mark.slow
@pytest.mark.spark_incremental
@pytest.mark.parametrize("landing", ["typed", "text"])
def test_spark_incremental_runs_equal_duckdb_and_a_full_refresh(
    tmp_path: Path, landing: str
) -> None:
    engines = Engines(
        root=tmp_path, raw=tmp_path / "warehouse.duckdb", server=None, servers=("spark",)
    )
    generate_raw(
        engines.raw,
        leads=LEADS,
        start_date=date(2026, 1, 1),
        days=120,
        seed=11,
        text=landing == "text",
        mess_rate=0.02,
        replace=True,
        land_until=datetime(2026, 3, 25),
    )
    engines.build_all()
    assert_same_marts(f"{landing}, spark, full build", engines.compare_marts("spark"))
    full_counts = spark_nothing_lost(engines)
    assert_nothing_lost(full_counts)

    land_hand_made_changes(engines.raw)
    assert sum(land_pending(engines.raw).values()) > 0
    engines.build_all()
    assert_same_marts(f"{landing}, spark, incremental run", engines.compare_marts("spark"))
    counts = spark_nothing_lost(engines)
    assert_nothing_lost(counts)
    assert counts["email_events"][0] > full_counts["email_events"][0]
    runs = runlog.RunLog(tmp_path / "state_spark" / runlog.RUN_LOG_NAME).recent(10)
    assert [(r.status, r.test_scope) for r in reversed(runs)] == [
        ("success", "all"),
        ("success", "refreshed"),  # an incremental run, testing what it refreshed
    ]

    # incremental equals a full refresh: Spark's incremental result against a full
    # rebuild of the same data (on DuckDB, equal to Spark's full build above)
    engines.cli("duckdb", "run", "--as-of", AS_OF, "--freshness", "skip", "--full-refresh")
    assert_same_marts(
        f"{landing}, spark incremental run vs full refresh", engines.compare_marts("spark")
    )


def spark_nothing_lost(engines: Engines) -> dict[str, tuple[int, ...]]:
    """The nothing-lost counts of Spark's raw and staging tables (exported by build_all)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{engines.exported('spark')}' as spark (read_only)")
        return nothing_lost_in(con, "spark")
