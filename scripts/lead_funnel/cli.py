"""The `lead-funnel` command line: one entry point, one subcommand per job.

Exit codes (also in docs/running.md):
    0  success
    1  a model, test or data check failed
    2  usage or configuration error
    3  another run holds the lock
    130/143  a run was interrupted by SIGINT/SIGTERM (and logged as interrupted)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lead_funnel import __version__, benchmark, generate, publish, report, runlog, runner, transfer
from lead_funnel.exitcodes import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILED", "EXIT_LOCKED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="lead-funnel",
        description="Lead funnel warehouse: generate demo data, build, publish and inspect runs.",
        epilog="Exit codes: 0 success, 1 a model/test/check failed, 2 usage or configuration "
        "error, 3 another run holds the lock, 130/143 interrupted by SIGINT/SIGTERM. "
        "See docs/running.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    generate.register(subparsers)
    runner.register(subparsers)
    publish.register(subparsers)
    runlog.register(subparsers)
    transfer.register(subparsers)
    benchmark.register(subparsers)
    report.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the chosen subcommand and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
