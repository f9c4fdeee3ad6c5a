"""The plain-Python scoring reference against the dbt marts.

Generate demo data, build the project with dbt, and compare the marts
``fct_lead_lifecycle`` (lead by lead), ``fct_lead_score_events`` (event by event) and
``fct_lead_mqls`` (MQL by MQL) with the reference (``reference_scoring``), for the three rule
sets (the marts publish the rule set chosen by the dbt var ``active_rule_set``: one full
build, then the three compared marts rebuilt in a copy per other rule set); then the same
for a landing of hand-made edge cases, and every dbt unit test on that warehouse. The
reference's own hand-worked tests: test_reference_scoring.py.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import dbt_support
from lead_funnel.dbt_process import read_run_results
from reference_scoring import StagingData, load_staging, score
from reference_support import SEEDS, Scenario

pytestmark = pytest.mark.build

# ---------------------------------------------------- demo data: reference vs the marts

COMPARE_AS_OF = "2026-05-15 12:00:00"
RULE_SETS = ("default", "strict", "fit_first")
LIFECYCLE_EXACT = (
    "rule_set_id",
    "lifecycle_stage",
    "fit_score",
    "engagement_score",
    "lead_score",
    "fit_grade",
    "lead_status",
    "status_reason",
    "is_mql",
    "is_sql",
    "mql_count",
    "created_at",
    "nurturing_at",
    "mql_at",
    "sql_at",
    "opportunity_at",
    "customer_at",
    "last_mql_at",
    "first_sales_touch_at",
    "is_sla_met",
)
LIFECYCLE_HOURS = ("hours_to_mql", "hours_mql_to_sql", "hours_to_first_sales_touch")
MQL_EXACT = (
    "rule_set_id",
    "mql_at",
    "sql_at",
    "first_sales_touch_at",
    "sla_due_at",
    "is_sla_met",
    "ended_at",
    "ended_by",
    "end_reason",
)
MQL_HOURS = ("hours_mql_to_end",)
EVENT_COLUMNS = (
    "signal",
    "qualifier",
    "rule_id",
    "occurred_at",
    "points_awarded",
    "engagement_score",
    "lead_score",
    "is_sales_ready",
)


def _generate_raw(path: Path, text: bool) -> None:
    from lead_funnel.generate import generate_raw

    generate_raw(
        path,
        leads=1500,
        start_date=date(2026, 1, 1),
        days=150,
        seed=11,
        text=text,
        mess_rate=0.01,
        replace=True,
    )


# The fixtures build the seeds, models and data tests, not the dbt unit tests: those check
# SQL logic on fixed inputs, whatever the landing, so they run once, in
# test_dbt_unit_tests_pass, instead of in each build.
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def _dbt(args: list[str], db: Path, work: Path, rule_set_id: str) -> None:
    dbt_support.run_dbt(
        args,
        duckdb_path=db,
        work_dir=work,
        variables={"as_of": COMPARE_AS_OF, "active_rule_set": rule_set_id},
        timeout=3600,
    )


# What a rule set changes in a built warehouse: the intermediate models score every rule
# set, so another rule set's marts need only the three compared marts rebuilt.
COMPARED_MARTS = ["--select", "fct_lead_lifecycle", "fct_lead_mqls", "fct_lead_score_events"]


def _build_every_rule_set(default_db: Path, work: Path) -> dict[str, Path]:
    """Build ``default_db`` (raw tables landed) for the default rule set, then a copy per
    other rule set with the compared marts rebuilt under it; the files per rule set."""
    _dbt(BUILD, default_db, work / "default", "default")
    databases = {"default": default_db}
    for rule_set_id in RULE_SETS[1:]:
        db = default_db.with_name(f"{rule_set_id}.duckdb")
        shutil.copyfile(default_db, db)
        _dbt(["build", *COMPARED_MARTS], db, work / rule_set_id, rule_set_id)
        databases[rule_set_id] = db
    return databases


def _fetch(db: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(sql)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _default_staging(databases: dict[str, Path]) -> StagingData:
    """The staging tables of the default rule set's build (the same for every rule set)."""
    con = duckdb.connect(str(databases["default"]), read_only=True)
    try:
        return load_staging(con)
    finally:
        con.close()


def _reference(staging: StagingData) -> dict:
    """The reference's scoring of ``staging`` at COMPARE_AS_OF, per rule set."""
    as_of = datetime.fromisoformat(COMPARE_AS_OF)
    return {rule_set_id: score(staging, SEEDS, rule_set_id, as_of) for rule_set_id in RULE_SETS}


