"""Staging and `data_quality_issues`: nothing is silently lost (SPEC section 1, "Bad input").

Two kinds of checks, each building the staging models and the data-quality mart with dbt in
a subprocess against its own temporary DuckDB file:

* a small hand-crafted raw dataset that exercises every validation rule (each issue type
  and action, the rejection precedence, deduplication ties, CRM re-landing, mixed-case
  enumerations, anonymous page views, orphans), landed once typed and once as text (the
  text landing adds the rows only text can hold: unparseable values); the staged rows and
  the issues must be exactly the expected ones;
* generated demo data (`lead_funnel.generate`), typed and text: for every raw table,
  raw rows = staged + rejected + deduplicated + superseded CRM versions, and every kind of
  issue present in the raw data is reported.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dbt_support
from engines_support import CRM_VERSIONED, STAGING_MODELS

pytestmark = pytest.mark.build

PROJECT_DIR = Path(__file__).resolve().parents[2]

# The staging models, the data-quality mart and everything it depends on; `cautious` keeps
# out tests that also depend on models that are not built here (other marts).
DBT_SELECTION = ["--select", "staging", "+data_quality_issues", "--indirect-selection", "cautious"]

Row = tuple[Any, ...]

# Raw landing tables (docs/architecture.md): column -> DuckDB type of a typed landing.
TS = "timestamp"
RAW_COLUMNS: dict[str, dict[str, str]] = {
    "crm_leads": {
        "lead_id": "varchar",
        "email": "varchar",
        "job_title": "varchar",
        "company_id": "varchar",
        "lead_source": "varchar",
        "campaign_id": "varchar",
        "created_at": TS,
        "updated_at": TS,
        "_loaded_at": TS,
    },
    "crm_companies": {
        "company_id": "varchar",
        "company_name": "varchar",
        "domain": "varchar",
        "employee_count": "integer",
        "industry": "varchar",
        "country_code": "varchar",
        "account_tier": "integer",
        "updated_at": TS,
        "_loaded_at": TS,
    },
    "crm_opportunities": {
        "opportunity_id": "varchar",
        "lead_id": "varchar",
        "created_at": TS,
        "closed_at": TS,
        "is_won": "boolean",
        "amount": "decimal(18, 2)",
        "_loaded_at": TS,
    },
    "sales_activities": {
        "activity_id": "varchar",
        "lead_id": "varchar",
        "activity_type": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "crm_lead_dispositions": {
        "disposition_id": "varchar",
        "lead_id": "varchar",
        "disposition": "varchar",
        "reason": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "web_page_views": {
        "event_id": "varchar",
        "lead_id": "varchar",
        "page_url": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "form_submissions": {
        "event_id": "varchar",
        "lead_id": "varchar",
        "form_type": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "email_events": {
        "event_id": "varchar",
        "lead_id": "varchar",
        "email_campaign_id": "varchar",
        "event_type": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "webinar_events": {
        "event_id": "varchar",
        "lead_id": "varchar",
        "webinar_id": "varchar",
        "event_type": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
    "content_downloads": {
        "event_id": "varchar",
        "lead_id": "varchar",
        "asset_id": "varchar",
        "asset_type": "varchar",
        "occurred_at": TS,
        "_loaded_at": TS,
    },
}

# raw table -> (record id column, required timestamp, lead column or None, lead required)
RAW_KEYS: dict[str, tuple[str, str | None, str | None, bool]] = {
    "crm_leads": ("lead_id", "created_at", None, False),
    "crm_companies": ("company_id", None, None, False),
    "crm_opportunities": ("opportunity_id", "created_at", "lead_id", True),
    "sales_activities": ("activity_id", "occurred_at", "lead_id", True),
    "crm_lead_dispositions": ("disposition_id", "occurred_at", "lead_id", True),
    "web_page_views": ("event_id", "occurred_at", "lead_id", False),
    "form_submissions": ("event_id", "occurred_at", "lead_id", True),
    "email_events": ("event_id", "occurred_at", "lead_id", True),
    "webinar_events": ("event_id", "occurred_at", "lead_id", True),
    "content_downloads": ("event_id", "occurred_at", "lead_id", True),
}
EVENT_TABLES = [t for t in RAW_KEYS if t not in ("crm_leads", "crm_companies", "crm_opportunities")]
ISSUE_ACTIONS = {
    "missing_id": "rejected",
    "invalid_timestamp": "rejected",
    "future_timestamp": "rejected",
    "missing_lead": "rejected",
    "duplicate": "deduplicated",
    "orphan_lead": "excluded",
    "invalid_value": "nulled",
}


def ts(short: str) -> str:
    """'MM-DD HH:MM' in January 2026 (or a full date) as raw timestamp text."""
    return f"2026-{short}:00" if len(short) == 11 else short


def at(short: str) -> dt.datetime:
    """The timestamp `ts(short)` as the datetime staging returns."""
    return dt.datetime.fromisoformat(ts(short))


# ---------------------------------------------------------------- hand-crafted raw rows
# Each table: rows valid in both landings, then rows only a text landing can hold.
# Comments say what each row exercises and where it must end up. The rows are laid out as
# tables, one raw row per line or two, so the formatter is kept away from them.

# fmt: off
CRAFTED_ROWS: dict[str, list[Row]] = {
    "crm_leads": [
        # L1 lands three times: the newest updated_at wins, not the newest _loaded_at
        ("L1", " Alice@Example.COM ", "CTO", "C1", " Organic_Search ", "CMP1",
         ts("01-01 09:00"), ts("01-01 09:00"), ts("01-01 10:00")),  # superseded
        ("L1", "alice@example.com", "Chief Technology Officer", "C1", "organic_search", "CMP1",
         ts("01-01 09:00"), ts("01-05 09:00"), ts("01-05 10:00")),  # staged
        ("L1", "alice@example.com", "CTO (stale)", "C1", "organic_search", "CMP1",
         ts("01-01 09:00"), ts("01-03 09:00"), ts("01-06 10:00")),  # superseded
        # L2: a version with updated_at beats a newer landing without one (nulls last)
        (" L2 ", "bob@gmail.com", "Engineer", None, None, "",
         ts("01-02 08:00"), None, ts("01-04 10:00")),  # superseded
        ("L2", "bob@gmail.com", "Senior Engineer", None, "  ", None,
         ts("01-02 08:00"), ts("01-02 12:00"), ts("01-02 13:00")),  # staged, source unknown
        # L3: no updated_at on either version: the newest _loaded_at wins
        ("L3", "carol@acme.cz", "Buyer", "C2", "PAID_SEARCH", "CMP2",
         ts("01-03 08:00"), None, ts("01-03 09:00")),  # superseded
        ("L3", "carol@acme.cz", "Head Buyer", "C2", "PAID_SEARCH", "CMP2",
         ts("01-03 08:00"), None, ts("01-04 09:00")),  # staged
        # L4 lands twice identically (its company C9 never lands: warning-only test)
        ("L4", "dave@acme.cz", "Analyst", "C9", "referral", None,
         ts("01-04 08:00"), ts("01-04 08:00"), ts("01-04 09:00")),
        ("L4", "dave@acme.cz", "Analyst", "C9", "referral", None,
         ts("01-04 08:00"), ts("01-04 08:00"), ts("01-04 09:00")),
        # L5: full tie on updated_at and _loaded_at: the tie-break picks job_title 'Alpha'
        ("L5", "erin@beta.io", "Zeta", None, "direct", None,
         ts("01-05 08:00"), ts("01-05 08:00"), ts("01-05 09:00")),  # superseded
        ("L5", "erin@beta.io", "Alpha", None, "direct", None,
         ts("01-05 08:00"), ts("01-05 08:00"), ts("01-05 09:00")),  # staged
        ("  ", "nobody@x.com", None, None, None, None,
         ts("01-06 08:00"), None, ts("01-06 09:00")),  # missing_id
        ("L6", "frank@x.com", None, None, None, None,
         None, None, ts("01-06 09:00")),  # invalid_timestamp created_at (never staged)
        ("L7", "gina@x.com", None, None, None, None,
         ts("01-06 08:00"), None, None),  # invalid_timestamp _loaded_at
        # L8: the newest landing is rejected, so the older valid one is staged
        ("L8", "hal@x.com", None, None, None, None,
         ts("01-07 08:00"), None, ts("01-07 09:00")),  # staged
        ("L8", "hal@x.com", "Boss", None, None, None,
         None, ts("01-08 08:00"), ts("01-08 09:00")),  # invalid_timestamp created_at
        ("L9", "ivan", None, None, "Email", None,
         ts("01-07 08:00"), None, ts("01-07 09:00")),  # email without '@': no domain
    ],
    "crm_companies": [
        (" C1 ", " Acme s.r.o. ", "ACME.cz", "120", " Manufacturing ", "cz", "1",
         ts("01-01 00:00"), ts("01-01 01:00")),  # staged, normalised
        # an older version landed later, with invalid values: superseded, not reported
        ("C1", "Acme", "acme.cz", "-5", "manufacturing", "CZ", "7",
         "2025-12-31 00:00:00", ts("01-02 01:00")),
        ("C2", "Beta", "beta.io", "-10", "Software", " sk ", "4",
         None, ts("01-02 01:00")),  # two invalid values nulled
        ("C3", "Gamma", None, "0", None, None, "0",
         ts("01-03 00:00"), ts("01-03 01:00")),  # 0 employees is valid, tier 0 is not
        (None, "Nameless", None, None, None, None, None, None, ts("01-03 01:00")),  # missing_id
        ("C4", "Delta", None, None, None, None, None, None, None),  # invalid _loaded_at
        ("C5", "Eps", None, "250", None, "DE", "2", None, ts("01-04 01:00")),  # staged
    ],
    "crm_opportunities": [
        ("O1", "L1", ts("01-10 10:00"), None, None, "1000",
         ts("01-10 11:00")),  # superseded by its closing landing
        ("O1", "L1", ts("01-10 10:00"), ts("01-20 10:00"), "true", "1200.50",
         ts("01-20 11:00")),  # staged
        ("O2", "L404", ts("01-11 10:00"), None, None, None, ts("01-11 11:00")),  # orphan
        ("O3", None, ts("01-11 10:00"), None, None, None, ts("01-11 11:00")),  # missing_lead
        ("O4", "L2", None, None, None, None, ts("01-11 11:00")),  # invalid created_at
        ("O5", "L6", ts("01-12 10:00"), None, None, None,
         ts("01-12 11:00")),  # orphan: its lead was rejected
        # O6: same _loaded_at twice: the closed version wins the tie
        ("O6", "L2", ts("01-12 10:00"), ts("01-15 10:00"), "false", "300",
         ts("01-15 11:00")),  # staged
        ("O6", "L2", ts("01-12 10:00"), None, None, "300", ts("01-15 11:00")),  # superseded
        ("", "L2", ts("01-12 10:00"), None, None, None, ts("01-12 11:00")),  # missing_id
    ],
    "sales_activities": [
        ("A1", "L1", " Meeting ", ts("01-06 10:00"), ts("01-06 11:00")),  # duplicate (older)
        ("A1", "L1", "meeting", ts("01-06 10:00"), ts("01-07 11:00")),  # staged
        # A2: two copies landed at the same time: the tie-break keeps 'call'
        ("A2", "L1", " CALL ", ts("01-07 10:00"), ts("01-07 11:00")),  # staged
        ("A2", "L1", "email", ts("01-07 10:00"), ts("01-07 11:00")),  # duplicate
        ("A3", "L2", "call", ts("01-10 10:00"), ts("01-08 11:00")),  # future_timestamp
        ("A4", "L2", "task", ts("01-09 11:00"), ts("01-08 11:00")),  # exactly 1 day: kept
        ("A5", None, "call", ts("01-08 10:00"), ts("01-08 11:00")),  # missing_lead
        ("A6", "L2", "Fax", ts("01-08 10:00"), ts("01-08 11:00")),  # unknown type nulled
        ("A7", "L404", "call", ts("01-08 10:00"), ts("01-08 11:00")),  # orphan
        (None, None, "call", None, ts("01-08 11:00")),  # missing_id wins the precedence
        ("A8", "L3", "call", ts("01-05 10:00"), ts("01-05 11:00")),  # staged
        ("A8", "L3", "call", None, ts("01-06 11:00")),  # invalid_timestamp, not a duplicate
    ],
    "web_page_views": [
        ("P1", "L1", " /pricing ", ts("01-05 10:00"), ts("01-05 10:15")),
        ("P2", None, "/blog/x", ts("01-05 10:00"), ts("01-05 10:15")),  # anonymous
        ("P3", "  ", "/", ts("01-05 10:00"), ts("01-05 10:15")),  # anonymous (blank lead)
        ("P4", "L404", "/product", ts("01-05 10:00"), ts("01-05 10:15")),  # orphan
        ("P5", None, "/careers", ts("01-05 10:00"), ts("01-05 10:15")),  # identical copies:
        ("P5", None, "/careers", ts("01-05 10:00"), ts("01-05 10:15")),  # one duplicate
        ("P6", "L1", "/", ts("01-20 10:00"), ts("01-05 10:15")),  # future_timestamp
        ("", "L1", "/", ts("01-05 10:00"), ts("01-05 10:15")),  # missing_id
        ("P7", "L2", "/case-studies/a", ts("01-04 10:00"), ts("01-09 10:00")),  # late: kept
    ],
    "form_submissions": [
        ("F1", "L2", " Demo_Request ", ts("01-06 10:00"), ts("01-06 10:15")),  # staged
        ("F2", None, "contact_us", ts("01-06 10:00"), ts("01-06 10:15")),  # missing_lead
        ("F3", "L3", "Webinar_Feedback", ts("01-06 10:00"), ts("01-06 10:15")),  # other type
        ("F4", "L405", "contact_us", ts("01-06 10:00"), ts("01-06 10:15")),  # orphan
        ("F1", "L2", "demo_request", ts("01-06 10:00"), ts("01-06 10:00")),  # duplicate
    ],
    "email_events": [
        ("E1", "L1", "EC1", " OPEN ", ts("01-05 09:00"), ts("01-05 10:00")),
        ("E2", "L1", "EC1", "Click", ts("01-05 09:05"), ts("01-05 10:00")),
        ("E3", "L2", "EC1", "spam", ts("01-05 09:00"), ts("01-05 10:00")),  # unknown: nulled
        ("E4", "L2", "EC1", "delivered", ts("01-05 09:00"), ts("01-05 10:00")),  # duplicate
        ("E4", "L2", "EC1", "delivered", ts("01-05 09:00"), ts("01-05 11:00")),  # duplicate
        ("E4", "L2", "EC1", "delivered", ts("01-05 09:00"), ts("01-05 12:00")),  # staged
        ("E5", "L3", "EC2", "bounce", ts("01-05 09:00"), ts("01-05 10:00")),  # three identical
        ("E5", "L3", "EC2", "bounce", ts("01-05 09:00"), ts("01-05 10:00")),  # copies: two
        ("E5", "L3", "EC2", "bounce", ts("01-05 09:00"), ts("01-05 10:00")),  # duplicates
        ("E6", None, "EC1", "open", ts("01-05 09:00"), ts("01-05 10:00")),  # missing_lead
        ("E7", "L404", "EC1", "Unsubscribe", ts("01-05 09:00"), ts("01-05 10:00")),  # orphan
    ],
    "webinar_events": [
        ("W1", "L1", "WB1", "Registered", ts("01-04 10:00"), ts("01-04 11:00")),
        ("W2", "L1", "WB1", " ATTENDED ", ts("01-10 10:00"), ts("01-10 11:00")),
        ("W3", "L2", "WB1", "cancelled", ts("01-04 10:00"), ts("01-04 11:00")),  # nulled
        ("W4", "L2", "WB1", "registered", ts("01-12 12:00"), ts("01-11 11:00")),  # future
    ],
    "content_downloads": [
        ("D1", "L1", "AS1", " Case_Study ", ts("01-04 10:00"), ts("01-04 11:00")),
        ("D2", "L2", "AS2", "Podcast", "2026-01-04T10:00:00", ts("01-04 11:00")),  # ISO 'T'
        ("D3", "L404", "AS1", "ebook", ts("01-04 10:00"), ts("01-04 11:00")),  # orphan
        ("D4", "L3", "AS1", "ebook", None, ts("01-04 11:00")),  # invalid occurred_at
    ],
    "crm_lead_dispositions": [
        ("X1", "L1", " Recycled ", " no budget ", ts("01-08 10:00"),
         ts("01-08 11:00")),  # duplicate (older)
        ("X1", "L1", "recycled", "no budget", ts("01-08 10:00"), ts("01-09 11:00")),  # staged
        ("X2", "L2", "DISQUALIFIED", None, ts("01-09 10:00"), ts("01-09 11:00")),  # staged
        ("X3", "L2", "nurture", "later", ts("01-09 10:00"), ts("01-09 11:00")),  # nulled
        ("X4", "L404", "recycled", "  ", ts("01-09 10:00"), ts("01-09 11:00")),  # orphan
        ("X5", None, "recycled", None, ts("01-09 10:00"), ts("01-09 11:00")),  # missing_lead
        ("X6", "L3", "recycled", None, ts("01-12 10:00"), ts("01-10 11:00")),  # future
        (" ", "L3", "recycled", None, ts("01-09 10:00"), ts("01-09 11:00")),  # missing_id
    ],
}

TEXT_ONLY_ROWS: dict[str, list[Row]] = {
    "crm_leads": [
        ("L10", "jane@x.com", None, None, None, None,
         "yesterday", None, ts("01-07 09:00")),  # invalid_timestamp created_at
        ("L11", "kim@x.com", None, None, None, None,
         ts("01-07 08:00"), None, "garbage"),  # invalid_timestamp _loaded_at
        ("L12", "lee@x.com", None, None, None, None,
         "2026-01-07T08:00:00", "not-a-date", ts("01-07 09:00")),  # updated_at nulled
        # a valid but superseded L1 version with an unparseable updated_at: not reported
        ("L1", "alice@example.com", "CTO (bad update)", "C1", "organic_search", "CMP1",
         ts("01-01 09:00"), "31/01/2026", ts("01-07 10:00")),
    ],
    "crm_companies": [
        ("C6", "Zeta", None, "many", None, None, " 2 ",
         "2026-13-45", ts("01-04 01:00")),  # employee_count and updated_at nulled
        ("C7", "Eta", None, "12.5", None, None, "", None, ts("01-04 01:00")),  # not whole
        ("C1", "Acme", "acme.cz", "abc", None, None, None,
         "bad", ts("01-05 01:00")),  # superseded (no updated_at): not reported
    ],
    "crm_opportunities": [
        ("O7", "L3", ts("01-13 10:00"), "soon", "maybe", "lots",
         ts("01-13 11:00")),  # three values nulled
        ("O8", "L3", ts("01-13 10:00"), None, " TRUE ", " 99.90 ", ts("01-13 11:00")),
    ],
    "sales_activities": [
        ("A9", "L3", "meeting", "tomorrow-ish", ts("01-08 11:00")),  # invalid occurred_at
    ],
    "web_page_views": [
        ("P8", "L1", "/", "not a time", ts("01-05 10:15")),  # invalid occurred_at
        ("P9", "L1", "/", "2026-01-05T11:00:00", " 2026-01-05 11:15:00 "),  # staged
    ],
    "email_events": [
        ("E8", "L1", "EC1", "open", ts("01-05 09:00"), "garbage"),  # invalid _loaded_at
    ],
}

# ---------------------------------------------------------------- expected results

EXPECTED_STAGED: dict[str, list[Row]] = {
    "stg_crm__leads": [
        ("L1", "alice@example.com", "example.com", "Chief Technology Officer", "C1",
         "organic_search", "CMP1", at("01-01 09:00"), at("01-05 09:00"), at("01-05 10:00")),
        ("L2", "bob@gmail.com", "gmail.com", "Senior Engineer", None, "unknown", None,
         at("01-02 08:00"), at("01-02 12:00"), at("01-02 13:00")),
        ("L3", "carol@acme.cz", "acme.cz", "Head Buyer", "C2", "paid_search", "CMP2",
         at("01-03 08:00"), None, at("01-04 09:00")),
        ("L4", "dave@acme.cz", "acme.cz", "Analyst", "C9", "referral", None,
         at("01-04 08:00"), at("01-04 08:00"), at("01-04 09:00")),
        ("L5", "erin@beta.io", "beta.io", "Alpha", None, "direct", None,
         at("01-05 08:00"), at("01-05 08:00"), at("01-05 09:00")),
        ("L8", "hal@x.com", "x.com", None, None, "unknown", None,
         at("01-07 08:00"), None, at("01-07 09:00")),
        ("L9", "ivan", None, None, None, "email", None,
         at("01-07 08:00"), None, at("01-07 09:00")),
    ],
    "stg_crm__companies": [
        ("C1", "Acme s.r.o.", "acme.cz", 120, "manufacturing", "CZ", 1,
         at("01-01 00:00"), at("01-01 01:00")),
        ("C2", "Beta", "beta.io", None, "software", "SK", None, None, at("01-02 01:00")),
        ("C3", "Gamma", None, 0, None, None, None, at("01-03 00:00"), at("01-03 01:00")),
        ("C5", "Eps", None, 250, None, "DE", 2, None, at("01-04 01:00")),
    ],
    "stg_crm__opportunities": [
        ("O1", "L1", at("01-10 10:00"), at("01-20 10:00"), True, Decimal("1200.50"),
         at("01-20 11:00")),
        ("O2", "L404", at("01-11 10:00"), None, None, None, at("01-11 11:00")),
        ("O5", "L6", at("01-12 10:00"), None, None, None, at("01-12 11:00")),
        ("O6", "L2", at("01-12 10:00"), at("01-15 10:00"), False, Decimal("300.00"),
         at("01-15 11:00")),
    ],
    "stg_crm__sales_activities": [
        ("A1", "L1", "meeting", at("01-06 10:00"), at("01-07 11:00")),
        ("A2", "L1", "call", at("01-07 10:00"), at("01-07 11:00")),
        ("A4", "L2", "task", at("01-09 11:00"), at("01-08 11:00")),
        ("A6", "L2", None, at("01-08 10:00"), at("01-08 11:00")),
        ("A7", "L404", "call", at("01-08 10:00"), at("01-08 11:00")),
        ("A8", "L3", "call", at("01-05 10:00"), at("01-05 11:00")),
    ],
    "stg_web__page_views": [
        ("P1", "L1", "/pricing", at("01-05 10:00"), at("01-05 10:15")),
        ("P2", None, "/blog/x", at("01-05 10:00"), at("01-05 10:15")),
        ("P3", None, "/", at("01-05 10:00"), at("01-05 10:15")),
        ("P4", "L404", "/product", at("01-05 10:00"), at("01-05 10:15")),
        ("P5", None, "/careers", at("01-05 10:00"), at("01-05 10:15")),
        ("P7", "L2", "/case-studies/a", at("01-04 10:00"), at("01-09 10:00")),
    ],
    "stg_web__form_submissions": [
        ("F1", "L2", "demo_request", at("01-06 10:00"), at("01-06 10:15")),
        ("F3", "L3", "webinar_feedback", at("01-06 10:00"), at("01-06 10:15")),
        ("F4", "L405", "contact_us", at("01-06 10:00"), at("01-06 10:15")),
    ],
    "stg_marketing__email_events": [
        ("E1", "L1", "EC1", "open", at("01-05 09:00"), at("01-05 10:00")),
        ("E2", "L1", "EC1", "click", at("01-05 09:05"), at("01-05 10:00")),
        ("E3", "L2", "EC1", None, at("01-05 09:00"), at("01-05 10:00")),
        ("E4", "L2", "EC1", "delivered", at("01-05 09:00"), at("01-05 12:00")),
        ("E5", "L3", "EC2", "bounce", at("01-05 09:00"), at("01-05 10:00")),
        ("E7", "L404", "EC1", "unsubscribe", at("01-05 09:00"), at("01-05 10:00")),
    ],
    "stg_marketing__webinar_events": [
        ("W1", "L1", "WB1", "registered", at("01-04 10:00"), at("01-04 11:00")),
        ("W2", "L1", "WB1", "attended", at("01-10 10:00"), at("01-10 11:00")),
        ("W3", "L2", "WB1", None, at("01-04 10:00"), at("01-04 11:00")),
    ],
    "stg_marketing__content_downloads": [
        ("D1", "L1", "AS1", "case_study", at("01-04 10:00"), at("01-04 11:00")),
        ("D2", "L2", "AS2", "podcast", at("01-04 10:00"), at("01-04 11:00")),
        ("D3", "L404", "AS1", "ebook", at("01-04 10:00"), at("01-04 11:00")),
    ],
    "stg_crm__lead_dispositions": [
        ("X1", "L1", "recycled", "no budget", at("01-08 10:00"), at("01-09 11:00")),
        ("X2", "L2", "disqualified", None, at("01-09 10:00"), at("01-09 11:00")),
        ("X3", "L2", None, "later", at("01-09 10:00"), at("01-09 11:00")),
        ("X4", "L404", "recycled", None, at("01-09 10:00"), at("01-09 11:00")),
    ],
}

EXPECTED_STAGED_TEXT_ONLY: dict[str, list[Row]] = {
    "stg_crm__leads": [
        ("L12", "lee@x.com", "x.com", None, None, "unknown", None,
         at("01-07 08:00"), None, at("01-07 09:00")),
    ],
    "stg_crm__companies": [
        ("C6", "Zeta", None, None, None, None, 2, None, at("01-04 01:00")),
        ("C7", "Eta", None, None, None, None, None, None, at("01-04 01:00")),
    ],
    "stg_crm__opportunities": [
        ("O7", "L3", at("01-13 10:00"), None, None, None, at("01-13 11:00")),
        ("O8", "L3", at("01-13 10:00"), None, True, Decimal("99.90"), at("01-13 11:00")),
    ],
    "stg_web__page_views": [
        ("P9", "L1", "/", at("01-05 11:00"), at("01-05 11:15")),
    ],
}

# fmt: on


def issue(table: str, record_id: str | None, kind: str, column: str, loaded: str | None) -> Row:
    """One expected data_quality_issues row (without issue_id)."""
    return (table, record_id, kind, column, ISSUE_ACTIONS[kind], at(loaded) if loaded else None)


EXPECTED_ISSUES: list[Row] = [
    issue("crm_leads", None, "missing_id", "lead_id", "01-06 09:00"),
    issue("crm_leads", "L6", "invalid_timestamp", "created_at", "01-06 09:00"),
    issue("crm_leads", "L7", "invalid_timestamp", "_loaded_at", None),
    issue("crm_leads", "L8", "invalid_timestamp", "created_at", "01-08 09:00"),
    issue("crm_companies", "C2", "invalid_value", "employee_count", "01-02 01:00"),
    issue("crm_companies", "C2", "invalid_value", "account_tier", "01-02 01:00"),
    issue("crm_companies", "C3", "invalid_value", "account_tier", "01-03 01:00"),
    issue("crm_companies", None, "missing_id", "company_id", "01-03 01:00"),
    issue("crm_companies", "C4", "invalid_timestamp", "_loaded_at", None),
    issue("crm_opportunities", "O2", "orphan_lead", "lead_id", "01-11 11:00"),
    issue("crm_opportunities", "O3", "missing_lead", "lead_id", "01-11 11:00"),
    issue("crm_opportunities", "O4", "invalid_timestamp", "created_at", "01-11 11:00"),
    issue("crm_opportunities", "O5", "orphan_lead", "lead_id", "01-12 11:00"),
    issue("crm_opportunities", None, "missing_id", "opportunity_id", "01-12 11:00"),
    issue("sales_activities", "A1", "duplicate", "activity_id", "01-06 11:00"),
    issue("sales_activities", "A2", "duplicate", "activity_id", "01-07 11:00"),
    issue("sales_activities", "A3", "future_timestamp", "occurred_at", "01-08 11:00"),
    issue("sales_activities", "A5", "missing_lead", "lead_id", "01-08 11:00"),
    issue("sales_activities", "A6", "invalid_value", "activity_type", "01-08 11:00"),
    issue("sales_activities", "A7", "orphan_lead", "lead_id", "01-08 11:00"),
    issue("sales_activities", None, "missing_id", "activity_id", "01-08 11:00"),
    issue("sales_activities", "A8", "invalid_timestamp", "occurred_at", "01-06 11:00"),
    issue("web_page_views", "P4", "orphan_lead", "lead_id", "01-05 10:15"),
    issue("web_page_views", "P5", "duplicate", "event_id", "01-05 10:15"),
    issue("web_page_views", "P6", "future_timestamp", "occurred_at", "01-05 10:15"),
    issue("web_page_views", None, "missing_id", "event_id", "01-05 10:15"),
    issue("form_submissions", "F1", "duplicate", "event_id", "01-06 10:00"),
    issue("form_submissions", "F2", "missing_lead", "lead_id", "01-06 10:15"),
    issue("form_submissions", "F4", "orphan_lead", "lead_id", "01-06 10:15"),
    issue("email_events", "E3", "invalid_value", "event_type", "01-05 10:00"),
    issue("email_events", "E4", "duplicate", "event_id", "01-05 10:00"),
    issue("email_events", "E4", "duplicate", "event_id", "01-05 11:00"),
    issue("email_events", "E5", "duplicate", "event_id", "01-05 10:00"),
    issue("email_events", "E5", "duplicate", "event_id", "01-05 10:00"),
    issue("email_events", "E6", "missing_lead", "lead_id", "01-05 10:00"),
    issue("email_events", "E7", "orphan_lead", "lead_id", "01-05 10:00"),
    issue("webinar_events", "W3", "invalid_value", "event_type", "01-04 11:00"),
    issue("webinar_events", "W4", "future_timestamp", "occurred_at", "01-11 11:00"),
    issue("content_downloads", "D3", "orphan_lead", "lead_id", "01-04 11:00"),
    issue("content_downloads", "D4", "invalid_timestamp", "occurred_at", "01-04 11:00"),
    issue("crm_lead_dispositions", "X1", "duplicate", "disposition_id", "01-08 11:00"),
    issue("crm_lead_dispositions", "X3", "invalid_value", "disposition", "01-09 11:00"),
    issue("crm_lead_dispositions", "X4", "orphan_lead", "lead_id", "01-09 11:00"),
    issue("crm_lead_dispositions", "X5", "missing_lead", "lead_id", "01-09 11:00"),
    issue("crm_lead_dispositions", "X6", "future_timestamp", "occurred_at", "01-10 11:00"),
    issue("crm_lead_dispositions", None, "missing_id", "disposition_id", "01-09 11:00"),
]

EXPECTED_ISSUES_TEXT_ONLY: list[Row] = [
    issue("crm_leads", "L10", "invalid_timestamp", "created_at", "01-07 09:00"),
    issue("crm_leads", "L11", "invalid_timestamp", "_loaded_at", None),
    issue("crm_leads", "L12", "invalid_value", "updated_at", "01-07 09:00"),
    issue("crm_companies", "C6", "invalid_value", "employee_count", "01-04 01:00"),
    issue("crm_companies", "C6", "invalid_value", "updated_at", "01-04 01:00"),
    issue("crm_companies", "C7", "invalid_value", "employee_count", "01-04 01:00"),
    issue("crm_opportunities", "O7", "invalid_value", "closed_at", "01-13 11:00"),
    issue("crm_opportunities", "O7", "invalid_value", "is_won", "01-13 11:00"),
    issue("crm_opportunities", "O7", "invalid_value", "amount", "01-13 11:00"),
    issue("sales_activities", "A9", "invalid_timestamp", "occurred_at", "01-08 11:00"),
    issue("web_page_views", "P8", "invalid_timestamp", "occurred_at", "01-05 10:15"),
    issue("email_events", "E8", "invalid_timestamp", "_loaded_at", None),
]

# superseded CRM versions (valid older versions, neither staged nor reported)
EXPECTED_SUPERSEDED = {"crm_leads": 6, "crm_companies": 1, "crm_opportunities": 2}
EXPECTED_SUPERSEDED_TEXT_ONLY = {"crm_leads": 1, "crm_companies": 1, "crm_opportunities": 0}


# ---------------------------------------------------------------- helpers


def land_raw(path: Path, rows: dict[str, list[Row]], *, text: bool) -> None:
    """Create the nine raw tables (typed, or every column varchar) and insert `rows`."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists raw")
        for table, columns in RAW_COLUMNS.items():
            ddl = ", ".join(
                f"{name} {'varchar' if text else kind}" for name, kind in columns.items()
            )
            con.execute(f"create or replace table raw.{table} ({ddl})")
            if rows.get(table):
                placeholders = ", ".join("?" for _ in columns)
                con.executemany(f"insert into raw.{table} values ({placeholders})", rows[table])
    finally:
        con.close()


