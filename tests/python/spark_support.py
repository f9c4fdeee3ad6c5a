"""Checks of the Spark engine, shared by test_cross_engine.py (in the test command: the
full build of the typed and the all-text landing on DuckDB, PostgreSQL and Spark) and
test_spark_incremental.py (outside it, `make test-spark`: on Spark, the incremental
landing and run too).

The generated raw data of every engine test (engines_support.generate_test_raw) is built
by `lead-funnel run` on the embedded DuckDB file and, after `lead-funnel load-raw --target
spark`, by `lead-funnel run --target spark` (local Spark, Delta tables), whose published
marts `lead-funnel export-marts` copies into a DuckDB file, with Spark's raw and staging
schemas for the nothing-lost accounting. Every row of the ten marts is compared
(compare_support: timestamps to the microsecond, decimals exactly, floats within 1e-9):

1. after the full build (check_spark_full_build): the nothing-lost accounting of staging
   holds on Spark's tables, and every published mart carries its contract's not-null
   CHECK constraint;
2. after an incremental landing (the hand-made changes and the pending days of the
   cross-engine test) and an incremental run of the runner on both engines, whose data
   tests read only what the run refreshed; nothing lost again; the run published every
   mart again as a new Delta version, constraint kept;
3. Spark's incremental result against a full refresh of the same data. The full refresh
   runs on DuckDB: step 1 shows a full build gives the same marts on both engines, and a
   second full build on Spark would cost as much as the rest of the test.

Spark costs about 25 s to start and warm up per command and a fraction of a second to
seconds of CPU per statement whatever the volume (docs/performance.md, "Spark"): alone on
the 2-core machine one landing with its incremental run takes about 18 minutes, so only
the full builds are in the test command.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from engines_support import (
    AS_OF,
    MARTS,
    Engines,
    assert_nothing_lost,
    assert_same_marts,
    generate_test_raw,
    land_hand_made_changes,
    nothing_lost_in,
)
from lead_funnel import runlog
from lead_funnel.generate import land_pending


def check_spark_full_build(engines: Engines, label: str) -> dict[str, tuple[int, ...]]:
    """Step 1 of the module docstring, after `engines.build_all()` with Spark among its
    servers; returns the nothing-lost counts."""
    assert_same_marts(f"{label}, spark, full build", engines.compare_marts("spark"))
    counts = spark_nothing_lost(engines)
    assert_nothing_lost(counts)
    assert_marts_enforce_their_contracts(engines.spark_warehouse / "marts.db")
    return counts


def check_spark_incremental_run(tmp_path: Path, landing: str) -> None:
    """Steps 1 to 3 of the module docstring for a typed or an all-text landing, on DuckDB
    and Spark."""
    engines = Engines(
        root=tmp_path, raw=tmp_path / "warehouse.duckdb", server=None, servers=("spark",)
    )
    generate_test_raw(engines.raw, landing)
    engines.build_all()
    full_counts = check_spark_full_build(engines, landing)
    marts = engines.spark_warehouse / "marts.db"
    first_versions = {mart: latest_version(marts / mart) for mart in MARTS}

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
        ("success", "refreshed"),
    ]
    # publishing again (Delta refuses to clone into a table that holds rows): each mart
    # replaced by a new version, with its constraint
    assert all(latest_version(marts / mart) > first_versions[mart] for mart in MARTS)
    assert_marts_enforce_their_contracts(marts)

    engines.cli("duckdb", "run", "--as-of", AS_OF, "--freshness", "skip", "--full-refresh")
    assert_same_marts(
        f"{landing}, spark incremental run vs full refresh", engines.compare_marts("spark")
    )


def spark_nothing_lost(engines: Engines) -> dict[str, tuple[int, ...]]:
    """The nothing-lost counts of Spark's raw and staging tables (exported by build_all)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{engines.exported('spark')}' as spark (read_only)")
        return nothing_lost_in(con, "spark")


def assert_marts_enforce_their_contracts(marts: Path) -> None:
    """Every published Delta mart carries the CHECK constraint of its contract's not_null
    columns (macros/spark/contracts.sql), read from the table's Delta log."""
    for mart in MARTS:
        configuration: dict[str, str] = {}
        for commit in sorted((marts / mart / "_delta_log").glob("*.json")):
            for line in commit.read_text(encoding="utf-8").splitlines():
                action = json.loads(line)
                if "metaData" in action:
                    configuration = action["metaData"].get("configuration", {})
        check = configuration.get("delta.constraints.not_null_columns", "")
        assert check.lower().count("is not null") >= 2, (mart, configuration)


def latest_version(table: Path) -> int:
    """The newest Delta version of a table folder, from its commit files."""
    return max(int(commit.stem) for commit in (table / "_delta_log").glob("*.json"))
