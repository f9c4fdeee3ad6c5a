"""The web site: ``web_page_views``, ``form_submissions`` and ``content_downloads`` rows.

Page views come from the leads' activity bursts (the first one of a burst on a landing
page that depends on the channel, the last ones of a hot burst on pricing pages) and from
anonymous sessions (about two per lead). About 5 % of a lead's page views (20 % of a hot
burst's pricing views) are reloaded minutes later on the same UTC day, so counting per day
differs from counting per event. Forms and downloads end their bursts.
"""

from __future__ import annotations

from lead_funnel.generate.events import event_rows
from lead_funnel.generate.scenario import Scenario
from lead_funnel.generate.sql import (
    Uniform,
    case_of,
    literal,
    quoted,
    uniform_choice,
    uniform_for,
    weighted_choice,
)
from lead_funnel.generate.vocabulary import (
    ANONYMOUS_PAGES,
    BLOG_POSTS,
    CASE_STUDIES,
    COUNTRIES,
    PRODUCTS,
    SITE,
    UTM_PARAMETERS,
)

# The category of a lead's page view that is neither the landing page nor a hot burst's
# pricing page: weights are SQL expressions of the lead's interest (the last takes the rest).
PAGE_CATEGORIES = (
    ("pricing", "0.01 + 0.06 * interest"),
    ("case_study", "0.03 + 0.06 * interest"),
    ("product", "0.20"),
    ("blog", "0.30 - 0.15 * interest"),
    ("careers", "0.07 - 0.05 * interest"),
    ("about", "0.07"),
    ("contact", "0.04"),
    ("webinars", "0.04"),
    ("home", "the rest"),
)
# The uniform numbers of page view `view_no` of a burst (anonymous sessions have bursts too).
view_random = uniform_for("hash(burst_key, view_no)")


def page_url(category: str, random: Uniform) -> str:
    """URL of a page of category ``category`` (local pricing/careers pages for CZ/SK/PL)."""
    pricing = f"""
        case
            when country_code in ('CZ', 'SK') and {random("lang")} < 0.6 then '/cs/cenik'
            when country_code = 'PL' and {random("lang")} < 0.6 then '/pl/cennik'
            else '/pricing'
        end
        || case when {random("plan")} < 0.2 then '?plan=enterprise' else '' end
    """
    careers = f"""
        case
            when country_code in ('CZ', 'SK') and {random("lang")} < 0.5 then '/cs/kariera'
            else '/careers'
        end
    """
    paths = {
        "pricing": pricing,
        "case_study": f"'/case-studies/' || {uniform_choice(CASE_STUDIES, random('slug'))}",
        "product": f"'/product/' || {uniform_choice(PRODUCTS, random('slug'))}",
        "blog": f"'/blog/' || {uniform_choice(BLOG_POSTS, random('slug'))}",
        "careers": careers,
        "about": "'/about'",
        "contact": "'/contact'",
        "webinars": "'/webinars'",
    }
    return f"{literal(SITE)} || {case_of(category, paths, literal('/'))}"


def web_page_views_rows(scenario: Scenario) -> str:
    """The ``web_page_views`` rows: the leads' page views, then the anonymous ones."""
    base = f"{_lead_page_views()} union all {_anonymous_page_views(scenario)}"
    return event_rows(scenario, "web_page_views", base, batch_s=900)


