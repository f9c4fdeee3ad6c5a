"""Running the project's dbt in a subprocess against one DuckDB file, for the tests.

Every call gets its own DuckDB file (env LEAD_FUNNEL_DUCKDB) and its own target and log
folders under ``work_dir``, so tests never share build state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"


def dbt(
    args: Sequence[str],
    *,
    duckdb_path: Path,
    work_dir: Path,
    variables: Mapping[str, str] | None = None,
    project_dir: Path = REPO_DIR,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` from ``project_dir`` and return the finished process."""
    env = {
        **os.environ,
        "LEAD_FUNNEL_DUCKDB": str(duckdb_path),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        **(extra_env or {}),
    }
    command = [
        str(DBT),
        *args,
        "--profiles-dir",
        str(project_dir),
        "--project-dir",
        str(project_dir),
    ]
    if variables is not None:
        command += ["--vars", json.dumps(dict(variables))]
    return subprocess.run(
        command,
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_dbt(args: Sequence[str], **options: object) -> subprocess.CompletedProcess[str]:
    """Like :func:`dbt`, failing the test with the end of dbt's output when it fails."""
    result = dbt(args, **options)  # type: ignore[arg-type]
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-6000:]
        pytest.fail(f"{' '.join(result.args)} failed ({result.returncode}):\n{output}")
    return result
