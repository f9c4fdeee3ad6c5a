"""Pytest fixtures for tests that need a real PostgreSQL server.

Import them into a test module (pytest finds fixtures by name in the module's namespace)::

    from postgres_fixtures import postgres_env, postgres_server  # noqa: F401

``postgres_server`` is session-scoped: each pytest process (every pytest-xdist worker)
starts its own private server once, on its own free port, and stops it at the end of the
session (see `postgres_server.running_postgres`). Tests isolate themselves from each other
with their own database (`PostgresServer.create_database`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postgres_server import PostgresServer, running_postgres


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A private PostgreSQL server for this pytest process (started once, always stopped)."""
    with running_postgres(tmp_path_factory.mktemp("postgres")) as server:
        yield server


@pytest.fixture
def postgres_env(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> PostgresServer:
    """The session's server, with the libpq variables (PGHOST, ...) pointing at it.

    Code under test that reads the standard environment (``lead_funnel.postgres``, dbt's
    ``postgres`` target) then reaches the private server; the variables are restored after
    the test.
    """
    for name, value in postgres_server.env.items():
        monkeypatch.setenv(name, value)
    return postgres_server