def run_dbt(args: Sequence[str], duckdb_path: Path, dbt_dir: Path) -> None:
    """Run dbt from the project root against `duckdb_path`; fail the test on error.

    `dbt_dir` holds dbt's target and logs; sharing it between the runs of this module lets
    dbt parse the project partially, which keeps the suite fast.
    """
    dbt_support.run_dbt(
        args,
        duckdb_path=duckdb_path,
        work_dir=dbt_dir,
        project_dir=PROJECT_DIR,
        extra_env={"LEAD_FUNNEL_THREADS": "4"},
    )


def build_staging(duckdb_path: Path, dbt_dir: Path) -> None:
    """Build (run and test) staging, the data-quality models and their tests."""
    run_dbt(["build", *DBT_SELECTION], duckdb_path, dbt_dir)


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the DuckDB file, closed afterwards."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """All rows of a query."""
    return [tuple(row) for row in con.execute(sql).fetchall()]


def sort_key(row: Row) -> tuple[tuple[bool, str], ...]:
    """Order rows holding None and mixed types."""
    return tuple((value is None, str(value)) for value in row)


def merged(common: dict[str, list[Row]], extra: dict[str, list[Row]], text: bool) -> dict:
    """The common rows, plus the text-only ones for a text landing."""
    if not text:
        return common
    return {key: common.get(key, []) + extra.get(key, []) for key in common.keys() | extra.keys()}


# ---------------------------------------------------------------- hand-crafted landings


@pytest.fixture(scope="module")
def stg_dbt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dbt target and log folder shared by the dbt runs of this module."""
    return tmp_path_factory.mktemp("stg_dbt")


