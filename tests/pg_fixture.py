"""PostGIS test fixtures: one throwaway server per test session, a fresh schema per test.

Load with ``pytest_plugins = ("pg_fixture",)`` in a test module. The server is
a real PostgreSQL 15 + PostGIS cluster (:mod:`geo.store.testserver`) on
127.0.0.1 and a free port, stopped and deleted at the end of the session.
Without the Debian packages the PostGIS tests are skipped with the command
that installs them — except under CI or ``TENGLONG_REQUIRE_POSTGIS=1``,
where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from factories import tiny_tables

from geo.store.testserver import PgServer, ServerUnavailableError, start_server
from geo.workspace import save_workspace

BACKENDS = ("gpkg", "postgis")
"""Every store backend; edit tests are parametrized over them."""


def _required() -> bool:
    return os.environ.get("TENGLONG_REQUIRE_POSTGIS") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A running PostgreSQL + PostGIS server for the whole session."""
    try:
        server = start_server()
    except ServerUnavailableError as err:
        if _required():
            pytest.fail(str(err))
        pytest.skip(str(err))
    try:
        yield server
    finally:
        server.stop()


def new_schema_url(server: PgServer) -> str:
    """A URL naming a new, unused schema on ``server``."""
    return server.schema_url(f"t_{uuid.uuid4().hex[:12]}")


def _tiny_tables() -> dict[str, pd.DataFrame]:
    tables = tiny_tables()
    tables["milestones"] = pd.DataFrame(
        {
            "subject_id": ["Z1", "P1", "P3"],
            "milestone": ["项目确定", "土壤调查", "搬迁协议"],
            "due": pd.to_datetime(["2018-12-31", "2019-06-30", "2026-12-31"]),
            "done": pd.to_datetime(["2018-12-20", None, None]),
        }
    )
    return tables


TINY_META = {"name": "测试", "schematic": "1", "published_freed_mu": "45", "negotiator": "赵处长"}


@pytest.fixture(scope="session")
def tiny_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny workspace GeoPackage, written once per session (copy it before editing)."""
    return save_workspace(
        _tiny_tables(), tmp_path_factory.mktemp("tiny") / "tiny.gpkg", meta=TINY_META
    )


def tiny_gpkg(template: Path, folder: Path, name: str = "tiny.gpkg") -> Path:
    """A fresh copy of the tiny workspace in ``folder``.

    P1 released, P2 stored, P3 operating, P4 supplied; milestones of Z1 (an
    area), P1 (released) and P3 (operating); a ``meta`` key no investor may see.
    """
    return Path(shutil.copy(template, folder / name))


@pytest.fixture
def make_schema_url(pg_server: PgServer) -> Callable[[], str]:
    """A function returning the URL of a new, unused schema on the session's server."""
    return lambda: new_schema_url(pg_server)


@pytest.fixture
def tiny_path(tiny_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the tiny workspace GeoPackage (see :func:`tiny_gpkg`)."""
    return tiny_gpkg(tiny_template, tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test."""
    return str(request.param)


@pytest.fixture
def tiny_target(
    backend: str, tiny_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> str:
    """The tiny workspace on the backend under test: a .gpkg path or a schema URL."""
    path = tiny_gpkg(tiny_template, tmp_path)
    if backend == "gpkg":
        return str(path)
    from geo.store.migrate import gpkg_to_postgis

    url = new_schema_url(request.getfixturevalue("pg_server"))
    gpkg_to_postgis(path, url)
    return url
