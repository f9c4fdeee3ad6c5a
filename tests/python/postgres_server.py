"""A private, throw-away PostgreSQL server for the tests.

`running_postgres` creates a new cluster (``initdb``) in a fresh folder, starts it on a free
localhost port and always stops it and deletes the folder afterwards, also when the test
fails. Nothing is shared with a PostgreSQL server already running on the machine (a dev
server on port 55432, the distribution's cluster on 5432): the cluster has its own data
folder, port and socket folder.

Root: ``initdb`` and ``postgres`` refuse to run as root, so the server commands run as the
``postgres`` system user (``runuser -u postgres --``) in a folder owned by it under the
system temp folder (``/tmp/lead_funnel_pg-XXXXXXXX``, 0700; the tests' ``tmp_path`` folders
are root-only 0700, so the server could not reach them). As a normal user the commands run
directly. The superuser of the cluster is always ``postgres`` (``initdb -U postgres``) and
local connections are trusted, so no password is needed.

The server is tuned for tests, not durability (``fsync``, ``synchronous_commit`` and
``full_page_writes`` off). Its log goes to ``postgres.log`` in the cluster folder; its tail
is shown when the server does not start, and the whole log is copied to
``<base_dir>/postgres.log`` when the server stops.

Binaries: env ``LEAD_FUNNEL_PG_BIN`` if set, else the newest ``/usr/lib/postgresql/*/bin``
(Debian/Ubuntu), else ``pg_config --bindir``, else ``initdb`` on the PATH. Without them
`PostgresNotInstalledError` says how to install them (``apt-get install -y postgresql``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # the OS user the server runs as when we are root
DEFAULT_DATABASE = "lead_funnel"
INSTALL_HINT = "apt-get install -y postgresql"
START_ATTEMPTS = 5  # a free port can be taken by someone else before the server binds it
TIMEOUT_S = 60
SERVER_SETTINGS = {
    "listen_addresses": "localhost",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
}


class PostgresNotInstalledError(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) cannot be found."""


class PostgresStartError(RuntimeError):
    """The private server could not be initialised or started."""


