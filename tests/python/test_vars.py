"""The run vars reach SQL only as validated values (never as raw text).

`as_of` is parsed and re-rendered as a timestamp literal; `active_rule_set` must be a
simple identifier. Anything else stops compilation with a message saying what to pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"


def compile_inline(
    sql: str, variables: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess:
    """Compile an inline query with the project's macros and the given vars."""
    env = {
        **os.environ,
        "LEAD_FUNNEL_DUCKDB": str(tmp_path / "vars.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    command = [
        str(DBT),
        "compile",
        "--quiet",
        "--profiles-dir",
        str(REPO_DIR),
        "--vars",
        json.dumps(variables),
        "--inline",
        sql,
    ]
    return subprocess.run(
        command, cwd=REPO_DIR, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("value", "rendered"),
    [("2026-05-15T12:30:00Z", "cast('2026-05-15 12:30:00' as timestamp)")],
)
def test_as_of_is_rendered_as_a_timestamp_literal(
    tmp_path: Path, value: str, rendered: str
) -> None:
    result = compile_inline("select {{ as_of_timestamp() }} as as_of", {"as_of": value}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert rendered in result.stdout


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"as_of": "2026-05-15'; drop table marts.dim_leads; --"}, "var as_of must look like"),
        ({"active_rule_set": "default' or '1'='1"}, "var active_rule_set must match"),
    ],
)
def test_bad_vars_stop_compilation_with_a_clear_message(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    sql = "select {{ as_of_timestamp() }} as as_of, {{ active_rule_set() }} as rule_set_id"
    result = compile_inline(sql, variables, tmp_path)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
