"""``lead-funnel status``: the latest runs, who holds the run lock, what is published.

Reads only: the run log (:mod:`lead_funnel.runlog`), the lock file and the publication.
A ``running`` row whose process is gone (no live process holds the lock for it) shows as
``interrupted``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from lead_funnel import config, locking, publish, runlog
from lead_funnel.exitcodes import EXIT_OK, EXIT_USAGE


def live_run_id(settings: config.Settings) -> str | None:
    """The run id of the run holding the lock right now, if any."""
    lock_file = settings.lock_path
    if not locking.is_locked(lock_file):
        return None
    holder = locking.read_holder(lock_file)
    return holder.run_id if holder else "?"


def cmd_status(args: argparse.Namespace) -> int:
    """Print recent runs, the lock holder and the published version."""
    if args.limit < 1:
        print("lead-funnel status: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = config.load_settings(args.duckdb, args.publish_path, args.target)
    except config.ConfigError as exc:
        print(f"lead-funnel status: {exc}", file=sys.stderr)
        return EXIT_USAGE
    log = runlog.RunLog.for_settings(settings)
    records = log.recent(args.limit)
    live = live_run_id(settings)
    holder = locking.read_holder(settings.lock_path) if live else None
    publication = publish.published_version(settings)
    if args.json:
        payload = {
            "run_log": str(log.path),
            "lock_holder": asdict(holder) if holder else None,
            "published": publication.to_dict() if publication else None,
            "runs": [{**r.to_dict(), "status": runlog.effective_status(r, live)} for r in records],
        }
        print(json.dumps(payload, indent=2))
        return EXIT_OK
    print(f"run log: {log.path}")
    print(f"lock: {'held by ' + holder.describe() if holder else 'free (no run in progress)'}")
    if publication:
        print(
            f"published: {publication.path} = run {publication.run_id}, "
            f"as_of {publication.as_of}, rule set {publication.rule_set_id}, "
            f"published {publication.published_at}, {len(publication.row_counts)} marts"
        )
    else:
        where = settings.publish_path if settings.engine == "duckdb" else settings.warehouse
        print(f"published: nothing yet at {where}")
    if not records:
        print("no runs recorded yet; start one with `lead-funnel run`")
        return EXIT_OK
    print()
    print(runlog.format_table(records, live))
    return EXIT_OK
