"""Browser fixtures: Debian's chromium driven by playwright, with the network cut off.

Tests that use them are marked ``@pytest.mark.browser``; they are skipped with
the reason when playwright or ``/usr/bin/chromium`` is missing
(``scripts/ensure-chromium.sh`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _chromium_path() -> str | None:
    env = os.environ.get("TENGLONG_CHROMIUM")
    if env:
        return env
    for cand in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(cand).exists():
            return cand
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium (session-wide)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    path = _chromium_path()
    if path is None:
        missing = "chromium not found: run scripts/ensure-chromium.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs it: a missing browser is a broken setup
        pytest.skip(missing)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class OfflinePage:
    """A page whose network is cut off, and what it tried to do."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: Path, *, ready: str = "window.TL && TL.instances.length > 0") -> None:
        """Open a local HTML file and wait until the map is mounted."""
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(ready, timeout=15_000)


def _allowed(url: str) -> bool:
    if url.startswith(("file:", "data:", "blob:", "about:")):
        return True
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host in ("localhost", "127.0.0.1", "[::1]")


@pytest.fixture
def offline_page(chromium: Any) -> Iterator[OfflinePage]:
    """A 1280×800 page: requests other than file:// and localhost are aborted and recorded;
    dialogs (``alert``…) are dismissed and recorded; page errors are recorded."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    op = OfflinePage(page)

    def _route(route: Any) -> None:
        url = route.request.url
        if _allowed(url):
            route.continue_()
        else:
            op.blocked.append(url)
            route.abort()

    def _dialog(dialog: Any) -> None:
        op.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.route("**/*", _route)
    page.on("dialog", _dialog)
    page.on("pageerror", lambda err: op.errors.append(str(err)))
    yield op
    context.close()


@pytest.fixture(autouse=True)
def _share_secret_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """Share-link secrets made by tests go to a temporary file, never ~/.config/tenglong."""
    if not os.environ.get("TENGLONG_SHARE_SECRET_FILE"):
        path = tmp_path_factory.getbasetemp() / "share_secret"
        monkeypatch.setenv("TENGLONG_SHARE_SECRET_FILE", str(path))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``artifacts/`` at the repository root (screenshots; ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