@pytest.fixture(scope="module", params=["typed", "text"])
def compared(request, tmp_path_factory):
    """Generate one landing, build it (the compared marts once per rule set), score it with
    the reference."""
    landing = request.param
    work = tmp_path_factory.mktemp(f"reference_{landing}")
    db = work / "default.duckdb"
    _generate_raw(db, text=landing == "text")
    databases = _build_every_rule_set(db, work)
    return databases, _reference(_default_staging(databases))


def _normalise(value):
    """Make a DuckDB value comparable with the reference's plain Python values."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _same(a, b) -> bool:
    a, b = _normalise(a), _normalise(b)
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def _same_hours(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-6


def _report(title: str, diffs: dict, total: int, limit: int = 8) -> str:
    """Readable failure message: differing keys with both sides' values, and counts."""
    per_column: dict[str, int] = {}
    for columns in diffs.values():
        for column in columns:
            per_column[column] = per_column.get(column, 0) + 1
    lines = [f"{title}: {len(diffs)} of {total} rows differ; per column: {per_column}"]
    for key, columns in list(diffs.items())[:limit]:
        lines.append(f"  {key}:")
        for column, (ref, mart) in columns.items():
            lines.append(f"    {column}: reference={ref!r} mart={mart!r}")
    return "\n".join(lines)


def _assert_no_differences(
    title: str, unit: str, reference: dict, mart: dict, diffs: dict, *notes: str
) -> None:
    """Print the comparison's figures and ``notes`` in the test output (``pytest -s`` or
    ``-rA``), then fail with the differing rows, if any."""
    compared = len(set(reference) & set(mart))
    print(
        f"{title}: {compared} {unit} compared (reference {len(reference)}, mart {len(mart)}),"
        f" {len(diffs)} differences"
    )
    for note in notes:
        print(note)
    if diffs:
        pytest.fail(_report(title, diffs, len(reference)), pytrace=False)


def _keyed(rows: list[dict], key: tuple[str, ...]) -> dict:
    """``rows`` by the values of their ``key`` columns."""
    return {tuple(row[k] for k in key): row for row in rows}


def _compare_rows(reference: dict, mart: dict, exact: tuple, hours: tuple = ()) -> dict:
    diffs: dict = {}
    for key in sorted(set(reference) | set(mart), key=str):
        ref_row, mart_row = reference.get(key), mart.get(key)
        if ref_row is None or mart_row is None:
            presence = ("present" if ref_row else "missing", "present" if mart_row else "missing")
            diffs[key] = {"<row>": presence}
            continue
        columns = {
            column: (ref_row[column], mart_row.get(column, "<no column>"))
            for column in exact
            if not _same(ref_row[column], mart_row.get(column, "<no column>"))
        }
        columns.update(
            {
                column: (ref_row[column], mart_row.get(column, "<no column>"))
                for column in hours
                if not _same_hours(ref_row[column], mart_row.get(column))
            }
        )
        if columns:
            diffs[key] = columns
    return diffs


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_lifecycle_mart_matches_reference(compared, rule_set_id):
    databases, reference = compared
    ref_leads, _, _ = reference[rule_set_id]
    mart_rows = _fetch(databases[rule_set_id], "select * from marts.fct_lead_lifecycle")
    mart = {row["lead_id"]: row for row in mart_rows}
    assert len(mart) == len(mart_rows), "fct_lead_lifecycle has duplicate lead_id"
    ref = {row["lead_id"]: row for row in ref_leads}
    assert ref, "the reference scored no lead: is the staging empty?"
    assert sum(row["is_mql"] for row in ref_leads) > 0, "no MQL at all: the check is too weak"
    diffs = _compare_rows(ref, mart, LIFECYCLE_EXACT, LIFECYCLE_HOURS)
    _assert_no_differences(f"fct_lead_lifecycle ({rule_set_id})", "leads", ref, mart, diffs)


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_score_events_mart_matches_reference(compared, rule_set_id):
    databases, reference = compared
    _, ref_events, _ = reference[rule_set_id]
    mart_rows = _fetch(databases[rule_set_id], "select * from marts.fct_lead_score_events")
    key = ("lead_id", "rule_set_id", "event_id")
    mart, ref = _keyed(mart_rows, key), _keyed(ref_events, key)
    assert len(ref) == len(ref_events), "event ids collide across sources in the reference"
    assert len(mart) == len(mart_rows), "fct_lead_score_events has duplicate keys"
    diffs = _compare_rows(ref, mart, EVENT_COLUMNS)
    _assert_no_differences(f"fct_lead_score_events ({rule_set_id})", "events", ref, mart, diffs)


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_mqls_mart_matches_reference(compared, rule_set_id):
    """fct_lead_mqls MQL by MQL (first MQLs and re-MQLs), keyed by lead_id and mql_number."""
    databases, reference = compared
    ref_leads, _, ref_mqls = reference[rule_set_id]
    mart_rows = _fetch(databases[rule_set_id], "select * from marts.fct_lead_mqls")
    key = ("lead_id", "mql_number")
    mart, ref = _keyed(mart_rows, key), _keyed(ref_mqls, key)
    assert len(ref) == len(ref_mqls)
    assert len(mart) == len(mart_rows), "fct_lead_mqls has duplicate (lead_id, mql_number)"
    assert ref, "the reference found no MQL: the check is too weak"
    assert len(ref_mqls) == sum(row["mql_count"] for row in ref_leads)
    diffs = _compare_rows(ref, mart, MQL_EXACT, MQL_HOURS)
    re_mqls = sum(1 for row in ref_mqls if row["mql_number"] > 1)
    _assert_no_differences(
        f"fct_lead_mqls ({rule_set_id})",
        "MQLs",
        ref,
        mart,
        diffs,
        f"fct_lead_mqls ({rule_set_id}): {re_mqls} re-MQLs in the reference",
    )


