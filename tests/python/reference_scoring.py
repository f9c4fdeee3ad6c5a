"""Independent plain-Python reference of the scoring engine (SPEC sections 2-4, scoring v2).

This module re-implements lead scoring, dispositions and cycles, the MQLs of every cycle
and the lifecycle milestones without SQL, as literally as possible, so that the dbt marts
(`fct_lead_lifecycle`, `fct_lead_score_events`, `fct_lead_mqls`) can be checked against
it. It favours being obviously correct over being fast: every engagement score is
recomputed from scratch by counting each rule's events (or distinct UTC days) in the
window ``(max(t - W, s(t)), t]``, s(t) being the lead's latest disposition before t.

Structure:

* ``load_seeds(seeds_dir)`` reads the rule seeds with the csv module.
* ``StagingData`` holds the staging rows as plain dicts (column name -> value), one list
  per staging model; ``load_staging(con)`` fills it from a DuckDB connection (schema
  ``staging``), tests build it by hand.
* ``score(staging, seeds, rule_set_id, as_of)`` returns ``(leads, events, mqls)``: one
  dict per lead with the ``fct_lead_lifecycle`` columns, one dict per scored event with
  the ``fct_lead_score_events`` columns and one dict per MQL with the ``fct_lead_mqls``
  columns.

Standard library only.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

Row = dict[str, Any]

STAGES = ("new", "nurturing", "mql", "sql", "opportunity", "customer")
SALES_TOUCH_TYPES = frozenset({"call", "email", "meeting"})
COUNTING_UNITS = frozenset({"event", "day"})
DISPOSITIONS = frozenset({"recycled", "disqualified"})

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
    min_fit_points: float | None  # None: no minimum
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
    counting_unit: str = "event"  # "event" or "day"

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
    """One row of the fit rule seed. Several rows may share a rule_id (any row matching
    makes the rule match; its points count once)."""

    rule_set_id: str
    rule_id: str
    attribute: str
    operator: str
    value_text: str | None
    value_min: float | None
    value_max: float | None
    points: float | None  # None for disqualifying rules
    is_disqualifying: bool = False


@dataclass(frozen=True)
class FitGradeBand:
    rule_set_id: str
    fit_grade: str
    min_fit_score: float | None  # None: no minimum


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
    excluded_email_domains: dict[str, str] = field(default_factory=dict)  # domain -> kind
    fit_grade_bands: list[FitGradeBand] = field(default_factory=list)


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


def _boolean(value: str | None) -> bool:
    value = _blank_to_none(value)
    if value is None or value.lower() not in ("true", "false"):
        raise ValueError(f"not a boolean: {value!r}")
    return value.lower() == "true"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _counting_unit(value: str) -> str:
    unit = value.strip().lower()
    if unit not in COUNTING_UNITS:
        raise ValueError(f"unknown counting unit {value!r}")
    return unit


def load_seeds(seeds_dir: Path | str) -> Seeds:
    """Read the scoring seeds (plain CSV files) into dataclasses."""
    seeds_dir = Path(seeds_dir)
    rule_sets = {
        row["rule_set_id"]: RuleSet(
            rule_set_id=row["rule_set_id"],
            mql_threshold=_number(row["mql_threshold"]),
            min_engagement_points=_number(row["min_engagement_points"]),
            min_fit_points=_number(row["min_fit_points"]),
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
            is_sales_ready=_boolean(row["is_sales_ready"]),
            counting_unit=_counting_unit(row["counting_unit"]),
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
            is_disqualifying=_boolean(row["is_disqualifying"]),
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
    excluded_email_domains = {
        row["email_domain"].strip().lower(): row["kind"].strip().lower()
        for row in _read_csv(seeds_dir / "excluded_email_domains.csv")
    }
    fit_grade_bands = [
        FitGradeBand(row["rule_set_id"], row["fit_grade"], _number(row["min_fit_score"]))
        for row in _read_csv(seeds_dir / "fit_grade_bands.csv")
    ]
    return Seeds(
        rule_sets=rule_sets,
        engagement_rules=engagement_rules,
        fit_rules=fit_rules,
        page_categories=page_categories,
        free_email_domains=free_email_domains,
        excluded_email_domains=excluded_email_domains,
        fit_grade_bands=fit_grade_bands,
    )


# ------------------------------------------------------------------------ staging input


@dataclass
class StagingData:
    """Staging rows, one list of dicts per staging model (keys = staging column names)."""

    stg_crm__leads: list[Row] = field(default_factory=list)
    stg_crm__companies: list[Row] = field(default_factory=list)
    stg_crm__opportunities: list[Row] = field(default_factory=list)
    stg_crm__sales_activities: list[Row] = field(default_factory=list)
    stg_crm__lead_dispositions: list[Row] = field(default_factory=list)
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
    """SQL ``like`` without an escape character: ``%`` any run, ``_`` one character.

    Case-sensitive, as SQL ``like`` is."""
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


def utc_date(moment: datetime) -> date:
    """The UTC calendar date of a timestamp (naive timestamps are UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


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


# ------------------------------------------------------------------ dispositions, cycles


@dataclass(frozen=True)
class Disposition:
    disposition_id: str
    disposition: str  # "recycled" or "disqualified"
    reason: str | None
    occurred_at: datetime

    @property
    def order_key(self) -> tuple[datetime, str]:
        return (self.occurred_at, self.disposition_id)


@dataclass(frozen=True)
class Cycle:
    """A stretch of a lead's history between two disposition times: ``(start, end]``.

    ``start`` is the time of the disposition that opened it (None for the first cycle);
    ``end`` is the disposition that ended it (the last by id at its time), None while
    the cycle is the lead's current one.
    """

    number: int  # 1 = the lead's first cycle
    kind: str  # "open" or "disqualified"
    start: datetime | None
    end: Disposition | None

    def contains(self, moment: datetime) -> bool:
        after_start = self.start is None or self.start < moment
        before_end = self.end is None or moment <= self.end.occurred_at
        return after_start and before_end


def valid_dispositions(rows: list[Row], as_of: datetime) -> list[Disposition]:
    """The lead's usable dispositions at or before as_of, ordered by time, then id.

    Rows with a null disposition (an invalid value) or no time are not used."""
    dispositions = [
        Disposition(
            row["disposition_id"], row["disposition"], row.get("reason"), row["occurred_at"]
        )
        for row in rows
        if row.get("disposition") is not None
        and row.get("occurred_at") is not None
        and row["occurred_at"] <= as_of
    ]
    for disposition in dispositions:
        assert disposition.disposition in DISPOSITIONS, disposition
    return sorted(dispositions, key=lambda d: d.order_key)


def build_cycles(dispositions: list[Disposition]) -> list[Cycle]:
    """Cut a lead's history at its disposition times (``dispositions`` sorted).

    Dispositions sharing a timestamp make one cut; the last of them by id decides the
    kind of the cycle that follows and is the one that ended the cycle before."""
    deciding: dict[datetime, Disposition] = {}
    for disposition in dispositions:  # sorted by (time, id): the last one per time stays
        deciding[disposition.occurred_at] = disposition
    cycles = []
    start: datetime | None = None
    kind = "open"
    for moment in sorted(deciding):
        cut = deciding[moment]
        cycles.append(Cycle(len(cycles) + 1, kind, start, cut))
        start = moment
        kind = "open" if cut.disposition == "recycled" else "disqualified"
    cycles.append(Cycle(len(cycles) + 1, kind, start, None))
    return cycles


def latest_disposition_before(dispositions: list[Disposition], t: datetime) -> datetime | None:
    """s(t): the time of the latest disposition strictly before t (None: no lower bound)."""
    return max((d.occurred_at for d in dispositions if d.occurred_at < t), default=None)


# ------------------------------------------------------------------------------ scores


@dataclass(frozen=True)
class ScoredEvent:
    event: Event
    rule: EngagementRule


def in_window(moment: datetime, t: datetime, window: timedelta, start: datetime | None) -> bool:
    """Whether ``moment`` lies in ``(max(t - W, start), t]`` (start None: ``(t - W, t]``)."""
    lower = t - window if start is None else max(t - window, start)
    return lower < moment <= t


def rule_count(rule: EngagementRule, items: list[ScoredEvent]) -> int:
    """n of a rule: its events, or the distinct UTC dates of them for a per-day rule."""
    if rule.counting_unit == "day":
        return len({utc_date(item.event.occurred_at) for item in items})
    return len(items)


def engagement_score(
    scored: list[ScoredEvent], t: datetime, window: timedelta, start: datetime | None = None
) -> float:
    """E(t) by brute force: per rule, count its events in (max(t - W, start), t], then cap.

    ``start`` is s(t), the latest disposition strictly before t."""
    in_it: dict[str, list[ScoredEvent]] = defaultdict(list)
    rules: dict[str, EngagementRule] = {}
    for item in scored:
        if in_window(item.event.occurred_at, t, window, start):
            in_it[item.rule.rule_id].append(item)
            rules[item.rule.rule_id] = item.rule
    return sum(
        rules[rule_id].contribution(rule_count(rules[rule_id], items))
        for rule_id, items in in_it.items()
    )


def points_awarded(
    scored: list[ScoredEvent], this: ScoredEvent, window: timedelta, start: datetime | None = None
) -> float:
    """c(n1) - c(n0): n1 counts this rule's events in the window of t ordered at or before
    this one (this one included), n0 the same without this one."""
    t = this.event.occurred_at
    with_it = [
        item
        for item in scored
        if item.rule.rule_id == this.rule.rule_id
        and in_window(item.event.occurred_at, t, window, start)
        and item.event.order_key <= this.event.order_key
    ]
    without_it = [item for item in with_it if item.event.order_key != this.event.order_key]
    assert len(without_it) == len(with_it) - 1
    return this.rule.contribution(rule_count(this.rule, with_it)) - this.rule.contribution(
        rule_count(this.rule, without_it)
    )


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
    domain = None if domain is None else domain.strip().lower()
    is_free = None if domain is None else domain in seeds.free_email_domains
    job_title = lead.get("job_title")
    return {
        "employee_count": company.get("employee_count"),
        "country_code": company.get("country_code"),
        "industry": company.get("industry"),
        "account_tier": company.get("account_tier"),
        "lead_source": lead.get("lead_source"),
        "is_free_email_domain": is_free,
        "excluded_domain_kind": (
            None if domain is None else seeds.excluded_email_domains.get(domain)
        ),
        # lower(trim(job_title)): SQL trim removes spaces only
        "job_title": None if job_title is None else job_title.strip(" ").lower(),
    }


def fit_rule_matches(rule: FitRule, value: Any) -> bool:
    """Whether one fit rule row matches an attribute value (a null value never matches)."""
    if value is None:
        return False
    if rule.operator == "equals":
        return _lower_text(value) == _lower_text(rule.value_text)
    if rule.operator == "between":
        number = float(value)
        if rule.value_min is not None and number < rule.value_min:
            return False
        return not (rule.value_max is not None and number > rule.value_max)
    if rule.operator == "like":
        # the value is already lowercased (job_title); the pattern is compared as it is
        return rule.value_text is not None and like(str(value), rule.value_text)
    raise ValueError(f"unknown fit operator {rule.operator!r}")


def matched_fit_rules(attributes: dict[str, Any], rules: list[FitRule]) -> dict[str, FitRule]:
    """rule_id -> a matching row, for every rule with at least one matching row."""
    matched: dict[str, FitRule] = {}
    for rule in rules:
        if rule.rule_id not in matched and fit_rule_matches(rule, attributes[rule.attribute]):
            matched[rule.rule_id] = rule
    return matched


def fit_score(attributes: dict[str, Any], rules: list[FitRule]) -> float:
    """The sum of the points of the matching non-disqualifying rules (each rule once)."""
    matched = matched_fit_rules(attributes, rules)
    return sum(rule.points for rule in matched.values() if not rule.is_disqualifying)


def disqualifying_rules(attributes: dict[str, Any], rules: list[FitRule]) -> list[str]:
    """The ids of the matching disqualifying rules, sorted."""
    matched = matched_fit_rules(attributes, rules)
    return sorted(rule_id for rule_id, rule in matched.items() if rule.is_disqualifying)


def fit_grade(fit: float, bands: list[FitGradeBand]) -> str | None:
    """The band with the highest minimum at or below ``fit`` (no minimum: the lowest)."""
    candidates = [band for band in bands if band.min_fit_score is None or band.min_fit_score <= fit]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda b: (b.min_fit_score is not None, b.min_fit_score or 0),
    ).fit_grade


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
    disposition_rows: list[Row] | None = None,
) -> tuple[Row, list[Row], list[Row]]:
    """Score one lead. ``events``/``opportunities``/``sales_activities``/
    ``disposition_rows`` are the lead's own rows (any time; rows after ``as_of`` are
    ignored here). Returns (lifecycle row, event rows, MQL rows).
    """
    rule_set = seeds.rule_sets[rule_set_id]
    window = rule_set.window
    rules = [r for r in seeds.engagement_rules if r.rule_set_id == rule_set_id]
    fit_rules = [r for r in seeds.fit_rules if r.rule_set_id == rule_set_id]
    bands = [b for b in seeds.fit_grade_bands if b.rule_set_id == rule_set_id]
    lead_id = lead["lead_id"]
    created_at = lead["created_at"]

    attributes = fit_attributes(lead, company, seeds)
    fit = fit_score(attributes, fit_rules)
    disqualified_by = disqualifying_rules(attributes, fit_rules)

    dispositions = valid_dispositions(disposition_rows or [], as_of)
    cycles = build_cycles(dispositions)

    def s(t: datetime) -> datetime | None:
        return latest_disposition_before(dispositions, t)

    def engagement_at(t: datetime) -> float:
        return engagement_score(scored, t, window, s(t))

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
        engagement = engagement_at(t)
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
                "points_awarded": points_awarded(scored, item, window, s(t)),
                "engagement_score": engagement,
                "lead_score": fit + engagement,
                "is_sales_ready": item.rule.is_sales_ready,
            }
        )

    def qualifies(t: datetime) -> bool:
        engagement = engagement_at(t)
        return (
            fit + engagement >= rule_set.mql_threshold
            and engagement >= rule_set.min_engagement_points
            and (rule_set.min_fit_points is None or fit >= rule_set.min_fit_points)
            and not disqualified_by
        )

    # Raw milestone times (before clamping).
    nurturing_raw = min(
        (row["occurred_at"] for row in event_rows if row["points_awarded"] > 0), default=None
    )
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
    # Every MQL time is clamped as the first MQL's stage entry is: never before the
    # nurturing entry (else created_at).
    mql_floor = previous

    # One MQL at most per open cycle: the earliest scored event time in it that qualifies.
    sales_ready = [item.event.occurred_at for item in scored if item.rule.is_sales_ready]
    mqls: list[Row] = []
    mql_cycles: set[int] = set()
    for cycle in cycles:
        if cycle.kind != "open":
            continue
        times = sorted(
            {item.event.occurred_at for item in scored if cycle.contains(item.event.occurred_at)}
        )
        raw = next((t for t in times if qualifies(t)), None)
        if raw is None:
            continue
        mql_at = max(raw, mql_floor)
        mql_cycles.add(cycle.number)
        # SQL of this MQL: a sales-ready event in (max(mql - W, cycle start), mql] -> the
        # MQL time; else the first sales-ready event after the MQL in the same cycle.
        if any(in_window(t, mql_at, window, cycle.start) for t in sales_ready):
            sql_at = mql_at
        else:
            sql_at = min((t for t in sales_ready if mql_at < t and cycle.contains(t)), default=None)
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
        is_sla_met = None
        if first_touch is not None:
            is_sla_met = first_touch <= due
        elif as_of > due:
            is_sla_met = False
        end = cycle.end
        mqls.append(
            {
                "lead_id": lead_id,
                "rule_set_id": rule_set_id,
                "mql_number": len(mqls) + 1,
                "mql_at": mql_at,
                "sql_at": sql_at,
                "first_sales_touch_at": first_touch,
                "sla_due_at": due,
                "is_sla_met": is_sla_met,
                "ended_at": None if end is None else end.occurred_at,
                "ended_by": None if end is None else end.disposition,
                "end_reason": None if end is None else end.reason,
                "hours_mql_to_end": None if end is None else _hours(end.occurred_at, mql_at),
            }
        )

    first_mql = mqls[0] if mqls else None
    reach("mql", None if first_mql is None else first_mql["mql_at"])
    mql_at = entry["mql"]
    sql_raw = min((m["sql_at"] for m in mqls if m["sql_at"] is not None), default=None)
    reach("sql", sql_raw)
    reach("opportunity", opportunity_raw)
    reach("customer", customer_raw)
    lifecycle_stage = [stage for stage in STAGES if entry[stage] is not None][-1]

    # Lead status as of as_of.
    latest = dispositions[-1] if dispositions else None
    if disqualified_by:
        lead_status, status_reason = "disqualified", disqualified_by[0]
    elif latest is not None and latest.disposition == "disqualified":
        lead_status, status_reason = "disqualified", latest.reason
    elif (
        latest is not None
        and latest.disposition == "recycled"
        and cycles[-1].number not in mql_cycles
    ):
        lead_status, status_reason = "recycled", latest.reason
    else:
        lead_status, status_reason = "open", None

    first_touch = None if first_mql is None else first_mql["first_sales_touch_at"]
    engagement_now = engagement_at(as_of)
    lifecycle = {
        "lead_id": lead_id,
        "rule_set_id": rule_set_id,
        "lifecycle_stage": lifecycle_stage,
        "fit_score": fit,
        "engagement_score": engagement_now,
        "lead_score": fit + engagement_now,
        "fit_grade": fit_grade(fit, bands),
        "lead_status": lead_status,
        "status_reason": status_reason,
        "is_mql": mql_at is not None,
        "is_sql": entry["sql"] is not None,
        "mql_count": len(mqls),
        "created_at": created_at,
        "nurturing_at": entry["nurturing"],
        "mql_at": mql_at,
        "sql_at": entry["sql"],
        "opportunity_at": entry["opportunity"],
        "customer_at": entry["customer"],
        "last_mql_at": mqls[-1]["mql_at"] if mqls else None,
        "first_sales_touch_at": first_touch,
        "hours_to_mql": _hours(mql_at, created_at),
        "hours_mql_to_sql": _hours(entry["sql"], mql_at),
        "hours_to_first_sales_touch": _hours(first_touch, mql_at),
        "is_sla_met": None if first_mql is None else first_mql["is_sla_met"],
    }
    return lifecycle, event_rows, mqls


