"""The generator's exceptions (the command line turns them into exit code 2)."""

from __future__ import annotations


class GenerateError(Exception):
    """A usage or configuration problem (the CLI turns it into exit code 2)."""


class RawTablesExistError(GenerateError):
    """The raw tables already exist and ``replace`` was not given."""
