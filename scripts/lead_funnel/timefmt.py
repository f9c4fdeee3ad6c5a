"""Times as the command line reads them and as the package writes them: UTC, one format
per use, all of them here.

- :data:`TIMESTAMP_FORMAT` ``YYYY-MM-DD HH:MM:SS``: ``as_of``, the run log's times, the
  publication's ``published_at``, the benchmark's ``as_of`` and ``land_until``;
- :data:`REFRESHED_AT_FORMAT`, the same with microseconds: a build's refresh time
  (:mod:`lead_funnel.tested_build`; text order is time order);
- :data:`STAMP_FORMAT` ``YYYYMMDDTHHMMSSZ``: run ids and the benchmark's result file names.
"""

from __future__ import annotations

from datetime import datetime, timezone

from lead_funnel.config import ConfigError

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
REFRESHED_AT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
# What ``--as-of`` accepts: the timestamp, ISO 8601 with a ``T``, or a date (midnight).
AS_OF_INPUT_FORMATS = (TIMESTAMP_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_as_of(text: str) -> str:
    """Validate an ``--as-of`` value (UTC) and return it as 'YYYY-MM-DD HH:MM:SS'.

    Raises :class:`~lead_funnel.config.ConfigError` (exit code 2) when it is not one.
    """
    for fmt in AS_OF_INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).strftime(TIMESTAMP_FORMAT)
        except ValueError:
            continue
    raise ConfigError(f"--as-of {text!r} is not a UTC timestamp like '2026-11-22 06:00:00'")


def utc_now() -> datetime:
    """The current time in UTC, without microseconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_ts(moment: datetime) -> str:
    """Format a timestamp as 'YYYY-MM-DD HH:MM:SS' (UTC)."""
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
