"""The run vars reach SQL only as validated values (never as raw text).

`as_of` (var `as_of`, else env `LEAD_FUNNEL_AS_OF`, which is how the runner passes it) is
parsed and re-rendered as a timestamp literal; `active_rule_set` must be a simple
identifier. Anything else stops compilation with a message saying what to pass.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import dbt_support


def compile_inline(
    sql: str, variables: dict[str, str], tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Compile an inline query with the project's macros, the given vars and env."""
    return dbt_support.dbt(
        ["compile", "--quiet", "--inline", sql],
        duckdb_path=tmp_path / "vars.duckdb",
        work_dir=tmp_path,
        variables=variables,
        extra_env={"LEAD_FUNNEL_AS_OF": "", **(env or {})},
    )


@pytest.mark.parametrize(
    ("variables", "env", "rendered"),
    [
        ({"as_of": "2026-05-15T12:30:00Z"}, {}, "cast('2026-05-15 12:30:00' as timestamp)"),
        # the runner's way: env only (a var would cost dbt's partial parsing every run)
        ({}, {"LEAD_FUNNEL_AS_OF": "2026-05-16 07:00:00"}, "'2026-05-16 07:00:00'"),
        # an explicit var wins; the env is then not even read
        ({"as_of": "2026-05-15"}, {"LEAD_FUNNEL_AS_OF": "bad"}, "'2026-05-15 00:00:00'"),
    ],
)
def test_as_of_is_rendered_as_a_timestamp_literal(
    tmp_path: Path, variables: dict[str, str], env: dict[str, str], rendered: str
) -> None:
    result = compile_inline("select {{ as_of_timestamp() }} as as_of", variables, tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert rendered in result.stdout


@pytest.mark.parametrize(
    ("variables", "env", "message"),
    [
        (
            {"as_of": "2026-05-15'; drop table marts.dim_leads; --"},
            {},
            "var as_of must look like",
        ),
        (
            {},
            {"LEAD_FUNNEL_AS_OF": "2026-05-15'; drop table marts.dim_leads; --"},
            "env LEAD_FUNNEL_AS_OF must look like",
        ),
        ({"active_rule_set": "default' or '1'='1"}, {}, "var active_rule_set must match"),
    ],
)
def test_bad_vars_stop_compilation_with_a_clear_message(
    tmp_path: Path, variables: dict[str, str], env: dict[str, str], message: str
) -> None:
    sql = "select {{ as_of_timestamp() }} as as_of, {{ active_rule_set() }} as rule_set_id"
    result = compile_inline(sql, variables, tmp_path, env)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
