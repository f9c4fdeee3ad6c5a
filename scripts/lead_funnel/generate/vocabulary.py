"""Vocabularies of the demo data: the values the generator draws, most with weights.

Everything a generated row can contain as text comes from here (or from `scenario`
numbers): channels, firmographics, names, job titles, pages, forms, dispositions, and the
bad values the mess injects. A ``Weights`` tuple lists ``(value, weight)`` pairs; weights
need not sum to 1 (`sql.weighted_choice` normalises them), ``None`` lands as null.
"""

from __future__ import annotations

Weights = tuple[tuple[str | None, float], ...]


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``text``."""
    return tuple(text.split())


# ------------------------------------------------------------------ channels

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

# ------------------------------------------------------------------ companies

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
NAME_PREFIXES = words(
    "Stroj Kovo Metal Elektro Agro Nova Prima Alfa Delta Mont Plast Tech Bio Data Euro "
    "Trans Bau Steel Precis Vltava Tatra Morava Hydro Opti"
)
NAME_SUFFIXES = words(
    "tech mont plast servis systems works line soft group trade pack form logic flex tron mat"
)

# ------------------------------------------------------------------ people

FIRST_NAMES = words(
    "jan petr martin tomas jana eva lucie pavel jakub katarina peter michal anna piotr "
    "tomasz agnieszka lukas david zuzana marek john sarah thomas julia laszlo eszter "
    "stefan monika"
)
LAST_NAMES = words(
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

# ------------------------------------------------------------------ activity

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
SALES_ACTIVITY_TYPES: Weights = (("call", 0.45), ("email", 0.35), ("task", 0.20))
# The lead source a changed CRM lead row (mess) lands with.
CHANGED_LEAD_SOURCES: Weights = (("referral", 0.4), ("webinar", 0.3), ("event", 0.3))

# ------------------------------------------------------------------ web site

SITE = "https://www.example.com"
# The category of a lead's first page view of a burst, by channel (others: home).
LANDING_PAGES: dict[str, Weights] = {
    "organic_search": (("blog", 0.6), ("product", 0.25), ("case_study", 0.15)),
    "paid_search": (("product", 0.6), ("pricing", 0.1), ("home", 0.3)),
    "linkedin_ads": (("case_study", 0.4), ("blog", 0.4), ("home", 0.2)),
    "display": (("home", 0.6), ("product", 0.4)),
    "referral": (("home", 0.5), ("about", 0.3), ("product", 0.2)),
    "webinar": (("webinars", 1.0),),
}
# The first page of a returning (re-engaged) lead's visit.
REENGAGEMENT_LANDING_PAGES: Weights = (("product", 0.4), ("case_study", 0.3), ("pricing", 0.3))
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
CASE_STUDIES = words(
    "brno-foundry precision-machining food-packaging automotive-supplier plastics-molding "
    "steel-service-center"
)
PRODUCTS = ("mes", "quality", "maintenance", "planning", "analytics", "integrations")
BLOG_POSTS = words(
    "industry-4-0-roadmap oee-explained predictive-maintenance lean-manufacturing "
    "digital-twin energy-costs erp-vs-mes shopfloor-data"
)
# Query string of the first page view of a lead from a paid channel.
UTM_PARAMETERS = {
    "paid_search": "?utm_source=google&utm_medium=cpc",
    "linkedin_ads": "?utm_source=linkedin&utm_medium=paid_social",
    "display": "?utm_source=gdn&utm_medium=display",
}

# ------------------------------------------------------------------ dispositions
# Why sales send a lead back to marketing (recycled) or close it for good (disqualified).
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

# ------------------------------------------------------------------ bad input (mess)

# Unparseable timestamps of text landings.
GARBAGE_TIMESTAMPS = (
    "not a date",
    "2024-13-45 10:00:00",
    "N/A",
    "31/02/2024 25:61",
    "yesterday",
    "0000-00-00 00:00:00",
)
# Values outside a table's documented enumeration (event mess band 7).
UNKNOWN_ENUM_VALUES = {"crm_lead_dispositions": ("nurture", "closed", "on hold")}
# Account tiers outside 1..3 (companies mess band 3).
INVALID_ACCOUNT_TIERS = (4, 0, 5, 9)