@pytest.mark.slow
def test_rule_set_comparison_counts_match_reference(compared):
    databases, reference = compared
    rows = _fetch(databases["default"], "select * from marts.rule_set_comparison")
    mart = {row["rule_set_id"]: row for row in rows}
    assert set(mart) == set(RULE_SETS)
    for rule_set_id in RULE_SETS:
        leads, _, mqls = reference[rule_set_id]
        rule_set = SEEDS.rule_sets[rule_set_id]
        expected = {
            "mql_threshold": rule_set.mql_threshold,
            "min_fit_points": rule_set.min_fit_points,
            "leads": len(leads),
            "mqls": sum(row["is_mql"] for row in leads),
            "sqls": sum(row["is_sql"] for row in leads),
            "mql_events": len(mqls),
            "disqualified_leads": sum(row["lead_status"] == "disqualified" for row in leads),
        }
        actual = {
            column: _normalise(mart[rule_set_id].get(column, "<no column>")) for column in expected
        }
        print(f"rule_set_comparison ({rule_set_id}): reference {expected}")
        assert actual == expected, f"rule_set_comparison for {rule_set_id}"


# ----------------------------------------------------- hand-made edge cases through dbt

RAW_TABLES = {
    "stg_crm__leads": "crm_leads",
    "stg_crm__companies": "crm_companies",
    "stg_crm__opportunities": "crm_opportunities",
    "stg_crm__sales_activities": "sales_activities",
    "stg_crm__lead_dispositions": "crm_lead_dispositions",
    "stg_web__page_views": "web_page_views",
    "stg_web__form_submissions": "form_submissions",
    "stg_marketing__email_events": "email_events",
    "stg_marketing__webinar_events": "webinar_events",
    "stg_marketing__content_downloads": "content_downloads",
}


