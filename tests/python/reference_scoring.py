"""Independent plain-Python reference of the scoring engine (docs/semantics.md).

This module re-implements lead scoring and the lifecycle milestones without SQL, as
literally as possible, so that the dbt marts (`fct_lead_lifecycle`,
`fct_lead_score_events`) can be checked against it. It favours being obviously correct
over being fast: every engagement score is recomputed from scratch by counting each
rule's events in the window ``(t - W, t]``.

Structure:

* ``load_seeds(seeds_dir)`` reads the rule seeds with the csv module.
* ``StagingData`` holds the staging rows as plain dicts (column name -> value), one list
  per staging model; ``load_staging(con)`` fills it from a DuckDB connection (schema
  ``staging``), tests build it by hand.
* ``score(staging, seeds, rule_set_id, as_of)`` returns ``(leads, events)``: one dict per
  lead with the ``fct_lead_lifecycle`` columns and one dict per scored event with the
  ``fct_lead_score_events`` columns.

Standard library only.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

Row = dict[str, Any]

STAGES = ("new", "nurturing", "mql", "sql", "opportunity", "customer")
SALES_TOUCH_TYPES = frozenset({"call", "email", "meeting"})

# Staging model -> short source name used to tell events of different tables apart.
EVENT_SOURCES = {
    "stg_marketing__email_events": "email_events",
    "stg_web__page_views": "web_page_views",
    "stg_marketing__content_downloads": "content_downloads",
    "stg_marketing__webinar_events": "webinar_events",
    "stg_web__form_submissions": "form_submissions",
    "stg_crm__sales_activities": "sales_activities",
}


# --------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class RuleSet:
    rule_set_id: str
    mql_threshold: float
    min_engagement_points: float
    engagement_window_days: float
    sales_sla_hours: float

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.engagement_window_days)

    @property
    def sla(self) -> timedelta:
        return timedelta(hours=self.sales_sla_hours)


@dataclass(frozen=True)
class EngagementRule:
    rule_set_id: str
    rule_id: str
    signal: str
    qualifier: str | None
    points: float
    cap: float | None
    is_sales_ready: bool

    def contribution(self, n: int) -> float:
        """``sign(points) * min(abs(points) * n, cap)``; no cap means no limit."""
        magnitude = abs(self.points) * n
        if self.cap is not None:
            magnitude = min(magnitude, self.cap)
        if self.points > 0:
            return magnitude
        if self.points < 0:
            return -magnitude
        return 0


@dataclass(frozen=True)
class FitRule:
    rule_set_id: str
    rule_id: str
    attribute: str
    operator: str
    value_text: str | None
    value_min: float | None
    value_max: float | None
    points: float


@dataclass(frozen=True)
class PageCategoryPattern:
    page_category: str
    url_pattern: str
    priority: int


@dataclass(frozen=True)
class Seeds:
    rule_sets: dict[str, RuleSet]
    engagement_rules: list[EngagementRule]
    fit_rules: list[FitRule]
    page_categories: list[PageCategoryPattern]
    free_email_domains: frozenset[str]


def _blank_to_none(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _number(value: str | None) -> float | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_seeds(seeds_dir: Path | str) -> Seeds:
    """Read the scoring seeds (plain CSV files) into dataclasses."""
    seeds_dir = Path(seeds_dir)
    rule_sets = {
        row["rule_set_id"]: RuleSet(
            rule_set_id=row["rule_set_id"],
            mql_threshold=_number(row["mql_threshold"]),
            min_engagement_points=_number(row["min_engagement_points"]),
            engagement_window_days=_number(row["engagement_window_days"]),
            sales_sla_hours=_number(row["sales_sla_hours"]),
        )
        for row in _read_csv(seeds_dir / "scoring_rule_sets.csv")
    }
    engagement_rules = [
        EngagementRule(
            rule_set_id=row["rule_set_id"],
            rule_id=row["rule_id"],
            signal=row["signal"],
            qualifier=_blank_to_none(row["qualifier"]),
            points=_number(row["points"]),
            cap=_number(row["cap"]),
            is_sales_ready=row["is_sales_ready"].strip().lower() == "true",
        )
        for row in _read_csv(seeds_dir / "scoring_engagement_rules.csv")
    ]
    fit_rules = [
        FitRule(
            rule_set_id=row["rule_set_id"],
            rule_id=row["rule_id"],
            attribute=row["attribute"],
            operator=row["operator"],
            value_text=_blank_to_none(row["value_text"]),
            value_min=_number(row["value_min"]),
            value_max=_number(row["value_max"]),
            points=_number(row["points"]),
        )
        for row in _read_csv(seeds_dir / "scoring_fit_rules.csv")
    ]
    page_categories = [
        PageCategoryPattern(row["page_category"], row["url_pattern"], int(row["priority"]))
        for row in _read_csv(seeds_dir / "page_categories.csv")
    ]
    free_email_domains = frozenset(
        row["email_domain"].strip().lower()
        for row in _read_csv(seeds_dir / "free_email_domains.csv")
    )
    return Seeds(rule_sets, engagement_rules, fit_rules, page_categories, free_email_domains)


# ------------------------------------------------------------------------ staging input


@dataclass
class StagingData:
    """Staging rows, one list of dicts per staging model (keys = staging column names)."""

    stg_crm__leads: list[Row] = field(default_factory=list)
    stg_crm__companies: list[Row] = field(default_factory=list)
    stg_crm__opportunities: list[Row] = field(default_factory=list)
    stg_crm__sales_activities: list[Row] = field(default_factory=list)
    stg_web__page_views: list[Row] = field(default_factory=list)
    stg_web__form_submissions: list[Row] = field(default_factory=list)
    stg_marketing__email_events: list[Row] = field(default_factory=list)
    stg_marketing__webinar_events: list[Row] = field(default_factory=list)
    stg_marketing__content_downloads: list[Row] = field(default_factory=list)


STAGING_TABLES = tuple(StagingData.__dataclass_fields__)


def load_staging(con: Any, schema: str = "staging") -> StagingData:
    """Read every staging model from a DuckDB connection (the only SQL of this module)."""
    data = StagingData()
    for table in STAGING_TABLES:
        cursor = con.execute(f'select * from "{schema}"."{table}"')
        columns = [description[0] for description in cursor.description]
        setattr(data, table, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
    return data


# ----------------------------------------------------------------------------- signals


def like(value: str, pattern: str) -> bool:
    """SQL ``like`` without an escape character: ``%`` any run, ``_`` one character."""
    regex = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def page_category(page_url: str | None, patterns: list[PageCategoryPattern]) -> str:
    """Category of a page: first matching pattern by priority, else ``other``."""
    if page_url is None:
        return "other"
    url = page_url.lower()
    for pattern in sorted(patterns, key=lambda p: p.priority):
        if like(url, pattern.url_pattern):
            return pattern.page_category
    return "other"


@dataclass(frozen=True)
class Event:
    """One activity of a lead turned into a signal (not yet matched to a rule)."""

    source: str
    event_id: str
    lead_id: str
    signal: str | None
    qualifier: str | None
    occurred_at: datetime

    @property
    def order_key(self) -> tuple[datetime, str, str]:
        """Events are ordered by time, then id, then source."""
        return (self.occurred_at, self.event_id, self.source)


EMAIL_SIGNALS = {
    "open": "email_open",
    "click": "email_click",
    "bounce": "email_bounce",
    "unsubscribe": "email_unsubscribe",
}
WEBINAR_SIGNALS = {"registered": "webinar_registration", "attended": "webinar_attendance"}


def derive_events(staging: StagingData, seeds: Seeds) -> list[Event]:
    """Every staged activity row with a lead, with its signal and qualifier.

    Rows that give no signal (``delivered`` emails, non-meeting sales activities,
    unknown webinar event types) get ``signal=None``; anonymous page views are dropped.
    """
    events: list[Event] = []

    def add(table: str, id_column: str, row: Row, signal: str | None, qualifier: str | None):
        if row.get("lead_id") is None:
            return
        events.append(
            Event(
                source=EVENT_SOURCES[table],
                event_id=row[id_column],
                lead_id=row["lead_id"],
                signal=signal,
                qualifier=qualifier,
                occurred_at=row["occurred_at"],
            )
        )

    for row in staging.stg_marketing__email_events:
        signal = EMAIL_SIGNALS.get(row.get("event_type"))
        add("stg_marketing__email_events", "event_id", row, signal, None)
    for row in staging.stg_web__page_views:
        category = page_category(row.get("page_url"), seeds.page_categories)
        add("stg_web__page_views", "event_id", row, "page_view", category)
    for row in staging.stg_marketing__content_downloads:
        add(
            "stg_marketing__content_downloads",
            "event_id",
            row,
            "content_download",
            row.get("asset_type"),
        )
    for row in staging.stg_marketing__webinar_events:
        signal = WEBINAR_SIGNALS.get(row.get("event_type"))
        add("stg_marketing__webinar_events", "event_id", row, signal, None)
    for row in staging.stg_web__form_submissions:
        add("stg_web__form_submissions", "event_id", row, "form_submission", row.get("form_type"))
    for row in staging.stg_crm__sales_activities:
        signal = "sales_meeting" if row.get("activity_type") == "meeting" else None
        add("stg_crm__sales_activities", "activity_id", row, signal, None)
    return events


def match_rule(event: Event, rules: list[EngagementRule]) -> EngagementRule | None:
    """The rule with the event's signal and the same qualifier or a null rule qualifier."""
    if event.signal is None:
        return None
    matches = [
        rule
        for rule in rules
        if rule.signal == event.signal
        and (rule.qualifier is None or rule.qualifier == event.qualifier)
    ]
    assert len(matches) <= 1, f"several rules match {event}: {matches}"
    return matches[0] if matches else None


