"""Leads: the ``plan_leads`` planning table and the ``crm_leads`` rows.

A lead has a channel (``lead_source``, a few null), a campaign (null for most organic,
direct and referral leads), an email on its company's domain or a free-mail domain (about
1.4 % on a competitor's or our own domain, without a company), a job title (about 2 %
students and interns), a company (shared by several leads, about 7 % none), a creation time
and a latent behaviour: an *interest* that grows with fit and channel intent (competitors
study the pricing), its number of activity bursts, whether and when it turns "hot", its
email open and click affinity, bounces and unsubscribes.
"""

from __future__ import annotations

from lead_funnel.generate.scenario import WEEK, Scenario
from lead_funnel.generate.sql import (
    case_of,
    lead_id,
    literal,
    missing_id,
    mixed_case,
    next_batch,
    quoted,
    uniform_choice,
    uniform_for,
    weighted_choice,
)
from lead_funnel.generate.vocabulary import (
    CAMPAIGN_CODES,
    CHANGED_LEAD_SOURCES,
    CHANNEL_INTENT,
    COMPETITOR_DOMAINS,
    FIRST_NAMES,
    FREE_MAIL,
    INTERNAL_DOMAIN,
    JOB_TITLES,
    LAST_NAMES,
    LEAD_SOURCES,
)

random = uniform_for("lead_no")


def plan_leads(scenario: Scenario) -> list[str]:
    """Create ``plan_leads``: one row per lead with its attributes and latent behaviour.

    The query is built in steps, each a subquery reading only the columns of the one
    below: DuckDB then does not inline long chains of derived expressions (slow to plan).
    """
    query = _with_company(scenario)
    for step in (_with_contact, _with_interest, _with_behaviour, _with_hot_burst):
        query = step(scenario, query)
    return [
        f"""
        create or replace temp table plan_leads as
        select *, greatest(drawn_bursts, hot_burst_no + 1) as bursts
        from ({query})
        """
    ]


def _with_company(scenario: Scenario) -> str:
    """Company (or a competitor's or our own domain), channel, creation day, job titles."""
    competitor_domain = weighted_choice(random("excluded2"), COMPETITOR_DOMAINS)
    return f"""
        select
            drawn.lead_no,
            drawn.excluded_domain,
            companies.company_id,
            companies.industry,
            companies.country_code,
            companies.employee_count,
            companies.account_tier,
            companies.domain as company_domain,
            {weighted_choice(random("source"), LEAD_SOURCES)} as lead_source,
            -- creation: more leads later in the period, mostly in working hours
            floor(pow({random("day")}, 0.85) * {scenario.period_days})::bigint as created_day_no,
            case
                when {random("tod")} < 0.78 then 25200 + floor({random("tod2")} * 39600)
                else floor({random("tod2")} * 86400)
            end::bigint as created_time_of_day_s,
            drawn.excluded_domain is null and (
                (drawn.company_no is null and {random("free")} < 0.85)
                or (drawn.company_no is not null and {random("free")} < 0.18)
            ) as uses_free_mail,
            {weighted_choice(random("title"), JOB_TITLES)} as job_title,
            {weighted_choice(random("title2"), JOB_TITLES[:-1])} as changed_job_title,
            {random("mess")} as mess_u,
            {random("mess2")} as mess_detail_u
        from (
            select
                lead_no,
                -- a few leads are competitors or colleagues (no company in the CRM)
                case
                    when {random("excluded")} < 0.010 then {competitor_domain}
                    when {random("excluded")} < 0.014 then {literal(INTERNAL_DOMAIN)}
                    else null
                end as excluded_domain,
                case
                    when excluded_domain is not null or {random("noco")} < 0.07 then null
                    else 1 + floor({random("co")} * {scenario.companies})::bigint
                end as company_no
            from range(1, {scenario.leads + 1}) as leads(lead_no)
        ) as drawn
        left join plan_companies as companies using (company_no)
    """


def _with_contact(scenario: Scenario, leads: str) -> str:
    """Campaign, creation time, email address, fit and channel intent."""
    campaign_code = case_of("lead_source", quoted(CAMPAIGN_CODES))
    campaign_no = f"((1 + floor({random('cno')} * 6))::integer)::varchar"
    channel_intent = case_of(
        "lead_source", {source: str(intent) for source, intent in CHANNEL_INTENT.items()}, "0.30"
    )
    return f"""
        select
            *,
            case
                when {campaign_code} is not null and {random("campaign")} < 0.88
                    then 'CMP-' || {campaign_code} || '-' || {campaign_no}
                when lead_source in ('organic_search', 'direct', 'referral')
                    and {random("campaign")} < 0.05
                    then 'CMP-BR-1'
                else null
            end as campaign_id,
            greatest({scenario.start_s}, least(
                {scenario.end_s - 3600},
                {scenario.first_midnight_s} + created_day_no * 86400 + created_time_of_day_s
            )) as created_s,
            {uniform_choice(FIRST_NAMES, random("first"))}
                || '.' || {uniform_choice(LAST_NAMES, random("last"))}
                || case
                    when {random("digits")} < 0.3
                        then (floor({random("digits2")} * 90) + 10)::integer::varchar
                    else ''
                end
                || '@' || case
                    when excluded_domain is not null then excluded_domain
                    when uses_free_mail or company_domain is null
                        then {weighted_choice(random("freemail"), FREE_MAIL)}
                    else company_domain
                end as email,
            -- fit (0..1) as the seeded rules see it (clean values)
            greatest(0.0, least(1.0, (
                case
                    when employee_count between 50 and 249 then 10
                    when employee_count >= 250 then 20
                    else 0
                end
                + case when country_code in ('CZ', 'SK') then 10 else 0 end
                + case when industry = 'manufacturing' then 10 else 0 end
                + case when account_tier = 1 then 15 when account_tier = 2 then 5 else 0 end
                + case when lead_source = 'organic_search' then 5 else 0 end
                - case when uses_free_mail then 10 else 0 end
            ) / 50.0)) as fit,
            {channel_intent} as channel_intent
        from ({leads})
    """