@pytest.fixture(scope="module", params=["typed", "text"])
def crafted_warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stg_dbt_dir: Path
) -> Iterator[tuple[duckdb.DuckDBPyConnection, bool]]:
    """The crafted raw rows landed typed or as text, with staging and the mart built."""
    text = request.param == "text"
    path = tmp_path_factory.mktemp(f"stg_crafted_{request.param}") / "warehouse.duckdb"
    land_raw(path, merged(CRAFTED_ROWS, TEXT_ONLY_ROWS, text), text=text)
    build_staging(path, stg_dbt_dir)
    with read_only(path) as con:
        yield con, text


@pytest.mark.parametrize("model", sorted(EXPECTED_STAGED))
def test_crafted_staged_rows(
    crafted_warehouse: tuple[duckdb.DuckDBPyConnection, bool], model: str
) -> None:
    """Each staging model holds exactly the valid, newest, normalised rows."""
    con, text = crafted_warehouse
    expected = merged(EXPECTED_STAGED, EXPECTED_STAGED_TEXT_ONLY, text)[model]
    # every column but the incremental bookkeeping (_refreshed_at)
    actual = fetch(con, f"select columns(lambda c: not starts_with(c, '_')) from staging.{model}")
    assert sorted(actual, key=sort_key) == sorted(expected, key=sort_key)


