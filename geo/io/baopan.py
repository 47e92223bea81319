"""报盘坐标 txt (勘测定界界址点坐标交换格式): read and write, pure Python.

The text layout every 建设用地报批 and 勘测定界 package carries
(docs/architecture.md §8 for how an upload reaches it)::

    [属性描述]
    格式版本号=1.01
    数据产生单位=XX市自然资源局
    数据产生日期=2025-6-15
    坐标系=2000国家大地坐标系
    几度分带=3
    投影类型=高斯克吕格
    计量单位=米
    带号=38
    精度=0.001
    转换参数=,,,,,,
    [地块坐标]
    5,0.0600,FX-0001,地块一,面,,,100102,@
    J1,1,4050000.000,38500000.000
    ...

Per parcel a header line ``界址点数,地块面积,地块编号,地块名称,记录图形属性,
图幅号,地块用途,地类编码,@`` (or the 9-field variant with ``描述`` before
``@``), then point lines ``点号,圈号,X,Y``: X is the northing, Y the easting
(with the zone number as prefix, e.g. ``38500000.000``). 圈号 1 is the outer
ring, 2, 3 … are holes (or further parts, when outside ring 1). ``地块面积`` is
in 公顷.

This module imports nothing but the standard library: the sandboxed parser
process (:mod:`geo.io._worker`) loads it by path and runs :func:`parse_baopan`
there, like every other upload. Problems are ``ValueError`` whose message
starts with the line number and says what to do; :mod:`geo.io.sources` turns
them into :class:`geo.io.DataImportError`.

Examples
--------
>>> text = '''[属性描述]
... 坐标系=2000国家大地坐标系
... 几度分带=3
... 带号=38
... [地块坐标]
... 4,0.0050,A-1,地块1,面,,,,@
... J1,1,4000000.0,38500000.0
... J2,1,4000000.0,38500050.0
... J3,1,4000010.0,38500050.0
... J4,1,4000010.0,38500000.0
... '''
>>> f = parse_baopan(text)
>>> f.parcels[0].fields["地块编号"], len(f.parcels[0].rings[0].points)
('A-1', 4)
>>> z = zone_of(f)
>>> z.epsg, z.zone, z.prefixed
(4526, 38, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

HEADER_KEYS: tuple[str, ...] = (
    "格式版本号",
    "数据产生单位",
    "数据产生日期",
    "坐标系",
    "几度分带",
    "投影类型",
    "计量单位",
    "带号",
    "精度",
    "转换参数",
)
"""The keys of the ``[属性描述]`` block, in the order they are written."""

PARCEL_FIELDS: tuple[str, ...] = (
    "界址点数",
    "地块面积",
    "地块编号",
    "地块名称",
    "记录图形属性",
    "图幅号",
    "地块用途",
    "地类编码",
)
"""The fields of a parcel header line before ``@`` (the 9-field variant adds ``描述``)."""

DESCRIPTION = "描述"
ATTRIBUTES = "[属性描述]"
COORDINATES = "[地块坐标]"
MARKERS: tuple[str, ...] = (ATTRIBUTES, COORDINATES)
"""Section headers; either one makes a text file a 报盘 txt."""

MAX_POINTS = 1_000_000
"""Points a file may hold (a parcel rarely has more than a few hundred)."""

_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_HEADER_LINE = re.compile(r"^\s*\d+\s*,.*,\s*@\s*,?\s*$")

CGCS2000 = "CGCS2000"
XIAN1980 = "Xian 1980"
BEIJING1954 = "Beijing 1954"

# (datum, zone width) → (first zone, EPSG with zone prefix, EPSG without prefix ("CM"))
_EPSG_BASE: dict[tuple[str, int], tuple[int, int, int]] = {
    (CGCS2000, 3): (25, 4513, 4534),
    (CGCS2000, 6): (13, 4491, 4502),
    (XIAN1980, 3): (25, 2349, 2370),
    (XIAN1980, 6): (13, 2327, 2338),
    (BEIJING1954, 3): (25, 2401, 2422),
    (BEIJING1954, 6): (13, 21413, 21453),
}
"""EPSG codes of the Gauss-Krüger zones, checked against PROJ in the tests."""

_ZONES = {3: (25, 45), 6: (13, 23)}
"""Zone numbers that cover China, by zone width."""


@dataclass
class Point:
    """One 界址点: its name, northing X, easting Y and the line it came from."""

    name: str
    x: float
    y: float
    line: int


@dataclass
class Ring:
    """The points of one 圈号 (the closing point not repeated)."""

    number: int
    points: list[Point] = field(default_factory=list)
    closed_by_repeat: bool = False


@dataclass
class Parcel:
    """A parcel header's fields (``描述`` included when present) and its rings."""

    fields: dict[str, str]
    rings: list[Ring]
    line: int
    point_lines: int = 0