# ------------------------------------------------------------------------------ scores


@dataclass(frozen=True)
class ScoredEvent:
    event: Event
    rule: EngagementRule


def engagement_score(scored: list[ScoredEvent], t: datetime, window: timedelta) -> float:
    """E(t) by brute force: per rule, count its events in (t - W, t], then cap."""
    counts: dict[str, int] = defaultdict(int)
    rules: dict[str, EngagementRule] = {}
    for item in scored:
        if t - window < item.event.occurred_at <= t:
            counts[item.rule.rule_id] += 1
            rules[item.rule.rule_id] = item.rule
    return sum(rules[rule_id].contribution(n) for rule_id, n in counts.items())


def points_awarded(scored: list[ScoredEvent], this: ScoredEvent, window: timedelta) -> float:
    """c(k) - c(k - 1), k = this rule's events in (t - W, t] ordered at or before this one."""
    t = this.event.occurred_at
    k = sum(
        1
        for item in scored
        if item.rule.rule_id == this.rule.rule_id
        and t - window < item.event.occurred_at
        and item.event.order_key <= this.event.order_key
    )
    return this.rule.contribution(k) - this.rule.contribution(k - 1)


def _lower_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return str(value).lower()


def fit_attributes(lead: Row, company: Row | None, seeds: Seeds) -> dict[str, Any]:
    """The attributes fit rules can test, from the lead and its company."""
    company = company or {}
    domain = lead.get("email_domain")
    if domain is None and lead.get("email") and "@" in lead["email"]:
        domain = lead["email"].rsplit("@", 1)[1]
    is_free = None if domain is None else domain.strip().lower() in seeds.free_email_domains
    return {
        "employee_count": company.get("employee_count"),
        "country_code": company.get("country_code"),
        "industry": company.get("industry"),
        "account_tier": company.get("account_tier"),
        "lead_source": lead.get("lead_source"),
        "is_free_email_domain": is_free,
    }


