"""The semantic layer (models/marts/semantic) queried for real with the MetricFlow CLI.

Generates a small warehouse into a temporary DuckDB file, builds the funnel marts and the
time spine with dbt in a temporary copy of the project (``mf`` always reads
``<project>/target/semantic_manifest.json``, so the copy keeps its build output away from
the working tree and from other runs), then runs ``mf validate-configs`` and ``mf query``
in subprocesses and compares the metrics with the ``mql_sql_funnel`` mart and with plain
SQL over ``fct_lead_lifecycle``.

Nothing is skipped: a missing ``mf`` (dbt-metricflow, a dev dependency) fails the tests.
"""

from __future__ import annotations

import contextlib
import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lead_funnel.generate import generate_raw
from runner_support import copy_project

BIN_DIR = Path(sys.executable).parent
DBT = BIN_DIR / "dbt"
MF = BIN_DIR / "mf"
AS_OF = "2026-05-31 00:00:00"
LEADS = 1500
TOLERANCE = 1e-9

pytestmark = [pytest.mark.slow, pytest.mark.build]


@dataclass(frozen=True)
class SemanticProject:
    """A built copy of the dbt project, its DuckDB file and the environment for dbt/mf."""

    project_dir: Path
    duckdb_path: Path
    env: dict[str, str]


def _generate_raw(duckdb_path: Path) -> None:
    generate_raw(
        duckdb_path, leads=LEADS, start_date=date(2026, 1, 1), days=150, seed=5, replace=True
    )


