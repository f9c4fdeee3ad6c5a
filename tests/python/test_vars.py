"""The run vars reach SQL only as validated values (never as raw text).

`as_of` is parsed and re-rendered as a timestamp literal; `active_rule_set` must be a
simple identifier. Anything else stops compilation with a message saying what to pass.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import dbt_support


def compile_inline(
    sql: str, variables: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess:
    """Compile an inline query with the project's macros and the given vars."""
    return dbt_support.dbt(
        ["compile", "--quiet", "--inline", sql],
        duckdb_path=tmp_path / "vars.duckdb",
        work_dir=tmp_path,
        variables=variables,
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
