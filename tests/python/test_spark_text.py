"""The same project on Spark with Delta Lake gives the same marts as on DuckDB, for
all-text landings (the typed ones: test_spark_typed.py): full build, incremental run, nothing
lost, contracts, publishing again (spark_support.py says what is compared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_support import check_spark_against_duckdb


@pytest.mark.slow
def test_duckdb_and_spark_publish_the_same_marts_text(tmp_path: Path) -> None:
    check_spark_against_duckdb(tmp_path, "text")
