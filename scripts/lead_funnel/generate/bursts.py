"""Activity bursts: the ``plan_bursts`` planning table.

Burst 0 is the session that created the lead: page views *before* ``created_at``, then
the form, gated download or webinar registration (event and email-list leads are imported
without one). Later bursts follow over days and weeks, so events cluster in time. Page
views, downloads, webinar registrations and forms all come from bursts; the hot burst has
pricing pages and mostly a sales-ready form. Re-engagement visits of recycled leads are
appended later (`dispositions.plan_reengagement`).
"""

from __future__ import annotations

from lead_funnel.generate.scenario import Scenario
from lead_funnel.generate.sql import case_of, uniform_for, weighted_choice
from lead_funnel.generate.vocabulary import (
    ASSET_TYPES,
    CREATION_FORMS,
    LANDING_PAGES,
    LATER_FORMS,
    SALES_READY_FORMS,
)

# The uniform numbers of a burst (`burst_key` = hash(lead_no, burst_no)).
random = uniform_for("burst_key")


def plan_bursts(scenario: Scenario) -> list[str]:
    """Create ``plan_bursts``: one row per activity burst of a lead."""
    landing_category = case_of(
        "leads.lead_source",
        {source: weighted_choice(random("land"), pages) for source, pages in LANDING_PAGES.items()},
        "'home'",
    )
    asset_type = weighted_choice(random("asset"), ASSET_TYPES)
    return [
        f"""
        create or replace temp table plan_bursts as
        select
            leads.lead_no,
            leads.lead_source,
            leads.country_code,
            leads.interest,
            leads.created_s,
            leads.fit,
            leads.account_tier,
            leads.employee_count,
            burst_no,
            hash(leads.lead_no, burst_no) as burst_key,
            burst_start_s(leads.lead_no, burst_no, leads.created_s, leads.burst_gap_days)
                as burst_s,
            burst_no = leads.hot_burst_no as is_hot_burst,
            false as is_reengagement,
            case
                when burst_no = 0 and leads.creation_kind = 'import' then 0
                when burst_no = 0 and leads.creation_kind = 'webinar'
                    then case when {random("pv0")} < 0.4 then 1 else 0 end
                when burst_no = 0
                    then 1 + floor({random("npv")} * (1.0 + 2.0 * interest))::integer
                when burst_no = leads.hot_burst_no then 3 + floor({random("npv")} * 4)::integer
                else 1 + floor({random("npv")} * (0.6 + 2.0 * interest))::integer
            end as page_views,
            {landing_category} as landing_category,
            -- the form at the end of the burst (burst 0: the form that created the lead)
            case
                when burst_no = 0 and leads.creation_kind = 'sales_form'
                    then {weighted_choice(random("form"), SALES_READY_FORMS)}
                when burst_no = 0 and leads.creation_kind = 'form'
                    then {weighted_choice(random("form"), CREATION_FORMS)}
                when burst_no = 0 then null
                when burst_no = leads.hot_burst_no and {random("form")} < 0.72
                    then {weighted_choice(random("form2"), SALES_READY_FORMS)}
                when burst_no = leads.hot_burst_no and {random("form")} < 0.85 then 'contact_us'
                when burst_no <> leads.hot_burst_no and {random("form")} < 0.03 + 0.08 * interest
                    then {weighted_choice(random("form2"), LATER_FORMS)}
                else null
            end as form_type,
            case
                when burst_no = 0 and leads.creation_kind = 'download' then {asset_type}
                when burst_no > 0 and {random("dl")} < 0.03 + 0.12 * interest then {asset_type}
                else null
            end as asset_type,
            (burst_no = 0 and leads.creation_kind = 'webinar')
                or (burst_no > 0 and {random("web")} < 0.015 + 0.06 * interest)
                as webinar_registered,
            {random("attend")} < 0.30 + 0.45 * interest as webinar_attended
        from plan_leads as leads, unnest(range(leads.bursts)) as bursts(burst_no)
        """
    ]