def fit_rule_matches(rule: FitRule, value: Any) -> bool:
    if value is None:
        return False
    if rule.operator == "equals":
        return _lower_text(value) == _lower_text(rule.value_text)
    if rule.operator == "between":
        number = float(value)
        if rule.value_min is not None and number < rule.value_min:
            return False
        return not (rule.value_max is not None and number > rule.value_max)
    raise ValueError(f"unknown fit operator {rule.operator!r}")


def fit_score(attributes: dict[str, Any], rules: list[FitRule]) -> float:
    return sum(rule.points for rule in rules if fit_rule_matches(rule, attributes[rule.attribute]))


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 3600


def score_lead(
    lead: Row,
    company: Row | None,
    events: list[Event],
    opportunities: list[Row],
    sales_activities: list[Row],
    seeds: Seeds,
    rule_set_id: str,
    as_of: datetime,
) -> tuple[Row, list[Row]]:
    """Score one lead. ``events``/``opportunities``/``sales_activities`` are the lead's own
    rows (any time; rows after ``as_of`` are ignored here). Returns (lifecycle row, event rows).
    """
    rule_set = seeds.rule_sets[rule_set_id]
    window = rule_set.window
    rules = [r for r in seeds.engagement_rules if r.rule_set_id == rule_set_id]
    fit_rules = [r for r in seeds.fit_rules if r.rule_set_id == rule_set_id]
    lead_id = lead["lead_id"]
    created_at = lead["created_at"]

    fit = fit_score(fit_attributes(lead, company, seeds), fit_rules)

    # Scored events: the lead's events at or before as_of that match a rule.
    scored = []
    for event in sorted(events, key=lambda e: e.order_key):
        if event.occurred_at > as_of:
            continue
        rule = match_rule(event, rules)
        if rule is not None:
            scored.append(ScoredEvent(event, rule))

    event_rows = []
    for item in scored:
        t = item.event.occurred_at
        engagement = engagement_score(scored, t, window)
        event_rows.append(
            {
                "lead_id": lead_id,
                "rule_set_id": rule_set_id,
                "source": item.event.source,
                "event_id": item.event.event_id,
                "signal": item.event.signal,
                "qualifier": item.event.qualifier,
                "rule_id": item.rule.rule_id,
                "occurred_at": t,
                "points_awarded": points_awarded(scored, item, window),
                "engagement_score": engagement,
                "lead_score": fit + engagement,
                "is_sales_ready": item.rule.is_sales_ready,
            }
        )

    # Raw milestone times (before clamping).
    nurturing_raw = min(
        (row["occurred_at"] for row in event_rows if row["points_awarded"] > 0), default=None
    )
    mql_raw = None
    for t in sorted({item.event.occurred_at for item in scored}):
        engagement = engagement_score(scored, t, window)
        if (
            fit + engagement >= rule_set.mql_threshold
            and engagement >= rule_set.min_engagement_points
        ):
            mql_raw = t
            break
    live_opportunities = [
        o for o in opportunities if o["created_at"] is not None and o["created_at"] <= as_of
    ]
    opportunity_raw = min((o["created_at"] for o in live_opportunities), default=None)
    customer_raw = min(
        (
            o["closed_at"]
            for o in live_opportunities
            if o.get("is_won") is True
            and o.get("closed_at") is not None
            and o["closed_at"] <= as_of
        ),
        default=None,
    )

    # Walk the stages in order: entry = max(raw, previous reached entry).
    entry: dict[str, datetime | None] = dict.fromkeys(STAGES)
    entry["new"] = created_at
    previous = created_at

    def reach(stage: str, raw: datetime | None) -> None:
        nonlocal previous
        if raw is not None and raw <= as_of:
            entry[stage] = max(raw, previous)
            previous = entry[stage]

    reach("nurturing", nurturing_raw)
    reach("mql", mql_raw)
    mql_at = entry["mql"]
    sql_raw = None
    if mql_at is not None:
        sales_ready = [item.event.occurred_at for item in scored if item.rule.is_sales_ready]
        if any(mql_at - window < t <= mql_at for t in sales_ready):
            sql_raw = mql_at
        else:
            sql_raw = min((t for t in sales_ready if mql_at < t <= as_of), default=None)
    reach("sql", sql_raw)
    reach("opportunity", opportunity_raw)
    reach("customer", customer_raw)
    lifecycle_stage = [stage for stage in STAGES if entry[stage] is not None][-1]

    # Sales hand-off.
    first_touch = None
    is_sla_met = None
    if mql_at is not None:
        first_touch = min(
            (
                a["occurred_at"]
                for a in sales_activities
                if a.get("activity_type") in SALES_TOUCH_TYPES
                and mql_at <= a["occurred_at"] <= as_of
            ),
            default=None,
        )
        due = mql_at + rule_set.sla
        if first_touch is not None:
            is_sla_met = first_touch <= due
        elif as_of > due:
            is_sla_met = False

    engagement_now = engagement_score(scored, as_of, window)
    lifecycle = {
        "lead_id": lead_id,
        "rule_set_id": rule_set_id,
        "lifecycle_stage": lifecycle_stage,
        "fit_score": fit,
        "engagement_score": engagement_now,
        "lead_score": fit + engagement_now,
        "is_mql": mql_at is not None,
        "is_sql": entry["sql"] is not None,
        "created_at": created_at,
        "nurturing_at": entry["nurturing"],
        "mql_at": mql_at,
        "sql_at": entry["sql"],
        "opportunity_at": entry["opportunity"],
        "customer_at": entry["customer"],
        "first_sales_touch_at": first_touch,
        "hours_to_mql": _hours(mql_at, created_at),
        "hours_mql_to_sql": _hours(entry["sql"], mql_at),
        "hours_to_first_sales_touch": _hours(first_touch, mql_at),
        "is_sla_met": is_sla_met,
    }
    return lifecycle, event_rows


