"""Argument types shared by the command line's parsers (``lead_funnel.cli`` and the
``generate`` package's subcommands): each turns an option's text into a value or raises
``argparse.ArgumentTypeError``, which argparse reports as a usage error (exit 2)."""

from __future__ import annotations

import argparse
import datetime as dt


def positive_int(value: str) -> int:
    """An integer option of at least 1."""
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from exc
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return number


def iso_date(value: str) -> dt.date:
    """A date option (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: use YYYY-MM-DD") from exc