def edge_case_scenario() -> Scenario:
    """The scenarios of test_reference_scoring.py, relative to the comparison's as_of, in
    one landing.

    Random demo data rarely hits exact window edges, ties or SLA boundaries; these rows do.
    ``A`` is as_of, ``B`` an early base time (window 90 days default, 60 days strict).
    """
    a = datetime.fromisoformat(COMPARE_AS_OF)
    b = datetime(2026, 1, 10, 9, 0, 0)
    d = timedelta(days=1)
    s = Scenario()
    # caps and negative caps, recent enough to count at as_of
    s.lead("X-CAP")
    for n in range(10, 5, -1):
        s.email("X-CAP", "open", a - n * d)
    s.lead("X-NEG")
    for n in (5, 4, 3):
        s.email("X-NEG", "bounce", a - n * d)
    s.email("X-NEG", "unsubscribe", a - 2 * d)
    s.email("X-NEG", "unsubscribe", a - d)
    # the current window's edges, for both rule sets, and an event exactly at as_of
    for lead_id, at in (
        ("X-ASOF-90", a - 90 * d),
        ("X-ASOF-90-IN", a - 90 * d + timedelta(seconds=1)),
        ("X-ASOF-60", a - 60 * d),
        ("X-ASOF-60-IN", a - 60 * d + timedelta(seconds=1)),
    ):
        s.lead(lead_id)
        s.pricing(lead_id, at)
    s.lead("X-AT-ASOF", fit=55)
    s.pricing("X-AT-ASOF", a)
    # window edges deciding the MQL
    s.lead("X-WIN-EXACT", fit=40)
    s.email("X-WIN-EXACT", "open", b)
    s.email("X-WIN-EXACT", "open", b + 90 * d)
    s.lead("X-WIN-INSIDE", fit=40)
    s.email("X-WIN-INSIDE", "open", b)
    s.email("X-WIN-INSIDE", "open", b + 90 * d - timedelta(seconds=1))
    for lead_id, last in (
        ("X-WIN60-EXACT", b + 60 * d),
        ("X-WIN60-IN", b + 60 * d - timedelta(seconds=1)),
    ):
        s.lead(lead_id, fit=55)
        s.email(lead_id, "open", b)
        s.email(lead_id, "open", b + 30 * d)
        s.email(lead_id, "open", last)
    # points awarded when older events have left the window
    s.lead("X-REENTER")
    for n in (0, 1, 2, 91):
        s.email("X-REENTER", "open", b + n * d)
    # ties at one timestamp
    s.lead("X-TIE", fit=40)
    for event_id in ("X-TIE-4", "X-TIE-2", "X-TIE-3", "X-TIE-1"):
        s.email("X-TIE", "open", b + d, event_id=event_id)
    s.lead("X-TIE-MQL", fit=40)
    s.email("X-TIE-MQL", "open", b + 3 * d)
    s.email("X-TIE-MQL", "click", b + 3 * d)
    s.lead("X-ORDER-SRC")
    s.email("X-ORDER-SRC", "click", b + timedelta(hours=23), event_id="X-ORD-Z")
    s.page("X-ORDER-SRC", "https://x.cz/pricing", b + d, event_id="X-ORD-A")
    s.email("X-ORDER-SRC", "open", b + d, event_id="X-ORD-B")
    # minimum engagement
    s.lead("X-MINENG", fit=60)
    for n in range(1, 6):
        s.page("X-MINENG", "https://x.cz/blog/post", b + n * d)
    # clamping to created_at
    s.lead("X-CLAMP", created_at=b + 10 * d, fit=55)
    s.pricing("X-CLAMP", b + 3 * d)
    s.form("X-CLAMP", "demo_request", b + 5 * d)
    # SQL: sales-ready inside the window before the MQL, after the MQL, at the window edge
    s.lead("X-SQL-WIN")
    s.form("X-SQL-WIN", "demo_request", b + d)
    s.pricing("X-SQL-WIN", b + 2 * d)
    s.lead("X-SQL-AFTER", company={"account_tier": 1})
    s.form("X-SQL-AFTER", "demo_request", b + d)
    s.pricing("X-SQL-AFTER", b + 100 * d)
    s.pricing("X-SQL-AFTER", b + 101 * d)
    s.activity("X-SQL-AFTER", "meeting", b + 105 * d)
    s.lead("X-SQL-EDGE", fit=55)
    s.activity("X-SQL-EDGE", "meeting", b)
    s.pricing("X-SQL-EDGE", b + 90 * d)
    s.lead("X-SQL-EDGE-IN", fit=55)
    s.activity("X-SQL-EDGE-IN", "meeting", b + timedelta(seconds=1))
    s.pricing("X-SQL-EDGE-IN", b + 90 * d)
    # a zero-point event is an MQL candidate (a negative event left the window)
    s.lead("X-ZERO", fit=55)
    s.email("X-ZERO", "unsubscribe", b)
    s.pricing("X-ZERO", b + 10 * d)
    s.activity("X-ZERO", "meeting", b + 95 * d)
    # sales hand-off SLA
    hour = timedelta(hours=1)
    for lead_id, mql_at, touch in (
        ("X-SLA-MET", b, ("call", b + hour / 2)),
        ("X-SLA-EXACT", b, ("email", b + hour)),
        ("X-SLA-LATE", b, ("call", b + hour + timedelta(seconds=1))),
        ("X-SLA-OVERDUE", b, None),
        ("X-SLA-TASK", b, ("task", b + hour / 2)),
        ("X-SLA-PENDING", a - hour / 2, None),
        ("X-SLA-DUE-NOW", a - hour, None),
        ("X-SLA-AFTER-ASOF", a - hour / 2, ("call", a + hour / 4)),
    ):
        s.lead(lead_id, fit=55)
        s.pricing(lead_id, mql_at)
        s.activity(lead_id, "call", mql_at - timedelta(seconds=1))
        if touch is not None:
            s.activity(lead_id, *touch)
    # negative points after the MQL; negative first event
    s.lead("X-NEG-MQL", fit=55)
    s.pricing("X-NEG-MQL", a - 3 * d)
    s.email("X-NEG-MQL", "unsubscribe", a - 2 * d)
    s.page("X-NEG-MQL", "https://x.cz/careers", a - d)
    s.lead("X-NEG-FIRST")
    s.email("X-NEG-FIRST", "unsubscribe", b)
    s.page("X-NEG-FIRST", "https://x.cz/blog/a", b + d)
    # fit: free-mail domains, between bounds, nulls, a company that is not staged
    s.lead("X-FREE", email_domain="gmail.com")
    s.lead("X-FREE-CZ", fit=55, email_domain="seznam.cz")
    s.lead("X-WORK", email_domain="gmail.com.example")
    for employees in (49, 50, 249, 250):
        s.lead(f"X-EMP-{employees}", company={"employee_count": employees, "account_tier": 2})
    s.lead("X-NULLS", company={"company_name": "Nulls"})
    s.lead("X-SK", company={"country_code": "SK", "industry": "retail", "account_tier": 3})
    s.lead("X-NO-COMPANY")
    s.data.stg_crm__leads[-1]["company_id"] = "C-NOT-LANDED"
    # page categories
    s.lead("X-URL")
    for n, url in enumerate(
        (
            "https://x.cz/Pricing?plan=pro",
            "https://x.cz/product/careers",
            "https://x.cz/blog",
            "https://x.cz/case-studies/acme",
            "https://x.cz/cs/cennik",
            "https://x.cz/products",
        )
    ):
        s.page("X-URL", url, b + n * d)
    # stages: order, clamping, skipping
    s.lead("X-OPP")
    s.opportunity("X-OPP", created_at=b + 5 * d, closed_at=b + 20 * d, is_won=True)
    s.lead("X-OPP-EARLY", created_at=b + 10 * d)
    s.opportunity("X-OPP-EARLY", created_at=b + 5 * d)
    s.lead("X-OPP-ORDER")
    s.page("X-OPP-ORDER", "https://x.cz/blog/a", b + 8 * d)
    s.opportunity("X-OPP-ORDER", created_at=b + 5 * d, closed_at=b + 6 * d, is_won=True)
    s.lead("X-OPP-LOST")
    s.opportunity("X-OPP-LOST", created_at=b + 7 * d, closed_at=b + 9 * d, is_won=False)
    s.opportunity("X-OPP-LOST", created_at=b + 4 * d, closed_at=None, is_won=True)
    s.lead("X-OPP-BEFORE-MQL", fit=55)
    s.opportunity("X-OPP-BEFORE-MQL", created_at=b)
    s.pricing("X-OPP-BEFORE-MQL", b + d)
    s.lead("X-CUST-ASOF")
    s.opportunity("X-CUST-ASOF", created_at=b, closed_at=a, is_won=True)
    # rows after as_of do not exist
    s.lead("X-AFTER", fit=55)
    s.pricing("X-AFTER", a + timedelta(seconds=1))
    s.opportunity("X-AFTER", created_at=a + hour)
    s.opportunity("X-AFTER", created_at=b, closed_at=a + timedelta(seconds=1), is_won=True)
    s.lead("X-LATE", created_at=a + timedelta(seconds=1))
    s.pricing("X-LATE", b)
    # ---- scoring v2: dispositions and cycles (all rule sets), fit_first's rules
    # engagement restarts after a disposition; the window still bounds after it
    s.lead("X-CYCLE")
    for n in (1, 2, 3, 5, 6):
        s.email("X-CYCLE", "open", b + n * d)
    s.disposition("X-CYCLE", "recycled", b + 4 * d, reason="no budget")
    s.lead("X-CYCLE-WINDOW")
    s.disposition("X-CYCLE-WINDOW", "recycled", b + d)
    for n in (2, 50, 100):
        s.email("X-CYCLE-WINDOW", "open", b + n * d)
    # an event at the disposition's exact time belongs to the cycle before
    s.lead("X-DISP-AT", fit=40)
    s.email("X-DISP-AT", "open", b + d)
    s.disposition("X-DISP-AT", "recycled", b + 2 * d, reason="no response")
    s.email("X-DISP-AT", "open", b + 2 * d)
    s.email("X-DISP-AT", "open", b + 3 * d)
    s.lead("X-DISP-BEFORE", fit=40)
    s.email("X-DISP-BEFORE", "open", b + d)
    s.disposition("X-DISP-BEFORE", "recycled", b + 2 * d - timedelta(seconds=1))
    s.email("X-DISP-BEFORE", "open", b + 2 * d)
    # dispositions sharing a timestamp: the last by id decides (landed in reverse order)
    for lead_id, kind_1, kind_2 in (
        ("X-DISP-TIE-OPEN", "disqualified", "recycled"),
        ("X-DISP-TIE-CLOSED", "recycled", "disqualified"),
    ):
        s.lead(lead_id, fit=55)
        s.pricing(lead_id, b + d)
        s.disposition(lead_id, kind_2, b + 2 * d, f"{kind_2} 2", f"{lead_id}-2")
        s.disposition(lead_id, kind_1, b + 2 * d, f"{kind_1} 1", f"{lead_id}-1")
        s.pricing(lead_id, b + 3 * d)
    # disqualified, then recycled: open again
    s.lead("X-DQ-RECYCLED", fit=55)
    s.disposition("X-DQ-RECYCLED", "disqualified", b + 2 * d, reason="competitor")
    s.pricing("X-DQ-RECYCLED", b + 3 * d)
    s.disposition("X-DQ-RECYCLED", "recycled", b + 4 * d, reason="reopened")
    s.pricing("X-DQ-RECYCLED", b + 5 * d)
    s.lead("X-DQ-RECYCLED-IDLE", fit=55)
    s.disposition("X-DQ-RECYCLED-IDLE", "disqualified", b + 2 * d, reason="competitor")
    s.pricing("X-DQ-RECYCLED-IDLE", b + 3 * d)
    s.disposition("X-DQ-RECYCLED-IDLE", "recycled", b + 4 * d, reason="reopened")
    # re-MQL with per-MQL SLA: met, missed, pending (the latest MQL just before as_of)
    s.lead("X-REMQL", fit=55)
    s.pricing("X-REMQL", b + d)
    s.activity("X-REMQL", "call", b + d + hour / 2)
    s.pricing("X-REMQL", b + 2 * d)
    s.disposition("X-REMQL", "recycled", b + 10 * d, reason="no budget")
    s.pricing("X-REMQL", b + 20 * d)
    s.activity("X-REMQL", "email", b + 20 * d + 2 * hour)
    s.disposition("X-REMQL", "recycled", b + 30 * d, reason="no response")
    s.pricing("X-REMQL", a - hour / 2)
    s.lead("X-REMQL-LATEST-DQ", fit=55)
    s.pricing("X-REMQL-LATEST-DQ", b + d)
    s.disposition("X-REMQL-LATEST-DQ", "recycled", b + 2 * d, reason="no response")
    s.pricing("X-REMQL-LATEST-DQ", b + 3 * d)
    s.disposition("X-REMQL-LATEST-DQ", "disqualified", b + 4 * d, reason="competitor")
    # SQL only within its cycle
    s.lead("X-SQL-CYCLE", fit=55)
    s.pricing("X-SQL-CYCLE", b + d)
    s.disposition("X-SQL-CYCLE", "recycled", b + 5 * d)
    s.form("X-SQL-CYCLE", "demo_request", b + 6 * d)
    s.lead("X-SQL-PREV-CYCLE")
    s.form("X-SQL-PREV-CYCLE", "demo_request", b + d)
    s.disposition("X-SQL-PREV-CYCLE", "recycled", b + 2 * d)
    s.pricing("X-SQL-PREV-CYCLE", b + 3 * d)
    s.pricing("X-SQL-PREV-CYCLE", b + 3 * d + hour)
    s.email("X-SQL-PREV-CYCLE", "open", b + 4 * d)
    s.activity("X-SQL-PREV-CYCLE", "meeting", b + 8 * d)
    s.lead("X-SQL-AT-END", fit=55)
    s.pricing("X-SQL-AT-END", b + d)
    s.activity("X-SQL-AT-END", "meeting", b + 2 * d)
    s.disposition("X-SQL-AT-END", "recycled", b + 2 * d)
    # a disposition at as_of; unused ones (invalid value, after as_of, orphan)
    s.lead("X-DISP-ASOF", fit=55)
    s.pricing("X-DISP-ASOF", a - 3 * d)
    s.disposition("X-DISP-ASOF", "recycled", a, reason="later")
    s.lead("X-DISP-UNUSED", fit=55)
    s.pricing("X-DISP-UNUSED", a - 3 * d)
    s.disposition("X-DISP-UNUSED", "snoozed", a - 2 * d)  # nulled by staging
    s.pricing("X-DISP-UNUSED", a - d)
    s.disposition("X-DISP-UNUSED", "disqualified", a + timedelta(seconds=1))
    s.disposition("X-GHOST", "disqualified", b)
    s.lead("X-DISP-CASE", fit=55)
    s.pricing("X-DISP-CASE", b + d)
    s.disposition("X-DISP-CASE", "  Recycled ", b + 2 * d, reason="  no budget ")
    # per-day counting (fit_first): same day, UTC midnight, ties, window
    s.lead("X-DAILY")
    s.email("X-DAILY", "open", b + d, event_id="X-DAILY-1")
    s.email("X-DAILY", "open", b + d + 6 * hour, event_id="X-DAILY-2")
    s.email("X-DAILY", "open", b + 2 * d, event_id="X-DAILY-3")
    s.email("X-DAILY", "click", b + 2 * d + hour, event_id="X-DAILY-4")
    s.email("X-DAILY", "click", b + 2 * d + 2 * hour, event_id="X-DAILY-5")
    s.lead("X-MIDNIGHT")
    s.email("X-MIDNIGHT", "open", datetime(2026, 2, 5, 23, 59, 59))
    s.email("X-MIDNIGHT", "open", datetime(2026, 2, 6, 0, 0, 0))
    s.lead("X-DAY-TIE")
    s.email("X-DAY-TIE", "open", b + d, event_id="X-DAY-TIE-B")
    s.email("X-DAY-TIE", "open", b + d, event_id="X-DAY-TIE-A")
    s.lead("X-DAY-PAGES")
    for at in (b + d, b + d + hour, b + 3 * d, b + 4 * d):
        s.pricing("X-DAY-PAGES", at)
    s.lead("X-DAY-WINDOW")
    for at in (b, b + hour, b + 90 * d + hour / 2):
        s.email("X-DAY-WINDOW", "open", at)
    # gates: min fit, min engagement, threshold reached exactly, disqualifying rules
    s.lead("X-FIT-15", company={"account_tier": 1})
    s.lead("X-FIT-20", company={"employee_count": 300})
    for lead_id in ("X-FIT-15", "X-FIT-20"):
        s.pricing(lead_id, b + d)
        s.pricing(lead_id, b + 2 * d)
    s.lead("X-MIN-ENG", fit=55)
    s.email("X-MIN-ENG", "open", b + d)
    s.email("X-MIN-ENG", "click", b + 2 * d)
    s.lead("X-THRESHOLD", company={"employee_count": 300})
    s.email("X-THRESHOLD", "click", b + d)
    s.email("X-THRESHOLD", "open", b + d + hour)
    s.email("X-THRESHOLD", "open", b + 2 * d)
    s.form("X-THRESHOLD", "newsletter_signup", b + 3 * d)
    s.lead("X-RIVAL", fit=60, email_domain="RivalSoft.Example")
    s.pricing("X-RIVAL", b + d)
    s.pricing("X-RIVAL", b + 2 * d)
    s.form("X-RIVAL", "demo_request", b + 3 * d)
    # fit grades around their bands (fit -10, 5, 10, 20, 25, 35, 45)
    for lead_id, company in (
        ("X-GRADE-5", {"account_tier": 2}),
        ("X-GRADE-10", {"country_code": "CZ"}),
        ("X-GRADE-20", {"employee_count": 250}),
        ("X-GRADE-25", {"employee_count": 250, "account_tier": 2}),
        ("X-GRADE-35", {"employee_count": 250, "account_tier": 1}),
        ("X-GRADE-45", {"employee_count": 250, "account_tier": 1, "country_code": "SK"}),
    ):
        s.lead(lead_id, company=company)
    # lead status precedence
    s.lead("X-STATUS-RULES", email_domain="competitor.example", job_title="Student")
    s.disposition("X-STATUS-RULES", "disqualified", b + d, reason="spam")
    s.lead("X-STATUS-INTERNAL", email_domain="leadfunnel.example", job_title="Marketing Intern")
    s.lead("X-STATUS-TITLE", job_title="PhD student")
    s.disposition("X-STATUS-TITLE", "recycled", b + d, reason="no budget")
    s.lead("X-STATUS-RECYCLED-MQL", fit=55)
    s.disposition("X-STATUS-RECYCLED-MQL", "recycled", b + d, reason="no response")
    s.pricing("X-STATUS-RECYCLED-MQL", b + 2 * d)
    s.lead("X-STATUS-RECYCLED-OLD-MQL", fit=55)
    s.pricing("X-STATUS-RECYCLED-OLD-MQL", b + d)
    s.disposition("X-STATUS-RECYCLED-OLD-MQL", "recycled", b + 2 * d, reason="no response")
    # student and intern titles ("International Sales" is not an intern)
    for n, title in enumerate(
        (
            "Student",
            "  PhD Student  ",
            "Intern",
            "INTERN",
            "Marketing Intern",
            "Intern Marketing",
            "Sales Intern Lead",
            "International Sales",
            "Internal Auditor",
            "Interns",
            "Internship Coordinator",
            "Marketing-Intern",
        )
    ):
        lead_id = f"X-TITLE-{n:02d}"
        s.lead(lead_id, fit=60, job_title=title)
        s.pricing(lead_id, b + d)
    # orphans, anonymous views, types that score nothing
    s.pricing("X-GHOST", b)
    s.activity("X-GHOST", "meeting", b)
    s.page(None, "https://x.cz/pricing", b)
    s.lead("X-UNSCORED")
    s.email("X-UNSCORED", "delivered", b)
    s.page("X-UNSCORED", "https://x.cz/about", b)
    s.download("X-UNSCORED", "podcast", b)
    s.form("X-UNSCORED", "job_application", b)
    s.activity("X-UNSCORED", "call", b)
    s.webinar("X-UNSCORED", "registered", b + d)
    s.webinar("X-UNSCORED", "attended", b + 2 * d)
    s.download("X-UNSCORED", "whitepaper", b + 3 * d)
    return s


