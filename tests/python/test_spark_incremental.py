"""Spark with Delta Lake, typed and all-text landings: the full build and then an
incremental run give the same marts as DuckDB, and the incremental result equals a full
refresh (spark_support.py says what is compared). About 18 minutes per landing on the
2-core machine, so outside the test command (which has the full builds on Spark:
test_cross_engine.py): `make test-spark` runs them one after the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_support import check_spark_incremental_run

pytestmark = pytest.mark.build


@pytest.mark.slow
@pytest.mark.spark_incremental
@pytest.mark.parametrize("landing", ["typed", "text"])
def test_spark_incremental_runs_equal_duckdb_and_a_full_refresh(
    tmp_path: Path, landing: str
) -> None:
    check_spark_incremental_run(tmp_path, landing)