@dataclass
class BaopanFile:
    """A parsed 报盘 txt: the ``[属性描述]`` pairs, the parcels, notes for the user."""

    header: dict[str, str]
    parcels: list[Parcel]
    header_lines: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Zone:
    """The CRS a file's coordinates are in, as far as the file says.

    ``epsg`` is set for CGCS2000 only; for 1980西安 and 1954北京 ``problem``
    says why the file is refused without ``--crs`` and ``candidate_epsg``
    names the EPSG of the declared zone. ``problem`` is also set when the
    file does not say enough (no 坐标系, no zone).
    """

    datum: str | None
    width: int | None
    zone: int | None
    prefixed: bool
    epsg: int | None
    candidate_epsg: int | None = None
    problem: str = ""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def looks_like_baopan(text: str) -> bool:
    """True when ``text`` (the start of a file) has a 报盘 section or parcel header line.

    Examples
    --------
    >>> looks_like_baopan("[属性描述]\\n坐标系=2000国家大地坐标系")
    True
    >>> looks_like_baopan("id,x,y\\n1,2,3")
    False
    """
    head = text[:65536]
    if any(m in head for m in MARKERS):
        return True
    return any(_HEADER_LINE.match(ln) for ln in head.splitlines()[:50])


def _number(text: str, *, what: str, line: int) -> float:
    t = text.strip()
    if not _NUM.match(t):
        raise ValueError(
            f"line {line}: {what} {t!r} is not a number; write the coordinate in metres "
            f"with a dot for decimals (e.g. 4050000.123) and import again"
        )
    v = float(t)
    if not math.isfinite(v):
        raise ValueError(f"line {line}: {what} {t!r} is not a finite number; fix it")
    return v


def _parcel_header(parts: list[str], line: int) -> dict[str, str]:
    values = [p.strip() for p in parts[:-1]]
    if len(values) not in (len(PARCEL_FIELDS), len(PARCEL_FIELDS) + 1):
        raise ValueError(
            f"line {line}: a parcel line has {len(values)} field(s) before '@'; the layout is "
            f"{','.join(PARCEL_FIELDS)},@ (8 fields, or 9 with {DESCRIPTION}). Fix the line"
        )
    names = list(PARCEL_FIELDS) + ([DESCRIPTION] if len(values) > len(PARCEL_FIELDS) else [])
    out = dict(zip(names, values, strict=True))
    if not re.fullmatch(r"\d+", out["界址点数"]):
        raise ValueError(
            f"line {line}: 界址点数 {out['界址点数']!r} is not a whole number; write the "
            f"number of point lines of this parcel"
        )
    if out["地块面积"]:
        _number(out["地块面积"], what="地块面积 (公顷)", line=line)
    return out


def _close_parcel(parcel: Parcel, *, next_line: int | None, notes: list[str]) -> None:
    """Drop repeated closing points, check point counts and ring sizes."""
    declared = int(parcel.fields["界址点数"])
    pid = parcel.fields.get("地块编号") or f"at line {parcel.line}"
    if parcel.point_lines == 0:
        raise ValueError(
            f"line {parcel.line}: parcel {pid} has no point lines (点号,圈号,X,Y); "
            + ("the file is truncated: export it again" if next_line is None else "add them")
        )
    repeats = 0
    for ring in parcel.rings:
        pts = ring.points
        if len(pts) >= 2 and (pts[0].x, pts[0].y) == (pts[-1].x, pts[-1].y):
            pts.pop()
            ring.closed_by_repeat = True
            repeats += 1
        distinct = {(p.x, p.y) for p in pts}
        if len(distinct) < 3:
            raise ValueError(
                f"line {pts[0].line if pts else parcel.line}: ring {ring.number} of parcel {pid} "
                f"has {len(distinct)} distinct point(s); a boundary needs at least 3"
            )
    if declared > parcel.point_lines:
        where = (
            "the file ends" if next_line is None else f"the next parcel starts at line {next_line}"
        )
        raise ValueError(
            f"line {parcel.line}: parcel {pid} declares {declared} points (界址点数) but "
            f"{where} after {parcel.point_lines}; the file is truncated or a point line is "
            f"missing: export it again"
        )
    if declared not in (parcel.point_lines, parcel.point_lines - repeats):
        notes.append(
            f"line {parcel.line}: parcel {pid} declares {declared} points (界址点数) but has "
            f"{parcel.point_lines} point lines; the point lines were read"
        )


