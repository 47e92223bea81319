"""What an export works on: the workspace as one role may see it, and the scope.

:func:`prepare` checks the request once (role, language, ``area``/``site``,
``layout``) and returns an :class:`ExportContext`. Every format reads the
role's tables from it, never ``Workspace.tables`` directly, so no format can
leak what the role may not see:

- ``planner`` and ``investment`` receive every table, row and field
  (:func:`geo.access.filter_tables`);
- ``investor`` and ``public`` receive the rows of
  :func:`geo.access.filter_tables` (parcels released or stored, no
  enterprises, no audit log) and only the whitelisted columns of
  :data:`geo.access.INVESTOR_FIELDS`, less the table's own internal columns
  (:func:`geo.layers.investor_forbidden_fields`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access import (
    DERIVED_FIELDS,
    INVESTOR_FIELDS,
    RESTRICTED_ROLES,
    ROLES,
    RoleError,
    check_process_allows,
    filter_meta,
    filter_tables,
)
from geo.dataset import open_dataset
from geo.errors import OperationError
from geo.layers import INVESTOR_PARCEL_STATUSES, investor_forbidden_fields
from geo.siting.assembly import is_assembled, member_ids, site_id as site_of
from geo.workspace import Workspace, WorkspaceError

logger = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("zh", "en")
"""Languages of labels and headers."""

GEOMETRY_TABLES: tuple[str, ...] = ("parcels", "areas", "roads", "boundaries")
"""Geometry tables written by the GIS formats, in this order."""


class ExportError(OperationError):
    """An export cannot be written as asked; the message says what to do."""


# ---------------------------------------------------------------------------
# Role filtering
# ---------------------------------------------------------------------------


def _is_geo(df: pd.DataFrame) -> bool:
    return isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df.columns


def role_tables(ws: Workspace, role: str) -> dict[str, pd.DataFrame]:
    """The tables of ``ws`` that ``role`` may receive (rows and columns).

    Rows come from :func:`geo.access.filter_tables`. For restricted roles the
    columns are the whitelist (:data:`geo.access.INVESTOR_FIELDS` plus
    ``area_m2``/``area_mu`` and geometry) less the table's internal columns
    (:func:`geo.layers.investor_forbidden_fields`) — so an area or road keeps
    its ``name`` while the parcels lose theirs.
    """
    if role not in RESTRICTED_ROLES:
        return dict(ws.tables)
    rows = filter_tables(ws.tables, role)
    out: dict[str, pd.DataFrame] = {}
    for name, df in rows.items():
        src = ws.tables[name]
        allowed = set(INVESTOR_FIELDS.get(name, ())) | set(DERIVED_FIELDS)
        forbidden = investor_forbidden_fields(name)
        cols = [c for c in src.columns if c in allowed and c not in forbidden]
        if _is_geo(src):
            cols.append(src.geometry.name)
        out[name] = src.loc[df.index, cols].copy()
    return out


# ---------------------------------------------------------------------------
# The context
# ---------------------------------------------------------------------------


def _few(values: Iterable[Any], n: int = 8) -> str:
    vals = [str(v) for v in values]
    head = ", ".join(vals[:n])
    return f"{head}, … ({len(vals)} in all)" if len(vals) > n else head or "(none)"


@dataclass
class ExportContext:
    """A checked export request: the workspace, the role's tables and the scope.

    Attributes
    ----------
    ws
        The workspace as opened (all tables; never written out directly).
    role, lang
        Viewer role and label language.
    tables
        The tables ``role`` may receive (:func:`role_tables`).
    meta
        The ``meta`` pairs ``role`` may receive.
    site_id
        A parcel (``--site PARCEL_ID``), or an assembled 连片 site
        (``--site S:ID1,ID2…``, :mod:`geo.siting.assembly`): the export covers
        that parcel or the site's member parcels only.
    site_members
        The parcels of ``site_id`` (one for a parcel).
    gap_m
        The gap an assembled site's outline closes (its members' distance).
    area_id
        A planning area (``--area ID``, or ``--site AREA_ID``): the export
        covers the parcels that meet it and the area with its sub-areas.
    site_area
        True when the area came from ``--site`` (a park's site sheet).
    layout
        A layout name or parent area ID choosing the areas of summaries.
    table
        The table a CSV export writes.
    generated_at
        Time of generation (local time with offset).
    """

    ws: Workspace
    role: str
    lang: str
    tables: dict[str, pd.DataFrame]
    meta: dict[str, str]
    site_id: str | None = None
    site_members: tuple[str, ...] = ()
    gap_m: float = 10.0
    area_id: str | None = None
    site_area: bool = False
    layout: str | None = None
    table: str | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())

    # -- tables --------------------------------------------------------------

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        """The role's parcels (all of the workspace, not only the scope)."""
        return self.tables["parcels"]  # type: ignore[return-value]

    @property
    def areas(self) -> gpd.GeoDataFrame:
        """The role's planning areas (all of them)."""
        return self.tables["areas"]  # type: ignore[return-value]

    @property
    def restricted(self) -> bool:
        """True for investor and public exports."""
        return self.role in RESTRICTED_ROLES

    @property
    def stem(self) -> str:
        """Short workspace name for file names and share links (the file stem)."""
        return self.ws.path.stem

    def workspace_name(self, lang: str | None = None) -> str:
        """The workspace's display name in ``lang``."""
        lang = lang or self.lang
        if lang == "en":
            return self.meta.get("name_en") or self.meta.get("name") or self.stem
        return self.meta.get("name") or self.stem

    # -- scope ---------------------------------------------------------------

    @cached_property
    def scope_area_ids(self) -> list[str] | None:
        """The scope area and its descendants (through ``parent_id``), or None."""
        if self.area_id is None:
            return None
        areas = self.ws.areas
        parents = (
            areas["parent_id"].astype("string").fillna("")
            if "parent_id" in areas.columns
            else pd.Series("", index=areas.index, dtype="string")
        )
        ids = areas["area_id"].astype(str)
        out = [self.area_id]
        frontier = {self.area_id}
        while frontier:
            kids = ids[parents.isin(frontier).to_numpy()].tolist()
            kids = [k for k in kids if k not in out]
            out += kids
            frontier = set(kids)
        return out

    @cached_property
    def scope_parcels(self) -> gpd.GeoDataFrame:
        """The role's parcels in scope: the site, the parcels meeting the area, or all."""
        p = self.parcels
        if self.site_id is not None:
            return p[p["parcel_id"].astype(str).isin(self.site_members or (self.site_id,))]
        if self.area_id is not None:
            geom = self.ws.areas.loc[
                self.ws.areas["area_id"].astype(str) == self.area_id
            ].geometry.union_all()
            idx = p.sindex.query(geom, predicate="intersects")
            cand = p.iloc[np.sort(idx)]
            overlap = cand.geometry.intersection(geom).area
            return cand[(overlap > 1e-6).to_numpy()]
        return p

    @cached_property
    def scope_areas(self) -> gpd.GeoDataFrame:
        """The role's areas in scope: layout elements, the area and its sub-areas, or all."""
        if self.layout is not None:
            return self.areas.loc[self.summary_areas.index]
        if self.scope_area_ids is not None:
            return self.areas[self.areas["area_id"].astype(str).isin(self.scope_area_ids)]
        return self.areas

    @cached_property
    def summary_areas(self) -> gpd.GeoDataFrame:
        """Areas of the by-area summary, chosen exactly as ``tenglong summary`` does.

        ``--layout``: :func:`geo.layout.layout_elements` with corridors
        derived from their roads; ``--area``: the area and its sub-areas; else
        every area. Built from the full areas table (geometry and corridor
        columns); only their IDs, names and kinds reach the output.
        """
        from geo.layout import derive_corridors, layout_elements

        areas = self.ws.areas
        if self.layout is not None:
            return derive_corridors(layout_elements(areas, self.layout), self.ws.get("roads"))
        if self.scope_area_ids is not None:
            return areas[areas["area_id"].astype(str).isin(self.scope_area_ids)]
        return areas

    def scope_label(self, lang: str | None = None) -> str:
        """A short description of the scope, e.g. ``片区 FX-Z01 复兴经济开发区``."""
        lang = lang or self.lang
        zh = lang == "zh"
        if self.site_id is not None and len(self.site_members) > 1:
            n = len(self.site_members)
            return f"连片地块 {n} 宗 {self.site_id}" if zh else f"assembled site of {n} parcels"
        if self.site_id is not None:
            return f"地块 {self.site_id}" if zh else f"site {self.site_id}"
        if self.area_id is not None:
            row = self.ws.areas[self.ws.areas["area_id"].astype(str) == self.area_id].iloc[0]
            name = row.get("name") if zh else (row.get("name_en") or row.get("name"))
            return f"片区 {self.area_id} {name}" if zh else f"area {self.area_id} {name}"
        text = "全域" if zh else "whole workspace"
        if self.layout is not None:
            text += f"（布局 {self.layout}）" if zh else f" (layout {self.layout})"
        return text

    def scope_slug(self) -> str:
        """The scope for file names: ``release``, ``site-<id>`` or ``area-<id>``."""
        if self.site_id is not None and len(self.site_members) > 1:
            return f"site-{_safe(self.site_members[0])}-{len(self.site_members)}-parcels"
        if self.site_id is not None:
            return f"site-{_safe(self.site_id)}"
        if self.area_id is not None:
            return f"area-{_safe(self.area_id)}"
        return "release"

    # -- GIS tables ----------------------------------------------------------

    def gis_tables(self) -> dict[str, pd.DataFrame]:
        """Every table the GIS formats write, limited to the scope.

        Parcels and areas in scope; roads and boundaries whole (context);
        attribute tables (planner and investment officer) limited to the
        scope's parcels and areas.
        """
        parcels = self.scope_parcels
        areas = self.scope_areas
        out: dict[str, pd.DataFrame] = {"parcels": parcels, "areas": areas}
        for name in ("roads", "boundaries"):
            if name in self.tables:
                out[name] = self.tables[name]
        scoped = self.site_id is not None or self.area_id is not None
        ids = set(parcels["parcel_id"].astype(str)) | set(areas["area_id"].astype(str))
        for name, df in self.tables.items():
            if name in out:
                continue
            if scoped and name == "enterprises" and "parcel_id" in df.columns:
                df = df[df["parcel_id"].astype(str).isin(ids)]
            elif scoped and name == "milestones" and "subject_id" in df.columns:
                df = df[df["subject_id"].astype(str).isin(ids)]
            out[name] = df
        return out


def _safe(text: str) -> str:
    """A string safe in a file name."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text))
    return keep.strip("._") or "x"


# ---------------------------------------------------------------------------
# Checking a request
# ---------------------------------------------------------------------------


def load(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    """A :class:`Workspace` from itself or from a path.

    In a process in investor mode (``TENGLONG_MODE=investor``) a path is read
    with :func:`geo.dataset.load_for_mode`, which never reads internal fields;
    otherwise it is opened without validation.
    """
    if isinstance(workspace, Workspace):
        return workspace
    try:
        # The one opener: investor mode reads only what an investor may see.
        return open_dataset(workspace, in_memory=True, validate=False).to_workspace()
    except WorkspaceError:
        raise
    except ValueError as err:  # a missing CRS and the like
        raise ExportError(str(err)) from None


def prepare(
    workspace: Workspace | str | os.PathLike[str],
    *,
    role: str = "planner",
    lang: str = "zh",
    area_id: str | None = None,
    site_id: str | None = None,
    layout: str | None = None,
    table: str | None = None,
    gap_m: float = 10.0,
) -> ExportContext:
    """Check an export request and build its :class:`ExportContext`.

    ``site_id`` may name an assembled site (``S:`` + member parcel ids,
    :func:`geo.siting.assembly.site_id`); every member must be visible to
    ``role``. ``gap_m`` is the gap its outline closes.

    Raises
    ------
    ExportError
        Unknown role or language; a role the process mode forbids (an
        investor-mode process exports for investors and the public only);
        ``area_id`` together with ``site_id``; an unknown area, site or layout
        (the message lists some valid ones); a site the role may not see.
    """
    if role not in ROLES:
        raise ExportError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if lang not in LANGS:
        raise ExportError(f"unknown language {lang!r}; use {' or '.join(LANGS)}")
    try:
        check_process_allows(role)
    except RoleError as err:
        raise ExportError(str(err)) from None
    if area_id is not None and site_id is not None:
        raise ExportError(
            "give --area or --site, not both: --site exports one parcel (or one park's "
            "site sheet), --area everything in a planning area"
        )
    ws = load(workspace)
    tables = role_tables(ws, role)
    ctx = ExportContext(
        ws=ws,
        role=role,
        lang=lang,
        tables=tables,
        meta=filter_meta(ws.meta, role),
        layout=layout,
        table=table,
    )
    area_ids = ws.areas["area_id"].astype(str)
    ctx.gap_m = float(gap_m)
    if site_id is not None and is_assembled(str(site_id)):
        members = member_ids(str(site_id))
        visible_ids = set(ctx.parcels["parcel_id"].astype(str))
        all_ids = set(ws.parcels["parcel_id"].astype(str))
        unknown = [m for m in members if m not in all_ids]
        hidden = [m for m in members if m in all_ids and m not in visible_ids]
        if unknown or len(members) < 2:
            raise ExportError(
                f"assembled site {site_id!r}: "
                + (f"no parcel {', '.join(unknown)}" if unknown else "it names one parcel")
                + "; an assembled site is S: and two or more parcel IDs, e.g. S:FX-0114,FX-0193"
            )
        if hidden:
            raise ExportError(
                f"assembled site {site_id}: parcel(s) {', '.join(hidden)} are not available to "
                f"role {role} (investors see parcels that are "
                f"{' or '.join(sorted(INVESTOR_PARCEL_STATUSES))})"
            )
        ctx.site_id, ctx.site_members = site_of(members), tuple(sorted(members))
        site_id = None
    if site_id is not None:
        site_id = str(site_id)
        all_ids = set(ws.parcels["parcel_id"].astype(str))
        visible = ctx.parcels["parcel_id"].astype(str)
        if site_id in set(visible):
            ctx.site_id, ctx.site_members = site_id, (site_id,)
        elif site_id in set(area_ids):
            ctx.area_id, ctx.site_area = site_id, True
        elif site_id in all_ids:
            raise ExportError(
                f"parcel {site_id} is not available to role {role} (investors see parcels "
                f"that are {' or '.join(sorted(INVESTOR_PARCEL_STATUSES))}); available "
                f"sites: {_few(sorted(visible))}"
            )
        else:
            raise ExportError(
                f"unknown site {site_id!r}: no parcel or area has this ID; parcels: "
                f"{_few(sorted(visible))}; areas: {_few(area_ids)}"
            )
    if area_id is not None:
        area_id = str(area_id)
        if area_id not in set(area_ids):
            raise ExportError(f"unknown area {area_id!r}; areas: {_few(area_ids, 20)}")
        ctx.area_id = area_id
    if layout is not None:
        from geo.layout import LayoutError

        try:
            _ = ctx.summary_areas
        except LayoutError as err:
            raise ExportError(str(err)) from None
    return ctx


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_out_path(out: str | os.PathLike[str]) -> Path:
    """``out`` as a Path, when its folder exists and it is not a folder itself.

    Raises
    ------
    ExportError
        The output folder does not exist, or ``out`` is a folder.
    """
    p = Path(out)
    if p.is_dir():
        raise ExportError(f"--out {p} is a folder; give a file name, e.g. {p / 'export.xlsx'}")
    if not p.parent.is_dir():
        raise ExportError(
            f"output folder {p.parent} does not exist; create it first (mkdir -p {p.parent})"
        )
    return p


def write_atomic(out: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``out`` through a temporary file in the same folder.

    The temporary file is flushed to disk (``fsync``) before it is renamed
    over ``out``, so a failure — a full disk included — leaves no partial
    file: the temporary file is removed and any previous ``out`` is untouched.

    Raises
    ------
    ExportError
        The output folder does not exist, or ``out`` is a folder.
    geo.store.StorageFullError
        The disk holding ``out`` is full (the message names the mount).
    geo.store.ReadOnlyError
        The output folder is on a read-only mount or not writable.
    """
    p = check_out_path(out)
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as err:
        raise output_storage_error(err, p) or err from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    logger.info("wrote %s (%d bytes)", p, len(data))
    return p


def output_storage_error(err: BaseException, out: str | os.PathLike[str]) -> Exception | None:
    """The store error a full disk or read-only folder met while writing ``out`` means, or None.

    See :func:`geo.store.storage_error`; the advice for a read-only place is
    to choose another output folder.
    """
    from geo.store.errors import storage_error

    p = Path(out)
    failed = getattr(err, "filename", None)
    # the temporary file next to ``out`` is ``out`` for the user; a temp folder elsewhere is not
    where = Path(failed) if failed and Path(failed).parent != p.parent else p
    return storage_error(
        err,
        where,
        doing=f"writing {p}",
        outcome=f"no file was written and any previous {p.name} is unchanged",
        advice_read_only=f"Give --out in a writable folder (e.g. --out ~/{p.name})",
    )
