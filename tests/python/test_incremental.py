"""Incremental runs give exactly what a full refresh gives (SPEC section 3, last paragraph).

The scenario, on generated data (typed and text landings):
1. land the rows loaded up to a cutoff and build;
2. land more in two steps (late events, events that landed before their lead, re-landed
   CRM rows, late dispositions, all from the generator), plus three hand-made landings:
   an event moved to another lead, a scored event re-landed as a non-scoring type and a
   late `recycled` disposition in the middle of a lead's history; run incrementally after
   each step;
3. (typed landings) move `as_of` back into the data (leads and events after it
   disappear) and run incrementally, move it forward again and run, then switch the
   active rule set and run;
4. after each of these runs (text landings, which differ only in staging: after the last
   landing's run): copy the warehouse, rebuild the copy with
   --full-refresh at the same `as_of` and rule set, and compare every row of every table
   and view dbt built (staging, intermediate, marts) between the two.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import compare_support
import dbt_support
from engines_support import land_hand_made_changes
from lead_funnel.generate import generate_raw, land_pending

pytestmark = pytest.mark.build

AS_OF = "2026-05-15 00:00:00"  # after the last landing
EARLIER_AS_OF = "2026-03-20 12:00:00"  # inside the data: later leads and events vanish
VARIABLES = {"as_of": AS_OF, "active_rule_set": "default"}
EARLIER_VARIABLES = {"as_of": EARLIER_AS_OF, "active_rule_set": "default"}
STRICT_VARIABLES = {"as_of": AS_OF, "active_rule_set": "strict"}


def build(
    duckdb_path: Path,
    work_dir: Path,
    *,
    variables: dict[str, str] = VARIABLES,
    full_refresh: bool = False,
) -> None:
    """Seed and run every model in one dbt call (tests run elsewhere; this is about results)."""
    args = ["build", "--quiet", "--exclude-resource-type", "test", "unit_test"]
    dbt_support.run_dbt(
        [*args, *(["--full-refresh"] if full_refresh else [])],
        duckdb_path=duckdb_path,
        work_dir=work_dir,
        variables=variables,
    )


def built_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Every table and view dbt built (schemas staging, intermediate, marts) in a catalog."""
    rows = con.execute(
        """
        select table_schema || '.' || table_name from information_schema.tables
        where table_catalog = ? and table_schema in ('staging', 'intermediate', 'marts')
        order by 1
        """,
        [catalog],
    ).fetchall()
    return [name for (name,) in rows]


# Run times that differ between an incremental run and a full refresh by design, besides
# the bookkeeping columns (names starting with `_`).
RUN_TIMES = {"intermediate.int_scoring_rule_changes": ("changed_at",)}


