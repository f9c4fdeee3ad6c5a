"""Sales: the ``plan_sales`` and ``plan_opps`` planning tables, the ``sales_activities``
and ``crm_opportunities`` rows.

A hot lead gets sales activities after its hot burst with realistic delays (about 40 %
within the hour, others hours or days later, about 10 % never: at most a task), sometimes
a meeting, then an opportunity that is won, lost or still open. Closed opportunities land
twice: open when created and again when closed.
"""

from __future__ import annotations

from lead_funnel.generate.events import event_rows
from lead_funnel.generate.scenario import Scenario
from lead_funnel.generate.sql import (
    lead_id,
    missing_id,
    next_batch,
    uniform_for,
    weighted_choice,
)
from lead_funnel.generate.vocabulary import SALES_ACTIVITY_TYPES

SALES_READY_FORM_TYPES = "('demo_request', 'pricing_request', 'consultation_request')"


def plan_sales(scenario: Scenario) -> list[str]:
    """Create ``plan_sales``: the sales follow-up of each lead's hot burst."""
    follow_ups = sales_follow_ups("is_hot_burst and not is_reengagement")
    return [f"create or replace temp table plan_sales as {follow_ups}"]


def sales_follow_ups(bursts: str) -> str:
    """The sales follow-up of the bursts of ``plan_bursts`` matching the condition ``bursts``.

    ``sales_key`` keys the random numbers of a follow-up: the lead number for the first one
    (the hot burst), a negative number for the follow-up of a re-engagement visit.
    """
    random = uniform_for("hash(sales_key, 7)")
    return f"""
        select
            lead_no,
            burst_no,
            is_reengagement,
            case
                when is_reengagement then -(lead_no * 1000 + burst_no)
                else lead_no
            end as sales_key,
            fit,
            account_tier,
            employee_count,
            coalesce(form_type in {SALES_READY_FORM_TYPES}, false) as after_sales_ready_form,
            case
                when burst_no = 0 then created_s + 60
                else burst_s + page_views * 90 + 180
            end as trigger_s,
            {random("delay")} as delay_u,
            case
                when delay_u < 0.42 then 120 + floor({random("d2")} * 3000)
                when delay_u < 0.72 then 3600 + floor({random("d2")} * 20 * 3600)
                when delay_u < 0.90 then 86400 + floor({random("d2")} * 7 * 86400)
                else null
            end::bigint as first_touch_delay_s,
            trigger_s + first_touch_delay_s as first_touch_s,
            -- never touched: at most a task (not a touch)
            case
                when first_touch_delay_s is null
                    then case when {random("task")} < 0.5 then 1 else 0 end
                else 1 + floor({random("nact")} * 4)::integer
            end as activities,
            case
                when first_touch_delay_s is not null
                    and activities >= 2
                    and {random("meet")} < 0.30 + 0.30 * fit
                        + case when after_sales_ready_form then 0.20 else 0 end
                    then 1 + floor({random("meeti")} * least(2, activities - 1))::integer
                else null
            end as meeting_no,
            sales_activity_s(sales_key, meeting_no, first_touch_s) as meeting_s,
            -- the untouched lead's task, else the last touch
            case
                when first_touch_delay_s is null
                    then trigger_s + 86400 + floor(uniform(sales_key, 'task_t') * 2 * 86400)::bigint
                else sales_activity_s(sales_key, activities - 1, first_touch_s)
            end as last_activity_s
        from plan_bursts
        where {bursts}
    """


def plan_opportunities(scenario: Scenario) -> list[str]:
    """Create ``plan_opps``: the opportunity of a hot lead's meeting, when there is one."""
    random = uniform_for("hash(lead_no, 11)")
    return [
        f"""
        create or replace temp table plan_opps as
        select
            lead_no,
            meeting_s + 86400 + floor({random("open")} * 13 * 86400)::bigint as created_s,
            case
                when employee_count >= 250 then 30000
                when employee_count >= 50 then 8000
                else 2000
            end as smallest_amount,
            round(smallest_amount * exp({random("amount")} * ln(8.0)), -2) as first_amount,
            case
                when {random("stall")} < 0.15 then null
                else created_s + floor((14 + {random("dur")} * 100) * 86400)::bigint
            end as closed_s,
            {random("won")} < 0.30 + 0.15 * fit
                + case when account_tier = 1 then 0.15 else 0 end as is_won
        from plan_sales
        where
            not is_reengagement
            and meeting_s is not null
            and {random("opp")} < 0.50 + 0.25 * fit
        """
    ]


