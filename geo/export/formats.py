"""The export formats and the two ways to use them: bytes (for the app) or a file (CLI).

:func:`export_bytes` returns ``(data, filename, mime)`` for a download button;
:func:`export_file` writes a file atomically (a temporary file in the same
folder, renamed into place: a failure leaves no partial file and any previous
file intact).

Examples
--------
::

    data, name, mime = export_bytes("data/fuxing.gpkg", fmt="xlsx", role="planner", lang="zh")
    st.download_button("下载", data, file_name=name, mime=mime)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo.export._context import (
    ExportContext,
    ExportError,
    check_out_path,
    output_storage_error,
    prepare,
    write_atomic,
)
from geo.workspace import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """An export format: its name, file extension, MIME type and builder."""

    name: str
    ext: str
    mime: str
    build: Callable[..., bytes]
    description: str


def _xlsx(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.tabular import build_xlsx

    return build_xlsx(ctx)


def _csv(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.tabular import build_csv

    return build_csv(ctx)


def _gpkg(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.gis import build_gpkg

    return build_gpkg(ctx)


def _shp(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.gis import build_shp_zip

    return build_shp_zip(ctx)


def _geojson(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.gis import build_geojson

    return build_geojson(ctx)


def _kml(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.gis import build_kml

    return build_kml(ctx)


def _html(ctx: ExportContext, *, basemap: str = "none", **_: object) -> bytes:
    from geo.export.html import build_html

    return build_html(ctx, basemap=basemap)


def _txt(
    ctx: ExportContext, *, encoding: str | None = None, per_parcel: bool = False, **_: object
) -> bytes:
    from geo.export.baopan import build_txt

    return build_txt(ctx, encoding=encoding, per_parcel=per_parcel)


def _pdf(ctx: ExportContext, **_: object) -> bytes:
    from geo.export.pdf import build_pdf

    return build_pdf(ctx)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx,
            "land-release summary workbook",
        ),
        Format("csv", "csv", "text/csv", _csv, "one table, UTF-8 with BOM (--table)"),
        Format("gpkg", "gpkg", "application/geopackage+sqlite3", _gpkg, "GeoPackage"),
        Format("shp", "zip", "application/zip", _shp, "zipped shapefiles"),
        Format("geojson", "geojson", "application/geo+json", _geojson, "GeoJSON (RFC 7946)"),
        Format("kml", "kml", "application/vnd.google-earth.kml+xml", _kml, "KML"),
        Format("html", "html", "text/html", _html, "offline HTML map"),
        Format("pdf", "pdf", "application/pdf", _pdf, "site sheet (--site) or release report"),
        Format(
            "txt",
            "txt",
            "text/plain",
            _txt,
            "报盘坐标 txt of the parcels (GBK; --encoding utf-8, --per-parcel zip)",
        ),
    )
}
"""Every format by name."""

SUFFIXES: dict[str, str] = {
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".gpkg": "gpkg",
    ".zip": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
    ".kml": "kml",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".txt": "txt",
}
"""File suffix → format, to infer ``--format`` from ``--out``."""


def get_format(fmt: str) -> Format:
    """The :class:`Format` named ``fmt`` (case-insensitive).

    Raises
    ------
    ExportError
        Unknown format; the message lists the supported ones.
    """
    spec = FORMATS.get(str(fmt).lower())
    if spec is None:
        raise ExportError(f"unknown format {fmt!r}; supported formats: {', '.join(FORMATS)}")
    return spec


def format_for_path(path: str | os.PathLike[str]) -> str | None:
    """The format a file name suggests (``.zip`` → ``shp``), or None."""
    return SUFFIXES.get(Path(path).suffix.lower())


TXT_OPTIONS_ONLY = "--encoding and --per-parcel apply to --format txt only"


def _check_txt_options(spec: Format, encoding: str | None, per_parcel: bool) -> None:
    if spec.name != "txt" and (encoding is not None or per_parcel):
        raise ExportError(f"{TXT_OPTIONS_ONLY}; drop them for --format {spec.name}")


def filename(ctx: ExportContext, fmt: str, *, per_parcel: bool = False) -> str:
    """A file name for an export, e.g. ``fuxing-release-planner.xlsx``."""
    spec = get_format(fmt)
    slug = ctx.scope_slug()
    if spec.name == "txt":
        return f"{ctx.stem}-{slug}-{ctx.role}-报盘.{'zip' if per_parcel else 'txt'}"
    if spec.name == "csv":
        slug = f"{slug}-{ctx.table or 'area'}"
    if spec.name == "pdf" and (ctx.site_id is not None or ctx.site_area):
        return f"{ctx.stem}-{slug}.{spec.ext}"
    return f"{ctx.stem}-{slug}-{ctx.role}.{spec.ext}"


def export_bytes(
    workspace: Workspace | str | os.PathLike[str],
    *,
    fmt: str,
    role: str = "planner",
    lang: str = "zh",
    area_id: str | None = None,
    site_id: str | None = None,
    layout: str | None = None,
    table: str | None = None,
    basemap: str = "none",
    encoding: str | None = None,
    per_parcel: bool = False,
) -> tuple[bytes, str, str]:
    """Export a workspace for one role, in memory.

    Parameters
    ----------
    workspace
        An open :class:`geo.workspace.Workspace` or the path of a ``.gpkg``.
    fmt
        ``xlsx``, ``csv``, ``gpkg``, ``shp``, ``geojson``, ``kml``, ``html``, ``pdf`` or
        ``txt`` (报盘坐标).
    role
        ``planner``, ``investment``, ``investor`` or ``public``: what the file
        may contain (:mod:`geo.export._context`).
    lang
        ``zh`` or ``en`` for headers and labels.
    area_id
        Only this planning area (its parcels, sub-areas, clipped figures).
    site_id
        One parcel; for ``pdf`` a parcel ID or an area ID gives a site sheet.
    layout
        A layout name (or parent area ID) choosing the areas of summaries.
    table
        The table of a ``csv`` export: ``area`` (default), ``status``,
        ``year``, ``industry``, ``parcels`` or ``soil``.
    basemap
        The ``html`` map's basemap (``none`` works offline).
    encoding
        ``txt``: ``gbk`` (default), ``gb18030`` or ``utf-8``.
    per_parcel
        ``txt``: one file per parcel, zipped.

    Returns
    -------
    tuple
        ``(data, filename, mime)``.

    Raises
    ------
    ExportError
        A bad request (unknown format, role, language, area, site or layout;
        ``area_id`` with ``site_id``); the message lists valid choices.
    geo.workspace.WorkspaceError
        The workspace cannot be opened.
    """
    spec = get_format(fmt)
    _check_txt_options(spec, encoding, per_parcel)
    ctx = prepare(
        workspace,
        role=role,
        lang=lang,
        area_id=area_id,
        site_id=site_id,
        layout=layout,
        table=table,
    )
    data = spec.build(ctx, basemap=basemap, encoding=encoding, per_parcel=per_parcel)
    mime = "application/zip" if spec.name == "txt" and per_parcel else spec.mime
    if spec.name == "txt" and not per_parcel:
        mime = f"text/plain; charset={(encoding or 'gbk').lower()}"
    return data, filename(ctx, spec.name, per_parcel=per_parcel), mime


def export_file(
    workspace: Workspace | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    role: str = "planner",
    lang: str = "zh",
    area_id: str | None = None,
    site_id: str | None = None,
    layout: str | None = None,
    table: str | None = None,
    basemap: str = "none",
    encoding: str | None = None,
    per_parcel: bool = False,
) -> Path:
    """Export a workspace to ``out``, atomically (see :func:`export_bytes`).

    ``fmt`` defaults to the format of ``out``'s suffix (``.zip`` → ``shp``).

    Raises
    ------
    ExportError
        As :func:`export_bytes`; also a missing output folder, or a format
        that cannot be inferred from ``out``.
    geo.store.StorageFullError, geo.store.ReadOnlyError
        The disk is full or the output folder read-only; no file was written.
    """
    path = check_out_path(out)
    if fmt is None:
        fmt = format_for_path(path)
        if fmt is None:
            raise ExportError(
                f"cannot tell the format from {path.name}; give --format "
                f"({', '.join(FORMATS)}) or a suffix ({', '.join(SUFFIXES)})"
            )
    spec = get_format(fmt)
    if spec.name == "shp" and path.suffix.lower() == ".shp":
        raise ExportError(
            "a shapefile export is a zip of .shp, .shx, .dbf, .prj and .cpg files: "
            f"use --out {path.with_suffix('.zip')}"
        )
    expected = {s for s, f in SUFFIXES.items() if f == spec.name}
    if spec.name == "txt" and per_parcel:
        expected = {".zip"}
    if path.suffix.lower() not in expected:
        logger.warning("%s: the suffix does not match format %s", path, spec.name)
    try:
        data, _, _ = export_bytes(
            workspace,
            fmt=spec.name,
            role=role,
            lang=lang,
            area_id=area_id,
            site_id=site_id,
            layout=layout,
            table=table,
            basemap=basemap,
            encoding=encoding,
            per_parcel=per_parcel,
        )
    except Exception as err:  # a full temporary folder while building (GDAL, PDF)
        from geo.store.errors import StorageFullError

        mapped = output_storage_error(err, path)
        if not isinstance(mapped, StorageFullError):
            raise
        raise mapped from None
    return write_atomic(path, data)