def _lead_page_views() -> str:
    """Page views of the leads' bursts, with reloads.

    Categories first (inner query), then URLs: keeps the plans small. A reload is the same
    page (same view key, so the same URL) again a few minutes later on the same UTC day.
    Only the columns needed go through the unnests (faster than all of them).
    """
    utm = f"""
        case
            when view_no = 0 then coalesce({case_of("lead_source", quoted(UTM_PARAMETERS))}, '')
            else ''
        end
    """
    is_pricing_end = "is_hot_burst and view_no >= page_views - 2"
    return f"""
        select
            case when reload_no = 0 then view_key else hash(view_key, 'reload') end as row_key,
            event_id,
            lead_no,
            {page_url("category", uniform_for("view_key"))} || utm as page_url,
            case
                when reload_no = 0 then view_s
                when (view_s + reload_gap_s) // 86400 = view_s // 86400 then view_s + reload_gap_s
                else view_s - reload_gap_s
            end as occurred_s
        from (
            select
                hash(lead_no, burst_no, view_no, 'pv') as view_key,
                reload_no,
                'pv-' || lead_no || '-' || burst_no || '-' || view_no
                    || case when reload_no = 0 then '' else '-r' end as event_id,
                lead_no,
                country_code,
                case
                    when view_no = 0 then landing_category
                    when {is_pricing_end} then 'pricing'
                    else {weighted_choice(view_random("cat"), PAGE_CATEGORIES)}
                end as category,
                {utm} as utm,
                case
                    when burst_no = 0
                        then created_s - (page_views - view_no) * 75
                            + floor(uniform(burst_key, view_no) * 50)::bigint
                    else burst_s + view_no * 75 + floor(uniform(burst_key, view_no) * 50)::bigint
                end as view_s,
                60 + floor({view_random("reload_gap")} * 1140)::bigint as reload_gap_s
            from (
                select
                    *,
                    unnest(
                        case
                            when {view_random("reload")}
                                < case when {is_pricing_end} then 0.2 else 0.05 end
                                then [0, 1]
                            else [0]
                        end
                    ) as reload_no
                from (
                    select
                        lead_no,
                        burst_no,
                        burst_key,
                        lead_source,
                        country_code,
                        interest,
                        created_s,
                        burst_s,
                        is_hot_burst,
                        page_views,
                        landing_category,
                        unnest(range(page_views)) as view_no
                    from plan_bursts
                    where page_views > 0
                )
            )
        )
    """


def _anonymous_page_views(scenario: Scenario) -> str:
    """Page views without a lead: sessions of 1 to 4 views at random times of the period."""
    sessions = max(1, round(scenario.leads * 2.0))
    period_s = scenario.end_s - scenario.start_s
    return f"""
        select
            row_key,
            event_id,
            lead_no,
            {page_url("category", uniform_for("row_key"))} as page_url,
            occurred_s
        from (
            select
                hash(session_no, view_no, 'apv') as row_key,
                'pv-a' || session_no || '-' || view_no as event_id,
                null::bigint as lead_no,
                {weighted_choice("uniform(session_no, 'anon_c')", COUNTRIES)} as country_code,
                {weighted_choice(view_random("cat"), ANONYMOUS_PAGES)} as category,
                {scenario.start_s}
                    + floor(uniform(session_no, 'anon_t') * {period_s - 600})::bigint
                    + view_no * 75
                    + floor(uniform(hash(session_no, view_no), 'jit') * 50)::bigint as occurred_s
            from (
                select
                    session_no,
                    hash(session_no, 'anon') as burst_key,
                    unnest(range(1 + floor(uniform(session_no, 'anon_n') * 4)::integer)) as view_no
                from range(1, {sessions + 1}) as sessions(session_no)
            )
        )
    """


def form_submissions_rows(scenario: Scenario) -> str:
    """The ``form_submissions`` rows: the form at the end of a burst."""
    forms = """
        select
            hash(burst_key, 'fs') as row_key,
            'fs-' || lead_no || '-' || burst_no as event_id,
            lead_no,
            form_type,
            case
                when burst_no = 0 then created_s
                else burst_s + page_views * 90 + 60
            end as occurred_s
        from plan_bursts
        where form_type is not null
    """
    return event_rows(scenario, "form_submissions", forms, batch_s=900)


def content_downloads_rows(scenario: Scenario) -> str:
    """The ``content_downloads`` rows: a gated asset downloaded during a burst."""
    downloads = """
        select
            hash(burst_key, 'dl') as row_key,
            'dl-' || lead_no || '-' || burst_no as event_id,
            lead_no,
            'AST-' || upper(left(asset_type, 2))
                || printf('%03d', 1 + floor(uniform(burst_key, 'asset_no') * 12)::integer)
                as asset_id,
            asset_type,
            case
                when burst_no = 0 then created_s
                else burst_s
                    + floor(uniform(burst_key, 'dl_t') * greatest(page_views, 1) * 75)::bigint
            end as occurred_s
        from plan_bursts
        where asset_type is not null
    """
    return event_rows(scenario, "content_downloads", downloads, batch_s=3600)
