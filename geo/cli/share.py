"""``tenglong share-link``: print a signed, expiring share link for investors.

The link is the one the site finder's share box shows (:mod:`geo.sharing`):
``BASE_URL/site-finder?share=TOKEN``. It opens the investor presentation of
the workspace's available sites (only ``--site`` ones when given) and cannot
be turned into a planner session. The instance it points at must have the
same signing secret (``$TENGLONG_SHARE_SECRET`` or the secret file).

Exit codes: 0 printed; 2 bad input (expiry, URL, language, workspace, secret:
the message says which).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from geo import sharing

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _err(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(2)


def workspace_id(workspace: str) -> str:
    """How a token names a workspace: a demo's stem (``fuxing``) or the resolved file path.

    Raises
    ------
    ValueError
        Neither a demo name nor an existing ``.gpkg`` file or dataset directory.
    """
    value = workspace.strip()
    if value and "/" not in value and (DATA_DIR / f"{value}.gpkg").is_file():
        return value
    p = Path(value).expanduser()
    if p.is_file() and p.suffix.lower() == ".gpkg":
        resolved = p.resolve()
        return resolved.stem if resolved.parent == DATA_DIR.resolve() else str(resolved)
    if p.is_dir() and (p / "meta.json").is_file():
        return str(p.resolve())
    raise ValueError(
        f"workspace {workspace!r} is neither a demo workspace (e.g. fuxing) nor a .gpkg "
        f"file or GeoParquet dataset directory; give the file the app opens"
    )


def share_link(
    workspace: Annotated[
        str, typer.Argument(help="Workspace: a demo name (fuxing) or the .gpkg the app opens.")
    ],
    *,
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            help="Show only this site: a parcel ID, or S:ID1,ID2… for an assembled 连片 site "
            "(repeat for several).",
        ),
    ] = None,
    expires: Annotated[
        str, typer.Option(help="How long the link works: 7d, 12h or 30m (at most 366d).")
    ] = sharing.DEFAULT_EXPIRES,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help=f"URL of the instance the link opens (default ${sharing.BASE_URL_ENV}).",
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language the link opens in: zh or en.")] = "zh",
) -> None:
    """Print a signed share link that opens the investor presentation of WORKSPACE.

    Without --base-url the link points at $TENGLONG_SHARE_BASE_URL (the
    investor instance's URL), else at http://localhost:8501 (with a warning).
    """
    try:
        ws = workspace_id(workspace)
        seconds = sharing.parse_duration(expires)
        if lang not in ("zh", "en"):
            raise ValueError(f"language {lang!r}: use zh or en")
        if base_url:
            base = sharing.check_base_url(base_url)
        else:
            try:
                base = sharing.base_url()
            except ValueError:
                base = "http://localhost:8501"
                Console(stderr=True).print(
                    f"warning: no --base-url and no {sharing.BASE_URL_ENV}: the link points at "
                    f"{base}, which only this machine opens",
                    highlight=False,
                )
        share = sharing.new_share(ws, sites=site or (), lang=lang, expires=expires)
        token = sharing.make_token(share, sharing.load_secret())
    except ValueError as err:
        raise _err(str(err)) from None
    typer.echo(sharing.share_url(base, token))
    until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(share.expires_utc_s))
    Console(stderr=True).print(
        f"valid until {until} ({seconds // 3600} h); sites: "
        + (", ".join(share.sites) if share.sites else "every available site"),
        highlight=False,
    )


__all__ = ["share_link", "workspace_id"]
