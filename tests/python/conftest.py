"""How `make pytest` spreads the suite over its two pytest-xdist workers.

The Makefile runs ``pytest -n 2 --dist loadfile --no-loadscope-reorder``: a test module
runs on one worker, so its module fixtures (most build a warehouse with dbt) are built
once, and the modules are handed out in collection order. This hook collects the slowest
modules first, so the short ones fill in at the end and both workers finish at about the
same time (longest-first scheduling). xdist's default order instead puts the modules with
the most tests first, and those are the fast ones here.

(``--dist loadgroup`` with ``xdist_group`` marks would let the two cases of
``test_incremental`` run on both workers, but pytest-xdist 3.8.0 cannot group tests under
pytest 9.2: it renames ``item._nodeid``, which pytest 9 no longer reads.)

Without xdist (plain ``pytest``) only the order changes.
"""

from __future__ import annotations

import pytest

# The private PostgreSQL server (one per pytest process) for every test that asks for it.
from postgres_fixtures import postgres_env, postgres_server  # noqa: F401

# The once-built template workspace and each module's copy of it (runner_support).
from runner_support import template, ws  # noqa: F401

# Slowest first, from `--durations=0` of a full run (seconds of setup + call per module on
# two busy workers: 293, 261, 186, 138, 100, 94, 90, 82, 62, 28 and 20). Modules not listed
# run after these, in their usual order.
SLOWEST_FIRST = (
    "test_cross_engine.py",
    "test_incremental.py",
    "test_test_scope.py",
    "test_reference_vs_marts.py",
    "test_calibration.py",  # 75 s on its own (three 1,500-lead builds)
    "test_benchmark.py",
    "test_crash_safety.py",
    "test_staging.py",
    "test_report.py",  # 71 s on its own (a 1,500-lead build, then the browser)
    "test_runner.py",
    "test_vars.py",
    "test_semantic_layer.py",
    "test_publish.py",
    "test_generate.py",
)


def _rank(item: pytest.Item) -> int:
    module = item.path.name
    return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest modules first (a stable sort: the order within a module is kept)."""
    items.sort(key=_rank)