def score(
    staging: StagingData, seeds: Seeds, rule_set_id: str, as_of: datetime
) -> tuple[list[Row], list[Row], list[Row]]:
    """Score every lead created at or before ``as_of``.

    Returns ``(leads, events, mqls)``: lifecycle rows sorted by lead_id, event rows
    sorted by lead_id, then event order, and MQL rows sorted by lead_id, then
    mql_number. Orphan rows (lead not staged) are ignored.
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
    dispositions_by_lead: dict[str, list[Row]] = defaultdict(list)
    for row in staging.stg_crm__lead_dispositions:
        dispositions_by_lead[row["lead_id"]].append(row)

    lead_rows: list[Row] = []
    event_rows: list[Row] = []
    mql_rows: list[Row] = []
    for lead in sorted(staging.stg_crm__leads, key=lambda row: row["lead_id"]):
        if lead["created_at"] > as_of:
            continue
        lead_id = lead["lead_id"]
        lifecycle, events, mqls = score_lead(
            lead,
            companies.get(lead.get("company_id")),
            events_by_lead.get(lead_id, []),
            opportunities_by_lead.get(lead_id, []),
            activities_by_lead.get(lead_id, []),
            seeds,
            rule_set_id,
            as_of,
            dispositions_by_lead.get(lead_id, []),
        )
        lead_rows.append(lifecycle)
        event_rows.extend(events)
        mql_rows.extend(mqls)
    return lead_rows, event_rows, mql_rows
