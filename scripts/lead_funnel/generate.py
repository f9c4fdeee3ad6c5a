"""Demo-data generator: realistic, reproducible raw landing tables at any scale.

`lead-funnel generate` fills the ten raw tables of SPEC section 1 (schema ``raw`` of the
build DuckDB file) with synthetic leads, companies, web and marketing events, sales
activities, opportunities and lead dispositions; `lead-funnel land` moves rows held back in
``raw_pending``.

How the data is made
--------------------
Everything is set-based SQL inside DuckDB (``range()`` plus ``unnest``), never a Python loop
per row, so a million leads take a few minutes. Every random number is
``hash(hash(seed, row key, salt))`` mapped to [0, 1): the same seed and options always give
identical data whatever the number of threads (DuckDB ``random()`` is never used; the outer
``hash`` decorrelates the numbers of different salts for the same row).

The story behind the rows lives in temporary planning tables:

* ``plan_companies``: firmographics (industry, country, size, account tier). The CZ/SK
  manufacturing targets are common and more often tier 1 or 2.
* ``plan_leads``: one row per lead: channel (``lead_source``, a few null), campaign (null
  for most organic/direct/referral leads), email on the company domain or a free-mail
  domain (about 1.4 % on a competitor's or our own domain, without a company), a job title
  (about 2 % students and interns), company (shared by several leads, about 7 % none),
  creation time and latent behaviour: an *interest* level that grows with fit and channel
  intent (competitors study the pricing), the number of activity bursts, whether and when
  the lead turns "hot" (pricing pages and mostly a sales-ready form), email open/click
  affinity, bounces and unsubscribes.
* ``plan_bursts``: activity bursts. Burst 0 is the session that created the lead (page
  views *before* ``created_at``, then the form, gated download or webinar registration;
  event and email-list leads are imported without one); later bursts follow over days and
  weeks, so events cluster in time. Page views, downloads, webinar registrations and forms
  come from bursts; emails from a weekly campaign calendar; webinars from a fortnightly one.
  About 5 % of a lead's page views (20 % of a hot burst's pricing views) are reloaded
  minutes later on the same UTC day, so counting per day differs from counting per event.
* ``plan_sales`` / ``plan_opps``: a hot lead gets sales activities after its hot burst with
  realistic delays (about 40 % within the hour, others hours or days later, about 10 %
  never), sometimes a meeting, then an opportunity that is won, lost or still open.
* ``plan_recycling`` / ``plan_reengagement``: sales dispose of about half of the leads they
  worked that did not buy (no won or open opportunity), days to weeks after the last
  activity or the lost opportunity: mostly ``recycled`` (reasons such as "no budget", "no
  response", sometimes none), else ``disqualified`` (competitors, colleagues and students
  always, for that reason). Some disqualified leads are reopened (recycled) weeks later;
  about a third of the recycled ones come back: a re-nurture email clicked, a visit (often
  pricing pages and a sales-ready form, followed up by sales again), so they can become an
  MQL again, and some of those are recycled a second time.

With the seeded default rules (threshold 60, minimum engagement 10, 90-day window) roughly
20 % of the leads become MQL, about 40 % of the MQLs become SQL, a few percent of the
leads get an opportunity, and the rates differ by channel and segment. Anonymous page views
(no lead) come on top, about two sessions per lead.

Landing (``_loaded_at``) mimics an EL tool: web and CRM data in 15-minute batches, marketing
tools hourly. Closed opportunities land twice, open when created and again when closed
(CRM rows land again when they change; normal, not an error). Nothing lands after the end
of the period (``start + days``): rows that would land later are not generated.

Mess (``mess_rate``, default 0.01; 0 gives clean data): each kind hits about that share of
the rows it applies to (dispositions count as events): duplicated event rows (same id,
identical or later ``_loaded_at``), CRM rows landing again with changes (lead job
title/source/campaign, company size/tier, opportunity amount), events landing days late,
leads landing days after their first events, missing ids (null or blank), unparseable
required timestamps (text mode: garbage strings, typed mode: null), future timestamps
(``occurred_at`` more than a day after ``_loaded_at``), orphan events and opportunities
(unknown lead), events without a lead (not page views), enumerations in mixed case with
spaces, unknown dispositions (``nurture``, ``closed``, ``on hold``), lowercase country
codes, negative employee counts and invalid account tiers (4, 0, ...; text mode also
``n/a``).

Reproducibility: without ``start_date`` the period ends *now* (start = now minus ``days``)
so the demo passes source freshness; tests and reproducible runs pass ``--start-date``.
Identical output needs the same seed, options and DuckDB version (its ``hash``).

Scale: about 21 raw rows per lead (1 million leads: about 21 million rows, 7 million page
views, 11 million email events, 45,000 dispositions). Memory stays bounded: ``memory_limit``
4GB, spilling to ``<file>.tmp`` next to the DuckDB file, ``preserve_insertion_order`` off;
every table is one streaming ``INSERT ... SELECT`` over the planning tables.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

RAW_TABLES: tuple[str, ...] = (
    "crm_leads",
    "crm_companies",
    "web_page_views",
    "email_events",
    "webinar_events",
    "content_downloads",
    "form_submissions",
    "sales_activities",
    "crm_opportunities",
    "crm_lead_dispositions",
)

# Column kinds: id/text -> varchar, ts -> timestamp, int -> integer, bool, dec -> decimal.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "crm_leads": (
        ("lead_id", "id"),
        ("email", "text"),
        ("job_title", "text"),
        ("company_id", "id"),
        ("lead_source", "text"),
        ("campaign_id", "id"),
        ("created_at", "ts"),
        ("updated_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "crm_companies": (
        ("company_id", "id"),
        ("company_name", "text"),
        ("domain", "text"),
        ("employee_count", "int"),
        ("industry", "text"),
        ("country_code", "text"),
        ("account_tier", "int"),
        ("updated_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "web_page_views": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("page_url", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "email_events": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("email_campaign_id", "id"),
        ("event_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "webinar_events": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("webinar_id", "id"),
        ("event_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "content_downloads": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("asset_id", "id"),
        ("asset_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "form_submissions": (
        ("event_id", "id"),
        ("lead_id", "id"),
        ("form_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "sales_activities": (
        ("activity_id", "id"),
        ("lead_id", "id"),
        ("activity_type", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
    "crm_opportunities": (
        ("opportunity_id", "id"),
        ("lead_id", "id"),
        ("created_at", "ts"),
        ("closed_at", "ts"),
        ("is_won", "bool"),
        ("amount", "dec"),
        ("_loaded_at", "ts"),
    ),
    "crm_lead_dispositions": (
        ("disposition_id", "id"),
        ("lead_id", "id"),
        ("disposition", "text"),
        ("reason", "text"),
        ("occurred_at", "ts"),
        ("_loaded_at", "ts"),
    ),
}
TYPED_SQL_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "ts": "TIMESTAMP",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "dec": "DECIMAL(18, 2)",
}
# Event-like tables: their id column and enumeration column.
EVENT_TABLES = {
    "web_page_views": ("event_id", None),
    "email_events": ("event_id", "event_type"),
    "webinar_events": ("event_id", "event_type"),
    "content_downloads": ("event_id", "asset_type"),
    "form_submissions": ("event_id", "form_type"),
    "sales_activities": ("activity_id", "activity_type"),
    "crm_lead_dispositions": ("disposition_id", "disposition"),
}
# Values outside the documented enumeration that land as bad input (mess band 7).
UNKNOWN_ENUM_VALUES = {"crm_lead_dispositions": ("nurture", "closed", "on hold")}

MAX_MESS_RATE = 0.1  # the mess kinds of a table use disjoint bands of width mess_rate
MEMORY_LIMIT = "4GB"
DAY = 86_400
WEEK = 7 * DAY
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# ------------------------------------------------------------------ vocabularies

Weights = tuple[tuple[str | None, float], ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LEAD_SOURCES: Weights = (
    ("organic_search", 0.22),
    ("paid_search", 0.16),
    ("linkedin_ads", 0.12),
    ("display", 0.07),
    ("email", 0.08),
    ("webinar", 0.09),
    ("event", 0.06),
    ("referral", 0.08),
    ("direct", 0.10),
    (None, 0.02),
)
# Channel intent: how likely a lead of the channel is to engage (0..1).
CHANNEL_INTENT = {
    "organic_search": 0.45,
    "paid_search": 0.45,
    "linkedin_ads": 0.30,
    "display": 0.15,
    "email": 0.35,
    "webinar": 0.55,
    "event": 0.60,
    "referral": 0.65,
    "direct": 0.50,
}
CAMPAIGN_CODES = {
    "paid_search": "PS",
    "linkedin_ads": "LI",
    "display": "DI",
    "email": "EM",
    "webinar": "WB",
    "event": "EV",
}
INDUSTRIES: Weights = (
    ("manufacturing", 0.28),
    ("software", 0.11),
    ("professional_services", 0.10),
    ("retail", 0.09),
    ("logistics", 0.08),
    ("construction", 0.07),
    ("finance", 0.07),
    ("healthcare", 0.06),
    ("energy", 0.05),
    ("education", 0.04),
    ("automotive", 0.05),
)
COUNTRIES: Weights = (
    ("CZ", 0.34),
    ("SK", 0.12),
    ("PL", 0.16),
    ("DE", 0.12),
    ("AT", 0.06),
    ("HU", 0.06),
    ("GB", 0.05),
    ("US", 0.05),
    ("NL", 0.04),
)
TLD = {"CZ": ".cz", "SK": ".sk", "PL": ".pl", "DE": ".de", "AT": ".at", "HU": ".hu"}
TLD |= {"GB": ".co.uk", "US": ".com", "NL": ".nl"}
LEGAL_FORM = {"CZ": "s.r.o.", "SK": "s.r.o.", "PL": "sp. z o.o.", "DE": "GmbH", "AT": "GmbH"}
LEGAL_FORM |= {"HU": "Kft.", "GB": "Ltd", "US": "Inc.", "NL": "B.V."}
NAME_PREFIXES = _words(
    "Stroj Kovo Metal Elektro Agro Nova Prima Alfa Delta Mont Plast Tech Bio Data Euro "
    "Trans Bau Steel Precis Vltava Tatra Morava Hydro Opti"
)
NAME_SUFFIXES = _words(
    "tech mont plast servis systems works line soft group trade pack form logic flex tron mat"
)
FIRST_NAMES = _words(
    "jan petr martin tomas jana eva lucie pavel jakub katarina peter michal anna piotr "
    "tomasz agnieszka lukas david zuzana marek john sarah thomas julia laszlo eszter "
    "stefan monika"
)
LAST_NAMES = _words(
    "novak svoboda novotny dvorak cerny prochazka kucera vesely horvath kovac nowak "
    "kowalski wisniewski muller schmidt smith brown varga toth kral benes pokorny fiala "
    "sedlak huber wagner"
)
FREE_MAIL: Weights = (
    ("gmail.com", 0.33),
    ("seznam.cz", 0.20),
    ("outlook.com", 0.08),
    ("email.cz", 0.07),
    ("centrum.cz", 0.06),
    ("yahoo.com", 0.05),
    ("hotmail.com", 0.05),
    ("wp.pl", 0.05),
    ("o2.pl", 0.04),
    ("interia.pl", 0.04),
    ("onet.pl", 0.03),
)
JOB_TITLES: Weights = (
    ("Production Manager", 0.10),
    ("Plant Manager", 0.07),
    ("Operations Director", 0.07),
    ("CEO", 0.06),
    ("CFO", 0.03),
    ("IT Manager", 0.08),
    ("Quality Engineer", 0.07),
    ("Maintenance Manager", 0.06),
    ("Procurement Specialist", 0.05),
    ("Process Engineer", 0.07),
    ("Marketing Manager", 0.05),
    ("Data Analyst", 0.04),
    ("Vedoucí výroby", 0.05),
    ("Jednatel", 0.04),
    ("Consultant", 0.05),
    ("International Sales Manager", 0.025),
    ("Internal Sales Representative", 0.012),
    ("Student", 0.007),
    ("PhD Student", 0.004),
    ("Marketing Intern", 0.004),
    ("Intern", 0.003),
    ("intern ", 0.001),
    ("PHD STUDENT", 0.001),
    (None, 0.07),
)
# Titles of students and interns (the `student_title` disqualifying rule matches them; the
# "International ..." and "Internal ..." titles above must not match it).
STUDENT_TITLES = ("Student", "PhD Student", "Marketing Intern", "Intern", "intern ", "PHD STUDENT")
# Email domains of competitors and of the company itself (the excluded-domains seed).
COMPETITOR_DOMAINS: Weights = (("rivalsoft.example", 0.6), ("competitor.example", 0.4))
INTERNAL_DOMAIN = "leadfunnel.example"
ASSET_TYPES: Weights = (
    ("ebook", 0.28),
    ("case_study", 0.20),
    ("whitepaper", 0.19),
    ("guide", 0.19),
    ("checklist", 0.06),
    ("template", 0.05),
    ("video", 0.03),
)
SALES_READY_FORMS: Weights = (
    ("demo_request", 0.45),
    ("pricing_request", 0.35),
    ("consultation_request", 0.20),
)
CREATION_FORMS: Weights = (
    ("newsletter_signup", 0.62),
    ("contact_us", 0.20),
    ("partner_inquiry", 0.09),
    ("support_request", 0.09),
)
REENGAGEMENT_FORMS: Weights = (
    ("contact_us", 0.45),
    ("newsletter_signup", 0.35),
    ("support_request", 0.20),
)
LATER_FORMS: Weights = (
    ("newsletter_signup", 0.46),
    ("contact_us", 0.12),
    ("job_application", 0.12),
    ("partner_inquiry", 0.12),
    ("support_request", 0.18),
)
ANONYMOUS_PAGES: Weights = (
    ("blog", 0.35),
    ("home", 0.20),
    ("product", 0.15),
    ("careers", 0.08),
    ("about", 0.07),
    ("pricing", 0.05),
    ("case_study", 0.05),
    ("contact", 0.05),
)
CASE_STUDIES = _words(
    "brno-foundry precision-machining food-packaging automotive-supplier plastics-molding "
    "steel-service-center"
)
PRODUCTS = ("mes", "quality", "maintenance", "planning", "analytics", "integrations")
BLOG_POSTS = _words(
    "industry-4-0-roadmap oee-explained predictive-maintenance lean-manufacturing "
    "digital-twin energy-costs erp-vs-mes shopfloor-data"
)
UTM = {
    "paid_search": "'?utm_source=google&utm_medium=cpc'",
    "linkedin_ads": "'?utm_source=linkedin&utm_medium=paid_social'",
    "display": "'?utm_source=gdn&utm_medium=display'",
}
# Sales dispositions: why a lead goes back to marketing or is closed for good.
RECYCLE_REASONS: Weights = (
    ("no budget", 0.28),
    ("no response", 0.27),
    ("bad timing", 0.18),
    ("not now", 0.17),
    (None, 0.10),
)
DISQUALIFY_REASONS: Weights = (
    ("wrong contact", 0.40),
    ("duplicate lead", 0.30),
    ("competitor", 0.08),
    ("student", 0.08),
    (None, 0.14),
)
REOPEN_REASONS: Weights = (("contact updated", 0.5), (None, 0.5))
GARBAGE_TIMESTAMPS = (
    "not a date",
    "2024-13-45 10:00:00",
    "N/A",
    "31/02/2024 25:61",
    "yesterday",
    "0000-00-00 00:00:00",
)
SITE = "https://www.example.com"


# ------------------------------------------------------------------ errors


class GenerateError(Exception):
    """A usage or configuration problem (the CLI turns it into exit code 2)."""


class RawTablesExistError(GenerateError):
    """The raw tables already exist and ``replace`` was not given."""


# ------------------------------------------------------------------ SQL helpers
# The SQL text is built from this module's constants and validated numbers only.


def _q(value: str | None) -> str:
    """A SQL literal for a constant of this module."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _pick(u: str, choices: Sequence[tuple[str | None, Any]]) -> str:
    """A CASE expression choosing a value by weight with the uniform number ``u``.

    Weights are numbers (normalised here) or SQL expressions (they must then sum to at
    most 1; the last choice takes the remainder and its weight is ignored).
    """
    numeric = all(isinstance(w, (int, float)) for _, w in choices)
    total = sum(w for _, w in choices) if numeric else 1.0
    parts: list[str] = []
    cumulative: list[str] = []
    acc = 0.0
    for value, weight in choices[:-1]:
        if numeric:
            acc += weight / total
            bound = f"{acc:.6f}"
        else:
            cumulative.append(f"({weight})")
            bound = " + ".join(cumulative)
        parts.append(f"WHEN {u} < {bound} THEN {_q(value)}")
    return f"CASE {' '.join(parts)} ELSE {_q(choices[-1][0])} END"


