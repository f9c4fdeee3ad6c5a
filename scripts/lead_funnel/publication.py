"""What every engine's runner and publisher share: a publication of the marts, and the
errors of publishing and of finding the warehouse busy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

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


class PublishError(RuntimeError):
    """Publishing failed; what readers see is unchanged."""


class WarehouseBusyError(RuntimeError):
    """Another process, perhaps on another machine, holds the warehouse's run lock."""
