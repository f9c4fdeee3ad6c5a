"""Paths and settings shared by the command-line tools (read from the environment)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Where the project, the build warehouse and the published copy live."""

    project_dir: Path
    duckdb_path: Path
    publish_path: Path

    @property
    def warehouse_dir(self) -> Path:
        """Folder that holds the build file, its lock and the run log."""
        return self.duckdb_path.parent


def load_settings(
    duckdb_path: str | os.PathLike[str] | None = None,
    publish_path: str | os.PathLike[str] | None = None,
) -> Settings:
    """Resolve settings: explicit arguments, then environment variables, then defaults."""
    project_dir = Path(os.environ.get("LEAD_FUNNEL_PROJECT_DIR", PROJECT_DIR)).resolve()
    db = duckdb_path or os.environ.get("LEAD_FUNNEL_DUCKDB") or "warehouse/lead_funnel.duckdb"
    pub = (
        publish_path
        or os.environ.get("LEAD_FUNNEL_PUBLISH_PATH")
        or "warehouse/lead_funnel_published.duckdb"
    )
    db_path = Path(db)
    pub_path = Path(pub)
    if not db_path.is_absolute():
        db_path = project_dir / db_path
    if not pub_path.is_absolute():
        pub_path = project_dir / pub_path
    return Settings(project_dir=project_dir, duckdb_path=db_path, publish_path=pub_path)
