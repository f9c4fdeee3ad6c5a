"""Hand-worked tests of the plain-Python scoring reference (``reference_scoring``), no dbt.

Each scenario builds a few staged rows by hand (``reference_support.Scenario``) and checks
what the reference scores from them; the expected values are computed by hand in the
comments, from SPEC sections 2-4, docs/semantics.md and the seeds. The reference against the
dbt marts: test_reference_vs_marts.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reference_scoring import Event, FitRule, fit_grade, fit_score, like, page_category
from reference_support import AS_OF, SEEDS, T0, Scenario


def day(n: float, hours: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(days=n, hours=hours, seconds=seconds)


# ---------------------------------------------------------------------------- scenarios


def test_seeds_are_read_as_in_the_spec():
    default, strict = SEEDS.rule_sets["default"], SEEDS.rule_sets["strict"]
    fit_first = SEEDS.rule_sets["fit_first"]
    assert set(SEEDS.rule_sets) == {"default", "strict", "fit_first"}
    assert (default.mql_threshold, default.min_engagement_points) == (60, 10)
    assert (default.engagement_window_days, default.sales_sla_hours) == (90, 1)
    assert (strict.mql_threshold, strict.min_engagement_points) == (75, 25)
    assert (strict.engagement_window_days, strict.sales_sla_hours) == (60, 1)
    assert (default.min_fit_points, strict.min_fit_points) == (None, None)
    assert (fit_first.mql_threshold, fit_first.min_engagement_points) == (60, 15)
    assert (fit_first.min_fit_points, fit_first.engagement_window_days) == (20, 90)
    assert fit_first.sales_sla_hours == 1
    meeting = [r for r in SEEDS.engagement_rules if r.rule_id == "sales_meeting"]
    assert [(r.points, r.cap, r.is_sales_ready) for r in meeting] == [(0, None, True)] * 3
    # counting units: per event everywhere except fit_first's email_open and page views
    per_day = {
        (r.rule_set_id, r.rule_id) for r in SEEDS.engagement_rules if r.counting_unit == "day"
    }
    assert per_day == {
        ("fit_first", "email_open"),
        ("fit_first", "page_view__pricing"),
        ("fit_first", "page_view__case_study"),
        ("fit_first", "page_view__product"),
        ("fit_first", "page_view__blog"),
        ("fit_first", "page_view__careers"),
    }
    # the same engagement rules (but the counting unit) in the three rule sets
    by_set = {
        rule_set: sorted(
            (r.rule_id, r.signal, r.qualifier, r.points, r.cap, r.is_sales_ready)
            for r in SEEDS.engagement_rules
            if r.rule_set_id == rule_set
        )
        for rule_set in SEEDS.rule_sets
    }
    assert by_set["default"] == by_set["strict"] == by_set["fit_first"]
    disqualifying = {
        (r.rule_set_id, r.rule_id, r.attribute, r.operator, r.value_text, r.points)
        for r in SEEDS.fit_rules
        if r.is_disqualifying
    }
    assert disqualifying == {
        ("fit_first", "competitor_domain", "excluded_domain_kind", "equals", "competitor", None),
        ("fit_first", "internal_domain", "excluded_domain_kind", "equals", "internal", None),
        ("fit_first", "student_title", "job_title", "like", "%student%", None),
        ("fit_first", "student_title", "job_title", "like", "intern", None),
        ("fit_first", "student_title", "job_title", "like", "intern %", None),
        ("fit_first", "student_title", "job_title", "like", "% intern", None),
        ("fit_first", "student_title", "job_title", "like", "% intern %", None),
    }
    assert SEEDS.excluded_email_domains == {
        "rivalsoft.example": "competitor",
        "competitor.example": "competitor",
        "leadfunnel.example": "internal",
    }
    for rule_set in SEEDS.rule_sets:
        bands = {
            (b.fit_grade, b.min_fit_score)
            for b in SEEDS.fit_grade_bands
            if b.rule_set_id == rule_set
        }
        assert bands == {("A", 40), ("B", 25), ("C", 10), ("D", None)}


def test_page_categories_follow_priority_and_like_patterns():
    patterns = SEEDS.page_categories
    assert page_category("https://x.cz/Pricing?plan=pro", patterns) == "pricing"
    assert page_category("https://x.cz/cs/cennik", patterns) == "pricing"
    assert page_category("https://x.sk/cenik", patterns) == "pricing"
    # careers (priority 2) wins over product (priority 4)
    assert page_category("https://x.cz/product/careers", patterns) == "careers"
    assert page_category("https://x.cz/kariera", patterns) == "careers"
    assert page_category("https://x.cz/case-studies/acme", patterns) == "case_study"
    # '%/case-studies/%' needs the trailing slash
    assert page_category("https://x.cz/case-studies", patterns) == "other"
    assert page_category("https://x.cz/products", patterns) == "product"
    assert page_category("https://x.cz/blog/post-1", patterns) == "blog"
    assert page_category("https://x.cz/blog", patterns) == "other"
    assert page_category("https://x.cz/", patterns) == "other"
    assert page_category(None, patterns) == "other"


def test_caps_limit_a_rules_contribution():
    s = Scenario()
    s.lead("L1", fit=0)
    for n in range(1, 6):
        s.email("L1", "open", day(n))
    leads, events = s.run()
    # open = 10 points, cap 30: contributions 10, 20, 30, 30, 30
    assert [e["points_awarded"] for e in events["L1"]] == [10, 10, 10, 0, 0]
    assert [e["engagement_score"] for e in events["L1"]] == [10, 20, 30, 30, 30]
    # as_of is far beyond the 90-day window: everything expired
    assert leads["L1"]["engagement_score"] == 0
    # lead score never above 30 < 60: no MQL; nurturing at the first open
    assert leads["L1"]["mql_at"] is None
    assert leads["L1"]["nurturing_at"] == day(1)
    assert leads["L1"]["lifecycle_stage"] == "nurturing"


def test_negative_rules_are_capped_in_absolute_value():
    s = Scenario()
    s.lead("L1", fit=0)
    for n in range(1, 4):
        s.email("L1", "bounce", day(n))
    s.email("L1", "unsubscribe", day(4))
    s.email("L1", "unsubscribe", day(5))
    leads, events = s.run(as_of=day(6))
    # bounce -5 cap 10: -5, -10, -10 -> awarded -5, -5, 0; unsubscribe -20 cap 20: -20, 0
    assert [e["points_awarded"] for e in events["L1"]] == [-5, -5, 0, -20, 0]
    assert [e["engagement_score"] for e in events["L1"]] == [-5, -10, -10, -30, -30]
    lead = leads["L1"]
    assert (lead["engagement_score"], lead["lead_score"]) == (-30, -30)
    # nothing ever awarded positive points: still new
    assert lead["nurturing_at"] is None
    assert lead["lifecycle_stage"] == "new"


def test_window_excludes_t_minus_w_and_includes_t():
    s = Scenario()
    s.lead("L1", fit=0)
    s.pricing("L1", day(0))
    # as_of exactly 90 days later: (as_of - 90d, as_of] excludes day 0 -> E = 0
    leads, _ = s.run(as_of=day(90))
    assert leads["L1"]["engagement_score"] == 0
    # one second earlier, the view is inside the window -> E = 25
    leads, _ = s.run(as_of=day(90, seconds=-1))
    assert leads["L1"]["engagement_score"] == 25
    # as_of equal to the event time includes it (t included)
    leads, _ = s.run(as_of=day(0))
    assert leads["L1"]["engagement_score"] == 25


def test_window_edges_decide_the_mql():
    s = Scenario()
    # fit 40 needs E >= 20 for L >= 60
    s.lead("EXACT", fit=40)
    s.email("EXACT", "open", day(0))
    s.email("EXACT", "open", day(90))  # day 0 is at t - W: excluded -> E = 10, L = 50
    s.lead("INSIDE", fit=40)
    s.email("INSIDE", "open", day(0))
    s.email("INSIDE", "open", day(90, seconds=-1))  # both in the window: E = 20, L = 60
    leads, events = s.run()
    assert leads["EXACT"]["mql_at"] is None
    assert [e["engagement_score"] for e in events["EXACT"]] == [10, 10]
    # the second open only counts itself (k = 1): awarded c(1) - c(0) = 10
    assert [e["points_awarded"] for e in events["EXACT"]] == [10, 10]
    assert leads["INSIDE"]["mql_at"] == day(90, seconds=-1)
    assert [e["lead_score"] for e in events["INSIDE"]] == [50, 60]


def test_points_awarded_counts_only_the_window():
    s = Scenario()
    s.lead("L1", fit=0)
    for n in (0, 1, 2, 91):
        s.email("L1", "open", day(n))
    _, events = s.run()
    # day 91: window (day 1, day 91] holds day 2 and day 91 -> k = 2, c(2) - c(1) = 10
    assert [e["points_awarded"] for e in events["L1"]] == [10, 10, 10, 10]
    assert [e["engagement_score"] for e in events["L1"]] == [10, 20, 30, 20]


def test_events_sharing_a_timestamp_count_together():
    s = Scenario()
    s.lead("L1", fit=40)
    for event_id in ("E4", "E2", "E3", "E1"):
        s.email("L1", "open", day(1), event_id=event_id)
    leads, events = s.run()
    rows = events["L1"]
    # ordered by id; caps hit on the fourth: 10, 10, 10, 0
    assert [e["event_id"] for e in rows] == ["E1", "E2", "E3", "E4"]
    assert [e["points_awarded"] for e in rows] == [10, 10, 10, 0]
    # every event sees E(t) with all four included: min(40, 30) = 30, L = 70
    assert {(e["engagement_score"], e["lead_score"]) for e in rows} == {(30, 70)}
    assert leads["L1"]["mql_at"] == day(1)


def test_ties_in_the_mql_check_use_the_full_timestamp():
    s = Scenario()
    # fit 40 + two opens at the same time: E = 20, L = 60: MQL although each alone is short
    s.lead("L1", fit=40)
    s.email("L1", "open", day(3), event_id="A")
    s.email("L1", "open", day(3), event_id="B")
    leads, events = s.run()
    assert leads["L1"]["mql_at"] == day(3)
    assert [e["lead_score"] for e in events["L1"]] == [60, 60]


def test_minimum_engagement_is_required():
    s = Scenario()
    s.lead("L1", fit=60)
    for n in range(1, 6):
        s.page("L1", "https://x.cz/blog/post", day(n))
    leads, events = s.run()
    # blog 2 points: E = 2, 4, 6, 8, 10; L = 62.. already >= 60 but E >= 10 only on day 5
    assert [e["engagement_score"] for e in events["L1"]] == [2, 4, 6, 8, 10]
    assert leads["L1"]["mql_at"] == day(5)
    # strict: L >= 75 and E >= 25; blog caps at 10 -> never
    leads, _ = s.run(rule_set_id="strict")
    assert leads["L1"]["mql_at"] is None
    assert leads["L1"]["rule_set_id"] == "strict"


def test_stage_times_are_clamped_to_created_at():
    s = Scenario()
    s.lead("L1", created_at=day(10), fit=55)
    s.pricing("L1", day(3))  # E = 25, L = 80: raw MQL on day 3, before the lead exists
    s.form("L1", "demo_request", day(5))  # sales-ready, inside (mql_at - 90d, mql_at]
    leads, events = s.run()
    lead = leads["L1"]
    # nurturing raw day 3, mql raw day 3 -> both clamped to created_at (day 10)
    assert lead["nurturing_at"] == day(10)
    assert lead["mql_at"] == day(10)
    # SQL uses the clamped mql_at: demo on day 5 lies in (day -80, day 10] -> sql_at = mql_at
    assert lead["sql_at"] == day(10)
    assert lead["hours_to_mql"] == 0
    assert lead["hours_mql_to_sql"] == 0
    assert lead["lifecycle_stage"] == "sql"
    # events before created_at still score
    assert [e["points_awarded"] for e in events["L1"]] == [25, 40]


def test_sql_when_sales_ready_event_precedes_mql_in_window():
    s = Scenario()
    s.lead("L1", fit=0)
    s.form("L1", "demo_request", day(1))  # E = 40, L = 40: not yet
    s.pricing("L1", day(2))  # E = 65: MQL on day 2
    leads, _ = s.run()
    assert leads["L1"]["mql_at"] == day(2)
    # demo (day 1) lies in (day 2 - 90d, day 2] -> sql_at = mql_at
    assert leads["L1"]["sql_at"] == day(2)
    assert leads["L1"]["is_sql"] is True
    assert leads["L1"]["hours_mql_to_sql"] == 0


def test_sql_after_mql_when_the_sales_ready_event_is_out_of_the_window():
    s = Scenario()
    s.lead("L1", fit=40)
    s.form("L1", "newsletter_signup", day(0))  # E = 5, L = 45
    s.form("L1", "demo_request", day(1))  # E = 45, L = 85
    leads, _ = s.run()
    # fit 40 + 5 + 40 = 85 >= 60 and E = 45 >= 10: MQL and SQL on day 1
    assert leads["L1"]["mql_at"] == leads["L1"]["sql_at"] == day(1)

    s = Scenario()
    s.lead("L2", company={"account_tier": 1})  # fit 15
    s.form("L2", "demo_request", day(1))  # E = 40, L = 55: no
    s.pricing("L2", day(100))  # demo left the window: E = 25, L = 40
    s.pricing("L2", day(101))  # E = 50, L = 65: MQL on day 101
    s.activity("L2", "meeting", day(105))  # sales-ready, after the MQL
    leads, events = s.run()
    lead = leads["L2"]
    assert lead["fit_score"] == 15
    assert [e["lead_score"] for e in events["L2"]] == [55, 40, 65, 65]
    assert lead["mql_at"] == day(101)
    # demo on day 1 is not in (day 11, day 101]: SQL at the meeting, 4 days later
    assert lead["sql_at"] == day(105)
    assert lead["hours_mql_to_sql"] == 96
    # the meeting is also the first sales touch, after the 1-hour SLA
    assert lead["first_sales_touch_at"] == day(105)
    assert lead["hours_to_first_sales_touch"] == 96
    assert lead["is_sla_met"] is False
    # the meeting awards 0 points
    assert events["L2"][-1]["rule_id"] == "sales_meeting"
    assert events["L2"][-1]["points_awarded"] == 0
    assert events["L2"][-1]["is_sales_ready"] is True

    # with as_of before the meeting: MQL without SQL
    leads, _ = s.run(as_of=day(104))
    assert leads["L2"]["mql_at"] == day(101)
    assert leads["L2"]["sql_at"] is None
    assert leads["L2"]["lifecycle_stage"] == "mql"


def test_zero_point_events_are_mql_candidates():
    s = Scenario()
    s.lead("L1", fit=55)
    s.email("L1", "unsubscribe", day(0))  # E = -20
    s.pricing("L1", day(10))  # E = 5, L = 60 but E < 10: no MQL
    s.activity("L1", "meeting", day(95))  # window (day 5, day 95]: unsubscribe gone, E = 25
    leads, events = s.run()
    assert [e["engagement_score"] for e in events["L1"]] == [-20, 5, 25]
    # MQL on the meeting's time; the meeting is sales-ready and in the window -> SQL too
    assert leads["L1"]["mql_at"] == day(95)
    assert leads["L1"]["sql_at"] == day(95)
    assert leads["L1"]["nurturing_at"] == day(10)
    # the meeting is at mql_at, so it is the first touch: SLA met, 0 hours
    assert leads["L1"]["first_sales_touch_at"] == day(95)
    assert leads["L1"]["is_sla_met"] is True


@pytest.mark.parametrize(
    ("touch", "as_of", "expected_touch", "expected_sla", "expected_hours"),
    [
        # call 30 minutes after the MQL: met, 0.5 hours
        (("call", day(1, hours=0.5)), AS_OF, day(1, hours=0.5), True, 0.5),
        # exactly at the due time (mql_at + 1h): met
        (("email", day(1, hours=1)), AS_OF, day(1, hours=1), True, 1.0),
        # one second late: missed
        (("call", day(1, hours=1, seconds=1)), AS_OF, day(1, hours=1, seconds=1), False, None),
        # untouched, SLA over by as_of: missed
        (None, day(1, hours=2), None, False, None),
        # untouched, as_of exactly at the due time: still pending (as_of > due is false)
        (None, day(1, hours=1), None, None, None),
        # untouched, within the SLA: pending
        (None, day(1, hours=0.5), None, None, None),
        # a touch after as_of does not count yet: pending
        (("call", day(1, hours=0.75)), day(1, hours=0.5), None, None, None),
        # a task is not a touch: missed
        (("task", day(1, hours=0.5)), AS_OF, None, False, None),
    ],
)
def test_sales_handoff_sla(touch, as_of, expected_touch, expected_sla, expected_hours):
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))  # L = 80: MQL on day 1
    s.activity("L1", "call", day(1, seconds=-1))  # before the MQL: not a hand-off touch
    if touch is not None:
        s.activity("L1", touch[0], touch[1])
    leads, _ = s.run(as_of=as_of)
    lead = leads["L1"]
    assert lead["mql_at"] == day(1)
    assert lead["first_sales_touch_at"] == expected_touch
    assert lead["is_sla_met"] is expected_sla
    if expected_hours is not None:
        assert lead["hours_to_first_sales_touch"] == pytest.approx(expected_hours)
    elif expected_touch is None:
        assert lead["hours_to_first_sales_touch"] is None


def test_sla_is_null_without_mql():
    s = Scenario()
    s.lead("L1", fit=0)
    s.activity("L1", "call", day(1))
    leads, _ = s.run()
    assert leads["L1"]["is_sla_met"] is None
    assert leads["L1"]["first_sales_touch_at"] is None


def test_negative_points_lower_the_score_but_mql_stays():
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))  # E = 25, L = 80: MQL
    s.email("L1", "unsubscribe", day(2))  # E = 5, L = 60
    s.page("L1", "https://x.cz/careers", day(3))  # E = -5, L = 50
    leads, events = s.run(as_of=day(4))
    assert [e["points_awarded"] for e in events["L1"]] == [25, -20, -10]
    assert [e["lead_score"] for e in events["L1"]] == [80, 60, 50]
    lead = leads["L1"]
    assert (lead["fit_score"], lead["engagement_score"], lead["lead_score"]) == (55, -5, 50)
    assert lead["is_mql"] is True
    assert lead["mql_at"] == day(1)
    assert lead["lifecycle_stage"] == "mql"


def test_free_mail_domain_costs_ten_points():
    s = Scenario()
    s.lead("FREE", fit=0, email_domain="gmail.com")  # -10
    s.lead("FREE_CZ", fit=55, email_domain="seznam.cz")  # 55 - 10 = 45
    s.lead("WORK", fit=0, email_domain="gmail.com.example")  # not a free-mail domain
    leads, _ = s.run()
    assert leads["FREE"]["fit_score"] == -10
    assert leads["FREE"]["lead_score"] == -10
    assert leads["FREE_CZ"]["fit_score"] == 45
    assert leads["WORK"]["fit_score"] == 0


def test_fit_rules_between_bounds_and_nulls():
    s = Scenario()
    for lead_id, employees in (("E49", 49), ("E50", 50), ("E249", 249), ("E250", 250)):
        s.lead(lead_id, company={"employee_count": employees, "account_tier": 2})
    s.lead("NULLS", company={"employee_count": None, "account_tier": None})
    s.lead("SK", company={"country_code": "SK", "industry": "retail", "account_tier": 3})
    leads, _ = s.run()
    # tier 2 = 5; 50-249 = 10; 250+ = 20
    assert {k: leads[k]["fit_score"] for k in ("E49", "E50", "E249", "E250")} == {
        "E49": 5,
        "E50": 15,
        "E249": 15,
        "E250": 25,
    }
    assert leads["NULLS"]["fit_score"] == 0
    assert leads["SK"]["fit_score"] == 10


def test_stages_follow_the_order_and_skip_unreached_ones():
    s = Scenario()
    # opportunity without MQL; won and closed -> customer
    s.lead("OPP", fit=0)
    s.opportunity("OPP", created_at=day(5), closed_at=day(20), is_won=True)
    # opportunity created before the lead: clamped to created_at
    s.lead("EARLY", created_at=day(10), fit=0)
    s.opportunity("EARLY", created_at=day(5))
    # nurturing on day 8 after the opportunity on day 5: opportunity entered on day 8;
    # won on day 6 (before day 8) -> customer also on day 8
    s.lead("ORDER", fit=0)
    s.page("ORDER", "https://x.cz/blog/a", day(8))
    s.opportunity("ORDER", created_at=day(5), closed_at=day(6), is_won=True)
    # lost, or won without closed_at: no customer; earliest opportunity wins
    s.lead("LOST", fit=0)
    s.opportunity("LOST", created_at=day(7), closed_at=day(9), is_won=False)
    s.opportunity("LOST", created_at=day(4), closed_at=None, is_won=True)
    leads, _ = s.run()
    assert leads["OPP"]["lifecycle_stage"] == "customer"
    assert (leads["OPP"]["opportunity_at"], leads["OPP"]["customer_at"]) == (day(5), day(20))
    assert leads["OPP"]["nurturing_at"] is None and leads["OPP"]["mql_at"] is None
    assert leads["EARLY"]["opportunity_at"] == day(10)
    assert leads["EARLY"]["lifecycle_stage"] == "opportunity"
    order = leads["ORDER"]
    assert order["nurturing_at"] == day(8)
    assert order["opportunity_at"] == day(8)
    assert order["customer_at"] == day(8)
    assert leads["LOST"]["opportunity_at"] == day(4)
    assert leads["LOST"]["customer_at"] is None
    assert leads["LOST"]["lifecycle_stage"] == "opportunity"


def test_rows_after_as_of_do_not_exist():
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(2, seconds=1))  # after as_of
    s.opportunity("L1", created_at=day(3))  # after as_of
    s.opportunity("L1", created_at=day(1), closed_at=day(2, seconds=1), is_won=True)
    s.lead("LATE", created_at=day(2, seconds=1))  # created after as_of: not scored
    s.pricing("LATE", day(1))
    leads, events = s.run(as_of=day(2))
    assert set(leads) == {"L1"}
    assert "L1" not in events and "LATE" not in events
    lead = leads["L1"]
    assert lead["nurturing_at"] is None
    assert lead["engagement_score"] == 0
    assert lead["opportunity_at"] == day(1)
    assert lead["customer_at"] is None  # closed after as_of
    assert lead["lifecycle_stage"] == "opportunity"


def test_orphans_anonymous_views_and_unscored_types_are_ignored():
    s = Scenario()
    s.lead("L1", fit=0)
    s.pricing("GHOST", day(1))  # orphan: lead not staged
    s.activity("GHOST", "meeting", day(1))
    s.opportunity("GHOST", created_at=day(1))
    s.page(None, "https://x.cz/pricing", day(1))  # anonymous
    s.email("L1", "delivered", day(1))
    s.page("L1", "https://x.cz/about", day(1))  # category other
    s.download("L1", "podcast", day(1))  # unknown asset type
    s.form("L1", "job_application", day(1))  # unknown form type
    s.activity("L1", "call", day(1))  # not a meeting: no signal
    s.webinar("L1", "registered", day(2))  # scored: 10
    s.download("L1", "whitepaper", day(3))  # scored: 15
    leads, events = s.run()
    assert set(leads) == {"L1"}
    assert set(events) == {"L1"}
    assert [(e["signal"], e["qualifier"], e["rule_id"]) for e in events["L1"]] == [
        ("webinar_registration", None, "webinar_registration"),
        ("content_download", "whitepaper", "content_download__whitepaper"),
    ]
    assert [e["engagement_score"] for e in events["L1"]] == [10, 25]
    assert leads["L1"]["nurturing_at"] == day(2)


def test_event_order_is_time_then_id_then_source():
    s = Scenario()
    s.lead("L1", fit=0)
    s.email("L1", "open", day(1), event_id="B")
    s.page("L1", "https://x.cz/pricing", day(1), event_id="A")
    s.email("L1", "click", day(0, hours=23), event_id="Z")
    _, events = s.run()
    assert [e["event_id"] for e in events["L1"]] == ["Z", "A", "B"]
    assert [e["engagement_score"] for e in events["L1"]] == [15, 50, 50]
    assert Event("x", "A", "L1", None, None, day(1)).order_key < (
        Event("y", "A", "L1", None, None, day(1)).order_key
    )


# -------------------------------------------------- scoring v2: dispositions and cycles


def _mql_columns(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(row[column] for column in columns) for row in rows]


def test_engagement_restarts_after_a_disposition():
    s = Scenario()
    s.lead("CUT", fit=0)
    s.lead("UNCUT", fit=0)
    for lead_id in ("CUT", "UNCUT"):
        for n in (1, 2, 3, 5, 6):
            s.email(lead_id, "open", day(n))
    s.disposition("CUT", "recycled", day(4), reason="no budget")
    leads, events, mqls = s.run_all(as_of=day(7))
    # without a disposition the cap (30) is reached on day 3: 10, 10, 10, 0, 0
    assert [e["points_awarded"] for e in events["UNCUT"]] == [10, 10, 10, 0, 0]
    assert [e["engagement_score"] for e in events["UNCUT"]] == [10, 20, 30, 30, 30]
    assert leads["UNCUT"]["engagement_score"] == 30
    # recycled on day 4: the window of day 5 is (day 4, day 5]; the count starts again
    assert [e["points_awarded"] for e in events["CUT"]] == [10, 10, 10, 10, 10]
    assert [e["engagement_score"] for e in events["CUT"]] == [10, 20, 30, 10, 20]
    # as_of (day 7): (max(day 7 - 90d, day 4), day 7] holds days 5 and 6 only
    assert leads["CUT"]["engagement_score"] == 20
    assert (leads["CUT"]["lead_status"], leads["CUT"]["status_reason"]) == (
        "recycled",
        "no budget",
    )
    assert (leads["UNCUT"]["lead_status"], leads["UNCUT"]["status_reason"]) == ("open", None)
    assert leads["CUT"]["mql_count"] == 0 and "CUT" not in mqls

    # the window still bounds when it starts after the disposition
    s = Scenario()
    s.lead("L2", fit=0)
    s.disposition("L2", "recycled", day(1))
    for n in (2, 50, 100):
        s.email("L2", "open", day(n))
    _, events = s.run()
    # day 100: (max(day 10, day 1), day 100] holds days 50 and 100 -> c(2) - c(1) = 10
    assert [e["points_awarded"] for e in events["L2"]] == [10, 10, 10]
    assert [e["engagement_score"] for e in events["L2"]] == [10, 20, 20]


def test_an_event_at_the_dispositions_time_belongs_to_the_cycle_before():
    s = Scenario()
    s.lead("AT", fit=40)
    s.email("AT", "open", day(1))  # E = 10, L = 50
    s.disposition("AT", "recycled", day(2), reason="no response")
    s.email("AT", "open", day(2))  # s(day 2) = none (strictly before): E = 20, L = 60: MQL
    s.email("AT", "open", day(3))  # s(day 3) = day 2: E = 10
    s.lead("AFTER", fit=40)
    s.email("AFTER", "open", day(1))
    s.disposition("AFTER", "recycled", day(2, seconds=-1))
    s.email("AFTER", "open", day(2))  # a new cycle already: E = 10, L = 50
    leads, events, mqls = s.run_all(as_of=day(4))
    assert [e["engagement_score"] for e in events["AT"]] == [10, 20, 10]
    assert [e["points_awarded"] for e in events["AT"]] == [10, 10, 10]
    at = leads["AT"]
    assert (at["mql_at"], at["last_mql_at"], at["mql_count"]) == (day(2), day(2), 1)
    # the MQL's cycle ended at the very time it was reached
    [mql] = mqls["AT"]
    assert mql == {
        "lead_id": "AT",
        "rule_set_id": "default",
        "mql_number": 1,
        "mql_at": day(2),
        "sql_at": None,
        "first_sales_touch_at": None,
        "sla_due_at": day(2, hours=1),
        "is_sla_met": False,  # untouched and as_of is past the due time
        "ended_at": day(2),
        "ended_by": "recycled",
        "end_reason": "no response",
        "hours_mql_to_end": 0,
    }
    # as_of: only the current cycle (after day 2) counts: the open of day 3
    assert at["engagement_score"] == 10
    # the current cycle has no MQL: recycled
    assert (at["lead_status"], at["status_reason"]) == ("recycled", "no response")
    assert [e["engagement_score"] for e in events["AFTER"]] == [10, 10]
    assert leads["AFTER"]["mql_at"] is None and "AFTER" not in mqls


@pytest.mark.parametrize(
    ("lead_id", "kind_1", "kind_2"),
    [("REOPENED", "disqualified", "recycled"), ("CLOSED", "recycled", "disqualified")],
)
def test_dispositions_sharing_a_timestamp_are_ordered_by_id(lead_id, kind_1, kind_2):
    s = Scenario()
    s.lead(lead_id, fit=55)
    s.pricing(lead_id, day(1))  # MQL 1
    # landed in reverse id order: the id decides, not the row order
    s.disposition(lead_id, kind_2, day(2), reason=f"{kind_2} 2", disposition_id="D-2")
    s.disposition(lead_id, kind_1, day(2), reason=f"{kind_1} 1", disposition_id="D-1")
    s.pricing(lead_id, day(3))  # a new cycle: E = 25, L = 80
    leads, events, mqls = s.run_all(as_of=day(4))
    assert [e["engagement_score"] for e in events[lead_id]] == [25, 25]
    lead = leads[lead_id]
    # the last by id (D-2) ends cycle 1 and decides the kind of cycle 2
    first = mqls[lead_id][0]
    assert (first["ended_at"], first["ended_by"], first["end_reason"]) == (
        day(2),
        kind_2,
        f"{kind_2} 2",
    )
    assert first["hours_mql_to_end"] == 24
    if kind_2 == "recycled":
        # cycle 2 is open: a re-MQL on day 3, still open
        assert _mql_columns(mqls[lead_id], "mql_number", "mql_at", "ended_at") == [
            (1, day(1), day(2)),
            (2, day(3), None),
        ]
        assert (lead["mql_count"], lead["last_mql_at"]) == (2, day(3))
        assert (lead["lead_status"], lead["status_reason"]) == ("open", None)
    else:
        # cycle 2 is disqualified: no MQL there
        assert len(mqls[lead_id]) == 1
        assert (lead["mql_count"], lead["last_mql_at"]) == (1, day(1))
        assert (lead["lead_status"], lead["status_reason"]) == ("disqualified", "disqualified 2")
    assert lead["mql_at"] == day(1)


def test_disqualified_then_recycled_opens_the_lead_again():
    s = Scenario()
    s.lead("L1", fit=55)
    s.disposition("L1", "disqualified", day(2), reason="competitor")
    s.pricing("L1", day(3))  # E = 25, L = 80, but in a disqualified cycle: no MQL
    s.disposition("L1", "recycled", day(4), reason="reopened")
    s.pricing("L1", day(5))  # s = day 4: E = 25, L = 80: MQL (the lead's first)
    leads, events, mqls = s.run_all(as_of=day(6))
    assert [e["points_awarded"] for e in events["L1"]] == [25, 25]
    assert [e["lead_score"] for e in events["L1"]] == [80, 80]
    lead = leads["L1"]
    assert _mql_columns(mqls["L1"], "mql_number", "mql_at", "ended_at") == [(1, day(5), None)]
    assert (lead["mql_at"], lead["mql_count"]) == (day(5), 1)
    # nurturing: the first event that awarded points, even in the disqualified cycle
    assert lead["nurturing_at"] == day(3)
    assert (lead["lead_status"], lead["status_reason"]) == ("open", None)

    leads, _, mqls = s.run_all(as_of=day(4, hours=12))  # recycled, nothing since
    lead = leads["L1"]
    assert (lead["lead_status"], lead["status_reason"]) == ("recycled", "reopened")
    assert (lead["mql_at"], lead["mql_count"], lead["engagement_score"]) == (None, 0, 0)
    assert "L1" not in mqls

    leads, _ = s.run(as_of=day(3, hours=12))  # still disqualified
    lead = leads["L1"]
    assert (lead["lead_status"], lead["status_reason"]) == ("disqualified", "competitor")
    assert (lead["mql_at"], lead["engagement_score"]) == (None, 25)


def test_a_recycled_lead_becomes_an_mql_again():
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))  # MQL 1
    s.activity("L1", "call", day(1, hours=0.5))  # touched within the SLA
    s.pricing("L1", day(2))  # same cycle: no second MQL
    s.disposition("L1", "recycled", day(10), reason="no budget")
    s.pricing("L1", day(20))  # s = day 10: E = 25, L = 80: MQL 2
    s.pricing("L1", day(21))  # same cycle again
    leads, events, mqls = s.run_all(as_of=day(30))
    assert [e["engagement_score"] for e in events["L1"]] == [25, 50, 25, 50]
    assert mqls["L1"] == [
        {
            "lead_id": "L1",
            "rule_set_id": "default",
            "mql_number": 1,
            "mql_at": day(1),
            "sql_at": None,
            "first_sales_touch_at": day(1, hours=0.5),
            "sla_due_at": day(1, hours=1),
            "is_sla_met": True,
            "ended_at": day(10),
            "ended_by": "recycled",
            "end_reason": "no budget",
            "hours_mql_to_end": 9 * 24,
        },
        {
            "lead_id": "L1",
            "rule_set_id": "default",
            "mql_number": 2,
            "mql_at": day(20),
            "sql_at": None,
            # the call of day 1 is before this MQL: not its touch
            "first_sales_touch_at": None,
            "sla_due_at": day(20, hours=1),
            "is_sla_met": False,
            "ended_at": None,
            "ended_by": None,
            "end_reason": None,
            "hours_mql_to_end": None,  # open: no end yet
        },
    ]
    lead = leads["L1"]
    assert (lead["mql_at"], lead["last_mql_at"], lead["mql_count"]) == (day(1), day(20), 2)
    assert lead["is_mql"] is True and lead["is_sql"] is False
    assert lead["lifecycle_stage"] == "mql"
    # the lifecycle's hand-off columns are the first MQL's
    assert (lead["first_sales_touch_at"], lead["is_sla_met"]) == (day(1, hours=0.5), True)
    assert lead["hours_to_first_sales_touch"] == 0.5
    # recycled, but the current cycle has its MQL: open
    assert (lead["lead_status"], lead["status_reason"]) == ("open", None)
    # strict (L >= 75, E >= 25) gives the same two MQLs
    _, _, strict = s.run_all(as_of=day(30), rule_set_id="strict")
    assert _mql_columns(strict["L1"], "mql_number", "mql_at") == [(1, day(1)), (2, day(20))]
    assert {row["rule_set_id"] for row in strict["L1"]} == {"strict"}


def test_sql_belongs_to_its_own_cycle():
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))  # MQL 1, no sales-ready event in its cycle
    s.disposition("L1", "recycled", day(5))
    s.form("L1", "demo_request", day(6))  # cycle 2: E = 40, L = 95: MQL 2 and its SQL
    # L2: a sales-ready event within W of the MQL but before the cycle start
    s.lead("L2", fit=0)
    s.form("L2", "demo_request", day(1))  # E = 40, L = 40
    s.disposition("L2", "recycled", day(2))
    s.pricing("L2", day(3))
    s.pricing("L2", day(3, hours=1))
    s.email("L2", "open", day(4))  # E = 25 + 25 + 10 = 60: MQL on day 4
    s.activity("L2", "meeting", day(8))  # the first sales-ready event after it: SQL
    # L3: a sales-ready event at the disposition's time belongs to the cycle it ends
    s.lead("L3", fit=55)
    s.pricing("L3", day(1))
    s.activity("L3", "meeting", day(2))
    s.disposition("L3", "recycled", day(2))
    leads, _, mqls = s.run_all()
    assert _mql_columns(mqls["L1"], "mql_at", "sql_at") == [(day(1), None), (day(6), day(6))]
    # lifecycle: the earliest SQL of any MQL, measured from the first MQL
    assert (leads["L1"]["sql_at"], leads["L1"]["is_sql"]) == (day(6), True)
    assert leads["L1"]["hours_mql_to_sql"] == 5 * 24
    assert leads["L1"]["lifecycle_stage"] == "sql"
    # (max(day 4 - 90d, day 2), day 4] does not hold the demo of day 1
    assert _mql_columns(mqls["L2"], "mql_at", "sql_at") == [(day(4), day(8))]
    assert leads["L2"]["sql_at"] == day(8)
    assert _mql_columns(mqls["L3"], "mql_at", "sql_at", "ended_at") == [(day(1), day(2), day(2))]
    # the meeting is also the first touch, a day late
    assert (mqls["L3"][0]["first_sales_touch_at"], mqls["L3"][0]["is_sla_met"]) == (
        day(2),
        False,
    )


@pytest.mark.parametrize(
    ("touch", "as_of", "expected_touch", "expected_sla"),
    [
        # touched 30 minutes after MQL 2: met
        (("call", day(10, hours=0.5)), AS_OF, day(10, hours=0.5), True),
        # touched 2 hours after: missed
        (("email", day(10, hours=2)), AS_OF, day(10, hours=2), False),
        # untouched, SLA over: missed
        (None, AS_OF, None, False),
        # untouched, within the SLA: pending
        (None, day(10, hours=0.5), None, None),
        # untouched, as_of exactly at the due time: pending
        (None, day(10, hours=1), None, None),
    ],
)
def test_each_mql_has_its_own_sla(touch, as_of, expected_touch, expected_sla):
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))  # MQL 1
    s.activity("L1", "call", day(1, hours=0.5))  # MQL 1 met
    s.disposition("L1", "recycled", day(5))
    s.pricing("L1", day(10))  # MQL 2
    if touch is not None:
        s.activity("L1", *touch)
    leads, _, mqls = s.run_all(as_of=as_of)
    first, second = mqls["L1"]
    assert (first["first_sales_touch_at"], first["is_sla_met"]) == (day(1, hours=0.5), True)
    assert second["mql_at"] == day(10)
    assert second["sla_due_at"] == day(10, hours=1)
    assert second["first_sales_touch_at"] == expected_touch
    assert second["is_sla_met"] is expected_sla
    # the lifecycle reports the first MQL's hand-off
    assert (leads["L1"]["first_sales_touch_at"], leads["L1"]["is_sla_met"]) == (
        day(1, hours=0.5),
        True,
    )


def test_daily_counting_awards_a_days_second_event_nothing():
    s = Scenario()
    s.lead("L1", fit=0)
    s.email("L1", "open", day(1), event_id="E1")  # 09:00
    s.email("L1", "open", day(1, hours=6), event_id="E2")  # 15:00, same UTC date
    s.email("L1", "open", day(2), event_id="E3")
    s.email("L1", "click", day(2, hours=1), event_id="E4")  # clicks count per event
    s.email("L1", "click", day(2, hours=2), event_id="E5")
    # dates are UTC calendar dates, not 24-hour spans
    s.lead("MIDNIGHT", fit=0)
    s.email("MIDNIGHT", "open", datetime(2026, 1, 5, 23, 59, 59))
    s.email("MIDNIGHT", "open", datetime(2026, 1, 6, 0, 0, 0))
    # two opens at one timestamp: one day; ordered by id, the second awards 0
    s.lead("TIE", fit=0)
    s.email("TIE", "open", day(1), event_id="B")
    s.email("TIE", "open", day(1), event_id="A")
    # page views count per day too
    s.lead("PAGES", fit=0)
    s.pricing("PAGES", day(1))
    s.pricing("PAGES", day(1, hours=1))
    s.pricing("PAGES", day(3))
    s.pricing("PAGES", day(4))
    # the days counted are those of the events in the window: day 0's second open is in
    # the window of day 90 + 30 min, its first is not
    s.lead("WINDOW", fit=0)
    s.email("WINDOW", "open", day(0))
    s.email("WINDOW", "open", day(0, hours=1))
    s.email("WINDOW", "open", day(90, hours=0.5))

    _, events = s.run(rule_set_id="fit_first")
    assert [e["points_awarded"] for e in events["L1"]] == [10, 0, 10, 15, 15]
    assert [e["engagement_score"] for e in events["L1"]] == [10, 10, 20, 35, 50]
    assert [e["points_awarded"] for e in events["MIDNIGHT"]] == [10, 10]
    assert [e["engagement_score"] for e in events["MIDNIGHT"]] == [10, 20]
    assert [(e["event_id"], e["points_awarded"]) for e in events["TIE"]] == [("A", 10), ("B", 0)]
    assert [e["engagement_score"] for e in events["TIE"]] == [10, 10]
    # pricing 25 a day, cap 50: 25, 0, 25, 0
    assert [e["points_awarded"] for e in events["PAGES"]] == [25, 0, 25, 0]
    assert [e["engagement_score"] for e in events["PAGES"]] == [25, 25, 50, 50]
    assert [e["points_awarded"] for e in events["WINDOW"]] == [10, 0, 10]
    assert [e["engagement_score"] for e in events["WINDOW"]] == [10, 10, 20]

    # default counts every event
    _, events = s.run(rule_set_id="default")
    assert [e["points_awarded"] for e in events["L1"]] == [10, 10, 10, 15, 15]
    assert [e["engagement_score"] for e in events["L1"]] == [10, 20, 30, 45, 60]
    assert [e["points_awarded"] for e in events["TIE"]] == [10, 10]
    assert [e["points_awarded"] for e in events["PAGES"]] == [25, 25, 0, 0]
    assert [e["engagement_score"] for e in events["WINDOW"]] == [10, 20, 20]


def test_qualification_gates():
    s = Scenario()
    # min_fit_points (fit_first 20): fit 15 never qualifies there, fit 20 does
    s.lead("FIT-15", company={"account_tier": 1})
    s.lead("FIT-20", company={"employee_count": 300})
    for lead_id in ("FIT-15", "FIT-20"):
        s.pricing(lead_id, day(1))  # E = 25
        s.pricing(lead_id, day(2))  # E = 50: L = 65 / 70
    # min_engagement_points (fit_first 15, default 10)
    s.lead("ENG", fit=55)
    s.email("ENG", "open", day(1))  # E = 10, L = 65
    s.email("ENG", "click", day(2))  # E = 25
    # mql_threshold (60), reached exactly; fit 20
    s.lead("THRESHOLD", company={"employee_count": 300})
    s.email("THRESHOLD", "click", day(1))  # E = 15, L = 35
    s.email("THRESHOLD", "open", day(1, hours=1))  # E = 25, L = 45
    s.email("THRESHOLD", "open", day(2))  # E = 35, L = 55
    s.form("THRESHOLD", "newsletter_signup", day(3))  # E = 40, L = 60
    # a disqualifying rule: never an MQL (nor an SQL) whatever the score
    s.lead("RIVAL", fit=60, email_domain="RivalSoft.Example")
    s.pricing("RIVAL", day(1))
    s.pricing("RIVAL", day(2))
    s.form("RIVAL", "demo_request", day(3))

    leads, events = s.run(rule_set_id="fit_first")
    assert leads["FIT-15"]["fit_score"] == 15
    assert [e["lead_score"] for e in events["FIT-15"]] == [40, 65]
    assert leads["FIT-15"]["mql_at"] is None
    assert leads["FIT-20"]["mql_at"] == day(2)
    assert leads["ENG"]["mql_at"] == day(2)
    assert [e["lead_score"] for e in events["THRESHOLD"]] == [35, 45, 55, 60]
    assert leads["THRESHOLD"]["mql_at"] == day(3)
    rival = leads["RIVAL"]
    assert rival["fit_score"] == 60  # disqualifying rules have no points
    assert [e["lead_score"] for e in events["RIVAL"]] == [85, 110, 150]
    assert (rival["is_mql"], rival["mql_at"], rival["mql_count"]) == (False, None, 0)
    assert (rival["is_sql"], rival["sql_at"]) == (False, None)
    assert rival["lifecycle_stage"] == "nurturing"
    assert (rival["lead_status"], rival["status_reason"]) == ("disqualified", "competitor_domain")

    leads, _ = s.run(rule_set_id="default")
    assert leads["FIT-15"]["mql_at"] == day(2)
    assert leads["ENG"]["mql_at"] == day(1)
    assert leads["THRESHOLD"]["mql_at"] == day(3)
    assert (leads["RIVAL"]["mql_at"], leads["RIVAL"]["sql_at"]) == (day(1), day(3))
    assert leads["RIVAL"]["lead_status"] == "open"


@pytest.mark.parametrize("rule_set_id", ["default", "strict", "fit_first"])
@pytest.mark.parametrize(
    ("fit", "grade"),
    [
        (-10, "D"),
        (0, "D"),
        (9, "D"),
        (9.5, "D"),
        (10, "C"),
        (24, "C"),
        (25, "B"),
        (39, "B"),
        (40, "A"),
        (100, "A"),
    ],
)
def test_fit_grade_band_boundaries(rule_set_id, fit, grade):
    bands = [b for b in SEEDS.fit_grade_bands if b.rule_set_id == rule_set_id]
    assert fit_grade(fit, bands) == grade


def test_fit_grade_of_leads():
    s = Scenario()
    leads_by_fit = {
        "F-10": ({}, "gmail.com"),  # free mail: -10
        "F5": ({"account_tier": 2}, "acme.com"),
        "F10": ({"country_code": "CZ"}, "acme.com"),
        "F20": ({"employee_count": 250}, "acme.com"),
        "F25": ({"employee_count": 250, "account_tier": 2}, "acme.com"),
        "F35": ({"employee_count": 250, "account_tier": 1}, "acme.com"),
        "F40": ({"employee_count": 250, "account_tier": 1, "country_code": "SK"}, "x.cz"),
    }
    for lead_id, (company, domain) in leads_by_fit.items():
        s.lead(lead_id, company=company, email_domain=domain)
    for rule_set_id in ("default", "fit_first"):
        leads, _ = s.run(rule_set_id=rule_set_id)
        assert {k: (v["fit_score"], v["fit_grade"]) for k, v in leads.items()} == {
            "F-10": (-10, "D"),
            "F5": (5, "D"),
            "F10": (10, "C"),
            "F20": (20, "C"),
            "F25": (25, "B"),
            "F35": (35, "B"),
            "F40": (45, "A"),
        }


def test_lead_status_and_reason_precedence():
    s = Scenario()
    # a disqualifying rule beats the dispositions; several rules: the first id alphabetically
    s.lead("RULES", email_domain="competitor.example", job_title="Student")
    s.disposition("RULES", "disqualified", day(1), reason="spam")
    s.lead("INTERNAL", email_domain="leadfunnel.example", job_title="Marketing Intern")
    s.lead("TITLE", job_title="PhD student")
    s.disposition("TITLE", "recycled", day(1), reason="no budget")
    # the latest disposition disqualified: whatever MQLs came before
    s.lead("LATEST-DQ", fit=55)
    s.pricing("LATEST-DQ", day(1))
    s.disposition("LATEST-DQ", "recycled", day(2), reason="no response")
    s.pricing("LATEST-DQ", day(3))
    s.disposition("LATEST-DQ", "disqualified", day(4), reason="competitor")
    # recycled after disqualified, no MQL since: recycled with the recycle's reason
    s.lead("RECYCLED", fit=0)
    s.disposition("RECYCLED", "disqualified", day(1), reason="competitor")
    s.disposition("RECYCLED", "recycled", day(2), reason="reopened")
    # recycled, and an MQL in the current cycle: open
    s.lead("RECYCLED-MQL", fit=55)
    s.disposition("RECYCLED-MQL", "recycled", day(1), reason="no response")
    s.pricing("RECYCLED-MQL", day(2))
    # recycled after an MQL (of the previous cycle): recycled
    s.lead("RECYCLED-OLD-MQL", fit=55)
    s.pricing("RECYCLED-OLD-MQL", day(1))
    s.disposition("RECYCLED-OLD-MQL", "recycled", day(2), reason="no response")
    # nothing usable: an invalid value (nulled by staging) and a disposition after as_of
    s.lead("NONE", fit=0)
    s.disposition("NONE", None, day(1), reason="snoozed")
    s.disposition("NONE", "disqualified", day(11), reason="later")

    expected_default = {
        "RULES": ("disqualified", "spam"),
        "INTERNAL": ("open", None),
        "TITLE": ("recycled", "no budget"),
        "LATEST-DQ": ("disqualified", "competitor"),
        "RECYCLED": ("recycled", "reopened"),
        "RECYCLED-MQL": ("open", None),
        "RECYCLED-OLD-MQL": ("recycled", "no response"),
        "NONE": ("open", None),
    }
    expected_fit_first = {
        **expected_default,
        "RULES": ("disqualified", "competitor_domain"),
        "INTERNAL": ("disqualified", "internal_domain"),
        "TITLE": ("disqualified", "student_title"),
    }
    for rule_set_id, expected in (("default", expected_default), ("fit_first", expected_fit_first)):
        leads, _ = s.run(as_of=day(10), rule_set_id=rule_set_id)
        actual = {k: (v["lead_status"], v["status_reason"]) for k, v in leads.items()}
        assert actual == expected, rule_set_id
    leads, _, mqls = s.run_all(as_of=day(10))
    assert leads["LATEST-DQ"]["mql_count"] == 2
    assert mqls["LATEST-DQ"][1]["ended_by"] == "disqualified"
    assert leads["RECYCLED-MQL"]["mql_at"] == day(2)


@pytest.mark.parametrize(
    ("job_title", "is_student"),
    [
        ("Student", True),
        ("  PhD Student  ", True),
        ("studentka", True),
        ("Intern", True),
        ("INTERN", True),
        ("  intern  ", True),
        ("Marketing Intern", True),
        ("Intern Marketing", True),
        ("Sales Intern Lead", True),
        ("International Sales", False),
        ("Internal Auditor", False),
        ("Interns", False),
        ("Internship Coordinator", False),
        ("Marketing-Intern", False),
        ("Head of Sales", False),
        (None, False),
    ],
)
def test_student_and_intern_titles(job_title, is_student):
    s = Scenario()
    s.lead("L1", fit=60, job_title=job_title)
    s.pricing("L1", day(1))
    leads, _ = s.run(rule_set_id="fit_first")
    lead = leads["L1"]
    expected = ("disqualified", "student_title") if is_student else ("open", None)
    assert (lead["lead_status"], lead["status_reason"]) == expected
    assert lead["is_mql"] is not is_student
    assert lead["fit_score"] == 60


def test_like_semantics():
    assert like("abc", "a_c")
    assert not like("abbc", "a_c")
    assert like("a.c", "a.c") and not like("abc", "a.c")  # regex characters are literal
    assert like("sales intern lead", "% intern %")
    assert not like("Intern", "intern")  # case-sensitive: the title is lowercased first
    assert like("", "%") and not like("", "_")


def test_a_fit_rule_with_several_rows_counts_once():
    def rule(rule_id: str, attribute: str, value: str, points: int | None, disq: bool = False):
        return FitRule("t", rule_id, attribute, "equals", value, None, None, points, disq)

    rules = [
        rule("multi", "country_code", "CZ", 7),
        rule("multi", "industry", "manufacturing", 7),
        rule("single", "lead_source", "direct", 1),
        rule("blocked", "industry", "manufacturing", None, disq=True),
    ]

    def attributes(country, industry, source):
        return {"country_code": country, "industry": industry, "lead_source": source}

    assert fit_score(attributes("cz", "Manufacturing", "direct"), rules) == 8
    assert fit_score(attributes("SK", "manufacturing", None), rules) == 7
    assert fit_score(attributes(None, None, None), rules) == 0


def test_dispositions_at_as_of_and_unused_ones():
    s = Scenario()
    # a disposition exactly at as_of takes effect just after it: the cycle it ends is the
    # one the current scores are measured in
    s.lead("AT-ASOF", fit=55)
    s.pricing("AT-ASOF", day(1))
    s.disposition("AT-ASOF", "recycled", day(4), reason="later")
    # invalid values (null), dispositions after as_of and orphans are not used
    s.lead("UNUSED", fit=55)
    s.pricing("UNUSED", day(1))
    s.disposition("UNUSED", None, day(2))
    s.pricing("UNUSED", day(3))
    s.disposition("UNUSED", "disqualified", day(4, seconds=1))
    s.disposition("GHOST", "disqualified", day(2))
    leads, events, mqls = s.run_all(as_of=day(4))
    at = leads["AT-ASOF"]
    assert at["engagement_score"] == 25
    assert (at["lead_status"], at["status_reason"]) == ("recycled", "later")
    assert _mql_columns(mqls["AT-ASOF"], "mql_at", "ended_at", "hours_mql_to_end") == [
        (day(1), day(4), 72)
    ]
    assert [e["engagement_score"] for e in events["UNUSED"]] == [25, 50]
    unused = leads["UNUSED"]
    assert (unused["lead_status"], unused["engagement_score"], unused["mql_count"]) == (
        "open",
        50,
        1,
    )
    assert mqls["UNUSED"][0]["ended_at"] is None
    assert set(leads) == {"AT-ASOF", "UNUSED"}


def test_without_dispositions_the_mql_rows_mirror_the_lifecycle():
    s = Scenario()
    s.lead("L1", fit=55)
    s.pricing("L1", day(1))
    s.form("L1", "demo_request", day(3))
    s.activity("L1", "call", day(1, hours=2))
    s.lead("L2", fit=0)
    leads, _, mqls = s.run_all()
    assert set(mqls) == {"L1"}
    [mql] = mqls["L1"]
    lead = leads["L1"]
    assert (mql["mql_at"], mql["sql_at"]) == (lead["mql_at"], lead["sql_at"]) == (day(1), day(3))
    assert (mql["first_sales_touch_at"], mql["is_sla_met"]) == (day(1, hours=2), False)
    assert (lead["first_sales_touch_at"], lead["is_sla_met"]) == (day(1, hours=2), False)
    assert (lead["mql_count"], lead["last_mql_at"]) == (1, day(1))
    assert (leads["L2"]["mql_count"], leads["L2"]["last_mql_at"]) == (0, None)
    assert (leads["L2"]["lead_status"], leads["L2"]["status_reason"]) == ("open", None)
    assert (mql["ended_at"], mql["ended_by"], mql["end_reason"]) == (None, None, None)
