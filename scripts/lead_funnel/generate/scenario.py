"""What one generation makes: size, period, seed, landing and mess rate, as numbers.

`Scenario` holds the validated options of `generate_raw` that the SQL is built from,
plus the derived times (first midnight, first email campaign, first webinar) and the two
expressions every kind of mess uses: the mess band test and an orphan lead id. Times are
whole seconds since 1970 (UTC): `epoch` and `from_epoch` convert them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

HOUR = 3600
DAY = 86_400
WEEK = 7 * DAY
# The mess kinds of a table use disjoint bands of width mess_rate of one uniform number
# (at most 8 bands), so the rate is at most 0.1.
MAX_MESS_RATE = 0.1


@dataclass(frozen=True)
class Scenario:
    """The options of one generation; times are whole seconds since 1970 (UTC)."""

    leads: int
    start_s: int
    end_s: int
    seed: int
    text: bool
    mess_rate: float

    @property
    def companies(self) -> int:
        """Number of companies: 0.4 per lead, at least one."""
        return max(1, round(self.leads * 0.4))

    @property
    def period_days(self) -> float:
        """Length of the period in days."""
        return (self.end_s - self.start_s) / DAY

    @property
    def first_midnight_s(self) -> int:
        """Midnight (UTC) of the first day of the period."""
        return self.start_s - self.start_s % DAY

    @property
    def first_email_campaign_s(self) -> int:
        """Send time of the first weekly email campaign (09:00 of the second day)."""
        return self.first_midnight_s + DAY + 9 * HOUR

    @property
    def first_webinar_s(self) -> int:
        """Start of the first fortnightly webinar (10:00 of the fourth day)."""
        return self.first_midnight_s + 3 * DAY + 10 * HOUR

    def mess_band(self, uniform: str, band: int) -> str:
        """True when the uniform number ``uniform`` falls in mess band ``band``.

        Band k is [k * mess_rate, (k + 1) * mess_rate): each kind of mess of a table has its
        own band, so each hits about ``mess_rate`` of the rows and no row gets two kinds.
        """
        low = band * self.mess_rate
        high = (band + 1) * self.mess_rate
        return f"({uniform} >= {low!r} and {uniform} < {high!r})"

    def crm_versions(self, table: str) -> str:
        """``table`` joined to its versions (column ``version``) as a CRM lands them: every
        row as created (0), a later changed version (1) for mess band 0 of ``mess_u``, an
        extra row without id (2) for mess band 4."""
        return f"""
            {table},
            unnest(
                case
                    when {self.mess_band("mess_u", 0)} then [0, 1]
                    when {self.mess_band("mess_u", 4)} then [0, 2]
                    else [0]
                end
            ) as versions(version)
        """

    def orphan_lead_id(self, uniform: str) -> str:
        """A lead id that never lands (a number above the number of leads)."""
        return f"printf('L%08d', {self.leads} + 1 + floor({uniform} * {self.leads})::bigint)"


def epoch(value: dt.datetime) -> int:
    """Whole seconds since 1970 of a UTC (naive = UTC) datetime."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return math.floor((value - dt.datetime(1970, 1, 1)).total_seconds())


def from_epoch(seconds: int) -> dt.datetime:
    """The naive UTC datetime of whole seconds since 1970."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
