"""The `lead-funnel` command line: one entry point, one subcommand per job.

Exit codes (also in the README):
    0  success
    1  a model, test or data check failed
    2  usage or configuration error
    3  another run holds the lock
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lead_funnel import __version__, generate

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="lead-funnel",
        description="Lead funnel warehouse: generate demo data, build, publish and inspect runs.",
        epilog="Exit codes: 0 success, 1 a model/test/check failed, 2 usage or configuration "
        "error, 3 another run holds the lock.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    generate.register(subparsers)
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
