"""`threshold_calibration` is exact: what a build with another threshold publishes.

One generated landing is built three times in full, each time in a copy of the project
whose seed ``scoring_rule_sets.csv`` gives every rule set another ``mql_threshold``
(``SEEDED_THRESHOLDS``). A build publishes, in ``rule_set_comparison``, the funnel of each
rule set at its seeded threshold; the other builds' ``threshold_calibration`` must hold
the very same figures at that threshold. And since the curve does not depend on the
rule set's own threshold, every build publishes the same curve on the candidate grid.
(The row of a build's own threshold equals its ``rule_set_comparison`` by the singular
test assert_threshold_calibration_matches_rule_set_comparison, run by every build.)
"""

from __future__ import annotations

import csv
import itertools
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

import dbt_support
from runner_support import copy_project

pytestmark = pytest.mark.build

AS_OF = "2026-05-15 12:00:00"
# Per build, every rule set's threshold in the seed. Three thresholds each for default
# and strict, compared across builds; fit_first's 93 is off the candidate grid (20 to
# 150 in steps of 5), so only the build seeding it evaluates it.
SEEDED_THRESHOLDS = (
    {"default": 45, "strict": 100, "fit_first": 70},
    {"default": 80, "strict": 50, "fit_first": 40},
    {"default": 120, "strict": 65, "fit_first": 93},
)
FIGURES = (
    "leads",
    "mqls",
    "sqls",
    "mql_events",
    "opportunities_from_mqls",
    "customers_from_mqls",
    "lead_to_mql_rate",
    "mql_to_sql_rate",
    "mql_to_opportunity_rate",
    "median_hours_to_mql",
)
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def _seed_thresholds(project: Path, thresholds: dict[str, int]) -> None:
    """Rewrite the project copy's rule sets with these thresholds, all else unchanged."""
    path = project / "seeds" / "scoring_rule_sets.csv"
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    assert {row["rule_set_id"] for row in rows} == set(thresholds)
    for row in rows:
        row["mql_threshold"] = str(thresholds[row["rule_set_id"]])
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _rows(db: Path, mart: str) -> dict[tuple[str, int], dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(f"select * from marts.{mart}")
        columns = [description[0] for description in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return {(row["rule_set_id"], row["mql_threshold"]): row for row in rows}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> list[dict[str, dict]]:
    """Per seeded build: its rule_set_comparison and threshold_calibration rows."""
    from lead_funnel.generate import generate_raw

    work = tmp_path_factory.mktemp("calibration")
    raw = work / "landing.duckdb"
    generate_raw(
        raw,
        leads=1500,
        start_date=date(2026, 1, 1),
        days=150,
        seed=11,
        mess_rate=0.01,
        replace=True,
    )
    results = []
    for index, thresholds in enumerate(SEEDED_THRESHOLDS):
        project = copy_project(work / f"project_{index}")
        _seed_thresholds(project, thresholds)
        db = work / f"build_{index}.duckdb"
        shutil.copyfile(raw, db)
        dbt_support.run_dbt(
            BUILD,
            duckdb_path=db,
            work_dir=work / f"dbt_{index}",
            project_dir=project,
            variables={"as_of": AS_OF},
            timeout=1800,
        )
        results.append(
            {
                "thresholds": thresholds,
                "comparison": _rows(db, "rule_set_comparison"),
                "calibration": _rows(db, "threshold_calibration"),
            }
        )
    return results


def _figures(row: dict) -> dict:
    return {name: row[name] for name in FIGURES}


def test_each_build_publishes_its_seeded_thresholds(builds):
    for build in builds:
        assert set(build["comparison"]) == set(build["thresholds"].items())
        for key, row in build["comparison"].items():
            assert build["calibration"][key]["is_current_threshold"] is True
            assert _figures(build["calibration"][key]) == _figures(row), key
        current = {key for key, row in build["calibration"].items() if row["is_current_threshold"]}
        assert current == set(build["thresholds"].items())


def test_calibration_equals_the_builds_with_the_threshold_changed_in_the_seed(builds):
    checked = 0
    for published in builds:
        for (rule_set_id, threshold), row in published["comparison"].items():
            for other in builds:
                if other is published or (rule_set_id, threshold) not in other["calibration"]:
                    continue
                calibrated = other["calibration"][(rule_set_id, threshold)]
                assert calibrated["is_current_threshold"] is False
                assert _figures(calibrated) == _figures(row), (rule_set_id, threshold)
                checked += 1
            print(
                f"{rule_set_id} at {threshold}: mqls {row['mqls']}, sqls {row['sqls']}, "
                f"mql events {row['mql_events']}, opportunities {row['opportunities_from_mqls']}, "
                f"median hours {row['median_hours_to_mql']}"
            )
    # default and strict: 3 thresholds x 2 other builds each; fit_first: 70 and 40
    assert checked == 16


def test_the_curve_does_not_depend_on_the_seeded_threshold(builds):
    grid = [
        {key: _figures(row) for key, row in build["calibration"].items() if key[1] % 5 == 0}
        for build in builds
    ]
    assert len(grid[0]) == 3 * 27
    assert grid[0] == grid[1] == grid[2]


def test_a_higher_threshold_never_makes_more_mqls(builds):
    calibration = builds[0]["calibration"]
    for rule_set_id in SEEDED_THRESHOLDS[0]:
        curve = sorted(
            (threshold, row) for (rs, threshold), row in calibration.items() if rs == rule_set_id
        )
        for (_, lower), (_, higher) in itertools.pairwise(curve):
            assert higher["mqls"] <= lower["mqls"]
            assert higher["mql_events"] <= lower["mql_events"]
            assert higher["sqls"] <= lower["sqls"]
        assert curve[0][1]["mqls"] > curve[-1][1]["mqls"], "the curve is flat"
