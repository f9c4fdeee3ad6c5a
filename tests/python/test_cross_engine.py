"""The same project on DuckDB, PostgreSQL and Spark gives the same marts, row by row.

For typed and for all-text landings: the same generated raw data (messy: 2 % of the rows
per kind of bad input) is built by `lead-funnel run` on the embedded DuckDB file and, after
`lead-funnel load-raw --target <engine>`, by `lead-funnel run --target <engine>` on a
private PostgreSQL server and on local Spark with Delta tables, whose published marts
`lead-funnel export-marts` copies into DuckDB files. Every row of the ten marts is
compared (compare_support: timestamps to the microsecond, decimals exactly, floats within
1e-9) after the full build, and on PostgreSQL again after an incremental landing of late
events, events landed before their lead, re-landed CRM rows, an event moved to another
lead and an event re-landed as a non-scoring type. The nothing-lost accounting of staging
is checked on both servers, and on Spark the marts' contract constraints
(spark_support.py). The PostgreSQL databases use an ICU en-US collation, so the results
cannot depend on how the database sorts text.

Spark's incremental runs (the same landing, about 18 minutes per landing on the 2-core
machine): test_spark_incremental.py, `make test-spark`. PostgreSQL on its own
(incremental = full refresh, publishing, the reporting role): test_postgres_runs.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engines_support import (
    Engines,
    assert_nothing_lost,
    assert_same_marts,
    generate_test_raw,
    land_hand_made_changes,
    postgres_nothing_lost,
)
from lead_funnel import runlog
from lead_funnel.generate import land_pending
from postgres_server import PostgresServer
from spark_support import check_spark_full_build

pytestmark = pytest.mark.build


@pytest.mark.slow
@pytest.mark.parametrize("landing", ["typed", "text"])
def test_duckdb_postgres_and_spark_publish_the_same_marts(
    tmp_path: Path, postgres_server: PostgresServer, landing: str
) -> None:
    engines = Engines(
        root=tmp_path,
        raw=tmp_path / "warehouse.duckdb",
        server=postgres_server,
        # an ICU en-US collation (text sorts linguistically, not by code point): the
        # results must not depend on it
        database=postgres_server.create_database(f"cross_{landing}", icu_locale="en-US"),
        servers=("postgres", "spark"),
    )
    generate_test_raw(engines.raw, landing)
    engines.build_all()
    assert_same_marts(f"{landing}, postgres, full build", engines.compare_marts("postgres"))
    full_counts = postgres_nothing_lost(postgres_server, engines.database)
    assert_nothing_lost(full_counts)
    check_spark_full_build(engines, landing)

    engines.servers = ("postgres",)  # Spark's incremental runs: test_spark_incremental.py

    land_hand_made_changes(engines.raw)
    landed = land_pending(engines.raw)
    assert sum(landed.values()) > 0
    engines.build_all()
    assert_same_marts(f"{landing}, postgres, incremental run", engines.compare_marts("postgres"))
    counts = postgres_nothing_lost(postgres_server, engines.database)
    assert_nothing_lost(counts)
    assert counts["email_events"][0] > full_counts["email_events"][0]
    # on both engines the second run was an incremental run of the runner, whose data tests
    # read only what it refreshed
    for engine in ("duckdb", "postgres"):
        runs = runlog.RunLog(tmp_path / f"state_{engine}" / runlog.RUN_LOG_NAME).recent(10)
        assert [(r.status, r.test_scope) for r in reversed(runs)] == [
            ("success", "all"),
            ("success", "refreshed"),
        ], engine