def test_crafted_data_quality_issues(
    crafted_warehouse: tuple[duckdb.DuckDBPyConnection, bool],
) -> None:
    """Every rejected, duplicate, orphan and nulled row is reported, and nothing else."""
    con, text = crafted_warehouse
    expected = EXPECTED_ISSUES + (EXPECTED_ISSUES_TEXT_ONLY if text else [])
    actual = fetch(
        con,
        "select source_table, record_id, issue, column_name, action, loaded_at "
        "from marts.data_quality_issues",
    )
    assert Counter(actual) == Counter(expected)


def test_crafted_issue_ids_are_unique(
    crafted_warehouse: tuple[duckdb.DuckDBPyConnection, bool],
) -> None:
    """issue_id is a unique md5 hash, also for identical issues (same copy landed twice)."""
    con, _ = crafted_warehouse
    ids = fetch(con, "select issue_id from marts.data_quality_issues")
    assert len(ids) == len(set(ids))
    assert all(isinstance(issue_id, str) and len(issue_id) == 32 for (issue_id,) in ids)
    # the two identical E5 duplicates get different keys
    e5 = fetch(
        con,
        "select distinct issue_id from marts.data_quality_issues where record_id = 'E5'",
    )
    assert len(e5) == 2


def test_crafted_superseded_versions(
    crafted_warehouse: tuple[duckdb.DuckDBPyConnection, bool],
) -> None:
    """Older CRM versions are superseded (counted, not reported)."""
    con, text = crafted_warehouse
    for table, model in CRM_VERSIONED.items():
        expected = EXPECTED_SUPERSEDED[table] + (
            EXPECTED_SUPERSEDED_TEXT_ONLY[table] if text else 0
        )
        [(superseded,)] = fetch(con, f"select count(*) from staging.{model} where is_superseded")
        assert superseded == expected, table


