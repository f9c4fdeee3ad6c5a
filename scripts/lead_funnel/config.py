"""Paths and settings shared by the command-line tools (read from the environment).

A run targets one dbt target of ``profiles.yml``: the embedded DuckDB file (target
``dev``, the default), a PostgreSQL server (target ``postgres``) or Spark with Delta Lake
(target ``spark``, its warehouse folder from env ``LEAD_FUNNEL_SPARK_WAREHOUSE``, default
``warehouse/spark``). Whatever the engine, the runner keeps its lock and run log in a
local state folder: next to the DuckDB file, in the Spark warehouse folder, or
``warehouse/<target>/`` for a server (env ``LEAD_FUNNEL_STATE_DIR`` overrides it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from lead_funnel import locking

PROJECT_DIR = Path(__file__).resolve().parents[2]
ENGINES = ("duckdb", "postgres", "spark")
LOCK_NAME = "run.lock"


class ConfigError(ValueError):
    """A usage or configuration problem found before anything ran (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    """Which warehouse a command works on, and where its files live."""

    project_dir: Path
    target: str
    engine: str
    duckdb_path: Path
    publish_path: Path
    state_dir: Path
    spark_warehouse: Path

    @property
    def lock_path(self) -> Path:
        """The run lock: ``<file>.lock`` beside a DuckDB file, else in the state folder."""
        if self.engine == "duckdb":
            return locking.lock_path_for(self.duckdb_path)
        return self.state_dir / LOCK_NAME

    @property
    def warehouse(self) -> str:
        """What the run log records as the warehouse a run built (one identity per warehouse).

        A DuckDB file in the state folder is named relative to it, so a folder moved or
        copied with its run log is still the same warehouse.
        """
        if self.engine == "duckdb":
            if self.duckdb_path.parent == self.state_dir:
                return f"duckdb:{self.duckdb_path.name}"
            return f"duckdb:{self.duckdb_path}"
        if self.engine == "spark":
            return f"spark:{self.spark_warehouse}"
        from lead_funnel import postgres  # psycopg2: the optional [postgres] extra

        return postgres.server_url()


def profile_targets(project_dir: Path) -> tuple[str, dict[str, str]]:
    """The default target of this project's profile and every target's engine (``type``)."""
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text(encoding="utf-8"))
        profile = profiles[project["profile"]]
        engines = {name: str(output["type"]) for name, output in profile["outputs"].items()}
        return str(profile.get("target", "dev")), engines
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the dbt profile in {project_dir}: {exc}") from exc


def load_settings(
    duckdb_path: str | os.PathLike[str] | None = None,
    publish_path: str | os.PathLike[str] | None = None,
    target: str | None = None,
) -> Settings:
    """Resolve settings: explicit arguments, then environment variables, then defaults.

    Raises :class:`ConfigError` for a target that is not in ``profiles.yml`` or whose
    engine the runner does not support.
    """
    project_dir = Path(os.environ.get("LEAD_FUNNEL_PROJECT_DIR", PROJECT_DIR)).resolve()
    default_target, engines = profile_targets(project_dir)
    target = target or default_target
    if target not in engines:
        raise ConfigError(f"target {target!r} is not in profiles.yml (known: {', '.join(engines)})")
    engine = engines[target]
    if engine not in ENGINES:
        raise ConfigError(f"target {target!r} uses {engine!r}; lead-funnel supports {ENGINES}")
    db = duckdb_path or os.environ.get("LEAD_FUNNEL_DUCKDB") or "warehouse/lead_funnel.duckdb"
    pub = (
        publish_path
        or os.environ.get("LEAD_FUNNEL_PUBLISH_PATH")
        or "warehouse/lead_funnel_published.duckdb"
    )
    db_path, pub_path = _absolute(project_dir, db), _absolute(project_dir, pub)
    spark_warehouse = _absolute(
        project_dir, os.environ.get("LEAD_FUNNEL_SPARK_WAREHOUSE") or "warehouse/spark"
    )
    state = os.environ.get("LEAD_FUNNEL_STATE_DIR")
    if state:
        state_dir = _absolute(project_dir, state)
    elif engine == "duckdb":
        state_dir = db_path.parent
    elif engine == "spark":
        state_dir = spark_warehouse
    else:
        state_dir = project_dir / "warehouse" / target
    return Settings(
        project_dir=project_dir,
        target=target,
        engine=engine,
        duckdb_path=db_path,
        publish_path=pub_path,
        state_dir=state_dir,
        spark_warehouse=spark_warehouse,
    )


def _absolute(project_dir: Path, path: str | os.PathLike[str]) -> Path:
    resolved = Path(path)
    return resolved if resolved.is_absolute() else project_dir / resolved


def spark_environment(settings: Settings) -> dict[str, str]:
    """The env vars profiles.yml's Spark target reads, as absolute paths: the warehouse
    folder, the Delta jars `make install` fetched into .spark/jars of this installation,
    and the driver's log configuration. Values already set in the environment win."""
    jars_dir = PROJECT_DIR / ".spark" / "jars"
    jars = ",".join(str(path) for path in sorted(jars_dir.glob("*.jar")))
    defaults = {
        "LEAD_FUNNEL_SPARK_WAREHOUSE": str(settings.spark_warehouse),
        "LEAD_FUNNEL_SPARK_JARS": jars,
        "LEAD_FUNNEL_SPARK_LOG_CONFIG": str(PROJECT_DIR / "spark" / "log4j2.properties"),
    }
    return {name: os.environ.get(name) or value for name, value in defaults.items()}
