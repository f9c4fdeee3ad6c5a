"""The same project on Spark with Delta Lake gives the same marts as on DuckDB.

The same generated raw data (typed, messy: 2 % of the rows per kind of bad input) is
built by `lead-funnel run` on the embedded DuckDB file and, after `lead-funnel load-raw
--target spark`, by `lead-funnel run --target spark` (local Spark, Delta tables), whose
published marts `lead-funnel export-marts` copies into a DuckDB file. Every row of the
nine marts is compared (compare_support: timestamps to the microsecond, decimals exactly,
floats within 1e-9); the nothing-lost accounting of staging is checked on Spark's tables,
and every published mart carries its contract's not-null CHECK constraint.

The marts are then published a second time (`lead-funnel publish --target spark`), as
every scheduled run after the first does: each mart replaced as one new Delta version,
its CHECK constraint kept.

Spark costs 15 to 25 s to start per command and a few seconds per statement: one full
build at small scale. Incremental runs and all-text landings on Spark take about 13 and
22 minutes more at this scale, so they are in test_spark_incremental.py, outside the
test command (`make test-spark-incremental`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from engines_support import (
    MARTS,
    Engines,
    assert_nothing_lost,
    assert_same_marts,
    nothing_lost_in,
)
from lead_funnel.generate import generate_raw

LEADS = 500


@pytest.mark.slow
def test_duckdb_and_spark_publish_the_same_marts(tmp_path: Path) -> None:
    engines = Engines(
        root=tmp_path, raw=tmp_path / "warehouse.duckdb", server=None, servers=("spark",)
    )
    generate_raw(
        engines.raw,
        leads=LEADS,
        start_date=date(2026, 1, 1),
        days=120,
        seed=11,
        mess_rate=0.02,
        replace=True,
        land_until=datetime(2026, 3, 25),
    )
    engines.build_all()
    assert_same_marts("typed, spark, full build", engines.compare_marts("spark"))
    with duckdb.connect() as con:
        con.execute(f"attach '{engines.exported('spark')}' as spark (read_only)")
        assert_nothing_lost(nothing_lost_in(con, "spark"))
    marts = tmp_path / "spark_warehouse" / "marts.db"
    assert_marts_enforce_their_contracts(marts)

    # publishing again replaces every mart by a new version (Delta refuses to clone into
    # a table that holds rows), with its constraint, and records the versions
    first_versions = {mart: latest_version(marts / mart) for mart in MARTS}
    result = engines.cli("spark", "publish", "--target", "spark")
    assert "step=publish status=ok" in result.stdout, result.stdout
    assert all(latest_version(marts / mart) > first_versions[mart] for mart in MARTS)
    assert_marts_enforce_their_contracts(marts)
    engines.export("spark")
    assert_same_marts("typed, spark, published again", engines.compare_marts("spark"))


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
