"""The hand-built scoring scenarios shared by the reference's tests.

``Scenario`` builds the staged rows of a few leads by hand and scores them with
``reference_scoring``. test_reference_scoring.py works its scenarios out by hand;
test_reference_vs_marts.py lands one big scenario (the edge cases) in a warehouse, builds it
with dbt and compares the marts with the reference.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from reference_scoring import StagingData, load_seeds, score

REPO = Path(__file__).resolve().parents[2]
SEEDS = load_seeds(REPO / "seeds")

T0 = datetime(2026, 1, 1, 9, 0, 0)
AS_OF = datetime(2026, 12, 31, 0, 0, 0)


class Scenario:
    """Builds StagingData by hand. Fit presets (default rule set points):

    * ``fit=0``: no company, lead source ``direct``, domain ``acme.com``.
    * ``fit=40``: 250+ employees (20) + tier 1 (15) + organic_search (5).
    * ``fit=55``: 250+ employees (20) + CZ (10) + manufacturing (10) + tier 1 (15).
    * ``fit=60``: the 55 preset + organic_search (5).
    """

    FIT_PRESETS: ClassVar[dict[int, tuple[dict | None, str]]] = {
        0: (None, "direct"),
        40: ({"employee_count": 300, "account_tier": 1}, "organic_search"),
        55: (
            {
                "employee_count": 300,
                "country_code": "CZ",
                "industry": "manufacturing",
                "account_tier": 1,
            },
            "direct",
        ),
        60: (
            {
                "employee_count": 300,
                "country_code": "CZ",
                "industry": "manufacturing",
                "account_tier": 1,
            },
            "organic_search",
        ),
    }

    def __init__(self) -> None:
        self.data = StagingData()
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    def lead(
        self,
        lead_id: str = "L1",
        created_at: datetime = T0,
        fit: int = 0,
        email_domain: str = "acme.com",
        company: dict | None = None,
        job_title: str | None = None,
    ) -> str:
        """Add a lead; ``company`` (attributes) replaces the fit preset's company."""
        preset_company, lead_source = self.FIT_PRESETS[fit]
        company = company if company is not None else preset_company
        company_id = None
        if company is not None:
            company_id = f"C-{lead_id}"
            self.company(company_id, **company)
        self.data.stg_crm__leads.append(
            {
                "lead_id": lead_id,
                "email": f"someone@{email_domain}",
                "email_domain": email_domain,
                "job_title": job_title,
                "company_id": company_id,
                "lead_source": lead_source,
                "created_at": created_at,
            }
        )
        return lead_id

    def company(self, company_id: str, **attributes) -> None:
        self.data.stg_crm__companies.append({"company_id": company_id, **attributes})

    # The staged tables of events (and dispositions): their id column and the prefix of the
    # ids made up for their rows.
    ROW_IDS: ClassVar[dict[str, tuple[str, str]]] = {
        "stg_marketing__email_events": ("event_id", "EM"),
        "stg_web__page_views": ("event_id", "PV"),
        "stg_web__form_submissions": ("event_id", "FS"),
        "stg_marketing__content_downloads": ("event_id", "CD"),
        "stg_marketing__webinar_events": ("event_id", "WB"),
        "stg_crm__sales_activities": ("activity_id", "SA"),
        "stg_crm__lead_dispositions": ("disposition_id", "DP"),
    }

    def _row(
        self, table: str, lead_id: str | None, at: datetime, row_id: str | None = None, **fields
    ) -> None:
        """Append a staged row to ``table``: its id (``row_id``, else a new one), the lead,
        ``fields`` and ``occurred_at``."""
        id_column, prefix = self.ROW_IDS[table]
        getattr(self.data, table).append(
            {id_column: row_id or self._id(prefix), "lead_id": lead_id, **fields, "occurred_at": at}
        )

    def email(self, lead_id: str, event_type: str, at: datetime, event_id: str | None = None):
        self._row("stg_marketing__email_events", lead_id, at, event_id, event_type=event_type)

    def page(self, lead_id: str | None, url: str, at: datetime, event_id: str | None = None):
        self._row("stg_web__page_views", lead_id, at, event_id, page_url=url)

    def pricing(self, lead_id: str, at: datetime) -> None:
        self.page(lead_id, "https://example.com/pricing", at)

    def form(self, lead_id: str, form_type: str, at: datetime) -> None:
        self._row("stg_web__form_submissions", lead_id, at, form_type=form_type)

    def download(self, lead_id: str, asset_type: str, at: datetime) -> None:
        self._row("stg_marketing__content_downloads", lead_id, at, asset_type=asset_type)

    def webinar(self, lead_id: str, event_type: str, at: datetime) -> None:
        self._row("stg_marketing__webinar_events", lead_id, at, event_type=event_type)

    def activity(self, lead_id: str, activity_type: str, at: datetime) -> None:
        self._row("stg_crm__sales_activities", lead_id, at, activity_type=activity_type)

    def opportunity(
        self,
        lead_id: str,
        created_at: datetime,
        closed_at: datetime | None = None,
        is_won: bool | None = None,
    ) -> None:
        self.data.stg_crm__opportunities.append(
            {
                "opportunity_id": self._id("OP"),
                "lead_id": lead_id,
                "created_at": created_at,
                "closed_at": closed_at,
                "is_won": is_won,
            }
        )

    def disposition(
        self,
        lead_id: str,
        disposition: str | None,
        at: datetime,
        reason: str | None = None,
        disposition_id: str | None = None,
    ) -> None:
        """A staged disposition (``None``: an invalid value nulled by staging)."""
        self._row(
            "stg_crm__lead_dispositions",
            lead_id,
            at,
            disposition_id,
            disposition=disposition,
            reason=reason,
        )

    def run(self, as_of: datetime = AS_OF, rule_set_id: str = "default"):
        """(lifecycle row by lead, event rows by lead)."""
        by_lead, events_by_lead, _ = self.run_all(as_of, rule_set_id)
        return by_lead, events_by_lead

    def run_all(self, as_of: datetime = AS_OF, rule_set_id: str = "default"):
        """(lifecycle row by lead, event rows by lead, MQL rows by lead)."""
        leads, events, mqls = score(self.data, SEEDS, rule_set_id, as_of)
        by_lead = {row["lead_id"]: row for row in leads}
        return by_lead, _group_by_lead(events), _group_by_lead(mqls)


def _group_by_lead(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["lead_id"], []).append(row)
    return grouped
