"""Which rows a run's data tests read: every row, or only the rows refreshed since the
last fully tested run.

Every row of an incremental model carries ``_refreshed_at``: the refresh time of the run
that computed it (env ``LEAD_FUNNEL_REFRESHED_AT``, set by the runner to its build step's
start). Data tests with ``meta: {scope: ...}`` read only the rows refreshed after
``LEAD_FUNNEL_TESTED_THROUGH`` when dbt gets it (macros ``tested_through`` and
``get_where_subquery``). That is sound when every row refreshed at or before that time
passed every data test of the same project code: the runner passes the refresh time of
the latest successful ``run`` on the same warehouse, without ``--select``, whose project
code had the same fingerprint (recorded in the run log). Rows that any later run or dbt
command refreshed, failed or not, are newer and so tested again; a code change, a
``--full-refresh`` or a ``--select`` tests every row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lead_funnel import runlog

SCOPE_ALL = "all"
SCOPE_REFRESHED = "refreshed"
REFRESHED_AT_ENV = "LEAD_FUNNEL_REFRESHED_AT"
TESTED_THROUGH_ENV = "LEAD_FUNNEL_TESTED_THROUGH"

# What the project's data and tests are built from: any change here may change what a
# test checks or what a model computes for the rows it does not recompute.
FINGERPRINT_DIRS = ("models", "macros", "seeds", "tests/singular")
FINGERPRINT_FILES = ("dbt_project.yml",)


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the sorted relative paths and contents of the project's code files.

    Every file under ``models/``, ``macros/``, ``seeds/``, ``tests/singular/`` and
    ``dbt_project.yml``; a file added, removed, renamed or edited changes it.
    """
    files: list[tuple[str, Path]] = []
    for name in FINGERPRINT_DIRS:
        root = project_dir / name
        if root.is_dir():
            files.extend(
                (path.relative_to(project_dir).as_posix(), path)
                for path in root.rglob("*")
                if path.is_file()
            )
    for name in FINGERPRINT_FILES:
        path = project_dir / name
        if path.is_file():
            files.append((name, path))
    digest = hashlib.sha256()
    for relative, path in sorted(files):
        content = path.read_bytes()
        # lengths delimit the fields, so no two different trees hash the same stream
        digest.update(f"{len(relative)}:{relative}:{len(content)}:".encode())
        digest.update(content)
    return digest.hexdigest()


@dataclass(frozen=True)
class TestScope:
    """What a run's data tests read: ``tested_through`` None means every row."""

    __test__ = False  # not a pytest test class, whatever its name

    scope: str
    tested_through: str | None
    reason: str


def choose_scope(
    tested_run: runlog.RunRecord | None,
    refreshed_at: str,
    *,
    full_refresh: bool,
    selected: bool,
) -> TestScope:
    """The test scope of a run, given the latest fully tested run of the same code.

    ``tested_run`` is :meth:`runlog.RunLog.latest_tested_run` for this warehouse and
    project fingerprint: a successful ``run`` without ``--select``, with its refresh time;
    ``refreshed_at`` is this run's (both formatted with
    :data:`lead_funnel.timefmt.REFRESHED_AT_FORMAT`).
    """
    if full_refresh:
        return TestScope(SCOPE_ALL, None, "--full-refresh rebuilds every row")
    if selected:
        return TestScope(SCOPE_ALL, None, "--select builds only part of the project")
    if tested_run is None or not tested_run.refreshed_at:
        return TestScope(
            SCOPE_ALL,
            None,
            "no successful run of this project code has built and tested this warehouse "
            "(first run, the code changed, or every run since failed or used --select)",
        )
    if refreshed_at <= tested_run.refreshed_at:  # same format: text order is time order
        return TestScope(
            SCOPE_ALL,
            None,
            f"the clock is at or before the refresh time {tested_run.refreshed_at} of run "
            f"{tested_run.run_id}, so this run's rows could not be told from older ones",
        )
    return TestScope(
        SCOPE_REFRESHED,
        tested_run.refreshed_at,
        f"run {tested_run.run_id} tested every row with the same project code; only the "
        f"rows refreshed after {tested_run.refreshed_at} are tested again",
    )