def score(
    staging: StagingData, seeds: Seeds, rule_set_id: str, as_of: datetime
) -> tuple[list[Row], list[Row]]:
    """Score every lead created at or before ``as_of``.

    Returns ``(leads, events)``: lifecycle rows sorted by lead_id and event rows sorted by
    lead_id, then event order. Orphan rows (lead not staged) are ignored.
    """
    if rule_set_id not in seeds.rule_sets:
        raise KeyError(f"unknown rule set {rule_set_id!r}")
    companies = {c["company_id"]: c for c in staging.stg_crm__companies}
    events_by_lead: dict[str, list[Event]] = defaultdict(list)
    for event in derive_events(staging, seeds):
        events_by_lead[event.lead_id].append(event)
    opportunities_by_lead: dict[str, list[Row]] = defaultdict(list)
    for row in staging.stg_crm__opportunities:
        opportunities_by_lead[row["lead_id"]].append(row)
    activities_by_lead: dict[str, list[Row]] = defaultdict(list)
    for row in staging.stg_crm__sales_activities:
        activities_by_lead[row["lead_id"]].append(row)

    lead_rows: list[Row] = []
    event_rows: list[Row] = []
    for lead in sorted(staging.stg_crm__leads, key=lambda row: row["lead_id"]):
        if lead["created_at"] > as_of:
            continue
        lead_id = lead["lead_id"]
        lifecycle, events = score_lead(
            lead,
            companies.get(lead.get("company_id")),
            events_by_lead.get(lead_id, []),
            opportunities_by_lead.get(lead_id, []),
            activities_by_lead.get(lead_id, []),
            seeds,
            rule_set_id,
            as_of,
        )
        lead_rows.append(lifecycle)
        event_rows.extend(events)
    return lead_rows, event_rows
