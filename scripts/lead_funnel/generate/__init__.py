"""Demo-data generator: realistic, reproducible raw landing tables at any scale.

`lead-funnel generate` fills the ten raw tables of SPEC section 1 (schema ``raw`` of the
build DuckDB file) with synthetic leads, companies, web and marketing events, sales
activities, opportunities and lead dispositions; `lead-funnel land` moves rows held back in
``raw_pending``.

How the data is made
--------------------
Everything is set-based SQL inside DuckDB (``range()`` plus ``unnest``), never a Python loop
per row, so a million leads take a few minutes. Every random number is
``hash(hash(seed, row key, salt))`` mapped to [0, 1) (`sql`): the same seed and options
always give identical data whatever the number of threads.

The story behind the rows lives in temporary planning tables, one module each:

* `companies`: firmographics (industry, country, size, account tier). The CZ/SK
  manufacturing targets are common and more often tier 1 or 2.
* `leads`: channel, campaign, email, job title, company, creation time and latent
  behaviour (interest, activity bursts, whether and when the lead turns hot, email
  affinity, bounces and unsubscribes).
* `bursts`: activity bursts; burst 0 is the session that created the lead. Page views,
  downloads, webinar registrations and forms come from bursts (`web`, `marketing`); emails
  from a weekly campaign calendar, webinars from a fortnightly one (`marketing`).
* `sales`: a hot lead's sales activities, sometimes a meeting, then an opportunity that is
  won, lost or still open.
* `dispositions`: sales recycle or disqualify about half of the worked leads that did not
  buy; some come back (a re-nurture email, a visit, sales again) and some of those are
  recycled a second time.

With the seeded default rules (threshold 60, minimum engagement 10, 90-day window) roughly
20 % of the leads become MQL, about 40 % of the MQLs become SQL, a few percent of the
leads get an opportunity, and the rates differ by channel and segment. Anonymous page views
(no lead) come on top, about two sessions per lead.

Landing (``_loaded_at``, `events` and `landing`) mimics an EL tool: web and CRM data in
15-minute batches, marketing tools hourly. Closed opportunities land twice, open when
created and again when closed (CRM rows land again when they change; normal, not an
error). Nothing lands after the end of the period (``start + days``): rows that would land
later are not generated.

Mess (``mess_rate``, default 0.01; 0 gives clean data): each kind hits about that share of
the rows it applies to (dispositions count as events): duplicated event rows (same id,
identical or later ``_loaded_at``), CRM rows landing again with changes (lead job
title/source/campaign, company size/tier, opportunity amount), events landing days late,
leads landing days after their first events, missing ids (null or blank), unparseable
required timestamps (text mode: garbage strings, typed mode: null), future timestamps
(``occurred_at`` more than a day after ``_loaded_at``), orphan events and opportunities
(unknown lead), events without a lead (not page views), enumerations in mixed case with
spaces, unknown dispositions (``nurture``, ``closed``, ``on hold``), lowercase country
codes, negative employee counts and invalid account tiers (4, 0, ...; text mode also
``n/a``).

Reproducibility: without ``start_date`` the period ends *now* (start = now minus ``days``)
so the demo passes source freshness; tests and reproducible runs pass ``--start-date``.
Identical output needs the same seed, options and DuckDB version (its ``hash``).

Scale: about 21 raw rows per lead (1 million leads: about 21 million rows, 7 million page
views, 11 million email events, 45,000 dispositions). Memory stays bounded (`database`);
every table is one streaming ``insert ... select`` over the planning tables.
"""

from lead_funnel.generate.cli import register
from lead_funnel.generate.errors import GenerateError, RawTablesExistError
from lead_funnel.generate.generator import generate_raw
from lead_funnel.generate.landing import land_pending
from lead_funnel.generate.scenario import MAX_MESS_RATE
from lead_funnel.generate.schema import COLUMNS, RAW_TABLES, TYPED_SQL_TYPES

__all__ = [
    "COLUMNS",
    "MAX_MESS_RATE",
    "RAW_TABLES",
    "TYPED_SQL_TYPES",
    "GenerateError",
    "RawTablesExistError",
    "generate_raw",
    "land_pending",
    "register",
]