def parse_baopan(text: str) -> BaopanFile:
    """Parse the text of a 报盘 txt (already decoded).

    Accepts the 8- and 9-field parcel lines, closing points repeated or not,
    point names with or without ``J``, several parcels and rings (圈号), blank
    lines, a BOM, full-width commas and a trailing comma after ``@``.

    Raises
    ------
    ValueError
        The message starts with ``line N:`` and says what to do (truncated
        file, non-numeric coordinate, a point before any parcel line …).
    """
    text = text.lstrip("\ufeff")
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    parcels: list[Parcel] = []
    notes: list[str] = []
    section: str | None = None
    current: Parcel | None = None
    ring: Ring | None = None
    total_points = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("，", ",")
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.replace(" ", "")  # [项目信息] and others: pairs not kept
            continue
        if section == ATTRIBUTES and "=" in line:
            key, _, value = line.partition("=")
            key = key.strip()
            if key in header:
                raise ValueError(
                    f"line {lineno}: {key} appears twice in [属性描述] (first at line "
                    f"{header_lines[key]}); keep one"
                )
            header[key] = value.strip()
            header_lines[key] = lineno
            continue
        if section not in (COORDINATES, None):
            continue
        parts = line.split(",")
        if parts[-1].strip() == "" and len(parts) > 1 and parts[-2].strip() == "@":
            parts = parts[:-1]  # a trailing comma after '@'
        if parts[-1].strip() == "@":
            if current is not None:
                _close_parcel(current, next_line=lineno, notes=notes)
            current = Parcel(_parcel_header(parts, lineno), [], lineno)
            parcels.append(current)
            ring = None
            continue
        if current is None:
            if section is None and "=" in line:
                raise ValueError(
                    f"line {lineno}: {line.split('=')[0].strip()!r} outside [属性描述]; the "
                    f"file should start with [属性描述]"
                )
            raise ValueError(
                f"line {lineno}: a point line before any parcel line; each parcel starts with "
                f"{','.join(PARCEL_FIELDS)},@"
            )
        if len(parts) != 4:
            raise ValueError(
                f"line {lineno}: a point line needs 4 fields 点号,圈号,X,Y; found {len(parts)} "
                f"({line[:60]!r}). The file may be truncated: export it again"
            )
        pname, number, xs, ys = (p.strip() for p in parts)
        if not re.fullmatch(r"\d+", number):
            raise ValueError(
                f"line {lineno}: 圈号 {number!r} is not a whole number (1 is the outer ring, "
                f"2, 3 … holes); fix the second field"
            )
        x = _number(xs, what="X (northing)", line=lineno)
        y = _number(ys, what="Y (easting)", line=lineno)
        n = int(number)
        if ring is None or ring.number != n:
            existing = next((r for r in current.rings if r.number == n), None)
            if existing is not None:
                raise ValueError(
                    f"line {lineno}: ring {n} of parcel {current.fields['地块编号']} continues "
                    f"after another ring; keep each 圈号's points together"
                )
            ring = Ring(n)
            current.rings.append(ring)
        ring.points.append(Point(pname, x, y, lineno))
        current.point_lines += 1
        total_points += 1
        if total_points > MAX_POINTS:
            raise ValueError(
                f"line {lineno}: more than {MAX_POINTS:,} points; split the file by parcel"
            )
    if current is not None:
        _close_parcel(current, next_line=None, notes=notes)
    if not parcels:
        what = "no [地块坐标] section" if COORDINATES not in text else "no parcel line"
        raise ValueError(
            f"line {max(len(text.splitlines()), 1)}: {what} (界址点数,地块面积,地块编号,…,@) was "
            f"found; the file is empty or truncated: export it again"
        )
    for p in parcels:
        p.rings.sort(key=lambda r: r.number)
    return BaopanFile(header, parcels, header_lines, notes)


# ---------------------------------------------------------------------------
# Zone and CRS
# ---------------------------------------------------------------------------


