"""A throwaway local PostgreSQL + PostGIS cluster, for tests and benchmarks.

:func:`start_server` runs ``initdb`` in a new temporary directory and starts
``postgres`` listening on 127.0.0.1 only, on a free port, with no Unix socket,
password authentication (a random password) and settings for speed over
durability (``fsync=off`` unless ``durable=True``: never for real data).
:meth:`PgServer.stop` stops it and deletes the directory. PostgreSQL refuses
to run as root: as root the server runs as the ``postgres`` system user
(``runuser``).

Binaries come from Debian's ``postgresql-15`` and ``postgresql-15-postgis-3``
(``scripts/ensure-postgres.sh`` installs them); ``TENGLONG_PG_BIN`` overrides
the directory.

Command line (``scripts/pg-test-server.sh``)::

    python -m geo.store.testserver        # prints the URL; Ctrl-C stops and deletes it
"""

from __future__ import annotations

import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from geo import settings
from geo.errors import OperationError

logger = logging.getLogger(__name__)

PG_BIN_CANDIDATES = tuple(f"/usr/lib/postgresql/{v}/bin" for v in (17, 16, 15))
"""Where Debian installs the server binaries, newest first."""

DB_NAME = "tenglong"
DB_USER = "tenglong"


class ServerUnavailableError(OperationError):
    """PostgreSQL/PostGIS binaries are missing or the server would not start."""


def find_pg_bin() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres`` with PostGIS available.

    Raises
    ------
    ServerUnavailableError
        Nothing suitable is installed; the message says how to install it.
    """
    env = settings.get(settings.PG_BIN_ENV)
    for cand in ([env] if env else []) + list(PG_BIN_CANDIDATES):
        d = Path(cand)
        if all((d / b).exists() for b in ("initdb", "pg_ctl", "postgres")):
            version = d.parent.name
            if list(Path(f"/usr/share/postgresql/{version}/extension").glob("postgis.control")):
                return d
    raise ServerUnavailableError(
        "PostgreSQL with PostGIS is not installed: run `bash scripts/ensure-postgres.sh` "
        "(Debian packages postgresql-15 and postgresql-15-postgis-3)"
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running throwaway cluster."""

    datadir: Path
    port: int
    password: str
    bin_dir: Path
    run_as: str | None

    @property
    def url(self) -> str:
        """``postgresql://`` URL of the ``tenglong`` database (password included)."""
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    def schema_url(self, schema: str) -> str:
        """:attr:`url` with ``?schema=NAME`` for :func:`geo.store.open_store`."""
        return f"{self.url}?schema={schema}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        if self.datadir.exists():
            _run(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.datadir / "data"),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                self.run_as,
                check=False,
            )
            shutil.rmtree(self.datadir, ignore_errors=True)
            logger.info("stopped the test PostgreSQL server on port %d", self.port)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _run(cmd: list[str], run_as: str | None, *, check: bool = True) -> subprocess.CompletedProcess:
    if run_as:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check and res.returncode != 0:
        raise ServerUnavailableError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}")
    return res


def start_server(*, durable: bool = False, attempts: int = 3) -> PgServer:
    """Create and start a throwaway cluster with the ``tenglong`` database and PostGIS.

    Parameters
    ----------
    durable
        Keep PostgreSQL's default durability (``fsync``, synchronous commit):
        for benchmarks. Tests use the fast default (off).

    Raises
    ------
    ServerUnavailableError
        Binaries missing, or the server did not start (the log is in the message).
    """
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ServerUnavailableError(
            "psycopg is not installed: pip install 'psycopg[binary]>=3.1'"
        ) from None
    bin_dir = find_pg_bin()
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailableError(
                "running as root and there is no 'postgres' user to run the server as; "
                "install Debian's postgresql package (scripts/ensure-postgres.sh)"
            ) from None
        run_as = "postgres"
    root = Path(tempfile.mkdtemp(prefix="tenglong-pg-"))
    if run_as:
        pw = pwd.getpwnam(run_as)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    password = secrets.token_urlsafe(18)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, pw.pw_uid, pw.pw_gid)
    pwfile.chmod(0o600)
    data = root / "data"
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                DB_USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            run_as,
        )
        pwfile.unlink()
        last = ""
        for _ in range(attempts):
            port = free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
                "-c max_connections=50 -c shared_buffers=64MB"
            )
            if not durable:
                opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            res = _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(root / "log"),
                    "-o",
                    opts,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                run_as,
                check=False,
            )
            if res.returncode == 0:
                server = PgServer(root, port, password, bin_dir, run_as)
                _create_database(server)
                logger.info("started a test PostgreSQL server on 127.0.0.1:%d", port)
                return server
            last = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            time.sleep(0.2)
        raise ServerUnavailableError(f"postgres did not start:\n{res.stderr}\n{last[-2000:]}")
    except BaseException:
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            run_as,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
        raise


def _create_database(server: PgServer) -> None:
    import psycopg

    base = f"postgresql://{DB_USER}:{server.password}@127.0.0.1:{server.port}/postgres"
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"CREATE DATABASE {DB_NAME}")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def main() -> None:  # pragma: no cover - interactive helper
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = start_server()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
