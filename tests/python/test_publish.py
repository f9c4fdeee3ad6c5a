"""Publishing the marts for BI tools: a new file, swapped in atomically, never half-written.

The first tests work on small hand-made DuckDB files; the last one reads the published
file in a loop from another process while a real run builds and publishes a new version.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from lead_funnel import publish
from runner_support import Workspace, read_until, running


def make_build(path: Path, version: int) -> None:
    """A build file with two mart tables, a view, and a table outside ``marts``."""
    with contextlib.closing(duckdb.connect(str(path))) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute(
            f"create or replace table marts.dim_leads as select range as lead_id, "
            f"{version} as version from range({10 * version})"
        )
        con.execute(
            f"create or replace table marts.funnel_daily as select range as day, "
            f"{version} as version from range({3 * version})"
        )
        con.execute("create or replace view marts.v_recent as select * from marts.dim_leads")
        con.execute("create or replace table staging.stg_x as select 1 as x")


def test_publish_copies_every_mart_table_with_publication_metadata(tmp_path: Path) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "pub" / "published.duckdb"
    make_build(build, 1)
    result = publish.publish(
        build, target, run_id="r1", as_of="2026-11-20 12:00:00", rule_set_id="default"
    )
    assert result.row_counts == {"dim_leads": 10, "funnel_daily": 3}
    with contextlib.closing(duckdb.connect(str(target), read_only=True)) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
        assert tables == [
            ("marts", "_publication"),
            ("marts", "dim_leads"),
            ("marts", "funnel_daily"),
        ]
        rows = con.execute(
            "select run_id, cast(as_of as varchar), rule_set_id, table_name, row_count "
            "from marts._publication order by table_name"
        ).fetchall()
    assert rows == [
        ("r1", "2026-11-20 12:00:00", "default", "dim_leads", 10),
        ("r1", "2026-11-20 12:00:00", "default", "funnel_daily", 3),
    ]
    pub = publish.read_publication(target)
    assert pub and pub.run_id == "r1" and pub.row_counts == result.row_counts
    assert sorted(p.name for p in target.parent.iterdir()) == ["published.duckdb"]


def test_open_readers_keep_their_version_and_new_readers_see_the_new_one(
    tmp_path: Path,
) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "published.duckdb"
    make_build(build, 1)
    publish.publish(build, target, run_id="r1", as_of=None, rule_set_id=None)
    with contextlib.closing(duckdb.connect(str(target), read_only=True)) as old_reader:
        make_build(build, 2)
        publish.publish(build, target, run_id="r2", as_of=None, rule_set_id=None)
        assert old_reader.execute("select count(*) from marts.dim_leads").fetchone() == (10,)
    pub = publish.read_publication(target)
    assert pub and pub.run_id == "r2" and pub.row_counts["dim_leads"] == 20


def test_failed_publish_leaves_the_published_file_untouched(tmp_path: Path) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "published.duckdb"
    make_build(build, 1)
    publish.publish(build, target, run_id="r1", as_of=None, rule_set_id=None)
    before = target.read_bytes()
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(publish.PublishError, match="no tables in schema marts"):
        publish.publish(empty, target, run_id="r2", as_of=None, rule_set_id=None)
    with pytest.raises(publish.PublishError, match="does not exist"):
        publish.publish(
            tmp_path / "missing.duckdb", target, run_id="r3", as_of=None, rule_set_id=None
        )
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "build.duckdb",
        "empty.duckdb",
        "published.duckdb",
    ]


def test_leftovers_of_a_killed_publish_are_removed_by_the_next_one(tmp_path: Path) -> None:
    build, target = tmp_path / "build.duckdb", tmp_path / "published.duckdb"
    make_build(build, 1)
    leftover = tmp_path / ".published.duckdb.tmp-20260101T000000Z-dead"
    leftover.write_bytes(b"half a file")
    publish.publish(build, target, run_id="r1", as_of=None, rule_set_id=None)
    assert not leftover.exists()


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, stop, out = sys.argv[1:4]
    reads, versions, errors = 0, [], []
    import os
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                meta = con.execute(
                    "select run_id, table_name, row_count from marts._publication"
                ).fetchall()
                run_ids = {m[0] for m in meta}
                assert len(run_ids) == 1, f"mixed versions {run_ids}"
                tables = {r[0] for r in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'marts'"
                ).fetchall()} - {"_publication"}
                assert tables == {m[1] for m in meta}, f"tables {tables} vs {meta}"
                for _, table, expected in meta:
                    n = con.execute(f'select count(*) from marts."{table}"').fetchone()[0]
                    assert n == expected, f"{table}: {n} rows, publication says {expected}"
                reads += 1
                if not versions or versions[-1] != meta[0][0]:
                    versions.append(meta[0][0])
            finally:
                con.close()
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.05)
    with open(out, "w") as f:
        json.dump({"reads": reads, "versions": versions, "errors": errors}, f)
    """
)


@pytest.mark.build
@pytest.mark.slow
def test_readers_see_complete_versions_while_a_run_builds_and_publishes(
    ws: Workspace, tmp_path: Path
) -> None:
    first = publish.read_publication(ws.publish_path)
    assert first is not None
    stop, out = tmp_path / "stop", tmp_path / "reads.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(ws.publish_path), str(stop), str(out)]
    )
    try:
        time.sleep(1)
        started = time.monotonic()
        with running(ws.start("run", "--select", "dim_leads", "--freshness", "skip")) as run:
            seen = read_until(run, "step=build status=start")
            # The run log is readable while the build holds the DuckDB file.
            status = json.loads(ws.cli("status", "--json").stdout)
            live = status["lock_holder"]["run_id"]
            assert status["runs"][0]["run_id"] == live
            assert status["runs"][0]["status"] == "running"
            rest, _ = run.communicate(timeout=600)
            output = "".join(seen) + rest
        elapsed = time.monotonic() - started
        time.sleep(1)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert run.returncode == 0, output
    assert "step=publish status=ok" in output
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert result["reads"] > 20
    second = publish.read_publication(ws.publish_path)
    assert second is not None and second.run_id != first.run_id
    assert result["versions"] == [first.run_id, second.run_id]
    assert elapsed < 300  # the readers never blocked the run