def sales_activities_rows(scenario: Scenario) -> str:
    """The ``sales_activities`` rows: the first touch (a call or an email), later calls,
    emails and tasks, the meeting; an untouched lead's task."""
    activity_random = uniform_for("hash(sales_key, activity_no)")
    activities = f"""
        select
            hash(sales_key, activity_no, 'act') as row_key,
            'act-' || lead_no
                || case when is_reengagement then '-r' || burst_no else '' end
                || '-' || activity_no as event_id,
            lead_no,
            case
                when first_touch_delay_s is null then 'task'
                when activity_no = meeting_no then 'meeting'
                when activity_no = 0
                    then case
                        when {activity_random("act_type")} < 0.6 then 'call' else 'email'
                    end
                else {weighted_choice(activity_random("act_type"), SALES_ACTIVITY_TYPES)}
            end as activity_type,
            case
                when first_touch_delay_s is null then last_activity_s
                else sales_activity_s(sales_key, activity_no, first_touch_s)
            end as occurred_s
        from (
            select *, unnest(range(activities)) as activity_no
            from plan_sales
            where activities > 0
        )
    """
    return event_rows(scenario, "sales_activities", activities, batch_s=900)


def crm_opportunities_rows(scenario: Scenario) -> str:
    """The ``crm_opportunities`` rows (epoch-second timestamps, before the projection).

    Version 0 is the open opportunity at creation, 1 the closed one, 2 a landing with a
    changed amount (mess). Mess bands of ``mess_u`` (per opportunity): 0 amount changed,
    3 orphan lead, 4 no lead; of ``row_mess_u`` (per row): 1 missing id, 2 unparseable
    created_at.
    """
    mess_band = scenario.mess_band
    return f"""
        with opportunities as (
            select
                *,
                uniform(lead_no, 'opp_mess') as mess_u,
                uniform(lead_no, 'opp_mess2') as mess_detail_u,
                case
                    when {mess_band("mess_u", 0)}
                        then round(first_amount * (0.7 + 0.6 * mess_detail_u), -2)
                    else first_amount
                end as changed_amount,
                created_s + floor((1 + mess_detail_u * 10) * 86400)::bigint as changed_s
            from plan_opps
        ),

        versions as (
            select
                opportunities.*,
                version,
                uniform(hash(lead_no, version), 'opp_row') as row_mess_u,
                case version
                    when 0 then created_s
                    when 1 then closed_s
                    else changed_s
                end as version_s
            from
                opportunities,
                unnest(
                    case when {mess_band("mess_u", 0)} then [0, 1, 2] else [0, 1] end
                ) as landings(version)
            where version <> 1 or closed_s is not null
        )

        select
            case
                when {mess_band("row_mess_u", 1)} then {missing_id("uniform(lead_no, 'miss')")}
                else 'opp-' || lead_no
            end as opportunity_id,
            case
                when {mess_band("mess_u", 3)} then {scenario.orphan_lead_id("mess_detail_u")}
                when {mess_band("mess_u", 4)} then null
                else {lead_id("lead_no")}
            end as lead_id,
            created_s as created_at,
            {mess_band("row_mess_u", 2)} as created_at_unparseable,
            case when version = 1 then closed_s else null end as closed_at,
            case when version = 1 then is_won else null end as is_won,
            case when version = 0 then first_amount else changed_amount end as amount,
            {next_batch("version_s", 900, "floor(row_mess_u * 600)::bigint")} as _loaded_at
        from versions
    """