def datum_of(text: str) -> str | None:
    """The datum a ``坐标系=`` value names, or None when it names none.

    Examples
    --------
    >>> datum_of("2000国家大地坐标系"), datum_of("1980西安坐标系"), datum_of("北京54")
    ('CGCS2000', 'Xian 1980', 'Beijing 1954')
    """
    t = text.strip().upper().replace(" ", "")
    if not t:
        return None
    if "2000" in t or "CGCS" in t:
        return CGCS2000
    if "西安" in t or "1980" in t or "80" in t or "XIAN" in t:
        return XIAN1980
    if "北京" in t or "1954" in t or "54" in t or "BEIJING" in t:
        return BEIJING1954
    return None


def epsg_of(datum: str, width: int, zone: int, *, prefixed: bool) -> int:
    """EPSG code of a Gauss-Krüger zone.

    Examples
    --------
    >>> epsg_of("CGCS2000", 3, 38, prefixed=True), epsg_of("CGCS2000", 3, 38, prefixed=False)
    (4526, 4547)
    >>> epsg_of("CGCS2000", 6, 20, prefixed=True)
    4498
    """
    first, with_prefix, without = _EPSG_BASE[(datum, width)]
    lo, hi = _ZONES[width]
    if not lo <= zone <= hi:
        raise ValueError(f"zone {zone} is not a {width}° zone over China ({lo}-{hi})")
    return (with_prefix if prefixed else without) + zone - first