def _run(args: list[str | Path], project: SemanticProject) -> subprocess.CompletedProcess[str]:
    """Run a dbt/mf command in the project copy; fail the test (with its output) on error."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=project.project_dir,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    return result


def _mf_query(project: SemanticProject, metrics: str, group_by: str, name: str) -> list[dict]:
    """``mf query ... --csv``: the result rows as dicts of strings."""
    out = project.project_dir.parent / f"{name}.csv"
    _run(
        [MF, "query", "--metrics", metrics, "--group-by", group_by, "--csv", out, "--quiet"],
        project,
    )
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _mf_by_month(project: SemanticProject, metrics: str, name: str) -> dict[str, dict]:
    """``mf query`` of ``metrics`` by ``metric_time__month``: the row of each month."""
    rows = _mf_query(project, metrics, "metric_time__month", name)
    return {_month(row["metric_time__month"]): row for row in rows}


def _sql(project: SemanticProject, query: str) -> list[tuple]:
    with contextlib.closing(duckdb.connect(str(project.duckdb_path), read_only=True)) as con:
        return con.execute(query).fetchall()


def _month(value: str) -> str:
    """'2026-05-01 00:00:00' (mf CSV) -> '2026-05-01'."""
    assert value, "mf returned a row without metric_time"
    return value[:10]


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


def _assert_close(actual: float | None, expected: float | None, what: str) -> None:
    if expected is None:
        assert actual is None, f"{what}: expected null, got {actual}"
    else:
        assert actual is not None, f"{what}: expected {expected}, got null"
        assert abs(actual - expected) <= TOLERANCE, f"{what}: {actual} != {expected}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> SemanticProject:
    """Generate data, build the funnel marts and the time spine in a project copy."""
    assert DBT.exists(), f"dbt is not installed next to {sys.executable}"
    assert MF.exists(), f"mf (dbt-metricflow) is not installed next to {sys.executable}"
    root = tmp_path_factory.mktemp("semantic_layer")
    project_dir = copy_project(root / "project")
    duckdb_path = root / "warehouse.duckdb"
    _generate_raw(duckdb_path)
    env = {
        **os.environ,
        "LEAD_FUNNEL_DUCKDB": str(duckdb_path),
        # mf reads <project>/target/semantic_manifest.json whatever DBT_TARGET_PATH says.
        "DBT_TARGET_PATH": str(project_dir / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_PROJECT_DIR": str(project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    built = SemanticProject(project_dir=project_dir, duckdb_path=duckdb_path, env=env)
    _run(
        [
            DBT,
            "build",
            "--profiles-dir",
            project_dir,
            "--project-dir",
            project_dir,
            "--vars",
            f"{{as_of: '{AS_OF}'}}",
            # What the semantic layer reads, with the tests of those models only.
            "--select",
            "+mql_sql_funnel",
            "+fct_lead_mqls",
            "metricflow_time_spine",
            "--indirect-selection",
            "cautious",
        ],
        built,
    )
    assert (project_dir / "target" / "semantic_manifest.json").exists()
    return built


def test_mf_validate_configs_passes(project: SemanticProject) -> None:
    result = _run([MF, "validate-configs"], project)
    output = result.stdout + result.stderr
    assert "Successfully validated the semantics of built manifest (ERRORS: 0" in output, output
    assert "against data warehouse" in output, output
    assert "• ERROR" not in output, output


def test_mql_to_sql_rate_by_month_matches_the_funnel_mart(project: SemanticProject) -> None:
    rows = _mf_by_month(project, "mql_to_sql_rate", "mql_to_sql_rate")
    actual = {month: _number(row["mql_to_sql_rate"]) for month, row in rows.items()}
    expected = {
        month.isoformat(): (sqls / mqls if mqls else None)
        for month, sqls, mqls in _sql(
            project,
            "select cohort_month, sum(sqls), sum(mqls) from marts.mql_sql_funnel "
            "group by cohort_month",
        )
    }
    assert len(expected) >= 4, expected
    assert set(actual) == set(expected)
    for month, rate in expected.items():
        _assert_close(actual[month], rate, f"mql_to_sql_rate {month}")


def test_cohort_counts_and_lead_to_mql_rate_match_the_funnel_mart(
    project: SemanticProject,
) -> None:
    metrics = "leads,mqls,sqls,opportunities,customers,lead_to_mql_rate"
    actual = _mf_by_month(project, metrics, "cohort_counts")
    mart = _sql(
        project,
        "select cohort_month, sum(leads), sum(mqls), sum(sqls), sum(opportunities), "
        "sum(customers) from marts.mql_sql_funnel group by cohort_month",
    )
    assert set(actual) == {month.isoformat() for month, *_ in mart}
    for month, leads, mqls, sqls, opportunities, customers in mart:
        row = actual[month.isoformat()]
        counts = (leads, mqls, sqls, opportunities, customers)
        assert tuple(int(row[name]) for name in metrics.split(",")[:5]) == counts, month
        _assert_close(_number(row["lead_to_mql_rate"]), mqls / leads, f"lead_to_mql_rate {month}")


def test_mql_to_sql_conversion_30d_is_a_rate_per_mql_month(project: SemanticProject) -> None:
    rows = _mf_by_month(project, "mql_to_sql_conversion_30d", "mql_to_sql_conversion_30d")
    actual = {month: _number(row["mql_to_sql_conversion_30d"]) for month, row in rows.items()}
    assert actual, "the conversion metric returned no rows"
    for month, rate in actual.items():
        assert rate is not None and 0.0 <= rate <= 1.0, (month, rate)
    # Same definition in plain SQL: MQLs by the month of mql_at; converted when the lead's
    # SQL day is on or after its MQL day and less than 30 days later.
    expected = {
        month.isoformat(): converted / mqls
        for month, mqls, converted in _sql(
            project,
            """
            select
                cast(date_trunc('month', mql_at) as date),
                count(*),
                count(
                    case
                        when date_diff('day', cast(mql_at as date), cast(sql_at as date))
                            between 0 and 29
                            then 1
                    end
                )
            from marts.fct_lead_lifecycle
            where mql_at is not null
            group by 1
            """,
        )
    }
    assert set(actual) == set(expected)
    for month, rate in expected.items():
        _assert_close(actual[month], rate, f"mql_to_sql_conversion_30d {month}")


def test_mql_events_and_re_mql_rate_match_the_mqls_mart(project: SemanticProject) -> None:
    actual = _mf_by_month(project, "mql_events,re_mql_events,re_mql_rate", "mql_events")
    expected = _sql(
        project,
        "select cast(date_trunc('month', mql_at) as date), count(*), "
        "count(case when mql_number > 1 then 1 end) from marts.fct_lead_mqls group by 1",
    )
    assert set(actual) == {month.isoformat() for month, *_ in expected}
    for month, mql_events, re_mql_events in expected:
        row = actual[month.isoformat()]
        assert (int(row["mql_events"]), int(row["re_mql_events"])) == (
            mql_events,
            re_mql_events,
        ), month
        _assert_close(
            _number(row["re_mql_rate"]), re_mql_events / mql_events, f"re_mql_rate {month}"
        )
    # the demo data recycles leads that come back: the metric has re-MQLs to count
    assert sum(re for _, _, re in expected) > 0


def test_disqualified_leads_match_the_lifecycle_mart(project: SemanticProject) -> None:
    rows = _mf_query(project, "disqualified_leads", "lead__lead_status", "disqualified_leads")
    actual = {row["lead__lead_status"]: int(row["disqualified_leads"]) for row in rows}
    expected = dict(
        _sql(
            project,
            "select lead_status, count(case when lead_status = 'disqualified' then 1 end) "
            "from marts.fct_lead_lifecycle group by 1",
        )
    )
    assert actual == expected
