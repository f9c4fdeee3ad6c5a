"""The benchmark (`lead-funnel benchmark`) and its floor query.

The floor query must stay honest: on generated data built with dbt, it gives exactly the
``mql_at`` of ``marts.fct_lead_lifecycle`` for every lead (default rule set), also for
text landings, messy data and an ``as_of`` in the middle of the data (later events
ignored, later leads excluded). The command runs end to end on a tiny size, prints the
table and writes JSON with every field.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dbt_support
from lead_funnel import benchmark, cli
from lead_funnel.generate import generate_raw

REPO_DIR = Path(__file__).resolve().parents[2]
START_DATE = dt.date(2025, 3, 1)
AS_OF = "2025-11-17 13:45:00"  # mid-period: later events and leads exist and must not count


def run_dbt(args: list[str], duckdb_path: Path, work_dir: Path) -> None:
    """Run dbt against ``duckdb_path`` with this test's target and log folders."""
    dbt_support.run_dbt(
        args,
        duckdb_path=duckdb_path,
        work_dir=work_dir,
        variables={"as_of": AS_OF, "active_rule_set": "default"},
    )


def floor_mql_at(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, Any]:
    """Run the floor query on an open connection: lead_id -> mql_at."""
    con.execute("SET VARIABLE lf_as_of = ?", [as_of])
    con.execute("SET VARIABLE lf_rule_set = 'default'")
    con.execute("SET VARIABLE lf_seeds_dir = ?", [str(REPO_DIR / "seeds")])
    return dict(con.execute(benchmark.floor_sql()).fetchall())


@pytest.mark.parametrize("text", [False, True], ids=["typed", "text"])
def test_floor_query_gives_the_mql_at_of_fct_lead_lifecycle(tmp_path: Path, text: bool) -> None:
    db = tmp_path / "warehouse.duckdb"
    generate_raw(
        db, leads=1500, days=365, start_date=START_DATE, seed=23, text=text, mess_rate=0.04
    )
    run_dbt(["seed", "--quiet"], db, tmp_path)
    run_dbt(["run", "--quiet", "--select", "+fct_lead_lifecycle"], db, tmp_path)

    with duckdb.connect(str(db), read_only=True) as con:
        floor = floor_mql_at(con, AS_OF)
        mart = dict(
            con.execute(
                "select lead_id, mql_at from marts.fct_lead_lifecycle where rule_set_id = 'default'"
            ).fetchall()
        )
        later_leads = con.execute(
            "select count(*) from staging.stg_crm__leads where created_at > ?", [AS_OF]
        ).fetchone()[0]

    assert later_leads > 0, "the data should have leads created after as_of"
    assert 0 < sum(v is not None for v in mart.values()) < len(mart), "some MQLs, not all"
    assert set(floor) == set(mart), "the floor and the mart should have the same leads"
    differing = {k: (floor[k], mart[k]) for k in mart if floor[k] != mart[k]}
    assert not differing, f"{len(differing)} leads differ, e.g. {list(differing.items())[:5]}"


def test_floor_query_ships_with_the_package() -> None:
    sql = benchmark.floor_sql()
    assert benchmark.FLOOR_SQL_PATH.parent.name == "sql"
    assert "getvariable('lf_as_of')" in sql and "raw.crm_leads" in sql


# ------------------------------------------------------------------ the command


def test_parse_sizes_and_repeats() -> None:
    sizes = benchmark.parse_sizes("S, m,L,2000,1_500")
    assert [(s.label, s.leads) for s in sizes] == [
        ("S", 10_000),
        ("M", 100_000),
        ("L", 1_000_000),
        ("2000", 2000),
        ("1500", 1500),
    ]
    for bad in ("XL", "0", "-5", ""):
        with pytest.raises(ValueError):
            benchmark.parse_sizes(bad)
    assert benchmark.repeats_for(sizes[0], None) == 3
    assert benchmark.repeats_for(sizes[2], None) == 1
    assert benchmark.repeats_for(sizes[2], 2) == 2


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["benchmark", "--sizes", "XL"]) == 2
    assert "unknown size" in capsys.readouterr().err
    assert cli.main(["benchmark", "--repeat", "0"]) == 2


def test_peak_rss_counts_child_processes() -> None:
    code = "import time; x = bytearray(300 * 1024 * 1024); time.sleep(1.5)"
    with benchmark.PeakRss() as peak:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert peak.peak_bytes > 300 * 1024 * 1024


