"""Dispositions and re-engagement: the ``plan_recycling`` and ``plan_reengagement``
planning tables and the ``crm_lead_dispositions`` rows.

Sales dispose of about half of the leads they worked that did not buy (no won or open
opportunity), days to weeks after the last activity or the lost opportunity: mostly
``recycled`` (reasons such as "no budget", "no response", sometimes none), else
``disqualified`` (competitors, colleagues and students always, for that reason). Some
disqualified leads are reopened (recycled) weeks later; about a third of the recycled ones
come back: a re-nurture email clicked, a visit (often pricing pages and a sales-ready form,
followed up by sales again), so they can become an MQL again, and some of those are
recycled a second time.
"""

from __future__ import annotations

from lead_funnel.generate.events import event_rows
from lead_funnel.generate.sales import sales_follow_ups
from lead_funnel.generate.scenario import WEEK, Scenario
from lead_funnel.generate.sql import (
    literal,
    uniform_for,
    weighted_choice,
    working_hours_later,
)
from lead_funnel.generate.vocabulary import (
    ASSET_TYPES,
    DISQUALIFY_REASONS,
    INTERNAL_DOMAIN,
    RECYCLE_REASONS,
    REENGAGEMENT_FORMS,
    REENGAGEMENT_LANDING_PAGES,
    REOPEN_REASONS,
    SALES_READY_FORMS,
    STUDENT_TITLES,
)

# The uniform numbers of a lead's dispositions.
random = uniform_for("hash(lead_no, 13)")


def plan_recycling(scenario: Scenario) -> list[str]:
    """Create ``plan_recycling``: what sales decide about the worked leads that did not buy.

    Candidates are the hot leads with sales activities (``plan_sales``) without a won or
    open opportunity. About half of them get a disposition 2 days to 5 weeks after the last
    sales activity (lost opportunities: after the close): mostly ``recycled`` (back to
    marketing: no budget, no response, bad timing, not now), else ``disqualified`` (wrong
    contact, duplicate ...); competitors, colleagues and students are disqualified for that
    reason. Some disqualified leads are reopened (recycled) weeks later. About a third of
    the recycled leads and every reopened one re-engage (``reengage_s``: a re-nurture
    email, see `plan_reengagement`), and some of the recycled ones are recycled a second
    time after that.
    """
    second_recycling_s = working_hours_later(
        "reengage_s", 10, 35, random("again_day"), random("again_time")
    )
    return [
        f"""
        create or replace temp table plan_recycling as
        select
            lead_no,
            first_s,
            first_disposition,
            first_reason,
            reengage_s,
            case
                when is_reopened then reopen_s
                when is_recycled_twice then {second_recycling_s}
            end as second_s,
            case
                when is_reopened then {weighted_choice(random("reason2"), REOPEN_REASONS)}
                else {weighted_choice(random("reason2"), RECYCLE_REASONS)}
            end as second_reason
        from ({_reengaged(_reopened(_decided(_worked_leads())))})
        """
    ]


def _worked_leads() -> str:
    """The leads sales worked that did not buy, when sales last worked on them, and the
    reason that forces their disqualification (competitors, colleagues, students)."""
    students = ", ".join(literal(title) for title in STUDENT_TITLES)
    return f"""
        select
            sales.lead_no,
            sales.first_touch_delay_s is null as is_never_touched,
            case
                when leads.excluded_domain = {literal(INTERNAL_DOMAIN)} then 'internal test lead'
                when leads.excluded_domain is not null then 'competitor'
                when leads.job_title in ({students}) then 'student'
                else null
            end as forced_reason,
            coalesce(opportunities.closed_s, sales.last_activity_s) as worked_s
        from plan_sales as sales
        inner join plan_leads as leads on leads.lead_no = sales.lead_no
        left join plan_opps as opportunities on opportunities.lead_no = sales.lead_no
        where
            not sales.is_reengagement
            and sales.activities > 0
            and (
                opportunities.lead_no is null
                or (opportunities.closed_s is not null and not opportunities.is_won)
            )
    """


def _decided(worked_leads: str) -> str:
    """About half of the worked leads get a first disposition, and its reason."""
    first_s = working_hours_later("worked_s", 2, 33, random("first_day"), random("first_time"))
    return f"""
        select
            *,
            {first_s} as first_s,
            case
                when forced_reason is not null or {random("disqualify")} < 0.12
                    then 'disqualified'
                else 'recycled'
            end as first_disposition,
            case
                when forced_reason is not null then forced_reason
                when first_disposition = 'disqualified'
                    then {weighted_choice(random("reason"), DISQUALIFY_REASONS)}
                when is_never_touched and {random("silent")} < 0.6 then 'no response'
                else {weighted_choice(random("reason"), RECYCLE_REASONS)}
            end as first_reason
        from ({worked_leads})
        where {random("decided")} < case when forced_reason is not null then 0.8 else 0.5 end
    """


def _reopened(decided: str) -> str:
    """Some disqualified leads are reopened; when a lead is open to marketing again."""
    reopen_s = working_hours_later("first_s", 14, 60, random("reopen_day"), random("reopen_time"))
    return f"""
        select
            *,
            first_disposition = 'disqualified'
                and forced_reason is null
                and coalesce(first_reason, '') <> 'duplicate lead'
                and {random("reopen")} < 0.3 as is_reopened,
            case when is_reopened then {reopen_s} end as reopen_s,
            case
                when is_reopened then reopen_s
                when first_disposition = 'recycled' then first_s
            end as open_again_s
        from ({decided})
    """