def _land_typed(db: Path, staging: StagingData) -> dict[str, int]:
    """Replace the raw tables' rows by the scenario's rows (typed landing, clean rows)."""
    counts = {}
    con = duckdb.connect(str(db))
    try:
        for table, raw_table in RAW_TABLES.items():
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [raw_table],
                ).fetchall()
            ]
            assert columns, f"the generator created no raw.{raw_table}"
            con.execute(f"delete from raw.{raw_table}")
            rows = []
            for row in getattr(staging, table):
                times = [row.get(k) for k in ("created_at", "occurred_at", "closed_at")]
                landed = max((t for t in times if t is not None), default=datetime(2025, 12, 1))
                values = {"updated_at": landed, "_loaded_at": landed, **row}
                rows.append([values.get(column) for column in columns])
            if rows:
                placeholders = ", ".join("?" for _ in columns)
                con.executemany(
                    f"insert into raw.{raw_table} ({', '.join(columns)}) values ({placeholders})",
                    rows,
                )
            counts[table] = len(rows)
    finally:
        con.close()
    return counts


@pytest.fixture(scope="module")
def edge_compared(tmp_path_factory):
    """The edge-case landing, built (the compared marts once per rule set), and the
    reference on its staging."""
    work = tmp_path_factory.mktemp("reference_edge_cases")
    scenario = edge_case_scenario()
    db = work / "default.duckdb"
    # the generator creates the raw tables with the landing's column types
    _generate_raw(db, text=False)
    landed = _land_typed(db, scenario.data)
    databases = _build_every_rule_set(db, work)
    staging = _default_staging(databases)
    staged = {table: len(getattr(staging, table)) for table in RAW_TABLES}
    assert staged == landed, "staging dropped some of the hand-made (valid) rows"
    return databases, _reference(staging)


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_edge_cases_lifecycle_mart_matches_reference(edge_compared, rule_set_id):
    _, reference = edge_compared
    leads, _, _ = reference[rule_set_id]
    # the scenario reaches what it was written for (else the comparison proves little)
    assert any(row["mql_count"] > 1 for row in leads), "no re-MQL"
    assert {row["lead_status"] for row in leads} == {"open", "recycled", "disqualified"}
    assert {row["fit_grade"] for row in leads} == {"A", "B", "C", "D"}
    test_lifecycle_mart_matches_reference(edge_compared, rule_set_id)


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_edge_cases_score_events_mart_matches_reference(edge_compared, rule_set_id):
    test_score_events_mart_matches_reference(edge_compared, rule_set_id)


@pytest.mark.slow
@pytest.mark.parametrize("rule_set_id", RULE_SETS)
def test_edge_cases_mqls_mart_matches_reference(edge_compared, rule_set_id):
    _, reference = edge_compared
    _, _, mqls = reference[rule_set_id]
    assert {row["ended_by"] for row in mqls} == {None, "recycled", "disqualified"}
    assert {row["is_sla_met"] for row in mqls} == {None, True, False}
    test_mqls_mart_matches_reference(edge_compared, rule_set_id)


@pytest.mark.slow
def test_dbt_unit_tests_pass(edge_compared, tmp_path):
    """Every dbt unit test of the project passes (on a built warehouse: dbt reads the column
    types of their inputs from it)."""
    databases, _ = edge_compared
    _dbt(["test", "--select", "test_type:unit"], databases["default"], tmp_path, "default")
    target = tmp_path / "target"
    defined = set(json.loads((target / "manifest.json").read_text())["unit_tests"])
    results = read_run_results(target / "run_results.json")
    ran = {r.unique_id: r.status for r in results if r.resource_type == "unit_test"}
    assert defined, "the project defines no dbt unit tests"
    assert set(ran) == defined
    assert set(ran.values()) == {"pass"}, ran