def _fake_run(index: int, full_s: float) -> dict[str, Any]:
    node = {"resource_type": "model", "status": "success"}
    return {
        "repeat": index,
        "raw_rows": 1000,
        "held_back_rows": 10,
        "generate_s": 1.0 * index,
        "full_build_s": full_s,
        "full_build_steps_s": {"seed": 1.0, "build": full_s - 1},
        "floor_s": 0.5,
        "floor_mismatches": 0,
        "incremental_s": full_s / 4,
        "incremental_steps_s": {"seed": 1.0, "build": full_s / 4 - 1},
        "incremental_test_scope": "refreshed",
        "rerun_s": full_s / 5,
        "peak_rss_bytes": {"generate": 100, "full_build": 2**30 * index, "floor": 50},
        "full_build_nodes": [
            {**node, "unique_id": "model.p.a", "name": "a", "execution_time_s": full_s / 2},
            {**node, "unique_id": "model.p.b", "name": "b", "execution_time_s": 1.0},
        ],
        "incremental_nodes": [],
    }


def test_summary_takes_medians_and_formats_a_table() -> None:
    runs = [_fake_run(1, 10.0), _fake_run(2, 30.0), _fake_run(3, 20.0)]
    summary = benchmark.summarise(benchmark.Size("S", 10_000), runs)
    assert summary["full_build_s"] == 20.0
    assert summary["incremental_s"] == 5.0
    assert summary["incremental_pct"] == 25.0
    assert summary["rerun_s"] == 4.0
    assert summary["incremental_test_scopes"] == ["refreshed"]
    assert summary["full_to_floor_ratio"] == 40.0
    assert summary["rows_per_s"] == 50
    assert summary["peak_rss_gib"] == 2.0
    assert summary["generate_s"] == 2.0
    assert summary["engine"] == "duckdb" and summary["load_raw_s"] is None
    assert summary["floor_matches_marts"] is True
    assert [n["name"] for n in summary["slowest_models_full_build"]] == ["a", "b"]
    assert summary["slowest_models_full_build"][0]["execution_time_s"] == 10.0
    table = benchmark.format_table([summary])
    header, rule, row = table.splitlines()
    assert header.split()[:4] == ["size", "engine", "leads", "raw"]
    assert row.split()[:5] == ["S", "duckdb", "10,000", "1,000", "2.0"]
    assert len(header) == len(rule) == len(row)


@pytest.mark.slow
def test_benchmark_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The S-size benchmark as a smoke check in CI: it runs and reports; no timing asserted."""
    out_dir = tmp_path / "results"
    work_dir = tmp_path / "work"
    code = cli.main(
        [
            "benchmark",
            "--sizes",
            "S",
            "--repeat",
            "1",
            "--days",
            "60",
            "--output-dir",
            str(out_dir),
            "--work-dir",
            str(work_dir),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err[-4000:]

    lines = captured.out.splitlines()
    header = next(line for line in lines if line.startswith("size"))
    for title, _, _ in benchmark.TABLE_COLUMNS:
        assert title in header
    assert any(line.startswith("S ") for line in lines)

    (path,) = out_dir.glob("benchmark-*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    machine = document["machine"]
    for key in ("cpu_model", "logical_cores", "memory_bytes", "load_average_at_start"):
        assert machine[key], key
    assert machine["versions"]["dbt_core"] and machine["versions"]["duckdb"]
    assert dt.datetime.fromisoformat(document["started_at"])
    assert document["settings"]["as_of"] == "2025-03-02 00:00:00"  # 2025-01-01 + 60 days
    (result,) = document["results"]
    for _, key, _ in benchmark.TABLE_COLUMNS:
        assert result[key] is not None, key
    assert result["leads"] == 10_000 and result["repeats"] == 1
    assert result["raw_rows"] > 10_000 and result["held_back_rows"] > 0
    assert result["full_build_s"] > result["floor_s"] > 0
    assert result["incremental_s"] > 0 and result["peak_rss_bytes"] > 0
    assert result["rerun_s"] > 0
    # the incremental run follows a fully tested build: tests read the recomputed rows only
    assert result["incremental_test_scopes"] == ["refreshed"]
    assert result["floor_matches_marts"] is True and result["floor_mismatches"] == 0
    assert {"generate", "full_build", "floor", "incremental", "rerun"} <= set(
        result["peak_rss_by_phase_gib"]
    )
    assert result["slowest_models_full_build"], "per-model times from run_results.json"
    assert all(n["resource_type"] == "model" for n in result["slowest_models_full_build"])
    assert "build" in result["full_build_steps_s"]
    # without --keep the work files are removed
    assert not any(work_dir.glob("size-*"))
