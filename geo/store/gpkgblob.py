"""GeoPackage geometry blobs (GPKG spec §2.1.3) and the SQL functions GDAL's triggers call.

A blob is a header — ``GP``, version 0, a flags byte, the ``srs_id`` and an
optional envelope — followed by standard WKB. :func:`encode` writes what GDAL
writes (little-endian, ``[minx, maxx, miny, maxy]`` envelope, ISO WKB);
:func:`decode` reads any valid blob.

GeoPackages written by GDAL keep their R-tree spatial index up to date with
triggers that call ``ST_IsEmpty``, ``ST_MinX``, ``ST_MaxX``, ``ST_MinY`` and
``ST_MaxY`` — functions that exist only inside GDAL or SpatiaLite. With plain
``sqlite3`` those triggers fail ("no such function: ST_IsEmpty") on any
update of the table. :func:`register_functions` defines them on a connection
from the blob header, so the triggers run inside our own transactions and the
index is updated atomically with the row.
"""

from __future__ import annotations

import math
import sqlite3
import struct
from typing import Any

import shapely

_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
"""Envelope indicator → number of doubles (none; xy; xyz; xym; xyzm)."""

EMPTY_FLAG = 0b0001_0000


def encode(geom: Any, srs_id: int) -> bytes | None:
    """The GeoPackage blob of a shapely geometry (2D), or None for a missing geometry.

    Examples
    --------
    >>> blob = encode(shapely.box(0, 0, 1, 2), 4490)
    >>> blob[:4], decode(blob)[0], envelope(blob)
    (b'GP\\x00\\x03', 4490, (0.0, 1.0, 0.0, 2.0))
    """
    if geom is None:
        return None
    wkb = shapely.to_wkb(geom, output_dimension=2, byte_order=1, flavor="iso")
    if geom.is_empty:
        return b"GP" + bytes([0, 0b0000_0001 | EMPTY_FLAG]) + struct.pack("<i", srs_id) + wkb
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i", srs_id)
    return header + struct.pack("<4d", xmin, xmax, ymin, ymax) + wkb


def _header(blob: bytes) -> tuple[str, int, int, bool]:
    """(byte-order prefix, envelope doubles, srs_id, empty flag) of a blob."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob (no 'GP' magic)")
    flags = blob[3]
    endian = "<" if flags & 1 else ">"
    n = _ENVELOPE_DOUBLES.get((flags >> 1) & 0b111)
    if n is None:
        raise ValueError(f"invalid envelope indicator in GeoPackage blob flags {flags:#04x}")
    (srs_id,) = struct.unpack(endian + "i", blob[4:8])
    return endian, n, srs_id, bool(flags & EMPTY_FLAG)


def decode(blob: bytes | memoryview) -> tuple[int, Any]:
    """``(srs_id, shapely geometry)`` of a GeoPackage blob."""
    blob = bytes(blob)
    _, n, srs_id, _ = _header(blob)
    return srs_id, shapely.from_wkb(blob[8 + 8 * n :])


def envelope(blob: bytes | memoryview) -> tuple[float, float, float, float] | None:
    """``(minx, maxx, miny, maxy)`` from the blob header, else from its WKB; None when empty."""
    blob = bytes(blob)
    endian, n, _, empty = _header(blob)
    if empty:
        return None
    if n >= 4:
        minx, maxx, miny, maxy = struct.unpack(endian + "4d", blob[8:40])
        if not any(math.isnan(v) for v in (minx, maxx, miny, maxy)):
            return minx, maxx, miny, maxy
    geom = shapely.from_wkb(blob[8 + 8 * n :])
    if geom.is_empty:
        return None
    xmin, ymin, xmax, ymax = shapely.bounds(geom)
    return float(xmin), float(xmax), float(ymin), float(ymax)


def _is_empty(blob: Any) -> int | None:
    if blob is None:
        return None
    return 1 if envelope(blob) is None else 0


def _coord(i: int) -> Any:
    def f(blob: Any) -> float | None:
        if blob is None:
            return None
        env = envelope(blob)
        return None if env is None else env[i]

    return f


SQL_FUNCTIONS: dict[str, Any] = {
    "ST_IsEmpty": _is_empty,
    "ST_MinX": _coord(0),
    "ST_MaxX": _coord(1),
    "ST_MinY": _coord(2),
    "ST_MaxY": _coord(3),
}
"""The functions GDAL's R-tree triggers call, by name."""


def register_functions(conn: sqlite3.Connection) -> None:
    """Define :data:`SQL_FUNCTIONS` on a sqlite3 connection (deterministic, one argument)."""
    for name, func in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, func, deterministic=True)
