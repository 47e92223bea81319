"""HTML: the standalone offline map (Leaflet and the Tenglong controls embedded).

:func:`geo.render.render_map` filters layers, rows and fields for the role;
with a site or an area in scope only its parcels are drawn.
"""

from __future__ import annotations

import logging

from geo.export._context import ExportContext, ExportError

logger = logging.getLogger(__name__)


def build_html(ctx: ExportContext, *, basemap: str = "none") -> bytes:
    """One HTML file that opens from ``file://`` with no network (``basemap="none"``).

    Raises
    ------
    ExportError
        The page would load something from the network (a guard; the
        renderer never adds such references).
    """
    from geo.render import map_html, remote_references, render_map

    errors = [p for p in ctx.ws.problems if getattr(p, "severity", "") == "error"]
    if errors:
        logger.warning(
            "%s has %d validation error(s); the map is drawn as the data stand "
            "(run `tenglong info %s`)",
            ctx.ws.path,
            len(errors),
            ctx.ws.path,
        )
    scoped = ctx.site_id is not None or ctx.area_id is not None
    ids = list(ctx.scope_parcels["parcel_id"].astype(str)) if scoped else None
    m = render_map(
        ctx.ws,
        role=ctx.role,
        lang=ctx.lang,
        basemap=basemap,
        asset_mode="inline",
        parcel_ids=ids,
    )
    html = map_html(m)
    remote = remote_references(html)
    if remote:  # a guard: render_map never adds them
        raise ExportError(f"the map would load {', '.join(remote)} from the network; not written")
    return html.encode("utf-8")