# ---------------------------------------------------------------- generated data


def nothing_lost_rows(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Per raw table: raw, staged, rejected, deduplicated and superseded row counts."""
    reported = {
        (table, action): count
        for table, action, count in fetch(
            con,
            "select source_table, action, count(*) from marts.data_quality_issues group by all",
        )
    }
    rows = []
    for table, model in STAGING_MODELS.items():
        [(raw,)] = fetch(con, f"select count(*) from raw.{table}")
        [(staged,)] = fetch(con, f"select count(*) from staging.{model}")
        superseded = 0
        if table in CRM_VERSIONED:
            [(superseded,)] = fetch(
                con, f"select count(*) from staging.{CRM_VERSIONED[table]} where is_superseded"
            )
        rejected = reported.get((table, "rejected"), 0)
        deduplicated = reported.get((table, "deduplicated"), 0)
        rows.append((table, raw, staged, rejected, deduplicated, superseded))
    return rows


def raw_issue_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Issue kinds present in the raw tables, found with plain SQL independent of dbt."""

    def text(column: str) -> str:
        return f"nullif(trim(cast({column} as varchar)), '')"

    def timestamp(column: str) -> str:
        return f"try_cast({text(column)} as timestamp)"

    kinds: set[str] = set()
    lead_ids = f"select {text('lead_id')} from raw.crm_leads where {text('lead_id')} is not null"
    for table, (id_column, required, lead, lead_required) in RAW_KEYS.items():
        valid = f"{text(id_column)} is not null and {timestamp('_loaded_at')} is not null"
        if required:
            valid += f" and {timestamp(required)} is not null"
        checks = {
            "missing_id": f"{text(id_column)} is null",
            "invalid_timestamp": f"{text(id_column)} is not null and not ({valid})",
        }
        if table in EVENT_TABLES:
            future = f"{timestamp(required)} > {timestamp('_loaded_at')} + interval 1 day"
            checks["future_timestamp"] = f"{valid} and {future}"
            valid += f" and not ({future})"
            checks["duplicate"] = (
                f"{valid} and {text(id_column)} in (select {text(id_column)} "
                f"from raw.{table} group by 1 having count(*) > 1)"
            )
        if lead and lead_required:
            checks["missing_lead"] = f"{valid} and {text(lead)} is null"
        if lead:
            checks["orphan_lead"] = (
                f"{valid} and {text(lead)} is not null and {text(lead)} not in ({lead_ids})"
            )
        for kind, condition in checks.items():
            [(count,)] = fetch(con, f"select count(*) from raw.{table} where {condition}")
            if count:
                kinds.add(kind)
    [(invalid_values,)] = fetch(
        con,
        "select count(*) from raw.crm_companies where "
        f"try_cast({text('employee_count')} as double) < 0 "
        f"or try_cast({text('account_tier')} as integer) not in (1, 2, 3)",
    )
    if invalid_values:
        kinds.add("invalid_value")
    return kinds


def import_generator() -> Any:
    """`lead_funnel.generate`, from the installed package or else the source tree."""
    scripts = str(PROJECT_DIR / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module("lead_funnel.generate")


@pytest.mark.parametrize("landing", ["typed", "text"])
def test_generated_data_nothing_is_lost(tmp_path: Path, stg_dbt_dir: Path, landing: str) -> None:
    """On generated data, every raw row is staged, rejected, deduplicated or superseded."""
    generate = import_generator()
    path = tmp_path / "warehouse.duckdb"
    generate.generate_raw(
        path,
        leads=2000,
        start_date=dt.date(2026, 1, 1),
        days=120,
        seed=7,
        text=landing == "text",
        mess_rate=0.02,
        replace=True,
    )
    build_staging(path, stg_dbt_dir)

    with read_only(path) as con:
        counts = nothing_lost_rows(con)
        reported = {
            kind for (kind,) in fetch(con, "select distinct issue from marts.data_quality_issues")
        }
        expected = raw_issue_kinds(con)

    for table, raw, staged, rejected, deduplicated, superseded in counts:
        assert raw > 0, table
        assert raw == staged + rejected + deduplicated + superseded, (
            f"{table}: {raw} raw != {staged} staged + {rejected} rejected "
            f"+ {deduplicated} deduplicated + {superseded} superseded"
        )
    assert expected, "the generator should produce messy rows at mess_rate 0.02"
    assert reported == expected
