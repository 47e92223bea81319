"""Screenshots of every page of the app, for ``docs/screenshots/`` (reproducible).

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (the repository's
demo workspaces, a throw-away cache and share secret, no ``TENGLONG_WORKSPACE``
or ``TENGLONG_MODE`` from the caller) and opens each page in headless Debian
Chromium with every request beyond this machine aborted. A page is shot once
it has run to the end: its map (if it has one) has drawn features, the
Streamlit status widget is gone and nothing moved for a moment. A page that
shows a Streamlit exception, a map without features, a page error or a
request that tried to leave the machine is reported, and the run fails
(``st.error`` blocks are printed: the soil gate's notice is one).

What is shot (``NAME-ROLE-LANG-WxH.png``):

- *planner*, zh and en: overview, freed land, layout, factory sites (Wu'an,
  the demo that has sites), 亩均 benefit, checks and supervision, site finder, edit parcels,
  import, export, and the site finder's presentation mode (``?present=1`` with
  the largest site, a 连片 one, chosen: its card beside the map);
- *investor*, zh and en: the presentation an investor's share link opens
  (a token made with :mod:`geo.sharing`; the investor sees only it);
- sizes 1440×900 for everything and 1920×1080 for the overview, the site
  finder and the investor's presentation (``--all``: every page at both).

The PNGs are reduced to a 256-colour palette (flat UI colours, a third of the
size). Same inputs, same pictures: the demo workspaces are seeded, the
basemap is none (no tiles), share links start with ``SHARE_BASE``; only the
token printed on the planner's site finder changes (it carries its expiry).

Run::

    .venv/bin/python scripts/screenshots.py               # regenerate docs/screenshots/
    .venv/bin/python scripts/screenshots.py --out /tmp/shots --all
    .venv/bin/python scripts/screenshots.py --only overview,site-finder --size 1440x900
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM_ARGS, _chromium_path  # noqa: E402

from tests.appserver import streamlit_app  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SHARE_BASE = "https://invest.example.org"
"""The base the site finder prints in its share links (the app's own port changes per run)."""
MAP_ELEMENT = ".tl-holder"
SIZES = ((1440, 900), (1920, 1080))
LANGS = ("zh", "en")
LARGE = ("overview-planner", "site-finder-planner", "presentation-investor")
"""Pages (``NAME-ROLE``) shot at 1920×1080 too (without ``--all``)."""
NOT_LOCAL = re.compile(
    r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])[:/])(?!(data|blob|about):)"
)
MAP_READY = (
    "() => window.TL && TL.instances.length > 0 && "
    f"document.querySelectorAll('{MAP_ELEMENT} path.leaflet-interactive').length > 0"
)
EXCEPTION = "[data-testid='stException']"
ALERT_ERROR = "[data-testid='stAlertContentError']"
"""An ``st.error`` block: reported, not a failure (the soil gate's notice is one)."""


@dataclass(frozen=True)
class Page:
    """One page to shoot: its file-name stem, URL path and query, and whether it has a map."""

    name: str
    path: str
    query: str = ""
    has_map: bool = True
    role: str = "planner"


PLANNER_PAGES: tuple[Page, ...] = (
    Page("overview", "/"),
    Page("freed-land", "/freed-land"),
    Page("layout", "/layout"),
    Page("sites", "/sites", "ws=wuan"),
    Page("benefit", "/benefit"),
    Page("checks", "/checks"),
    Page("site-finder", "/site-finder", "ws=fuxing"),
    Page("edit-parcels", "/edit-parcels"),
    Page("import", "/import", has_map=False),
    Page("export", "/export", has_map=False),
)
PRESENT = Page("presentation", "/site-finder", "ws=fuxing&present=1&site={site}")
INVESTOR = Page("presentation", "/site-finder", "share={token}", role="investor")
PAGES: tuple[Page, ...] = (*PLANNER_PAGES, PRESENT, INVESTOR)


@dataclass(frozen=True)
class Shot:
    """One screenshot: a page in a language at a size."""

    page: Page
    lang: str
    size: tuple[int, int]

    @property
    def filename(self) -> str:
        w, h = self.size
        return f"{self.page.name}-{self.page.role}-{self.lang}-{w}x{h}.png"


