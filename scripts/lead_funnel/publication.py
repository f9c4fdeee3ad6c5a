"""What every engine's runner and publisher share: a publication of the marts, and the
errors of publishing and of finding the warehouse busy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

MARTS_SCHEMA = "marts"
PUBLICATION_TABLE = "_publication"


@dataclass(frozen=True)
class Publication:
    """What readers see: the version recorded in ``marts._publication``."""

    path: str
    run_id: str
    as_of: str | None
    rule_set_id: str | None
    published_at: str
    row_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dictionary."""
        return asdict(self)

    @classmethod
    def from_rows(cls, path: str, rows: Sequence[Sequence[Any]]) -> Publication | None:
        """The publication ``rows`` of ``_publication`` describe, one row per mart: run id,
        as_of, rule set, published at (text), table name, row count. None without rows."""
        if not rows:
            return None
        run_id, as_of, rule_set_id, published_at = rows[0][:4]
        return cls(
            path=path,
            run_id=run_id,
            as_of=as_of,
            rule_set_id=rule_set_id,
            published_at=published_at,
            row_counts={r[4]: int(r[5]) for r in rows},
        )


class PublishError(RuntimeError):
    """Publishing failed; what readers see is unchanged."""


class WarehouseBusyError(RuntimeError):
    """Another process, perhaps on another machine, holds the warehouse's run lock."""