def compare_with_full_refresh(
    warehouse: Path, work_dir: Path, variables: dict[str, str]
) -> dict[str, tuple[int, int, int]]:
    """Rebuild a copy of ``warehouse`` with --full-refresh at the same vars and compare.

    Returns, per relation: (rows, rows only in the incremental build, rows only in the
    full refresh), leaving out the bookkeeping columns (names starting with `_`) and the
    run times, which differ by design.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    full_refresh = work_dir / "full_refresh.duckdb"
    shutil.copyfile(warehouse, full_refresh)
    build(full_refresh, work_dir / "dbt", variables=variables, full_refresh=True)
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as incremental (read_only)")
        con.execute(f"attach '{full_refresh}' as full_refresh (read_only)")
        relations = built_relations(con, "incremental")
        assert set(relations) >= {
            "marts.dim_leads",
            "marts.fct_lead_lifecycle",
            "marts.fct_lead_stage_history",
            "marts.fct_lead_score_events",
            "marts.mql_sql_funnel",
            "marts.funnel_daily",
            "marts.sales_handoff_queue",
            "marts.rule_set_comparison",
            "marts.threshold_calibration",
            "marts.data_quality_issues",
            "staging.landing_marketing__email_events",
            "intermediate.int_lead_events_scored",
        }
        assert relations == built_relations(con, "full_refresh")
        differences = {}
        for relation in relations:
            skip = tuple(
                name
                for name, _ in compare_support.columns(con, f"incremental.{relation}")
                if name.startswith("_") or name in RUN_TIMES.get(relation, ())
            )
            found = compare_support.compare(
                con, f"incremental.{relation}", f"full_refresh.{relation}", skip=skip
            )
            differences[relation] = (found.left_rows, found.only_left, found.only_right)
    return differences


@pytest.mark.slow
@pytest.mark.parametrize("text", [False, True], ids=["typed", "text"])
def test_incremental_runs_equal_a_full_refresh(tmp_path: Path, text: bool) -> None:
    warehouse = tmp_path / "incremental.duckdb"
    generate_raw(
        warehouse,
        leads=1500,
        start_date=date(2026, 1, 1),
        days=120,
        seed=21,
        text=text,
        mess_rate=0.02,
        replace=True,
        land_until=datetime(2026, 3, 1),
    )
    build(warehouse, tmp_path / "dbt_incremental")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scored_before = con.execute(
            "select count(*) from intermediate.int_lead_events_scored"
        ).fetchone()[0]
    assert scored_before > 0

    moved = land_hand_made_changes(warehouse)
    landed_first = land_pending(warehouse, until=datetime(2026, 3, 25))
    assert sum(landed_first.values()) > 0
    build(warehouse, tmp_path / "dbt_incremental")

    landed_rest = land_pending(warehouse)
    assert sum(landed_rest.values()) > 0
    build(warehouse, tmp_path / "dbt_incremental")

    if text:
        # text landings differ from typed ones only in staging: one comparison suffices
        latest = compare_with_full_refresh(warehouse, tmp_path / "latest", VARIABLES)
        runs = (("latest as_of", latest),)
    else:
        # as_of moves back into the data, forward again, then the rule set changes
        build(warehouse, tmp_path / "dbt_incremental", variables=EARLIER_VARIABLES)
        earlier = compare_with_full_refresh(warehouse, tmp_path / "earlier", EARLIER_VARIABLES)
        build(warehouse, tmp_path / "dbt_incremental")
        latest = compare_with_full_refresh(warehouse, tmp_path / "latest", VARIABLES)
        build(warehouse, tmp_path / "dbt_incremental", variables=STRICT_VARIABLES)
        strict = compare_with_full_refresh(warehouse, tmp_path / "strict", STRICT_VARIABLES)
        runs = (("earlier as_of", earlier), ("latest as_of", latest), ("strict rule set", strict))
        # the earlier as_of really removed leads and events that the latest one shows again
        assert earlier["marts.dim_leads"][0] < latest["marts.dim_leads"][0]
        assert earlier["marts.fct_lead_score_events"][0] < latest["marts.fct_lead_score_events"][0]

    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as incremental (read_only)")
        # the last runs were incremental: rows of leads untouched since the first build
        # still carry that build's watermark
        batches = con.execute(
            "select count(distinct _refreshed_at) "
            "from incremental.intermediate.int_lead_events_scored"
        ).fetchone()[0]
        # the late disposition cut the disposed lead's history in two cycles
        disposed_cycles = con.execute(
            """
            select count(distinct cycle_number)
            from incremental.intermediate.int_lead_events_scored where lead_id = ?
            """,
            [moved["disposed_lead"]],
        ).fetchone()[0]
        # the moved event now scores for its new lead only
        owners = con.execute(
            """
            select distinct lead_id from incremental.marts.fct_lead_score_events
            where event_source = 'email_events' and event_id = ?
            """,
            [moved["moved_event"]],
        ).fetchall()

    for label, differences in runs:
        mismatched = {name: diff for name, diff in differences.items() if diff[1] or diff[2]}
        assert not mismatched, f"{label}: (rows, only incremental, only full refresh): {mismatched}"
        assert all(
            rows > 0 for name, (rows, _, _) in differences.items() if name.startswith("marts.")
        ), (label, differences)
    assert owners in ([(moved["to_lead"],)], []), owners
    assert disposed_cycles == 2, disposed_cycles
    assert batches > 1, "every lead was recomputed: the runs were not incremental"