@dataclass
class Result:
    """What a shot found: problems (empty when the page rendered) and the map's feature count."""

    shot: Shot
    path: Path
    features: int = 0
    title: str = ""
    sidebar: bool = False
    """Whether the page showed the sidebar (the planner's menu)."""
    alerts: list[str] = field(default_factory=list)
    """The text of the page's ``st.error`` blocks."""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def plan(
    *,
    every_size: bool = False,
    only: Iterable[str] | None = None,
    sizes: Iterable[tuple[int, int]] = SIZES,
    langs: Iterable[str] = LANGS,
) -> list[Shot]:
    """The shots to take, in order (page by page, each in every language and size)."""
    wanted = set(only) if only else None
    sizes, langs = tuple(sizes), tuple(langs)
    out = []
    for page in PAGES:
        if wanted is not None and page.name not in wanted:
            continue
        for size in sizes:
            large = f"{page.name}-{page.role}" in LARGE
            if size != SIZES[0] and not every_size and not large:
                continue
            out += [Shot(page, lang, size) for lang in langs]
    return out


def available_sites(workspace: Path, n: int = 3) -> list[str]:
    """The ids of the ``n`` largest parcels an investor may be shown (released or stored)."""
    import geopandas as gpd

    from geo.access import INVESTOR_PARCEL_STATUSES

    parcels = gpd.read_file(workspace, layer="parcels", columns=["parcel_id", "status"])
    parcels = parcels[parcels["status"].isin(INVESTOR_PARCEL_STATUSES)]
    area = parcels.to_crs(parcels.estimate_utm_crs()).area
    return [str(p) for p in parcels.assign(a=area).nlargest(n, "a")["parcel_id"]]


@contextlib.contextmanager
def serve(secret: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free port with share secret ``secret``; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="tl-shots-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENGLONG_")}
        env.update(
            TENGLONG_CACHE_DIR=str(Path(tmp) / "cache"),
            TENGLONG_SHARE_SECRET=secret,
            TENGLONG_SHARE_BASE_URL=SHARE_BASE,
            TENGLONG_UPLOAD_DIR=str(Path(tmp) / "uploads"),
            PYTHONPATH=str(REPO),
        )
        with (Path(tmp) / "server.log").open("wb") as log, streamlit_app(env, log) as (url, _):
            yield url


def settle(page: Any) -> None:
    """Wait until Streamlit has run the script to the end and the page stopped moving."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(900)


def save_png(data: bytes, path: Path) -> None:
    """Write ``data`` (a PNG) to ``path`` as a 256-colour palette PNG, atomically."""
    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    small = img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    tmp = path.with_name(path.name + ".part")
    small.save(tmp, format="PNG", optimize=True)
    tmp.replace(path)


def largest_site(workspace: Path) -> str:
    """The id of the largest candidate site (a 连片 site ``S:…`` when one is largest)."""
    from geo.siting import finder
    from geo.workspace import open_workspace

    ws = open_workspace(workspace, validate=False)
    sites = finder.candidate_sites(ws.parcels, areas=ws.areas)
    return str(sites.sort_values("area_mu", ascending=False)["site_id"].iloc[0])


def url_of(base: str, shot: Shot, *, token: str, site: str) -> str:
    """The URL a shot opens (planner pages get ``lang``; a share link carries its own)."""
    query = shot.page.query.format(token=token, site=urllib.parse.quote(site, safe=""))
    if shot.page.role == "planner":
        query = "&".join(q for q in (query, f"lang={shot.lang}") if q)
    return f"{base}{shot.page.path}" + (f"?{query}" if query else "")


def take(browser: Any, base: str, shot: Shot, out: Path, *, token: str, site: str) -> Result:
    """Open one page in a fresh browser context and save its screenshot under ``out``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    w, h = shot.size
    result = Result(shot, out / shot.filename)
    t0 = time.perf_counter()
    ctx = browser.new_context(
        viewport={"width": w, "height": h}, locale="zh-CN" if shot.lang == "zh" else "en-US"
    )
    blocked: list[str] = []
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.route(NOT_LOCAL, lambda route: (blocked.append(route.request.url), route.abort()))
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(url_of(base, shot, token=token, site=site))
        page.locator("h1").first.wait_for()
        if shot.page.has_map:
            ready = MAP_READY + f" && TL.instances[0].cfg.lang === '{shot.lang}'"
            try:
                page.wait_for_function(ready, timeout=60_000)
            except PlaywrightTimeout:
                result.problems.append("the map drew no feature (or not in this language)")
        settle(page)
        if shot.page.has_map:
            result.features = int(
                page.evaluate(
                    f"() => document.querySelectorAll('{MAP_ELEMENT} path.leaflet-interactive')"
                    ".length"
                )
            )
        result.title = page.locator("h1").first.inner_text().strip()
        result.sidebar = page.locator("section[data-testid='stSidebar']").is_visible()
        page.mouse.move(w - 2, h - 2)  # no hover outline or tooltip in the picture
        page.wait_for_timeout(200)
        for block in page.locator(EXCEPTION).all():
            text = block.inner_text().strip().splitlines()
            result.problems.append("exception: " + (text[0] if text else "(empty)"))
        for block in page.locator(ALERT_ERROR).all():
            result.alerts.append(block.locator("[data-testid='stMarkdownContainer']").inner_text())
        save_png(page.screenshot(), result.path)
    finally:
        ctx.close()
    if blocked:
        result.problems.append(f"{len(blocked)} requests beyond this machine, e.g. {blocked[0]}")
    result.problems += [f"page error: {e}" for e in errors]
    result.seconds = time.perf_counter() - t0
    return result