def _reengaged(reopened: str) -> str:
    """Which leads open to marketing come back (``reengage_s``) and which of those are
    recycled a second time."""
    return f"""
        select
            *,
            -- the re-nurture email goes out in the morning, 1 to 9 weeks later
            case
                when open_again_s is not null and (is_reopened or {random("reengage")} < 0.35)
                    then (open_again_s // 86400 + 7 + floor({random("re_day")} * 56)::bigint)
                        * 86400 + 32400 + floor({random("re_time")} * 7200)::bigint
            end as reengage_s,
            reengage_s is not null and not is_reopened and {random("twice")} < 0.3
                as is_recycled_twice
        from ({reopened})
    """


def plan_reengagement(scenario: Scenario) -> list[str]:
    """Create ``plan_reengagement`` and add the visits to ``plan_bursts`` and ``plan_sales``.

    A recycled lead that comes back gets a re-nurture email (when it still gets email) that
    it opens and clicks, visits from it (a hot visit about half the time: pricing pages and
    mostly a sales-ready form, followed up by sales) and sometimes a second visit days
    later. The visits are appended to ``plan_bursts`` (numbered after the lead's own
    bursts) and their sales follow-up to ``plan_sales``.
    """
    return [
        _reengagement_table(scenario),
        _reengagement_bursts(),
        "insert into plan_sales " + sales_follow_ups("is_hot_burst and is_reengagement"),
    ]


def _reengagement_table(scenario: Scenario) -> str:
    """``plan_reengagement``: the re-nurture email's open and click, the visits."""
    comeback_random = uniform_for("recycled.lead_no")
    return f"""
        create or replace temp table plan_reengagement as
        select
            recycled.lead_no,
            recycled.reengage_s,
            -- the week of the email is before the lead's unsubscribe (see email_events)
            not leads.is_bouncer
                and floor(
                    (recycled.reengage_s - {scenario.first_email_campaign_s}) / {WEEK}
                )::bigint - leads.first_campaign_week < leads.unsubscribe_send_no as via_email,
            recycled.reengage_s + 300 + floor(
                least(-ln(1 - {comeback_random("re_open")}) * 3 * 3600, 2 * 86400)
            )::bigint as open_s,
            open_s + 20 + floor({comeback_random("re_click")} * 300)::bigint as click_s,
            case when via_email then click_s + 15 else recycled.reengage_s end as visit_s,
            case when {comeback_random("re_visits")} < 0.5 then 2 else 1 end as visits
        from plan_recycling as recycled
        inner join plan_leads as leads on leads.lead_no = recycled.lead_no
        where recycled.reengage_s is not null
    """


def _reengagement_bursts() -> str:
    """Append the re-engagement visits to ``plan_bursts``: the first one from the email
    (or directly), a second one days later."""
    random_of_burst = uniform_for("burst_key")
    landing_category = weighted_choice(random_of_burst("land"), REENGAGEMENT_LANDING_PAGES)
    return f"""
        insert into plan_bursts by name
        select
            * exclude (visit_no),
            case
                when is_hot_burst then 3 + floor({random_of_burst("npv")} * 4)
                else 2 + floor({random_of_burst("npv")} * 3)
            end::integer as page_views,
            case when visit_no = 0 then {landing_category} else 'home' end as landing_category,
            case
                when is_hot_burst and {random_of_burst("form")} < 0.72
                    then {weighted_choice(random_of_burst("form2"), SALES_READY_FORMS)}
                when is_hot_burst and {random_of_burst("form")} < 0.85 then 'contact_us'
                when not is_hot_burst and {random_of_burst("form")} < 0.3
                    then {weighted_choice(random_of_burst("form2"), REENGAGEMENT_FORMS)}
                else null
            end as form_type,
            case
                when {random_of_burst("dl")} < 0.2
                    then {weighted_choice(random_of_burst("asset"), ASSET_TYPES)}
                else null
            end as asset_type,
            {random_of_burst("web")} < 0.05 as webinar_registered,
            {random_of_burst("attend")} < 0.30 + 0.45 * interest as webinar_attended
        from (
            select
                leads.lead_no,
                leads.lead_source,
                leads.country_code,
                leads.interest,
                leads.created_s,
                leads.fit,
                leads.account_tier,
                leads.employee_count,
                visit_no,
                leads.bursts + visit_no as burst_no,
                hash(leads.lead_no, burst_no) as burst_key,
                case
                    when visit_no = 0 then reengaged.visit_s
                    else (
                        reengaged.visit_s // 86400 + 1
                        + floor({random_of_burst("next_day")} * 6)::bigint
                    ) * 86400 + 25200 + floor({random_of_burst("next_time")} * 46800)::bigint
                end as burst_s,
                visit_no = 0 and {random_of_burst("hot")} < 0.5 as is_hot_burst,
                true as is_reengagement
            from plan_reengagement as reengaged
            inner join plan_leads as leads on leads.lead_no = reengaged.lead_no,
                unnest(range(reengaged.visits)) as reengagement_visits(visit_no)
        )
    """


def crm_lead_dispositions_rows(scenario: Scenario) -> str:
    """The ``crm_lead_dispositions`` rows: the first decision, then a reopening or a second
    recycling. They land with the CRM batches and get the event-table mess."""
    dispositions = """
        select
            hash(lead_no, disposition_no, 'disposition') as row_key,
            'dsp-' || lead_no || '-' || disposition_no as event_id,
            lead_no,
            case when disposition_no = 0 then first_disposition else 'recycled' end
                as disposition,
            case when disposition_no = 0 then first_reason else second_reason end as reason,
            case when disposition_no = 0 then first_s else second_s end as occurred_s
        from
            plan_recycling,
            unnest(case when second_s is null then [0] else [0, 1] end)
                as dispositions(disposition_no)
    """
    return event_rows(scenario, "crm_lead_dispositions", dispositions, batch_s=900)