def _prefix(y: float) -> int | None:
    """The zone number an easting starts with (8 digits before the point), or None."""
    if y >= 10_000_000:
        return int(y // 1_000_000)
    return None


def zone_of(parsed: BaopanFile) -> Zone:
    """The zone and CRS of a parsed file (带号, 几度分带, Y prefixes, 坐标系).

    Raises
    ------
    ValueError
        带号 and the Y prefix disagree (the message names both), eastings
        with and without prefix are mixed, X and Y look swapped, or the zone
        does not fit 几度分带.
    """
    h, lines = parsed.header, parsed.header_lines
    prefixes: dict[int | None, Point] = {}
    for p in parsed.parcels:
        for r in p.rings:
            for pt in r.points:
                k = _prefix(pt.y)
                if k not in prefixes:
                    prefixes[k] = pt
                if pt.x >= 10_000_000 and pt.y < 10_000_000:
                    raise ValueError(
                        f"line {pt.line}: X {pt.x:.3f} carries a zone prefix and Y {pt.y:.3f} "
                        f"does not; in a 报盘 txt X is the northing and Y the easting: swap the "
                        f"two columns"
                    )
    if len(prefixes) > 1:
        (a, pa), (b, pb) = list(prefixes.items())[:2]
        show = {k: f"{'no prefix' if k is None else f'prefix {k}'}" for k in (a, b)}
        raise ValueError(
            f"line {pb.line}: Y {pb.y:.3f} has {show[b]} but line {pa.line} (Y {pa.y:.3f}) has "
            f"{show[a]}; every easting of a file must be in the same zone, written the same way"
        )
    prefix = next(iter(prefixes))
    prefixed = prefix is not None
    width_text = h.get("几度分带", "").strip().rstrip("度°").strip()
    width: int | None = None
    if width_text:
        if width_text not in ("3", "6"):
            raise ValueError(f"line {lines['几度分带']}: 几度分带={h['几度分带']!r}; write 3 or 6")
        width = int(width_text)
    zone_text = h.get("带号", "").strip()
    zone: int | None = None
    if zone_text:
        if not re.fullmatch(r"\d+", zone_text):
            raise ValueError(
                f"line {lines['带号']}: 带号={zone_text!r} is not a zone number; write e.g. 38"
            )
        zone = int(zone_text)
        if zone >= 72 and zone % 3 == 0 and width in (3, None):  # a central meridian
            parsed.notes.append(
                f"带号={zone} read as the central meridian {zone}°E (zone {zone // 3})"
            )
            zone, width = zone // 3, 3
    if zone is not None and prefix is not None and zone != prefix:
        raise ValueError(
            f"line {lines['带号']}: 带号={zone} in [属性描述] but the Y coordinates start with "
            f"{prefix} (line {prefixes[prefix].line}: {prefixes[prefix].y:.3f}); one of them is "
            f"wrong: correct 带号 or the coordinates"
        )
    zone = zone if zone is not None else prefix
    if zone is not None:
        if width is None:
            width = next((w for w, (lo, hi) in _ZONES.items() if lo <= zone <= hi), None)
        if width is None or not _ZONES[width][0] <= zone <= _ZONES[width][1]:
            where = f"line {lines['带号']}: " if "带号" in lines else ""
            raise ValueError(
                f"{where}zone {zone} is not a {width or 3}° zone over China "
                f"(3°: 25-45, 6°: 13-23); check 带号 and 几度分带"
            )
    declared = h.get("坐标系", "")
    datum = datum_of(declared)
    if zone is None or width is None:
        return Zone(
            datum,
            width,
            None,
            prefixed,
            None,
            problem="the file gives no zone (no 带号 and no zone prefix on Y); add 带号 or give "
            "the EPSG with --crs",
        )
    candidate = epsg_of(datum, width, zone, prefixed=prefixed) if datum else None
    if datum == CGCS2000:
        return Zone(datum, width, zone, prefixed, candidate, candidate)
    if datum is None:
        said = f"坐标系={declared!r}" if declared else "no 坐标系"
        return Zone(
            None,
            width,
            zone,
            prefixed,
            None,
            problem=f"the file declares {said}; Tenglong reads 2000国家大地坐标系 (CGCS2000) by "
            f"itself. If the coordinates are CGCS2000, give --crs "
            f"{epsg_of(CGCS2000, width, zone, prefixed=prefixed)}",
        )
    return Zone(
        datum,
        width,
        zone,
        prefixed,
        None,
        candidate,
        problem=f"the file declares 坐标系={declared} ({datum}), not CGCS2000. Tenglong never "
        f"shifts a datum silently: convert the file to 2000国家大地坐标系 with your "
        f"surveyor's parameters, or give --crs {candidate} ({datum} {width}° zone {zone}) "
        f"to accept PROJ's approximate transformation",
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _field_text(value: object) -> str:
    text = "" if value is None else str(value)
    if text in ("nan", "None", "<NA>"):
        text = ""
    text = text.replace("\r", " ").replace("\n", " ").replace(",", "，").strip()
    if text == "@":
        text = "＠"
    return text


def format_header(header: dict[str, str]) -> list[str]:
    """The ``[属性描述]`` lines, keys in :data:`HEADER_KEYS` order (转换参数's commas kept)."""
    lines = [ATTRIBUTES]
    for key in HEADER_KEYS:
        lines.append(f"{key}={header.get(key, '')}")
    return lines


def format_parcel(
    fields: dict[str, object], rings: list[list[tuple[float, float]]], *, decimals: int = 3
) -> list[str]:
    """The lines of one parcel: its header line and its point lines.

    ``rings`` are lists of ``(x_north, y_east)`` (outer ring first, then holes),
    without the closing point; it is written repeated, named like the first.
    Commas inside text fields become full-width ``，`` (a comma would shift the
    fields).
    """
    count = sum(len(r) + 1 for r in rings)
    values = dict(fields)
    values["界址点数"] = str(count)
    names = list(PARCEL_FIELDS) + ([DESCRIPTION] if DESCRIPTION in fields else [])
    head = ",".join(_field_text(values.get(n)) for n in names) + ",@"
    out = [head]
    k = 0
    for number, ring in enumerate(rings, start=1):
        first = k + 1
        for x, y in ring:
            k += 1
            out.append(f"J{k},{number},{x:.{decimals}f},{y:.{decimals}f}")
        x0, y0 = ring[0]
        out.append(f"J{first},{number},{x0:.{decimals}f},{y0:.{decimals}f}")
    return out


def format_baopan(
    header: dict[str, str],
    parcels: list[tuple[dict[str, object], list[list[tuple[float, float]]]]],
    *,
    decimals: int = 3,
) -> str:
    """A whole 报盘 txt (CRLF line ends, as Windows tools expect).

    Examples
    --------
    >>> txt = format_baopan({"带号": "38"}, [({"地块编号": "A"}, [[(1.0, 38.0), (1.0, 39.0),
    ...     (2.0, 39.0)]])])
    >>> txt.splitlines()[11:14]
    ['[地块坐标]', '4,,A,,,,,,@', 'J1,1,1.000,38.000']
    """
    lines = format_header(header)
    lines.append(COORDINATES)
    for fields, rings in parcels:
        lines += format_parcel(fields, rings, decimals=decimals)
    return "\r\n".join(lines) + "\r\n"
