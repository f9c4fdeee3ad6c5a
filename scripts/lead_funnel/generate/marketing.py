"""Marketing tools: ``email_events`` and ``webinar_events`` rows.

Emails follow a weekly campaign calendar: about half of the leads get each campaign after
their creation (delivered or bounced, then perhaps opened, clicked, unsubscribed), hard
bouncers are dropped after two sends and nothing is sent after an unsubscribe. A recycled
lead that comes back by email gets its re-nurture email (delivered, opened, clicked).
Webinars run fortnightly: a registration (from a burst) for the next one, then perhaps the
attendance.
"""

from __future__ import annotations

from lead_funnel.generate.events import event_rows
from lead_funnel.generate.scenario import DAY, WEEK, Scenario


def email_events_rows(scenario: Scenario) -> str:
    """The ``email_events`` rows: the weekly campaigns, then the re-nurture emails."""
    base = f"{_campaign_emails(scenario)} union all {_renurture_emails()}"
    return event_rows(scenario, "email_events", base, batch_s=3600)


def _campaign_emails(scenario: Scenario) -> str:
    """Events of the weekly campaigns: 0 delivered or bounce, 1 open, 2 click, 3 unsubscribe."""
    sent_s = f"{scenario.first_email_campaign_s} + campaign_week * {WEEK}"
    return f"""
        with sends as (
            select
                lead_no,
                campaign_week,
                campaign_week - first_campaign_week as send_no,
                open_probability,
                click_probability,
                is_bouncer,
                unsubscribe_send_no,
                hash(lead_no, campaign_week) as send_key
            from (
                select
                    leads.*,
                    unnest(range(leads.first_campaign_week, leads.last_campaign_week + 1))
                        as campaign_week
                from plan_leads as leads
                where leads.last_campaign_week >= leads.first_campaign_week
            )
            where uniform(hash(lead_no, campaign_week), 'recv') < 0.5
        ),

        outcomes as (
            select
                sends.*,
                {sent_s} + 30 + floor(uniform(send_key, 'dlv') * 1200)::bigint as delivered_s,
                is_bouncer or uniform(send_key, 'soft') < 0.01 as bounced,
                not bounced and uniform(send_key, 'open') < open_probability as opened,
                opened and uniform(send_key, 'click') < click_probability as clicked,
                delivered_s + 120 + floor(
                    least(-ln(1 - uniform(send_key, 'open_t')) * 5 * 3600, 6 * 86400)
                )::bigint as opened_s
            from sends
            -- nothing after the unsubscribe; hard bouncers are dropped after two sends
            where send_no <= unsubscribe_send_no and (not is_bouncer or send_no < 2)
        )

        select
            hash(send_key, event_no) as row_key,
            'em-' || lead_no || '-' || campaign_week || '-' || event_no as event_id,
            lead_no,
            'EM-' || strftime(make_timestamp(({sent_s})::bigint * 1000000), '%Y%m%d')
                as email_campaign_id,
            case event_no
                when 0 then case when bounced then 'bounce' else 'delivered' end
                when 1 then 'open'
                when 2 then 'click'
                else 'unsubscribe'
            end as event_type,
            case event_no
                when 0 then delivered_s
                when 1 then opened_s
                when 2 then opened_s + 20 + floor(uniform(send_key, 'click_t') * 900)::bigint
                else case when opened then opened_s + 60 else delivered_s + 3600 end
                    + floor(uniform(send_key, 'unsub_t') * 3600)::bigint
            end as occurred_s
        from outcomes, unnest([0, 1, 2, 3]) as events(event_no)
        where
            event_no = 0
            or (event_no = 1 and opened)
            or (event_no = 2 and clicked)
            or (event_no = 3 and send_no = unsubscribe_send_no and not bounced)
    """


def _renurture_emails() -> str:
    """The re-nurture email that brings a recycled lead back: delivered, open, click."""
    return """
        select
            hash(lead_no, event_no, 'renurture') as row_key,
            'em-' || lead_no || '-rn-' || event_no as event_id,
            lead_no,
            'EM-RN-' || strftime(make_timestamp(reengage_s * 1000000), '%Y%m')
                as email_campaign_id,
            case event_no when 0 then 'delivered' when 1 then 'open' else 'click' end
                as event_type,
            case event_no when 0 then reengage_s when 1 then open_s else click_s end
                as occurred_s
        from plan_reengagement, unnest([0, 1, 2]) as events(event_no)
        where via_email
    """


def webinar_events_rows(scenario: Scenario) -> str:
    """The ``webinar_events`` rows: registered for the next webinar, perhaps attended."""
    first_webinar_s = scenario.first_webinar_s
    fortnight = 14 * DAY
    webinars = f"""
        with registrations as (
            select
                lead_no,
                burst_no,
                burst_key,
                webinar_attended,
                case
                    when burst_no = 0 then created_s
                    else burst_s
                        + floor(uniform(burst_key, 'reg_t') * greatest(page_views, 1) * 75)::bigint
                end as registered_s,
                {first_webinar_s}
                    + greatest(0, ceil((registered_s - {first_webinar_s}) / {fortnight}))::bigint
                        * {fortnight} as webinar_s
            from plan_bursts
            where webinar_registered
        )

        select
            hash(burst_key, event_no, 'wb') as row_key,
            'wb-' || lead_no || '-' || burst_no || '-' || event_no as event_id,
            lead_no,
            'WBN-' || strftime(make_timestamp(webinar_s * 1000000), '%Y-%m-%d') as webinar_id,
            case event_no when 0 then 'registered' else 'attended' end as event_type,
            case event_no
                when 0 then registered_s
                else webinar_s + floor(uniform(burst_key, 'att_t') * 900)::bigint
            end as occurred_s
        from registrations, unnest([0, 1]) as events(event_no)
        where event_no = 0 or webinar_attended
    """
    return event_rows(scenario, "webinar_events", webinars, batch_s=3600)
