"""Companies: the ``plan_companies`` planning table and the ``crm_companies`` rows.

A company has firmographics (industry, country, size) and an account tier that is more
often 1 or 2 for target accounts (CZ/SK manufacturing, larger companies). It lands just
before its first lead (a company without leads at a random time).
"""

from __future__ import annotations

from lead_funnel.generate.scenario import Scenario
from lead_funnel.generate.sql import (
    case_of,
    missing_id,
    mixed_case,
    next_batch,
    quoted,
    uniform_choice,
    uniform_for,
    weighted_choice,
)
from lead_funnel.generate.vocabulary import (
    COUNTRIES,
    INDUSTRIES,
    INVALID_ACCOUNT_TIERS,
    LEGAL_FORM,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    TLD,
)


def plan_companies(scenario: Scenario) -> list[str]:
    """Create ``plan_companies``: one row per company with its firmographics."""
    random = uniform_for("company_no")
    return [
        f"""
        create or replace temp table plan_companies as
        select
            company_no,
            printf('C%07d', company_no) as company_id,
            {weighted_choice(random("industry"), INDUSTRIES)} as industry,
            {weighted_choice(random("country"), COUNTRIES)} as country_code,
            {random("size")} as size_u,
            case
                when size_u < 0.45 then 1 + floor({random("emp")} * 49)
                when size_u < 0.80 then 50 + floor({random("emp")} * 200)
                else least(60000, 250 + floor(-ln(1 - {random("emp")}) * 1200))
            end::integer as employee_count,
            -- how much of a target account it is (0..1): drives the account tier
            (
                case when industry = 'manufacturing' then 0.4 else 0 end
                + case when country_code in ('CZ', 'SK') then 0.3 else 0 end
                + case
                    when employee_count >= 250 then 0.3
                    when employee_count >= 50 then 0.15
                    else 0
                end
            ) as target_account_score,
            {random("tier")} as tier_u,
            case
                when tier_u < 0.05 + 0.30 * target_account_score then 1
                when tier_u < 0.15 + 0.45 * target_account_score then 2
                when tier_u < 0.40 + 0.35 * target_account_score then 3
                else null
            end::integer as account_tier,
            {uniform_choice(NAME_PREFIXES, random("name1"))}
                || {uniform_choice(NAME_SUFFIXES, random("name2"))} as name_stem,
            name_stem || ' ' || {case_of("country_code", quoted(LEGAL_FORM))} as company_name,
            lower(name_stem) || '-' || company_no::varchar
                || {case_of("country_code", quoted(TLD))} as domain,
            {random("mess")} as mess_u,
            {random("mess2")} as mess_detail_u
        from range(1, {scenario.companies + 1}) as companies(company_no)
        """
    ]


def crm_companies_rows(scenario: Scenario) -> str:
    """The ``crm_companies`` rows (epoch-second timestamps, before the landing projection).

    Version 0 is the company as created, version 1 a later landing with a changed size or
    tier, version 2 an extra row without id. Mess bands of ``mess_u``: 0 changed version,
    1 lowercase country code, 2 negative employee count, 3 invalid tier (text landings
    sometimes 'n/a'), 4 extra row without id, 5 industry in mixed case.
    """
    mess_band = scenario.mess_band
    first_version_jitter = "floor(mess_detail_u * 240)::bigint"
    tiers = list(INVALID_ACCOUNT_TIERS)
    invalid_tier = f"{tiers}[1 + floor(mess_detail_u * {len(tiers)})::integer]"
    return f"""
        with first_leads as (
            select company_id, min(created_s) as first_lead_s
            from plan_leads
            where company_id is not null
            group by company_id
        ),

        companies as (
            select
                plan_companies.*,
                greatest({scenario.start_s}, coalesce(
                    first_leads.first_lead_s - 60 - floor(mess_detail_u * 600)::bigint,
                    {scenario.start_s} + floor(
                        uniform(company_no, 'co_t') * {scenario.end_s - scenario.start_s - 3600}
                    )::bigint
                )) as first_version_s,
                first_version_s + 3600 + floor(
                    uniform(company_no, 'co_upd')
                    * greatest(0, least(120 * 86400, {scenario.end_s} - first_version_s - 7200))
                )::bigint as changed_version_s
            from plan_companies
            left join first_leads using (company_id)
        )

        select
            case
                when version = 2 then {missing_id("uniform(company_no, 'miss')")}
                else company_id
            end as company_id,
            company_name,
            domain,
            case
                when {mess_band("mess_u", 2)}
                    then -1 * greatest(1, employee_count * (mess_detail_u < 0.5)::integer)
                when version = 1 and mess_detail_u < 0.5
                    then greatest(1, round(employee_count * (0.6 + 1.8 * mess_detail_u)))::integer
                else employee_count
            end as employee_count,
            case
                when {mess_band("mess_u", 5)} then {mixed_case("industry", "mess_detail_u")}
                else industry
            end as industry,
            case
                when {mess_band("mess_u", 1)} then lower(country_code)
                else country_code
            end as country_code,
            case
                when {mess_band("mess_u", 3)}
                    then {invalid_tier}
                when version = 1 and mess_detail_u >= 0.5
                    then case
                        when account_tier is null then 3
                        when account_tier = 1 then 2
                        else account_tier - 1
                    end
                else account_tier
            end as account_tier,
            {mess_band("mess_u", 3)} and mess_detail_u < 0.3 as account_tier_is_na,
            case when version = 1 then changed_version_s else first_version_s end as updated_at,
            case
                when version = 1 then {next_batch("changed_version_s", 900, "60")}
                when version = 2 then {next_batch("first_version_s", 900, "120")}
                else {next_batch("first_version_s", 900, first_version_jitter)}
            end as _loaded_at
        from {scenario.crm_versions("companies")}
    """
