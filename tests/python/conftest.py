"""How `make pytest` spreads the suite over its two pytest-xdist workers.

The Makefile runs ``pytest -n 2 --dist loadgroup --no-loadscope-reorder``: every test runs
on the worker that holds its group, and groups are handed out in collection order.

- Each test module is one group, so a module's fixtures (most build a warehouse with dbt)
  are built once, on one worker.
- The two cases of ``test_incremental_runs_equal_a_full_refresh`` (typed and text
  landings, about 3 and 1.5 minutes, no shared fixtures) are groups of their own, so they
  can run on both workers at once.
- Groups are collected slowest first (measured with ``--durations=0``), so the short ones
  fill in at the end and both workers finish at about the same time.

Without xdist (plain ``pytest``) the marks do nothing and only the order changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Groups, slowest first (`--durations=0` of a full run: 321, 245, 197, 145, 125, 123, 86,
# 79, 75, 63, 30 and 22 s); groups not listed run after these, in their usual order.
SLOWEST_FIRST = (
    "test_reference_scoring.py",
    "test_test_scope.py",
    "test_incremental.py::test_incremental_runs_equal_a_full_refresh[typed]",
    "test_staging.py",
    "test_runner.py",
    "test_benchmark.py",
    "test_semantic_layer.py",
    "test_incremental.py::test_incremental_runs_equal_a_full_refresh[text]",
    "test_vars.py",
    "test_crash_safety.py",
    "test_publish.py",
    "test_generate.py",
)

# Modules whose tests share no fixtures and are long enough to be worth splitting.
ONE_GROUP_PER_TEST = frozenset({"test_incremental.py"})


def _group(item: pytest.Item) -> str:
    """The module's file name, or ``<file>::<test>`` in the modules split per test."""
    module = Path(str(item.fspath)).name
    if module in ONE_GROUP_PER_TEST:
        return f"{module}::{item.name}"
    return module


def _rank(group: str) -> int:
    return SLOWEST_FIRST.index(group) if group in SLOWEST_FIRST else len(SLOWEST_FIRST)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its xdist group and put the slowest groups first."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
    items.sort(key=lambda item: _rank(_group(item)))  # stable: a module's order is kept