def run(shots: list[Shot], out: Path, browser: Any = None) -> list[Result]:
    """Take ``shots`` against a fresh app server; PNGs go to ``out``.

    ``browser``: a playwright Chromium already launched (the tests' fixture);
    by default one is launched with the tests' arguments.
    """
    from geo import sharing

    out.mkdir(parents=True, exist_ok=True)
    sites = available_sites(REPO / "data" / "fuxing.gpkg")
    present_site = largest_site(REPO / "data" / "fuxing.gpkg")
    secret = secrets.token_hex(24)
    tokens = {
        lang: sharing.make_token(
            sharing.new_share("fuxing", sites=sites, lang=lang), secret.encode()
        )
        for lang in LANGS
    }
    results = []
    with serve(secret) as base, _browser(browser) as chromium:
        for shot in shots:
            r = take(chromium, base, shot, out, token=tokens[shot.lang], site=present_site)
            print(
                f"{shot.filename:48} {r.seconds:5.1f} s  {r.features:5d} features"
                + ("  " + "; ".join(r.problems) if r.problems else "")
                + "".join(f"\n    st.error: {a}" for a in r.alerts),
                flush=True,
            )
            results.append(r)
    return results


@contextlib.contextmanager
def _browser(given: Any) -> Iterator[Any]:
    if given is not None:
        yield given
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: give the size as WIDTHxHEIGHT, e.g. 1440x900")
    return int(m.group(1)), int(m.group(2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--out", type=Path, default=OUT, help=f"folder (default {OUT.relative_to(REPO)})"
    )
    ap.add_argument("--all", action="store_true", help="every page at every size")
    ap.add_argument(
        "--only", help="comma-separated page names: " + ", ".join(p.name for p in PAGES)
    )
    ap.add_argument("--size", type=_size, action="append", help="WIDTHxHEIGHT (repeatable)")
    ap.add_argument("--lang", choices=LANGS, action="append", help="zh or en (repeatable)")
    args = ap.parse_args()
    names = {p.name for p in PAGES}  # "presentation": the planner's and the investor's
    only = [s.strip() for s in args.only.split(",")] if args.only else None
    unknown = sorted(set(only or ()) - names)
    if unknown:
        ap.error(f"unknown page {', '.join(unknown)}; known: {', '.join(sorted(names))}")
    shots = plan(
        every_size=args.all or bool(args.size),
        only=only,
        sizes=args.size or SIZES,
        langs=args.lang or LANGS,
    )
    results = run(shots, args.out)
    bad = [r for r in results if r.problems]
    total = sum(r.path.stat().st_size for r in results if r.path.exists())
    print(
        f"{len(results)} screenshots, {total / 1e6:.1f} MB in {args.out}; {len(bad)} with problems"
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
