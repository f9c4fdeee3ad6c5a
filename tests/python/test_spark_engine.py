"""The same project on Spark with Delta Lake gives the same marts as on DuckDB: the typed
landing of the cross-engine test's data, full build, nothing lost, contracts enforced
(spark_support.py says what is compared). Incremental runs and the all-text landing on
Spark: test_spark_incremental.py, outside the test command (`make test-spark`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_support import check_spark_against_duckdb


@pytest.mark.slow
def test_duckdb_and_spark_publish_the_same_marts(tmp_path: Path) -> None:
    check_spark_against_duckdb(tmp_path, "typed", incremental=False)