def _element(values: Sequence[str], u: str) -> str:
    """Uniform choice from a constant list."""
    items = ", ".join(_q(v) for v in values)
    return f"[{items}][1 + floor({u} * {len(values)})::INTEGER]"


def _map(expr: str, mapping: dict[str, str], default: str = "NULL") -> str:
    """CASE expr WHEN key THEN sql ... (keys are literals, values SQL expressions)."""
    whens = " ".join(f"WHEN {_q(k)} THEN {v}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def _literals(mapping: dict[str, str]) -> dict[str, str]:
    return {k: _q(v) for k, v in mapping.items()}


def _mixed_case(expr: str, u: str) -> str:
    """An enumeration value in mixed case with surrounding spaces ('  Open ', 'Linkedin_ads ')."""
    cap = f"upper({expr}[1]) || {expr}[2:]"
    return (
        f"CASE WHEN {u} < 0.25 THEN upper({expr}) "
        f"WHEN {u} < 0.5 THEN '  ' || {cap} || ' ' "
        f"WHEN {u} < 0.75 THEN {cap} || ' ' "
        f"ELSE ' ' || upper({expr}) END"
    )


def _missing_id(u: str) -> str:
    """What a missing id looks like: mostly null, sometimes blank."""
    return f"CASE WHEN {u} < 0.2 THEN '' WHEN {u} < 0.35 THEN '   ' ELSE NULL END"


def _batch(expr: str, seconds: int, jitter: str) -> str:
    """Landing time of a row that occurred at ``expr``: the next EL batch plus a little."""
    return f"(({expr} + {seconds - 1}) // {seconds}) * {seconds} + {jitter}"


def _working_hours_later(expr: str, min_days: int, span_days: int, u_day: str, u_time: str) -> str:
    """A time in working hours (08:00-17:00 UTC) ``min_days`` to ``min_days + span_days``
    days after the day of ``expr``."""
    return (
        f"(({expr}) // 86400 + {min_days} + floor({u_day} * {span_days})::BIGINT) * 86400 "
        f"+ 28800 + floor({u_time} * 32400)::BIGINT"
    )


# ------------------------------------------------------------------ the generator


class _Generator:
    """Builds and runs the SQL of one generation on an open connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        leads: int,
        start_s: int,
        end_s: int,
        seed: int,
        text: bool,
        mess_rate: float,
        schema: str,
        cut_s: int | None,
        progress: bool,
    ) -> None:
        self.con = con
        self.n = leads
        self.n_companies = max(1, round(leads * 0.4))
        self.start_s = start_s
        self.end_s = end_s
        self.base_mid = start_s - start_s % DAY  # midnight of the first day
        self.week0 = self.base_mid + DAY + 9 * 3600  # first weekly email campaign
        self.webinar0 = self.base_mid + 3 * DAY + 10 * 3600  # first fortnightly webinar
        self.days = (end_s - start_s) / DAY
        self.seed = seed
        self.text = text
        self.r = mess_rate
        self.schema = schema
        self.cut_s = cut_s
        self.progress = progress
        self.counts: dict[str, int] = {}

    # -------------------------------------------------------------- utilities

    def log(self, message: str) -> None:
        if self.progress:
            print(message, file=sys.stderr, flush=True)

    def band(self, u: str, k: int) -> str:
        """True for the k-th mess band [k * rate, (k + 1) * rate) of the uniform ``u``."""
        return f"({u} >= {k * self.r!r} AND {u} < {(k + 1) * self.r!r})"

    def orphan_lead(self, u: str) -> str:
        """A lead id that never lands (numbers above --leads)."""
        return f"printf('L%08d', {self.n} + 1 + floor({u} * {self.n})::BIGINT)"

    def count(self, sql: str) -> int:
        rows = self.con.execute(sql).fetchall()
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    # -------------------------------------------------------------- setup

    def macros(self) -> None:
        """Hash-based uniform numbers and shared time formulas."""
        self.con.execute(
            "CREATE OR REPLACE TEMP MACRO _u(k, salt) AS "
            f"hash(hash({int(self.seed)}::BIGINT, k, salt)) / 18446744073709551616.0"
        )
        # Start of burst b of a lead: burst 0 is the creation session; later bursts fall
        # on later days (about `gap` days apart), in working hours.
        self.con.execute(
            "CREATE OR REPLACE TEMP MACRO _burst_s(lead_no, b, created_s, gap) AS "
            "CASE WHEN b = 0 THEN created_s ELSE (created_s // 86400) * 86400 "
            "+ (1 + floor(gap * (b - 1 + _u(hash(lead_no, b), 'burst_day'))))::BIGINT * 86400 "
            "+ (25200 + floor(_u(hash(lead_no, b), 'burst_tod') * 46800))::BIGINT END"
        )
        # Time of sales activity a (a = 0: the first touch) of a follow-up keyed sales_key.
        self.con.execute(
            "CREATE OR REPLACE TEMP MACRO _act_s(sales_key, a, first_s) AS "
            "first_s + CASE WHEN a = 0 THEN 0 ELSE "
            "floor(a * 86400 * (1.0 + 2.0 * _u(hash(sales_key, a), 'act_gap')))::BIGINT END"
        )

    def create_tables(self, schema: str) -> None:
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table in RAW_TABLES:
            cols = ", ".join(
                f"{name} {'VARCHAR' if self.text else TYPED_SQL_TYPES[kind]}"
                for name, kind in COLUMNS[table]
            )
            self.con.execute(f"CREATE TABLE {schema}.{table} ({cols})")

    # -------------------------------------------------------------- planning

    def plan_companies(self) -> None:
        u = "_u(c, '{}')".format
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE plan_companies AS
            SELECT
                c AS company_no,
                printf('C%07d', c) AS company_id,
                {_pick(u("industry"), INDUSTRIES)} AS industry,
                {_pick(u("country"), COUNTRIES)} AS country_code,
                {u("size")} AS size_u,
                CASE
                    WHEN size_u < 0.45 THEN 1 + floor({u("emp")} * 49)
                    WHEN size_u < 0.80 THEN 50 + floor({u("emp")} * 200)
                    ELSE least(60000, 250 + floor(-ln(1 - {u("emp")}) * 1200))
                END::INTEGER AS employee_count,
                -- how much of a target account it is: drives the account tier
                (CASE WHEN industry = 'manufacturing' THEN 0.4 ELSE 0 END
                    + CASE WHEN country_code IN ('CZ', 'SK') THEN 0.3 ELSE 0 END
                    + CASE WHEN employee_count >= 250 THEN 0.3
                           WHEN employee_count >= 50 THEN 0.15 ELSE 0 END) AS target_n,
                {u("tier")} AS tier_u,
                CASE WHEN tier_u < 0.05 + 0.30 * target_n THEN 1
                     WHEN tier_u < 0.15 + 0.45 * target_n THEN 2
                     WHEN tier_u < 0.40 + 0.35 * target_n THEN 3
                     ELSE NULL END::INTEGER AS account_tier,
                {_element(NAME_PREFIXES, u("name1"))}
                    || {_element(NAME_SUFFIXES, u("name2"))} AS name_stem,
                name_stem || ' ' || {_map("country_code", _literals(LEGAL_FORM))}
                    AS company_name,
                lower(name_stem) || '-' || c::VARCHAR
                    || {_map("country_code", _literals(TLD))} AS domain,
                {u("mess")} AS um,
                {u("mess2")} AS um2
            FROM range(1, {self.n_companies + 1}) AS t(c)
            """
        )

    def plan_leads(self) -> None:
        # Layered subqueries: each layer only reads columns of the one below, so DuckDB
        # does not inline long chains of derived expressions (slow to plan).
        u = "_u(i, '{}')".format
        chan = _map("lead_source", {k: str(v) for k, v in CHANNEL_INTENT.items()}, "0.30")
        camp_code = _map("lead_source", _literals(CAMPAIGN_CODES))
        campaign_no = f"((1 + floor({u('cno')} * 6))::INTEGER)::VARCHAR"
        competitor = f"excluded_domain IN ({', '.join(_q(d) for d, _ in COMPETITOR_DOMAINS)})"
        competitor_domain = _pick(u("excluded2"), COMPETITOR_DOMAINS)
        layer1 = f"""
            SELECT
                b.i AS lead_no,
                b.i,
                b.excluded_domain,
                c.company_id,
                c.industry,
                c.country_code,
                c.employee_count,
                c.account_tier,
                c.domain AS company_domain,
                {_pick(u("source"), LEAD_SOURCES)} AS lead_source,
                -- creation: more leads later in the period, mostly in working hours
                floor(pow({u("day")}, 0.85) * {self.days})::BIGINT AS day_no,
                CASE WHEN {u("tod")} < 0.78 THEN 25200 + floor({u("tod2")} * 39600)
                     ELSE floor({u("tod2")} * 86400) END::BIGINT AS tod,
                b.excluded_domain IS NULL
                    AND ((b.company_no IS NULL AND {u("free")} < 0.85)
                         OR (b.company_no IS NOT NULL AND {u("free")} < 0.18)) AS is_free,
                {_pick(u("title"), JOB_TITLES)} AS job_title,
                {_pick(u("title2"), JOB_TITLES[:-1])} AS new_job_title,
                {u("mess")} AS um,
                {u("mess2")} AS um2
            FROM (
                SELECT
                    i,
                    -- a few leads are competitors or colleagues (no company in the CRM)
                    CASE WHEN {u("excluded")} < 0.010 THEN {competitor_domain}
                         WHEN {u("excluded")} < 0.014 THEN {_q(INTERNAL_DOMAIN)}
                         ELSE NULL END AS excluded_domain,
                    CASE WHEN excluded_domain IS NOT NULL OR {u("noco")} < 0.07 THEN NULL
                         ELSE 1 + floor({u("co")} * {self.n_companies})::BIGINT END AS company_no
                FROM range(1, {self.n + 1}) AS t(i)
            ) AS b
            LEFT JOIN plan_companies AS c USING (company_no)
        """
        layer2 = f"""
            SELECT *,
                CASE WHEN {camp_code} IS NOT NULL AND {u("campaign")} < 0.88
                         THEN 'CMP-' || {camp_code} || '-' || {campaign_no}
                     WHEN lead_source IN ('organic_search', 'direct', 'referral')
                          AND {u("campaign")} < 0.05 THEN 'CMP-BR-1'
                     ELSE NULL END AS campaign_id,
                greatest({self.start_s}, least({self.end_s - 3600},
                    {self.base_mid} + day_no * 86400 + tod)) AS created_s,
                {_element(FIRST_NAMES, u("first"))} || '.' || {_element(LAST_NAMES, u("last"))}
                    || CASE WHEN {u("digits")} < 0.3
                            THEN (floor({u("digits2")} * 90) + 10)::INTEGER::VARCHAR ELSE '' END
                    || '@' || CASE WHEN excluded_domain IS NOT NULL THEN excluded_domain
                                   WHEN is_free OR company_domain IS NULL
                                   THEN {_pick(u("freemail"), FREE_MAIL)}
                                   ELSE company_domain END AS email,
                -- fit as the seeded rules see it (clean values)
                greatest(0.0, least(1.0, (
                    CASE WHEN employee_count BETWEEN 50 AND 249 THEN 10
                         WHEN employee_count >= 250 THEN 20 ELSE 0 END
                    + CASE WHEN country_code IN ('CZ', 'SK') THEN 10 ELSE 0 END
                    + CASE WHEN industry = 'manufacturing' THEN 10 ELSE 0 END
                    + CASE WHEN account_tier = 1 THEN 15 WHEN account_tier = 2 THEN 5 ELSE 0 END
                    + CASE WHEN lead_source = 'organic_search' THEN 5 ELSE 0 END
                    - CASE WHEN is_free THEN 10 ELSE 0 END) / 50.0)) AS fit_n,
                {chan} AS channel_intent
            FROM ({layer1})
        """
        layer3 = f"""
            SELECT *,
                -- competitors study the pricing closely
                greatest(0.0, least(1.0, 0.50 * channel_intent + 0.30 * fit_n
                    + 0.55 * ({u("interest")} - 0.5)
                    + CASE WHEN {competitor} THEN 0.25 ELSE 0 END)) AS interest,
                least({self.end_s}, CASE WHEN {self.band("um", 1)}
                     THEN created_s + 86400 + floor(um2 * 2 * 86400)::BIGINT
                     ELSE {_batch("created_s", 900, f"floor({u('lag')} * 240)::BIGINT")}
                END) AS loaded_s,
                -- a later change (mess band 0), before the end of the period
                created_s + 3600 + floor({u("upd")}
                    * greatest(0, least(59 * 86400, {self.end_s} - created_s - 7200)))::BIGINT
                    AS updated2_s,
                greatest(0, ceil((created_s - {self.week0}) / {WEEK}))::BIGINT AS k_first,
                floor(({self.end_s} - {self.week0}) / {WEEK})::BIGINT AS k_last,
                {u("bouncer")} < 0.03 AS is_bouncer,
                floor(ln(1 - {u("unsub")}) / ln(1 - 0.006))::BIGINT AS unsub_idx
            FROM ({layer2})
        """
        # how the lead was created, whether it turns hot, bursts, email behaviour
        layer4 = f"""
            SELECT *,
                CASE WHEN lead_source = 'webinar' THEN 'webinar'
                     WHEN lead_source IN ('event', 'email') THEN 'import'
                     -- colleagues test the sales forms
                     WHEN {u("kind")} < 0.02 + 0.10 * interest
                         + CASE WHEN excluded_domain = {_q(INTERNAL_DOMAIN)} THEN 0.5 ELSE 0 END
                         THEN 'sales_form'
                     WHEN {u("kind")} < 0.28 THEN 'download'
                     ELSE 'form' END AS creation_kind,
                1 + floor({u("bursts")} * (0.5 + 5.0 * interest))::INTEGER AS n_bursts0,
                2.0 + 45.0 * (1.0 - interest) * {u("gap")} AS gap_days,
                0.015 + 0.20 * CASE WHEN {u("aff")} < 0.45 THEN 0.0
                     ELSE interest * (0.3 + 0.7 * {u("aff2")}) END AS p_open,
                0.15 + 0.35 * interest AS p_click
            FROM ({layer3})
        """
        layer5 = f"""
            SELECT *,
                CASE WHEN creation_kind = 'sales_form' THEN 0
                     WHEN {u("hot")} < 0.01 + 0.38 * pow(interest, 2.0)
                     THEN 1 + floor({u("hotb")} * least(3, greatest(1, n_bursts0 - 1)))::INTEGER
                     ELSE -1 END AS hot_b
            FROM ({layer4})
        """
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE plan_leads AS
            SELECT *, hot_b >= 0 AS is_hot, greatest(n_bursts0, hot_b + 1) AS n_bursts
            FROM ({layer5})
            """
        )

    def plan_bursts(self) -> None:
        u = "_u(bk, '{}')".format
        landing = _map(
            "l.lead_source",
            {
                "organic_search": _pick(
                    u("land"), (("blog", 0.6), ("product", 0.25), ("case_study", 0.15))
                ),
                "paid_search": _pick(
                    u("land"), (("product", 0.6), ("pricing", 0.1), ("home", 0.3))
                ),
                "linkedin_ads": _pick(
                    u("land"), (("case_study", 0.4), ("blog", 0.4), ("home", 0.2))
                ),
                "display": _pick(u("land"), (("home", 0.6), ("product", 0.4))),
                "referral": _pick(u("land"), (("home", 0.5), ("about", 0.3), ("product", 0.2))),
                "webinar": "'webinars'",
            },
            "'home'",
        )
        asset = _pick(u("asset"), ASSET_TYPES)
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE plan_bursts AS
            SELECT
                l.lead_no, l.lead_source, l.country_code, l.interest, l.created_s,
                l.creation_kind, l.fit_n, l.account_tier, l.employee_count,
                b,
                hash(l.lead_no, b) AS bk,
                _burst_s(l.lead_no, b, l.created_s, l.gap_days) AS burst_s,
                (b = l.hot_b) AS is_hot_burst,
                FALSE AS is_reengagement,
                CASE
                    WHEN b = 0 AND l.creation_kind = 'import' THEN 0
                    WHEN b = 0 AND l.creation_kind = 'webinar'
                        THEN CASE WHEN {u("pv0")} < 0.4 THEN 1 ELSE 0 END
                    WHEN b = 0 THEN 1 + floor({u("npv")} * (1.0 + 2.0 * interest))::INTEGER
                    WHEN b = l.hot_b THEN 3 + floor({u("npv")} * 4)::INTEGER
                    ELSE 1 + floor({u("npv")} * (0.6 + 2.0 * interest))::INTEGER
                END AS n_pv,
                {landing} AS landing_cat,
                -- the form at the end of the burst (b = 0: the form that created the lead)
                CASE
                    WHEN b = 0 AND l.creation_kind = 'sales_form'
                        THEN {_pick(u("form"), SALES_READY_FORMS)}
                    WHEN b = 0 AND l.creation_kind = 'form'
                        THEN {_pick(u("form"), CREATION_FORMS)}
                    WHEN b = 0 THEN NULL
                    WHEN b = l.hot_b AND {u("form")} < 0.72
                        THEN {_pick(u("form2"), SALES_READY_FORMS)}
                    WHEN b = l.hot_b AND {u("form")} < 0.85 THEN 'contact_us'
                    WHEN b <> l.hot_b AND {u("form")} < 0.03 + 0.08 * interest
                        THEN {_pick(u("form2"), LATER_FORMS)}
                    ELSE NULL
                END AS form_type,
                CASE WHEN b = 0 AND l.creation_kind = 'download' THEN {asset}
                     WHEN b > 0 AND {u("dl")} < 0.03 + 0.12 * interest THEN {asset}
                     ELSE NULL END AS asset_type,
                (b = 0 AND l.creation_kind = 'webinar')
                    OR (b > 0 AND {u("web")} < 0.015 + 0.06 * interest) AS webinar_reg,
                {u("attend")} < 0.30 + 0.45 * interest AS webinar_attend
            FROM plan_leads AS l, unnest(range(l.n_bursts)) AS r(b)
            """
        )

    def plan_sales(self) -> None:
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE plan_sales AS "
            + self.sales_sql("is_hot_burst AND NOT is_reengagement")
        )

    def sales_sql(self, bursts: str) -> str:
        """Sales follow-up of the bursts of ``plan_bursts`` matching ``bursts``.

        ``sales_key`` keys the random numbers of a follow-up: the lead number for the
        first one (the hot burst), a negative number for the follow-up of a re-engagement.
        """
        u = "_u(hash(sales_key, 7), '{}')".format
        return f"""
            SELECT
                lead_no, b, is_reengagement,
                CASE WHEN is_reengagement THEN -(lead_no * 1000 + b) ELSE lead_no END
                    AS sales_key,
                fit_n, account_tier, employee_count,
                coalesce(form_type IN ('demo_request', 'pricing_request',
                                       'consultation_request'), FALSE) AS sales_ready_form,
                CASE WHEN b = 0 THEN created_s + 60
                     ELSE burst_s + n_pv * 90 + 180 END AS trigger_s,
                {u("delay")} AS delay_u,
                CASE WHEN delay_u < 0.42 THEN 120 + floor({u("d2")} * 3000)
                     WHEN delay_u < 0.72 THEN 3600 + floor({u("d2")} * 20 * 3600)
                     WHEN delay_u < 0.90 THEN 86400 + floor({u("d2")} * 7 * 86400)
                     ELSE NULL END::BIGINT AS delay_s,
                trigger_s + delay_s AS first_touch_s,
                -- never touched: at most a task (not a touch)
                CASE WHEN delay_s IS NULL THEN CASE WHEN {u("task")} < 0.5 THEN 1 ELSE 0 END
                     ELSE 1 + floor({u("nact")} * 4)::INTEGER END AS n_act,
                CASE WHEN delay_s IS NOT NULL AND n_act >= 2
                          AND {u("meet")} < 0.30 + 0.30 * fit_n
                              + CASE WHEN sales_ready_form THEN 0.20 ELSE 0 END
                     THEN 1 + floor({u("meeti")} * least(2, n_act - 1))::INTEGER
                     ELSE NULL END AS meet_idx,
                _act_s(sales_key, meet_idx, first_touch_s) AS meeting_s,
                -- the untouched lead's task, else the last touch
                CASE WHEN delay_s IS NULL
                     THEN trigger_s + 86400 + floor(_u(sales_key, 'task_t') * 2 * 86400)::BIGINT
                     ELSE _act_s(sales_key, n_act - 1, first_touch_s) END AS last_activity_s
            FROM plan_bursts
            WHERE {bursts}
        """

    def plan_opps(self) -> None:
        u = "_u(hash(lead_no, 11), '{}')".format
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE plan_opps AS
            SELECT
                lead_no,
                meeting_s + 86400 + floor({u("open")} * 13 * 86400)::BIGINT AS opp_created_s,
                CASE WHEN employee_count >= 250 THEN 30000
                     WHEN employee_count >= 50 THEN 8000 ELSE 2000 END AS lo,
                round(lo * exp({u("amount")} * ln(8.0)), -2) AS amount0,
                CASE WHEN {u("stall")} < 0.15 THEN NULL
                     ELSE opp_created_s + floor((14 + {u("dur")} * 100) * 86400)::BIGINT
                END AS close_s,
                {u("won")} < 0.30 + 0.15 * fit_n
                    + CASE WHEN account_tier = 1 THEN 0.15 ELSE 0 END AS won
            FROM plan_sales
            WHERE NOT is_reengagement AND meeting_s IS NOT NULL
                AND {u("opp")} < 0.50 + 0.25 * fit_n
            """
        )

    def plan_recycling(self) -> None:
        """What sales decide about the leads they worked that did not buy.

        Candidates are the hot leads with sales activities (``plan_sales``) without a won
        or open opportunity. About half of them get a disposition 2 days to 5 weeks after
        the last sales activity (lost opportunities: after the close): mostly ``recycled``
        (back to marketing: no budget, no response, bad timing, not now), else
        ``disqualified`` (wrong contact, duplicate ...); competitors, colleagues and
        students are disqualified for that reason. Some disqualified leads are reopened
        (recycled) weeks later. About a third of the recycled leads and every reopened one
        re-engage (``reengage_s``: a re-nurture email, see `plan_reengagement`), and some of
        the recycled ones are recycled a second time after that.
        """
        u = "_u(hash(lead_no, 13), '{}')".format
        students = ", ".join(_q(title) for title in STUDENT_TITLES)
        first_at = _working_hours_later("worked_s", 2, 33, u("first_day"), u("first_time"))
        reopen_at = _working_hours_later("first_s", 14, 60, u("reopen_day"), u("reopen_time"))
        again_at = _working_hours_later("reengage_s", 10, 35, u("again_day"), u("again_time"))
        worked = f"""
            select
                s.lead_no,
                s.delay_s is null as is_never_touched,
                case when l.excluded_domain = {_q(INTERNAL_DOMAIN)} then 'internal test lead'
                     when l.excluded_domain is not null then 'competitor'
                     when l.job_title in ({students}) then 'student'
                     else null end as forced_reason,
                coalesce(o.close_s, s.last_activity_s) as worked_s
            from plan_sales as s
            inner join plan_leads as l on l.lead_no = s.lead_no
            left join plan_opps as o on o.lead_no = s.lead_no
            where not s.is_reengagement
                and s.n_act > 0
                and (o.lead_no is null or (o.close_s is not null and not o.won))
        """
        decided = f"""
            select *,
                {first_at} as first_s,
                case when forced_reason is not null or {u("disqualify")} < 0.12
                     then 'disqualified' else 'recycled' end as first_disposition,
                case when forced_reason is not null then forced_reason
                     when first_disposition = 'disqualified'
                         then {_pick(u("reason"), DISQUALIFY_REASONS)}
                     when is_never_touched and {u("silent")} < 0.6 then 'no response'
                     else {_pick(u("reason"), RECYCLE_REASONS)} end as first_reason
            from ({worked})
            where {u("decided")} < case when forced_reason is not null then 0.8 else 0.5 end
        """
        reopened = f"""
            select *,
                first_disposition = 'disqualified' and forced_reason is null
                    and coalesce(first_reason, '') <> 'duplicate lead'
                    and {u("reopen")} < 0.3 as is_reopened,
                case when is_reopened then {reopen_at} end as reopen_s,
                case when is_reopened then reopen_s
                     when first_disposition = 'recycled' then first_s end as open_again_s
            from ({decided})
        """
        reengaged = f"""
            select *,
                -- the re-nurture email goes out in the morning, 1 to 9 weeks later
                case when open_again_s is not null and (is_reopened or {u("reengage")} < 0.35)
                     then (open_again_s // 86400 + 7 + floor({u("re_day")} * 56)::bigint) * 86400
                         + 32400 + floor({u("re_time")} * 7200)::bigint
                     end as reengage_s,
                reengage_s is not null and not is_reopened and {u("twice")} < 0.3
                    as is_recycled_twice
            from ({reopened})
        """
        self.con.execute(
            f"""
            create or replace temp table plan_recycling as
            select
                lead_no,
                first_s,
                first_disposition,
                first_reason,
                reengage_s,
                case when is_reopened then reopen_s
                     when is_recycled_twice then {again_at} end as second_s,
                case when is_reopened then {_pick(u("reason2"), REOPEN_REASONS)}
                     else {_pick(u("reason2"), RECYCLE_REASONS)} end as second_reason
            from ({reengaged})
            """
        )

    def plan_reengagement(self) -> None:
        """Recycled leads that come back: a re-nurture email (when they still get email)
        they open and click, a visit from it (a hot one about half the time: pricing pages
        and mostly a sales-ready form, followed up by sales) and sometimes a second visit
        days later. The visits are appended to ``plan_bursts`` (numbered after the lead's
        own bursts) and their sales follow-up to ``plan_sales``.
        """
        u = "_u(r.lead_no, '{}')".format
        self.con.execute(
            f"""
            create or replace temp table plan_reengagement as
            select
                r.lead_no,
                r.reengage_s,
                -- the week of the email is before the lead's unsubscribe (see email_events)
                not l.is_bouncer
                    and floor((r.reengage_s - {self.week0}) / {WEEK})::bigint - l.k_first
                        < l.unsub_idx as via_email,
                r.reengage_s + 300
                    + floor(least(-ln(1 - {u("re_open")}) * 3 * 3600, 2 * 86400))::bigint
                    as open_s,
                open_s + 20 + floor({u("re_click")} * 300)::bigint as click_s,
                case when via_email then click_s + 15 else r.reengage_s end as visit_s,
                case when {u("re_visits")} < 0.5 then 2 else 1 end as visits
            from plan_recycling as r
            inner join plan_leads as l on l.lead_no = r.lead_no
            where r.reengage_s is not null
            """
        )
        ub = "_u(bk, '{}')".format
        landing = _pick(ub("land"), (("product", 0.4), ("case_study", 0.3), ("pricing", 0.3)))
        self.con.execute(
            f"""
            insert into plan_bursts by name
            select * exclude (k),
                case when is_hot_burst then 3 + floor({ub("npv")} * 4)
                     else 2 + floor({ub("npv")} * 3) end::integer as n_pv,
                case when k = 0 then {landing} else 'home' end as landing_cat,
                case when is_hot_burst and {ub("form")} < 0.72
                         then {_pick(ub("form2"), SALES_READY_FORMS)}
                     when is_hot_burst and {ub("form")} < 0.85 then 'contact_us'
                     when not is_hot_burst and {ub("form")} < 0.3
                         then {_pick(ub("form2"), REENGAGEMENT_FORMS)}
                     else null end as form_type,
                case when {ub("dl")} < 0.2 then {_pick(ub("asset"), ASSET_TYPES)}
                     else null end as asset_type,
                {ub("web")} < 0.05 as webinar_reg,
                {ub("attend")} < 0.30 + 0.45 * interest as webinar_attend
            from (
                select
                    l.lead_no, l.lead_source, l.country_code, l.interest, l.created_s,
                    l.creation_kind, l.fit_n, l.account_tier, l.employee_count,
                    k,
                    l.n_bursts + k as b,
                    hash(l.lead_no, b) as bk,
                    case when k = 0 then r.visit_s
                         else (r.visit_s // 86400 + 1 + floor({ub("next_day")} * 6)::bigint)
                             * 86400 + 25200 + floor({ub("next_time")} * 46800)::bigint
                    end as burst_s,
                    k = 0 and {ub("hot")} < 0.5 as is_hot_burst,
                    true as is_reengagement
                from plan_reengagement as r
                inner join plan_leads as l on l.lead_no = r.lead_no,
                    unnest(range(r.visits)) as t(k)
            )
            """
        )
        self.con.execute(
            "insert into plan_sales " + self.sales_sql("is_hot_burst and is_reengagement")
        )

    # -------------------------------------------------------------- event tables

    def event_sql(self, table: str, base: str, batch: int) -> str:
        """Wrap an event base query with landing, mess and duplicates.

        ``base`` yields ``rk`` (row key), ``event_id``, ``lead_no`` (null: anonymous page
        view), the table's own columns and ``occ_s`` (the clean occurred epoch). Mess bands
        of ``um``: 0 missing id, 1 unparseable occurred_at, 2 future occurred_at, 3 orphan
        lead, 4 no lead (not page views), 5 landed days late, 6 enumeration in mixed case,
        7 unknown enumeration value (tables of ``UNKNOWN_ENUM_VALUES``). Independently
        about ``mess_rate`` of the rows land twice.
        """
        enum_col = EVENT_TABLES[table][1]
        lead_mess = "FALSE" if table == "web_page_views" else "TRUE"
        unknown = UNKNOWN_ENUM_VALUES.get(table)
        unknown_expr = (
            f"WHEN {self.band('um', 7)} THEN {_element(unknown, 'um2')} " if unknown else ""
        )
        enum_expr = (
            f", CASE WHEN {self.band('um', 6)} THEN {_mixed_case(enum_col, 'um2')} "
            f"{unknown_expr}ELSE {enum_col} END AS {enum_col}__m"
            if enum_col
            else ""
        )
        lag = f"floor(_u(rk, 'lag') * {min(batch, 900) // 3})::BIGINT"
        return f"""
            WITH b AS ({base}),
            m AS (
                SELECT b.*,
                    _u(rk, 'mess') AS um,
                    _u(rk, 'mess2') AS um2,
                    CASE WHEN {self.band("um", 5)}
                         THEN occ_s + 86400 + floor(um2 * 9 * 86400)::BIGINT
                         ELSE {_batch("occ_s", batch, lag)} END AS load_s,
                    _u(rk, 'dup') < {self.r!r} AS is_dup
                FROM b
                WHERE occ_s >= {self.start_s}
            )
            SELECT m.*,
                CASE WHEN {self.band("um", 0)} THEN {_missing_id("um2")} ELSE event_id END
                    AS id__m,
                CASE WHEN lead_no IS NULL THEN NULL
                     WHEN {self.band("um", 3)} THEN {self.orphan_lead("um2")}
                     WHEN {lead_mess} AND {self.band("um", 4)} THEN NULL
                     ELSE printf('L%08d', lead_no) END AS lead_id,
                CASE WHEN {self.band("um", 2)}
                     THEN load_s + 90000 + floor(um2 * 30 * 86400)::BIGINT
                     ELSE occ_s END AS occurred_at,
                {self.band("um", 1)} AS occurred_at__bad,
                CASE WHEN copy = 1 AND _u(rk, 'dup2') >= 0.5
                     THEN load_s + 900 * (1 + floor(_u(rk, 'dup3') * 288))::BIGINT
                     ELSE load_s END AS _loaded_at,
                FALSE AS _loaded_at__bad
                {enum_expr}
            FROM m, unnest(CASE WHEN is_dup THEN [0, 1] ELSE [0] END) AS c(copy)
        """

    def page_category(self, u: Callable[[str], str]) -> str:
        """Category of a page view that is neither the landing page nor a forced one."""
        return _pick(
            u("cat"),
            (
                ("pricing", "0.01 + 0.06 * interest"),
                ("case_study", "0.03 + 0.06 * interest"),
                ("product", "0.20"),
                ("blog", "0.30 - 0.15 * interest"),
                ("careers", "0.07 - 0.05 * interest"),
                ("about", "0.07"),
                ("contact", "0.04"),
                ("webinars", "0.04"),
                ("home", "the rest"),
            ),
        )

    def page_url(self, cat: str, u: Callable[[str], str]) -> str:
        """URL of a page of category ``cat`` (local pricing/careers pages for CZ/SK/PL)."""
        pricing = (
            f"CASE WHEN country_code IN ('CZ', 'SK') AND {u('lang')} < 0.6 THEN '/cs/cenik' "
            f"WHEN country_code = 'PL' AND {u('lang')} < 0.6 THEN '/pl/cennik' "
            f"ELSE '/pricing' END "
            f"|| CASE WHEN {u('plan')} < 0.2 THEN '?plan=enterprise' ELSE '' END"
        )
        careers = (
            f"CASE WHEN country_code IN ('CZ', 'SK') AND {u('lang')} < 0.5 "
            f"THEN '/cs/kariera' ELSE '/careers' END"
        )
        paths = {
            "pricing": pricing,
            "case_study": f"'/case-studies/' || {_element(CASE_STUDIES, u('slug'))}",
            "product": f"'/product/' || {_element(PRODUCTS, u('slug'))}",
            "blog": f"'/blog/' || {_element(BLOG_POSTS, u('slug'))}",
            "careers": careers,
            "about": "'/about'",
            "contact": "'/contact'",
            "webinars": "'/webinars'",
        }
        return f"{_q(SITE)} || {_map(cat, paths, _q('/'))}"

    def sql_web_page_views(self) -> str:
        u = "_u(rk, '{}')".format
        u_view = "_u(hash(bk, j), '{}')".format
        utm = f"CASE WHEN j = 0 THEN coalesce({_map('lead_source', UTM)}, '') ELSE '' END"
        # Categories first (inner query), then URLs: keeps the plans small. Some views are
        # reloaded: the same page (same view key, so the same URL) again a few minutes later
        # on the same UTC day; the pricing pages of a hot burst more often. Only the columns
        # needed go through the unnests (faster than p.*).
        u_view_key = "_u(view_key, '{}')".format
        lead = f"""
            SELECT
                CASE WHEN reload = 0 THEN view_key ELSE hash(view_key, 'reload') END AS rk,
                event_id,
                lead_no,
                {self.page_url("cat", u_view_key)} || utm AS page_url,
                CASE WHEN reload = 0 THEN view_s
                     WHEN (view_s + reload_gap) // 86400 = view_s // 86400
                         THEN view_s + reload_gap
                     ELSE view_s - reload_gap END AS occ_s
            FROM (
                SELECT hash(lead_no, b, j, 'pv') AS view_key,
                    reload,
                    'pv-' || lead_no || '-' || b || '-' || j
                        || CASE WHEN reload = 0 THEN '' ELSE '-r' END AS event_id,
                    lead_no,
                    country_code,
                    CASE WHEN j = 0 THEN landing_cat
                         WHEN is_hot_burst AND j >= n_pv - 2 THEN 'pricing'
                         ELSE {self.page_category(u_view)} END AS cat,
                    {utm} AS utm,
                    CASE WHEN b = 0
                         THEN created_s - (n_pv - j) * 75 + floor(_u(bk, j) * 50)::BIGINT
                         ELSE burst_s + j * 75 + floor(_u(bk, j) * 50)::BIGINT END AS view_s,
                    60 + floor({u_view("reload_gap")} * 1140)::BIGINT AS reload_gap
                FROM (
                    SELECT *,
                        unnest(CASE WHEN {u_view("reload")}
                                         < CASE WHEN is_hot_burst AND j >= n_pv - 2
                                                THEN 0.2 ELSE 0.05 END
                                    THEN [0, 1] ELSE [0] END) AS reload
                    FROM (SELECT lead_no, b, bk, lead_source, country_code, interest, created_s,
                              burst_s, is_hot_burst, n_pv, landing_cat, unnest(range(n_pv)) AS j
                          FROM plan_bursts WHERE n_pv > 0)
                )
            )
        """
        n_sessions = max(1, round(self.n * 2.0))
        anonymous = f"""
            SELECT rk, event_id, lead_no, {self.page_url("cat", u)} AS page_url, occ_s
            FROM (
                SELECT hash(s, j, 'apv') AS rk,
                    'pv-a' || s || '-' || j AS event_id,
                    NULL::BIGINT AS lead_no,
                    {_pick("_u(s, 'anon_c')", COUNTRIES)} AS country_code,
                    {_pick(u_view("cat"), ANONYMOUS_PAGES)} AS cat,
                    {self.start_s}
                        + floor(_u(s, 'anon_t') * {self.end_s - self.start_s - 600})::BIGINT
                        + j * 75 + floor(_u(hash(s, j), 'jit') * 50)::BIGINT AS occ_s
                FROM (SELECT s, hash(s, 'anon') AS bk,
                          unnest(range(1 + floor(_u(s, 'anon_n') * 4)::INTEGER)) AS j
                      FROM range(1, {n_sessions + 1}) AS t(s))
            )
        """
        base = f"{lead} UNION ALL {anonymous}"
        return self.event_sql("web_page_views", base, 900)

    def sql_email_events(self) -> str:
        send = f"{self.week0} + k * {WEEK}"
        base = f"""
            WITH s AS (
                SELECT lead_no, k, k - k_first AS idx, p_open, p_click, is_bouncer, unsub_idx,
                    hash(lead_no, k) AS sk
                FROM (SELECT l.*, unnest(range(l.k_first, l.k_last + 1)) AS k
                      FROM plan_leads AS l WHERE l.k_last >= l.k_first)
                WHERE _u(hash(lead_no, k), 'recv') < 0.5
            ),
            s2 AS (
                SELECT s.*,
                    {send} + 30 + floor(_u(sk, 'dlv') * 1200)::BIGINT AS delivered_s,
                    is_bouncer OR _u(sk, 'soft') < 0.01 AS bounced,
                    NOT bounced AND _u(sk, 'open') < p_open AS opened,
                    opened AND _u(sk, 'click') < p_click AS clicked,
                    delivered_s + 120
                        + floor(least(-ln(1 - _u(sk, 'open_t')) * 5 * 3600, 6 * 86400))::BIGINT
                        AS open_s
                FROM s
                -- nothing after the unsubscribe; hard bouncers are dropped after two sends
                WHERE idx <= unsub_idx AND (NOT is_bouncer OR idx < 2)
            )
            SELECT hash(sk, e) AS rk,
                'em-' || lead_no || '-' || k || '-' || e AS event_id,
                lead_no,
                'EM-' || strftime(make_timestamp(({send})::BIGINT * 1000000), '%Y%m%d')
                    AS email_campaign_id,
                CASE e WHEN 0 THEN CASE WHEN bounced THEN 'bounce' ELSE 'delivered' END
                       WHEN 1 THEN 'open' WHEN 2 THEN 'click' ELSE 'unsubscribe' END
                    AS event_type,
                CASE e WHEN 0 THEN delivered_s
                       WHEN 1 THEN open_s
                       WHEN 2 THEN open_s + 20 + floor(_u(sk, 'click_t') * 900)::BIGINT
                       ELSE CASE WHEN opened THEN open_s + 60 ELSE delivered_s + 3600 END
                            + floor(_u(sk, 'unsub_t') * 3600)::BIGINT
                END AS occ_s
            FROM s2, unnest([0, 1, 2, 3]) AS t(e)
            WHERE e = 0 OR (e = 1 AND opened) OR (e = 2 AND clicked)
               OR (e = 3 AND idx = unsub_idx AND NOT bounced)
            UNION ALL
            -- the re-nurture email that brings a recycled lead back (delivered, open, click)
            SELECT hash(lead_no, e, 'renurture') AS rk,
                'em-' || lead_no || '-rn-' || e AS event_id,
                lead_no,
                'EM-RN-' || strftime(make_timestamp(reengage_s * 1000000), '%Y%m')
                    AS email_campaign_id,
                CASE e WHEN 0 THEN 'delivered' WHEN 1 THEN 'open' ELSE 'click' END AS event_type,
                CASE e WHEN 0 THEN reengage_s WHEN 1 THEN open_s ELSE click_s END AS occ_s
            FROM plan_reengagement, unnest([0, 1, 2]) AS t(e)
            WHERE via_email
        """
        return self.event_sql("email_events", base, 3600)

    def sql_webinar_events(self) -> str:
        w0 = self.webinar0
        period = 14 * DAY
        base = f"""
            WITH r AS (
                SELECT lead_no, b, bk, webinar_attend,
                    CASE WHEN b = 0 THEN created_s
                         ELSE burst_s + floor(_u(bk, 'reg_t') * greatest(n_pv, 1) * 75)::BIGINT
                    END AS reg_s,
                    {w0} + greatest(0, ceil((reg_s - {w0}) / {period}))::BIGINT * {period}
                        AS webinar_s
                FROM plan_bursts WHERE webinar_reg
            )
            SELECT hash(bk, e, 'wb') AS rk,
                'wb-' || lead_no || '-' || b || '-' || e AS event_id,
                lead_no,
                'WBN-' || strftime(make_timestamp(webinar_s * 1000000), '%Y-%m-%d') AS webinar_id,
                CASE e WHEN 0 THEN 'registered' ELSE 'attended' END AS event_type,
                CASE e WHEN 0 THEN reg_s
                       ELSE webinar_s + floor(_u(bk, 'att_t') * 900)::BIGINT END AS occ_s
            FROM r, unnest([0, 1]) AS t(e)
            WHERE e = 0 OR webinar_attend
        """
        return self.event_sql("webinar_events", base, 3600)

    def sql_content_downloads(self) -> str:
        base = """
            SELECT hash(bk, 'dl') AS rk,
                'dl-' || lead_no || '-' || b AS event_id,
                lead_no,
                'AST-' || upper(left(asset_type, 2))
                    || printf('%03d', 1 + floor(_u(bk, 'asset_no') * 12)::INTEGER) AS asset_id,
                asset_type,
                CASE WHEN b = 0 THEN created_s
                     ELSE burst_s + floor(_u(bk, 'dl_t') * greatest(n_pv, 1) * 75)::BIGINT
                END AS occ_s
            FROM plan_bursts WHERE asset_type IS NOT NULL
        """
        return self.event_sql("content_downloads", base, 3600)

    def sql_form_submissions(self) -> str:
        base = """
            SELECT hash(bk, 'fs') AS rk,
                'fs-' || lead_no || '-' || b AS event_id,
                lead_no,
                form_type,
                CASE WHEN b = 0 THEN created_s ELSE burst_s + n_pv * 90 + 60 END AS occ_s
            FROM plan_bursts WHERE form_type IS NOT NULL
        """
        return self.event_sql("form_submissions", base, 900)

    def sql_sales_activities(self) -> str:
        later = _pick(
            "_u(hash(sales_key, a), 'act_type')",
            (("call", 0.45), ("email", 0.35), ("task", 0.20)),
        )
        base = f"""
            SELECT hash(sales_key, a, 'act') AS rk,
                'act-' || lead_no || CASE WHEN is_reengagement THEN '-r' || b ELSE '' END
                    || '-' || a AS event_id,
                lead_no,
                CASE WHEN delay_s IS NULL THEN 'task'
                     WHEN a = meet_idx THEN 'meeting'
                     WHEN a = 0 THEN CASE WHEN _u(hash(sales_key, a), 'act_type') < 0.6
                                          THEN 'call' ELSE 'email' END
                     ELSE {later} END AS activity_type,
                CASE WHEN delay_s IS NULL THEN last_activity_s
                     ELSE _act_s(sales_key, a, first_touch_s) END AS occ_s
            FROM (SELECT s.*, unnest(range(s.n_act)) AS a FROM plan_sales AS s WHERE n_act > 0)
        """
        return self.event_sql("sales_activities", base, 900)

    def sql_crm_lead_dispositions(self) -> str:
        """Dispositions (see `plan_recycling`): the first decision, then a reopening or a
        second recycling. They land with the CRM batches and get the event-table mess."""
        base = """
            select
                hash(lead_no, n, 'disposition') as rk,
                'dsp-' || lead_no || '-' || n as event_id,
                lead_no,
                case when n = 0 then first_disposition else 'recycled' end as disposition,
                case when n = 0 then first_reason else second_reason end as reason,
                case when n = 0 then first_s else second_s end as occ_s
            from plan_recycling,
                unnest(case when second_s is null then [0] else [0, 1] end) as t(n)
        """
        return self.event_sql("crm_lead_dispositions", base, 900)

    # -------------------------------------------------------------- CRM tables

    def sql_crm_leads(self) -> str:
        """Leads: version 1 = a later landing with changes, version 2 = a row without id.

        Bands of ``um``: 0 changed version, 1 lands days late (after its first events),
        2 unparseable created_at, 3 lead_source in mixed case, 4 extra row without id.
        """
        new_source = _pick("um2", (("referral", 0.4), ("webinar", 0.3), ("event", 0.3)))
        return f"""
            SELECT
                CASE WHEN ver = 2 THEN {_missing_id("_u(lead_no, 'miss')")}
                     ELSE printf('L%08d', lead_no) END AS lead_id,
                email,
                CASE WHEN ver = 1 AND um2 < 0.5 THEN new_job_title ELSE job_title END AS job_title,
                company_id,
                CASE WHEN ver = 1 AND um2 >= 0.5 AND um2 < 0.8 THEN {new_source}
                     WHEN {self.band("um", 3)} AND lead_source IS NOT NULL
                         THEN {_mixed_case("lead_source", "um2")}
                     ELSE lead_source END AS lead_source,
                CASE WHEN ver = 1 AND um2 >= 0.8 THEN 'CMP-RT-1' ELSE campaign_id END
                    AS campaign_id,
                created_s AS created_at,
                {self.band("um", 2)} AS created_at__bad,
                CASE WHEN ver = 1 THEN updated2_s ELSE created_s END AS updated_at,
                FALSE AS updated_at__bad,
                CASE WHEN ver = 1 THEN {_batch("updated2_s", 900, "floor(um2 * 240)::BIGINT")}
                     WHEN ver = 2 THEN loaded_s + floor(um2 * 3600)::BIGINT
                     ELSE loaded_s END AS _loaded_at,
                FALSE AS _loaded_at__bad
            FROM plan_leads,
                unnest(CASE WHEN {self.band("um", 0)} THEN [0, 1]
                            WHEN {self.band("um", 4)} THEN [0, 2] ELSE [0] END) AS v(ver)
        """

    def sql_crm_companies(self) -> str:
        """Companies land just before their first lead (others at a random time).

        Bands of ``um``: 0 changed version (size or tier), 1 lowercase country code,
        2 negative employee count, 3 invalid tier, 4 extra row without id, 5 industry in
        mixed case.
        """
        return f"""
            WITH first_seen AS (
                SELECT company_id, min(created_s) AS first_lead_s
                FROM plan_leads WHERE company_id IS NOT NULL GROUP BY company_id
            ),
            c AS (
                SELECT pc.*,
                    greatest({self.start_s}, coalesce(
                        f.first_lead_s - 60 - floor(um2 * 600)::BIGINT,
                        {self.start_s}
                        + floor(_u(company_no, 'co_t') * {self.end_s - self.start_s - 3600})::BIGINT
                    )) AS upd0_s,
                    upd0_s + 3600 + floor(_u(company_no, 'co_upd')
                        * greatest(0, least(120 * 86400, {self.end_s} - upd0_s - 7200)))::BIGINT
                        AS upd1_s
                FROM plan_companies AS pc LEFT JOIN first_seen AS f USING (company_id)
            )
            SELECT
                CASE WHEN ver = 2 THEN {_missing_id("_u(company_no, 'miss')")}
                     ELSE company_id END AS company_id,
                company_name,
                domain,
                CASE WHEN {self.band("um", 2)}
                         THEN -1 * greatest(1, employee_count * (um2 < 0.5)::INTEGER)
                     WHEN ver = 1 AND um2 < 0.5
                         THEN greatest(1, round(employee_count * (0.6 + 1.8 * um2)))::INTEGER
                     ELSE employee_count END AS employee_count,
                CASE WHEN {self.band("um", 5)} THEN {_mixed_case("industry", "um2")}
                     ELSE industry END AS industry,
                CASE WHEN {self.band("um", 1)} THEN lower(country_code)
                     ELSE country_code END AS country_code,
                CASE WHEN {self.band("um", 3)} THEN [4, 0, 5, 9][1 + floor(um2 * 4)::INTEGER]
                     WHEN ver = 1 AND um2 >= 0.5
                         THEN CASE WHEN account_tier IS NULL THEN 3
                                   WHEN account_tier = 1 THEN 2 ELSE account_tier - 1 END
                     ELSE account_tier END AS account_tier,
                {self.band("um", 3)} AND um2 < 0.3 AS account_tier__na,
                CASE WHEN ver = 1 THEN upd1_s ELSE upd0_s END AS updated_at,
                FALSE AS updated_at__bad,
                CASE WHEN ver = 1 THEN {_batch("upd1_s", 900, "60")}
                     WHEN ver = 2 THEN {_batch("upd0_s", 900, "120")}
                     ELSE {_batch("upd0_s", 900, "floor(um2 * 240)::BIGINT")}
                END AS _loaded_at,
                FALSE AS _loaded_at__bad
            FROM c,
                unnest(CASE WHEN {self.band("um", 0)} THEN [0, 1]
                            WHEN {self.band("um", 4)} THEN [0, 2] ELSE [0] END) AS v(ver)
        """

    def sql_crm_opportunities(self) -> str:
        """Opportunities: version 0 open at creation, 1 closed, 2 amount changed (mess).

        Bands of ``um`` (per opportunity): 0 amount changed, 3 orphan lead, 4 no lead;
        of ``ur`` (per row): 1 missing id, 2 unparseable created_at.
        """
        return f"""
            WITH o AS (
                SELECT *,
                    _u(lead_no, 'opp_mess') AS um,
                    _u(lead_no, 'opp_mess2') AS um2,
                    CASE WHEN {self.band("um", 0)} THEN round(amount0 * (0.7 + 0.6 * um2), -2)
                         ELSE amount0 END AS amount1,
                    opp_created_s + floor((1 + um2 * 10) * 86400)::BIGINT AS change_s
                FROM plan_opps
            ),
            v AS (
                SELECT o.*, ver, _u(hash(lead_no, ver), 'opp_row') AS ur,
                    CASE ver WHEN 0 THEN opp_created_s WHEN 1 THEN close_s ELSE change_s END
                        AS version_s
                FROM o, unnest(CASE WHEN {self.band("um", 0)} THEN [0, 1, 2] ELSE [0, 1] END)
                    AS t(ver)
                WHERE ver <> 1 OR close_s IS NOT NULL
            )
            SELECT
                CASE WHEN {self.band("ur", 1)} THEN {_missing_id("_u(lead_no, 'miss')")}
                     ELSE 'opp-' || lead_no END AS opportunity_id,
                CASE WHEN {self.band("um", 3)} THEN {self.orphan_lead("um2")}
                     WHEN {self.band("um", 4)} THEN NULL
                     ELSE printf('L%08d', lead_no) END AS lead_id,
                opp_created_s AS created_at,
                {self.band("ur", 2)} AS created_at__bad,
                CASE WHEN ver = 1 THEN close_s ELSE NULL END AS closed_at,
                FALSE AS closed_at__bad,
                CASE WHEN ver = 1 THEN won ELSE NULL END AS is_won,
                CASE WHEN ver = 0 THEN amount0 ELSE amount1 END AS amount,
                {_batch("version_s", 900, "floor(ur * 600)::BIGINT")} AS _loaded_at,
                FALSE AS _loaded_at__bad
            FROM v
        """

    # -------------------------------------------------------------- projection

    def projection(self, table: str) -> str:
        """Final column expressions (typed or text) over a core query's columns."""
        id_col, enum_col = EVENT_TABLES.get(table, (None, None))
        out: list[str] = []
        for name, kind in COLUMNS[table]:
            src = "id__m" if name == id_col else f"{name}__m" if name == enum_col else name
            out.append(f"{self.render(src, kind, name, table)} AS {name}")
        out.append("_loaded_at AS _ls")
        return ", ".join(out)

    def render(self, src: str, kind: str, name: str, table: str) -> str:
        if kind == "ts":
            value = f"make_timestamp({src} * 1000000)"
            if not self.text:
                return f"CASE WHEN {src}__bad THEN NULL ELSE {value} END"
            u = f"_u(hash({src}, {_q(name)}), '{{}}')".format
            return (
                f"CASE WHEN {src}__bad THEN {_element(GARBAGE_TIMESTAMPS, u('garbage'))} "
                f"WHEN {u('iso')} < 0.04 THEN strftime({value}, '%Y-%m-%dT%H:%M:%S') "
                f"ELSE strftime({value}, '%Y-%m-%d %H:%M:%S') END"
            )
        if kind == "int":
            value = f"({src})::INTEGER"
            if not self.text:
                return value
            if table == "crm_companies" and name == "account_tier":
                return f"CASE WHEN account_tier__na THEN 'n/a' ELSE CAST({value} AS VARCHAR) END"
            return f"CAST({value} AS VARCHAR)"
        if kind == "bool":
            return f"CAST({src} AS VARCHAR)" if self.text else f"({src})::BOOLEAN"
        if kind == "dec":
            value = f"CAST({src} AS DECIMAL(18, 2))"
            return f"CAST({value} AS VARCHAR)" if self.text else value
        return f"CAST({src} AS VARCHAR)"

    # -------------------------------------------------------------- landing

    def land_table(self, table: str, core: str) -> None:
        started = time.perf_counter()
        cols = ", ".join(name for name, _ in COLUMNS[table])
        select = (
            f"SELECT {cols} FROM (SELECT {self.projection(table)} FROM ({core}) AS core) "
            f"WHERE _ls <= {self.end_s}"
        )
        if self.cut_s is None:
            landed = self.count(f"INSERT INTO {self.schema}.{table} ({cols}) {select}")
            note = ""
        else:
            landed = self.count(
                f"INSERT INTO {self.schema}.{table} ({cols}) {select} AND _ls <= {self.cut_s}"
            )
            pending = self.count(
                f"INSERT INTO {self.schema}_pending.{table} ({cols}) "
                f"{select} AND _ls > {self.cut_s}"
            )
            note = f" (+{pending:,} pending)"
        self.counts[table] = landed
        self.log(f"  {table:<22} {landed:>13,} rows{note}  {time.perf_counter() - started:7.1f} s")

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        self.macros()
        plans = (
            ("companies", self.plan_companies),
            ("leads", self.plan_leads),
            ("bursts", self.plan_bursts),
            ("sales", self.plan_sales),
            ("opportunities", self.plan_opps),
            ("recycling", self.plan_recycling),
            ("reengagement", self.plan_reengagement),
        )
        for step, plan in plans:
            t0 = time.perf_counter()
            plan()
            self.log(f"  plan {step:<17} {time.perf_counter() - t0:27.1f} s")
        for table in RAW_TABLES:
            self.land_table(table, getattr(self, f"sql_{table}")())
        plan_tables = (
            "plan_reengagement",
            "plan_recycling",
            "plan_opps",
            "plan_sales",
            "plan_bursts",
            "plan_leads",
            "plan_companies",
        )
        for name in plan_tables:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        self.log(
            f"  {'total':<22} {sum(self.counts.values()):>13,} rows"
            f"  {time.perf_counter() - started:7.1f} s"
        )
        return {table: self.counts[table] for table in RAW_TABLES}


# ------------------------------------------------------------------ public API


def _epoch(value: dt.datetime) -> int:
    """Whole seconds since 1970 of a UTC (naive = UTC) datetime."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return math.floor((value - dt.datetime(1970, 1, 1)).total_seconds())


def _from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)


def _check_schema(schema: str) -> None:
    if not _IDENT.match(schema):
        raise GenerateError(f"invalid schema name {schema!r}: use letters, digits and _")


def _connect(duckdb_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the file with bounded memory and a spill folder next to it."""
    path = Path(duckdb_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise GenerateError(f"cannot open {path}: {exc}") from exc
    tmp = str(path.parent / f"{path.name}.tmp").replace("'", "''")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{tmp}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


def _close(con: duckdb.DuckDBPyConnection, duckdb_path: str | Path) -> None:
    con.close()
    path = Path(duckdb_path)
    with contextlib.suppress(OSError):
        (path.parent / f"{path.name}.tmp").rmdir()  # only when empty


def _existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = ? ORDER BY table_name",
        [schema],
    ).fetchall()
    return [str(r[0]) for r in rows if r[0] in RAW_TABLES]


def _drop_tables(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> None:
    for schema in schemas:
        for table in _existing_tables(con, schema):
            con.execute(f"DROP TABLE {schema}.{table}")


def generate_raw(
    duckdb_path: str | Path,
    *,
    leads: int = 10_000,
    days: int = 365,
    start_date: dt.date | None = None,
    seed: int = 42,
    text: bool = False,
    mess_rate: float = 0.01,
    schema: str = "raw",
    replace: bool = False,
    land_until: dt.datetime | None = None,
    progress: bool = False,
) -> dict[str, int]:
    """Generate the ten raw landing tables into ``schema`` of a DuckDB file.

    Args:
        duckdb_path: the DuckDB file (created, with its parent folders, if missing).
        leads: number of leads; companies (0.4 per lead), events and the rest scale with it.
        days: length of the period. Every timestamp lies in [start, start + days] except
            deliberately broken ones (future timestamps); nothing lands after the end.
        start_date: first day of the period (from UTC midnight). None: the period ends now
            (start = now minus ``days``) so the demo passes source freshness; tests and
            reproducible runs pass a date.
        seed: random seed; the same seed and options give identical data.
        text: land every column as varchar, like a CSV loader (else typed columns).
        mess_rate: share of rows hit by each kind of bad input (0 to 0.1; 0 = clean data).
        schema: target schema; held-back rows go to ``<schema>_pending``.
        replace: drop existing raw (and pending) tables first; otherwise refuse.
        land_until: land only rows with ``_loaded_at <= land_until`` (UTC) into ``schema``;
            later ones go to the same-named tables of ``<schema>_pending`` (see
            `land_pending`).
        progress: print a line per table (rows, seconds) to stderr.

    Returns:
        Rows landed in ``schema`` per raw table.

    Raises:
        GenerateError: invalid options or an unusable file; `RawTablesExistError` when the
            raw tables exist and ``replace`` is false.
    """
    _check_schema(schema)
    for name, value in (("leads", leads), ("days", days)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise GenerateError(f"{name} must be a positive integer, not {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GenerateError(f"seed must be an integer, not {seed!r}")
    if not 0 <= float(mess_rate) <= MAX_MESS_RATE:
        raise GenerateError(f"mess_rate must be between 0 and {MAX_MESS_RATE}, not {mess_rate}")
    if start_date is None:
        end_s = _epoch(dt.datetime.now(dt.timezone.utc))
        start_s = end_s - days * DAY
    else:
        start_s = _epoch(dt.datetime.combine(start_date, dt.time()))
        end_s = start_s + days * DAY
    cut_s = _epoch(land_until) if land_until is not None else None
    pending_schema = f"{schema}_pending"

    con = _connect(duckdb_path)
    try:
        existing = _existing_tables(con, schema)
        if existing and not replace:
            raise RawTablesExistError(
                f"raw tables already exist in schema {schema!r} of {duckdb_path} "
                f"({', '.join(existing)}); use --replace (replace=True) to regenerate them"
            )
        _drop_tables(con, (schema, pending_schema))
        gen = _Generator(
            con,
            leads=leads,
            start_s=start_s,
            end_s=end_s,
            seed=seed,
            text=text,
            mess_rate=float(mess_rate),
            schema=schema,
            cut_s=cut_s,
            progress=progress,
        )
        gen.log(
            f"generating {leads:,} leads over {days} days from {_from_epoch(start_s)} to "
            f"{_from_epoch(end_s)} UTC (seed {seed}, mess rate {mess_rate}, "
            f"{'text' if text else 'typed'} columns) into {duckdb_path}"
        )
        gen.create_tables(schema)
        if cut_s is not None:
            gen.create_tables(pending_schema)
        try:
            counts = gen.run()
        except BaseException:
            _drop_tables(con, (schema, pending_schema))  # no half-generated landing
            raise
        con.execute("CHECKPOINT")
        return counts
    finally:
        _close(con, duckdb_path)


def land_pending(
    duckdb_path: str | Path,
    *,
    until: dt.datetime | None = None,
    schema: str = "raw",
) -> dict[str, int]:
    """Move held-back rows from ``<schema>_pending`` into ``schema``.

    Rows whose ``_loaded_at`` is at or before ``until`` (UTC; every row when None) are
    appended to the same-named table of ``schema`` and deleted from the pending table, all
    in one transaction. Works for typed and text landings.

    Returns:
        Rows moved per raw table (0 where nothing was pending).

    Raises:
        GenerateError: the file does not exist or cannot be opened.
    """
    _check_schema(schema)
    path = Path(duckdb_path)
    if not path.exists():
        raise GenerateError(f"{path} does not exist: run `lead-funnel generate` first")
    pending_schema = f"{schema}_pending"
    moved = dict.fromkeys(RAW_TABLES, 0)
    con = _connect(path)
    try:
        pending = set(_existing_tables(con, pending_schema))
        landed = set(_existing_tables(con, schema))
        if until is None:
            cond, params = "TRUE", []
        else:
            cond = "try_cast(trim(CAST(_loaded_at AS VARCHAR)) AS TIMESTAMP) <= ?"
            params = [_from_epoch(_epoch(until))]
        con.execute("BEGIN TRANSACTION")
        try:
            for table in RAW_TABLES:
                if table not in pending:
                    continue
                if table not in landed:
                    con.execute(
                        f"CREATE TABLE {schema}.{table} AS "
                        f"SELECT * FROM {pending_schema}.{table} WHERE FALSE"
                    )
                rows = con.execute(
                    f"INSERT INTO {schema}.{table} "
                    f"SELECT * FROM {pending_schema}.{table} WHERE {cond}",
                    params,
                ).fetchall()
                con.execute(f"DELETE FROM {pending_schema}.{table} WHERE {cond}", params)
                moved[table] = int(rows[0][0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return moved
    finally:
        _close(con, path)


# ------------------------------------------------------------------ command line


def _parse_timestamp(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {value!r}: use YYYY-MM-DD[ HH:MM[:SS]] (UTC)"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: use YYYY-MM-DD") from exc


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from exc
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def _rate(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if not 0 <= number <= MAX_MESS_RATE:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_MESS_RATE}: {value!r}")
    return number


def _duckdb_path(args: argparse.Namespace) -> Path:
    if args.duckdb:
        return Path(args.duckdb)
    from lead_funnel.config import load_settings

    return load_settings().duckdb_path


def _cmd_generate(args: argparse.Namespace) -> int:
    path = _duckdb_path(args)
    started = time.perf_counter()
    try:
        counts = generate_raw(
            path,
            leads=args.leads,
            days=args.days,
            start_date=args.start_date,
            seed=args.seed,
            text=args.text,
            mess_rate=args.mess_rate,
            schema=args.schema,
            replace=args.replace,
            land_until=args.land_until,
            progress=not args.quiet,
        )
    except GenerateError as exc:
        print(f"lead-funnel generate: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(
            f"generated {sum(counts.values()):,} raw rows in {path} "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    return 0


def _cmd_land(args: argparse.Namespace) -> int:
    path = _duckdb_path(args)
    try:
        moved = land_pending(path, until=None if args.all else args.until, schema=args.schema)
    except GenerateError as exc:
        print(f"lead-funnel land: error: {exc}", file=sys.stderr)
        return 2
    for table, rows in moved.items():
        print(f"  {table:<22} {rows:>13,} rows landed", file=sys.stderr)
    print(f"landed {sum(moved.values()):,} pending rows in {path}", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``generate`` and ``land`` subcommands to the CLI's subparsers."""
    gen = subparsers.add_parser(
        "generate",
        help="fill the raw landing tables with realistic synthetic demo data",
        description="Generate the ten raw tables of SPEC section 1 with realistic synthetic "
        "leads, companies, events, sales activities, opportunities and dispositions, with a "
        "controllable share of bad rows. The same --seed and options give identical data. "
        "Without --start-date the period ends now, so source freshness passes; tests and "
        "reproducible runs pass --start-date.",
    )
    gen.add_argument(
        "--duckdb",
        metavar="PATH",
        help="DuckDB file to fill (default: env LEAD_FUNNEL_DUCKDB, else "
        "warehouse/lead_funnel.duckdb); parent folders are created",
    )
    gen.add_argument(
        "--leads", type=_positive_int, default=10_000, help="number of leads (default 10000)"
    )
    gen.add_argument(
        "--days", type=_positive_int, default=365, help="length of the period in days (365)"
    )
    gen.add_argument(
        "--start-date",
        type=_parse_date,
        metavar="YYYY-MM-DD",
        help="first day of the period (UTC). Default: now minus --days, so the data ends now; "
        "pass a date for reproducible data (tests, benchmarks)",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--text",
        action="store_true",
        help="land every column as varchar, like a CSV loader (default: typed columns)",
    )
    gen.add_argument(
        "--mess-rate",
        type=_rate,
        default=0.01,
        metavar="R",
        help="share of rows hit by each kind of bad input: duplicates, missing ids, bad or "
        "future timestamps, orphans, invalid values ... (0 to 0.1; 0 = clean; default 0.01)",
    )
    gen.add_argument(
        "--schema", default="raw", help="target schema (default raw, the dbt var raw_schema)"
    )
    gen.add_argument(
        "--replace",
        action="store_true",
        help="drop and regenerate existing raw tables (without it: refuse, exit code 2)",
    )
    gen.add_argument(
        "--land-until",
        type=_parse_timestamp,
        metavar="TS",
        help="land only rows with _loaded_at <= TS (UTC); later rows wait in "
        "<schema>_pending for `lead-funnel land` (incremental tests, benchmarks)",
    )
    gen.add_argument(
        "--quiet", action="store_true", help="no progress lines (one per table) on stderr"
    )
    gen.set_defaults(func=_cmd_generate)

    land = subparsers.add_parser(
        "land",
        help="move rows held back by `generate --land-until` into the raw tables",
        description="Land rows held back by `generate --land-until`: rows of <schema>_pending "
        "with _loaded_at <= --until (every row with --all, the default) move into the "
        "same-named raw tables.",
    )
    land.add_argument(
        "--duckdb",
        metavar="PATH",
        help="DuckDB file (default: env LEAD_FUNNEL_DUCKDB, else warehouse/lead_funnel.duckdb)",
    )
    which = land.add_mutually_exclusive_group()
    which.add_argument(
        "--until",
        type=_parse_timestamp,
        metavar="TS",
        help="land the rows with _loaded_at <= TS (UTC, YYYY-MM-DD[ HH:MM[:SS]])",
    )
    which.add_argument(
        "--all", action="store_true", help="land every pending row (the default without --until)"
    )
    land.add_argument("--schema", default="raw", help="raw schema (default raw)")
    land.set_defaults(func=_cmd_land)