def _with_interest(scenario: Scenario, leads: str) -> str:
    """Interest, landing time, a later change, email campaign weeks, bounces, unsubscribes."""
    competitors = ", ".join(literal(domain) for domain, _ in COMPETITOR_DOMAINS)
    first_campaign_s = scenario.first_email_campaign_s
    landing_jitter = f"floor({random('lag')} * 240)::bigint"
    return f"""
        select
            *,
            -- competitors study the pricing closely
            greatest(0.0, least(1.0,
                0.50 * channel_intent + 0.30 * fit + 0.55 * ({random("interest")} - 0.5)
                + case when excluded_domain in ({competitors}) then 0.25 else 0 end
            )) as interest,
            least({scenario.end_s}, case
                when {scenario.mess_band("mess_u", 1)}
                    then created_s + 86400 + floor(mess_detail_u * 2 * 86400)::bigint
                else {next_batch("created_s", 900, landing_jitter)}
            end) as loaded_s,
            -- a later change (mess band 0), before the end of the period
            created_s + 3600 + floor({random("upd")} * greatest(
                0, least(59 * 86400, {scenario.end_s} - created_s - 7200)
            ))::bigint as changed_s,
            greatest(0, ceil((created_s - {first_campaign_s}) / {WEEK}))::bigint
                as first_campaign_week,
            floor(({scenario.end_s} - {first_campaign_s}) / {WEEK})::bigint
                as last_campaign_week,
            {random("bouncer")} < 0.03 as is_bouncer,
            floor(ln(1 - {random("unsub")}) / ln(1 - 0.006))::bigint as unsubscribe_send_no
        from ({leads})
    """


def _with_behaviour(scenario: Scenario, leads: str) -> str:
    """How the lead was created, its activity bursts and its email affinity."""
    return f"""
        select
            *,
            case
                when lead_source = 'webinar' then 'webinar'
                when lead_source in ('event', 'email') then 'import'
                -- colleagues test the sales forms
                when {random("kind")} < 0.02 + 0.10 * interest + case
                    when excluded_domain = {literal(INTERNAL_DOMAIN)} then 0.5 else 0
                end
                    then 'sales_form'
                when {random("kind")} < 0.28 then 'download'
                else 'form'
            end as creation_kind,
            1 + floor({random("bursts")} * (0.5 + 5.0 * interest))::integer as drawn_bursts,
            2.0 + 45.0 * (1.0 - interest) * {random("gap")} as burst_gap_days,
            0.015 + 0.20 * case
                when {random("aff")} < 0.45 then 0.0
                else interest * (0.3 + 0.7 * {random("aff2")})
            end as open_probability,
            0.15 + 0.35 * interest as click_probability
        from ({leads})
    """


def _with_hot_burst(scenario: Scenario, leads: str) -> str:
    """The burst in which the lead turns hot: 0 (created by a sales form), 1..3, or -1."""
    return f"""
        select
            *,
            case
                when creation_kind = 'sales_form' then 0
                when {random("hot")} < 0.01 + 0.38 * pow(interest, 2.0)
                    then 1 + floor(
                        {random("hotb")} * least(3, greatest(1, drawn_bursts - 1))
                    )::integer
                else -1
            end as hot_burst_no
        from ({leads})
    """


def crm_leads_rows(scenario: Scenario) -> str:
    """The ``crm_leads`` rows (epoch-second timestamps, before the landing projection).

    Version 0 is the lead as created, version 1 a later landing with a changed job title,
    source or campaign, version 2 an extra row without id. Mess bands of ``mess_u``:
    0 changed version, 1 lands days late (after its first events), 2 unparseable
    created_at, 3 lead_source in mixed case, 4 extra row without id.
    """
    mess_band = scenario.mess_band
    changed_jitter = "floor(mess_detail_u * 240)::bigint"
    return f"""
        select
            case
                when version = 2 then {missing_id("uniform(lead_no, 'miss')")}
                else {lead_id("lead_no")}
            end as lead_id,
            email,
            case
                when version = 1 and mess_detail_u < 0.5 then changed_job_title
                else job_title
            end as job_title,
            company_id,
            case
                when version = 1 and mess_detail_u >= 0.5 and mess_detail_u < 0.8
                    then {weighted_choice("mess_detail_u", CHANGED_LEAD_SOURCES)}
                when {mess_band("mess_u", 3)} and lead_source is not null
                    then {mixed_case("lead_source", "mess_detail_u")}
                else lead_source
            end as lead_source,
            case
                when version = 1 and mess_detail_u >= 0.8 then 'CMP-RT-1'
                else campaign_id
            end as campaign_id,
            created_s as created_at,
            {mess_band("mess_u", 2)} as created_at_unparseable,
            case when version = 1 then changed_s else created_s end as updated_at,
            case
                when version = 1 then {next_batch("changed_s", 900, changed_jitter)}
                when version = 2 then loaded_s + floor(mess_detail_u * 3600)::bigint
                else loaded_s
            end as _loaded_at
        from {scenario.crm_versions("plan_leads")}
    """