@dataclass(frozen=True)
class PostgresServer:
    """A running private server: where it listens and how to reach it."""

    host: str
    port: int
    user: str
    database: str
    data_dir: Path
    log_file: Path

    @property
    def env(self) -> dict[str, str]:
        """The libpq variables that point a subprocess (dbt, the CLI) at this server."""
        return self.env_for(self.database)

    def env_for(self, database: str) -> dict[str, str]:
        """Like `env`, for another database of this server."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": "",
            "PGDATABASE": database,
        }

    def connect(self, database: str | None = None) -> psycopg2.extensions.connection:
        """A new connection to ``database`` (default: the server's database)."""
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=database or self.database,
            connect_timeout=10,
        )

    def create_database(
        self, name: str, *, replace: bool = True, icu_locale: str | None = None
    ) -> str:
        """Create database ``name`` and return the name.

        An existing database of that name is dropped first when ``replace`` (a fresh, empty
        database), else kept as it is. ``icu_locale`` (e.g. ``en-US``) gives it that ICU
        collation instead of the cluster's ``C.UTF-8``: text then sorts linguistically.
        """
        conn = self.connect("postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                if replace:
                    cur.execute(
                        sql.SQL("drop database if exists {} with (force)").format(
                            sql.Identifier(name)
                        )
                    )
                else:
                    cur.execute("select 1 from pg_database where datname = %s", [name])
                    if cur.fetchone() is not None:
                        return name
                if icu_locale is None:
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                else:
                    cur.execute(
                        sql.SQL(
                            "create database {} locale_provider icu icu_locale {} "
                            "template template0"
                        ).format(sql.Identifier(name), sql.Literal(icu_locale))
                    )
        finally:
            conn.close()
        return name


def find_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (see the module docstring)."""
    candidates: list[Path] = []
    override = os.environ.get("LEAD_FUNNEL_PG_BIN")
    if override:
        candidates.append(Path(override))
    else:

        def version(path: Path) -> tuple[int, ...]:
            return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
        pg_config = shutil.which("pg_config")
        if pg_config:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                out = subprocess.run(
                    [pg_config, "--bindir"], capture_output=True, text=True, check=True
                ).stdout
                candidates.append(Path(out.strip()))
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(Path(initdb).parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    where = (
        f"LEAD_FUNNEL_PG_BIN={override}"
        if override
        else "/usr/lib/postgresql/*/bin, `pg_config --bindir` or the PATH"
    )
    raise PostgresNotInstalledError(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where}; "
        f"install them with `{INSTALL_HINT}` (or point LEAD_FUNNEL_PG_BIN at their folder)"
    )


def free_port() -> int:
    """A localhost TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(
    command: Sequence[str], *, cwd: Path, check: bool = True, timeout: float = TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """Run a server command, as the ``postgres`` system user when we are root."""
    full = ["runuser", "-u", SYSTEM_USER, "--", *command] if _is_root() else list(command)
    result = subprocess.run(
        full, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise PostgresStartError(
            f"{' '.join(full)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _make_cluster_root() -> Path:
    """A fresh folder for the cluster, usable by the user the server runs as."""
    if _is_root():
        import pwd

        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError as exc:
            raise PostgresNotInstalledError(
                f"no {SYSTEM_USER!r} system user to run the server as (we are root); "
                f"install PostgreSQL with `{INSTALL_HINT}`"
            ) from exc
        # /tmp is world-traversable; the folder itself is the server user's alone (0700).
        root = Path(tempfile.mkdtemp(prefix="lead_funnel_pg-", dir="/tmp"))
        os.chown(root, entry.pw_uid, entry.pw_gid)
        return root
    return Path(tempfile.mkdtemp(prefix="lead_funnel_pg-"))


def _stop(bin_dir: Path, data_dir: Path, cwd: Path) -> None:
    """Stop the server: fast shutdown, then immediate, then kill the postmaster."""
    pg_ctl = str(bin_dir / "pg_ctl")
    for mode in ("fast", "immediate"):
        with contextlib.suppress(subprocess.TimeoutExpired):
            result = _run(
                [pg_ctl, "-D", str(data_dir), "-m", mode, "-w", "-t", "30", "stop"],
                cwd=cwd,
                check=False,
                timeout=40,
            )
            if result.returncode == 0 or not (data_dir / "postmaster.pid").exists():
                return
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 9)


@contextlib.contextmanager
def running_postgres(
    base_dir: Path, *, database: str = DEFAULT_DATABASE
) -> Iterator[PostgresServer]:
    """Start a private PostgreSQL server, yield it, and always stop and delete it.

    Args:
        base_dir: a folder of the caller (e.g. pytest's ``tmp_path``); the server log is
            copied there as ``postgres.log`` when the server stops. The cluster itself lives
            in a fresh ``lead_funnel_pg-*`` folder of the temp folder (see module docstring).
        database: a database created on start (the one `PostgresServer.env` points at).

    Raises:
        PostgresNotInstalledError: no server binaries.
        PostgresStartError: ``initdb`` or the start failed (with the tail of the server log).
    """
    bin_dir = find_bin_dir()
    cluster_root = _make_cluster_root()
    data_dir = cluster_root / "data"
    log_file = cluster_root / "postgres.log"
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            cwd=cluster_root,
            timeout=120,
        )
        port = 0
        for _attempt in range(START_ATTEMPTS):
            port = free_port()
            options = " ".join(
                [f"-p {port}", f"-k {shlex.quote(str(data_dir))}"]
                + [f"-c {key}={value}" for key, value in SERVER_SETTINGS.items()]
            )
            result = _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data_dir),
                    "-l",
                    str(log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(TIMEOUT_S),
                    "start",
                ],
                cwd=cluster_root,
                check=False,
                timeout=TIMEOUT_S + 10,
            )
            if result.returncode == 0:
                started = True
                break
            if "already in use" not in _tail(log_file):
                break
        if not started:
            raise PostgresStartError(
                f"PostgreSQL did not start on port {port} (data folder {data_dir}); "
                f"end of the server log {log_file}:\n{_tail(log_file)}"
            )
        server = PostgresServer(
            host="localhost",
            port=port,
            user=SUPERUSER,
            database=database,
            data_dir=data_dir,
            log_file=log_file,
        )
        server.create_database(database, replace=False)
        yield server
    finally:
        if started or (data_dir / "postmaster.pid").exists():
            _stop(bin_dir, data_dir, cluster_root)
        with contextlib.suppress(OSError):
            base_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_file, base_dir / "postgres.log")
        shutil.rmtree(cluster_root, ignore_errors=True)
