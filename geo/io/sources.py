"""Sources: gather a file's bytes, find the dataset, decode it safely.

:func:`read_source` is the one entry point. It accepts a path (a file; a
``.shp`` brings its ``.shx``/``.dbf``/``.prj``/``.cpg`` along), one uploaded
:class:`SourceFile`, or several (the parts of a shapefile), and returns a
:class:`SourceData`: the decoded attributes and geometry as read, the CRS
declared by the file (or None), the encoding used and why.

Order of work, all in memory:

1. size caps (:class:`~geo.io.safety.ImportLimits`), then content sniffing
   (:func:`~geo.io.safety.sniff_format`);
2. archives: central directory checks, GBK entry names, the dataset found
   (also in a subfolder) or chosen with ``source_layer``; entries read into
   memory, never extracted;
3. XML checks for KML and xlsx parts; encoding detection (DBF, CSV,
   GeoJSON, KML, DXF);
4. parsing in the sandboxed parser process (:mod:`geo.io.sandbox`).
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo.gdal import gdal_message
from geo.io import _worker
from geo.io.encoding import (
    EncodingGuess,
    dbf_encoding,
    decode_text,
    normalize_encoding,
    repair_dbf_truncation,
    text_encoding,
    xml_to_utf8,
)
from geo.io.errors import (
    CorruptSourceError,
    DataImportError,
    ResourceLimitError,
    SourceEncodingError,
    UnsafeSourceError,
    UnsupportedSourceError,
)
from geo.io.safety import (
    DEFAULT_LIMITS,
    FORMATS,
    PERSONAL_GDB_EXTENSIONS,
    SHAPEFILE_PARTS,
    ImportLimits,
    ZipEntry,
    check_xml,
    filegdb_folder,
    format_from_name,
    open_zip,
    personal_gdb_error,
    read_zip_entry,
    sniff_format,
)
from geo.io.sandbox import parse_request

if TYPE_CHECKING:
    from geo.io.sandbox import ParserSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """A file given as bytes (an upload): its name and content."""

    name: str
    data: bytes = field(repr=False)


SourceLike = Union[str, os.PathLike, SourceFile, Sequence[SourceFile]]  # noqa: UP007
"""What :func:`read_source` accepts: a path, an upload, or the parts of a shapefile."""


@dataclass
class Bundle:
    """What goes to the parser: a format and the bytes of its part(s)."""

    name: str
    format: str
    members: list[tuple[str, bytes]]
    encoding: EncodingGuess | None = None
    layer: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class SourceData:
    """A source as read: decoded attributes, geometry as stored, declared CRS.

    Attributes
    ----------
    name
        The file (and the entry inside an archive) it came from.
    format
        A key of :data:`geo.io.safety.FORMATS`.
    driver
        The GDAL driver (or library) that read it.
    frame
        Attributes and geometry; row ``i`` is source feature ``i + 1``.
    has_geometry
        False for attribute tables (CSV/xlsx without WKT or x/y).
    crs
        The CRS declared by the file (``.prj``, embedded, EWKT SRID), or None.
    encoding, encoding_reason, encoding_confident
        How text was decoded, and why.
    layer, layers
        The layer read and the layers (sheets, CAD layers) available.
    geometry_from
        For tables: the WKT or x/y columns the geometry was built from.
    geometry_errors
        Row index → why the geometry of that row could not be built.
    notes
        What happened on the way (entry read from an archive, columns swapped…).
    crs_problem
        Why the CRS the file declares is not used (a 报盘 txt in 1980西安), or "".
    sheet_rows
        xlsx read with ``cells=True``: the sheet row number of each frame row.
    formulas
        xlsx read with ``cells=True``: ``(frame row, column, formula)`` of every
        formula cell (the frame holds the value Excel saved, if any).
    """

    name: str
    format: str
    driver: str
    frame: gpd.GeoDataFrame
    has_geometry: bool
    crs: CRS | None
    encoding: str | None = None
    encoding_reason: str = ""
    encoding_confident: bool = True
    layer: str | None = None
    layers: list[str] = field(default_factory=list)
    geometry_from: str | None = None
    geometry_errors: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    crs_problem: str = ""
    where: str | None = None
    """The OGR SQL condition the features were read with (``--where``), or None."""
    sheet_rows: list[int] | None = None
    formulas: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        """Display name of the format."""
        return FORMATS.get(self.format, self.format)


# ---------------------------------------------------------------------------
# Gathering bytes
# ---------------------------------------------------------------------------


def _too_large(what: str, size: int, limits: ImportLimits) -> ResourceLimitError:
    return ResourceLimitError(
        f"{what} is {size / (1 << 20):,.1f} MiB, more than the upload limit of "
        f"{limits.max_upload_bytes / (1 << 20):,.0f} MiB; import a smaller extract or split it"
    )


def _gather(source: SourceLike, limits: ImportLimits) -> list[tuple[str, bytes]]:
    if isinstance(source, SourceFile):
        if len(source.data) > limits.max_upload_bytes:
            raise _too_large(source.name, len(source.data), limits)
        return [(source.name, source.data)]
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        files = list(source)
        if not files or not all(isinstance(f, SourceFile) for f in files):
            raise DataImportError("give one path, one SourceFile or a list of SourceFile")
        total = sum(len(f.data) for f in files)
        if total > limits.max_upload_bytes:
            raise _too_large(", ".join(f.name for f in files[:3]), total, limits)
        return [(f.name, f.data) for f in files]
    path = Path(os.fspath(source))  # type: ignore[arg-type]
    if path.suffix.lower() in PERSONAL_GDB_EXTENSIONS:
        raise personal_gdb_error(path.name)
    if not path.exists():
        raise DataImportError(f"{path} does not exist; check the path")
    if path.is_dir() and _is_filegdb_dir(path):
        return _gather_filegdb(path, limits)
    if path.is_dir():
        raise DataImportError(
            f"{path} is a folder; give a file (.shp, .gpkg, .geojson, .kml/.kmz, .dxf, "
            f".parquet, .csv, .xlsx), a FileGDB folder (.gdb) or a zip of the folder"
        )
    paths = [path]
    if path.suffix.lower() in SHAPEFILE_PARTS:
        siblings = {
            p.suffix.lower(): p
            for p in path.parent.iterdir()
            if p.is_file()
            and p.stem.lower() == path.stem.lower()
            and p.suffix.lower() in SHAPEFILE_PARTS
        }
        if ".shp" in siblings:
            paths = [siblings[ext] for ext in SHAPEFILE_PARTS if ext in siblings]
    total = sum(p.stat().st_size for p in paths)
    if total > limits.max_upload_bytes:
        raise _too_large(path.name, total, limits)
    return [(p.name, p.read_bytes()) for p in paths]


def _is_filegdb_dir(path: Path) -> bool:
    return path.suffix.lower() == ".gdb" or (
        (path / "gdb").is_file() and any(path.glob("*.gdbtable"))
    )


def _gather_filegdb(path: Path, limits: ImportLimits) -> list[tuple[str, bytes]]:
    """The files of a FileGDB folder (a flat folder of ``a0000000N.*`` files)."""
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not any(p.suffix.lower() == ".gdbtable" for p in files):
        raise CorruptSourceError(
            f"{path.name} holds no .gdbtable files: it is not a File Geodatabase (or an empty "
            f"one); export it again from ArcGIS or give the folder that ends in .gdb"
        )
    if len(files) > limits.max_entries:
        raise ResourceLimitError(
            f"{path.name} holds {len(files)} files, more than {limits.max_entries}; export the "
            f"layer you need (DLTB) to a new file geodatabase"
        )
    total = sum(p.stat().st_size for p in files)
    if total > limits.max_upload_bytes:
        raise _too_large(path.name, total, limits)
    folder = path.name if path.suffix.lower() == ".gdb" else f"{path.name}.gdb"
    return [(f"{folder}/{p.name}", p.read_bytes()) for p in files]


def _filegdb_bundle(
    display: str, files: list[tuple[str, bytes]], *, layer: str | None, notes: list[str]
) -> Bundle:
    members = [(PurePosixPath(n.replace("\\", "/")).name, d) for n, d in files]
    if not any(n.lower().endswith(".gdbtable") for n, _ in members):
        raise CorruptSourceError(
            f"{display} holds no .gdbtable files: it is not a File Geodatabase; export it again"
        )
    return Bundle(display, "filegdb", members, layer=layer, notes=notes)


# ---------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------


def _shapefile_bundle(display: str, parts: dict[str, bytes], *, encoding: str | None) -> Bundle:
    shp = parts.get(".shp")
    if shp is None:
        raise DataImportError(f"{display}: no .shp among the parts; add the .shp file")
    if shp[:4] != b"\x00\x00\x27\x0a":
        raise CorruptSourceError(
            f"{display} is not a shapefile (bad .shp header); export it again from your GIS"
        )
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise DataImportError(
            f"{display} comes without its {' and '.join(missing)}; a shapefile needs .shp, "
            f".shx and .dbf (and .prj for the CRS): upload all parts together or a zip of them"
        )
    cpg = parts[".cpg"].decode("latin-1") if ".cpg" in parts else None
    guess = dbf_encoding(parts[".dbf"], cpg=cpg, override=encoding)
    notes = [] if ".prj" in parts else [f"{display} has no .prj: its CRS must be chosen"]
    dbf, trimmed = repair_dbf_truncation(parts[".dbf"], guess.encoding)
    if trimmed:
        parts = {**parts, ".dbf": dbf}
        notes.append(
            f"{trimmed} column name(s) or value(s) were cut inside a character by the DBF size "
            f"limits (10-byte names); the partial character was dropped"
        )
    members = [
        (ext.lstrip("."), parts[ext]) for ext in (".shp", ".shx", ".dbf", ".prj") if ext in parts
    ]
    return Bundle(display, "shapefile", members, encoding=guess, notes=notes)


def _single_bundle(
    name: str, fmt: str, data: bytes, *, encoding: str | None, layer: str | None
) -> Bundle:
    if fmt == "kml":
        check_xml(data, what=name, kml=True)
        utf8, guess = xml_to_utf8(data, override=encoding)
        check_xml(utf8, what=name, kml=True)
        return Bundle(name, "kml", [("data", utf8)], encoding=guess, layer=layer)
    if fmt in ("geojson", "csv", "baopan"):
        text, guess = decode_text(data, override=encoding)
        return Bundle(name, fmt, [("data", text.encode("utf-8"))], encoding=guess, layer=layer)
    if fmt == "dxf":
        guess = text_encoding(data, override=encoding) if not data.startswith(b"AutoCAD") else None
        return Bundle(name, "dxf", [("data", data)], encoding=guess, layer=layer)
    if fmt in ("gpkg", "parquet"):
        return Bundle(name, fmt, [("data", data)], layer=layer)
    if fmt == "shp":
        raise DataImportError(
            f"{name} is the geometry part of a shapefile only; upload it together with its "
            f".shx, .dbf and .prj, or a zip of all parts"
        )
    raise UnsupportedSourceError(f"{name}: cannot import {fmt} files")


def _datasets_in_zip(entries: list[ZipEntry]) -> dict[str, list[ZipEntry]]:
    """Datasets in an archive: a shapefile (its parts) or one file, keyed by display path."""
    out: dict[str, list[ZipEntry]] = {}
    groups: dict[tuple[str, str], list[ZipEntry]] = {}
    for e in entries:
        gdb = filegdb_folder(e.name)
        if gdb is not None:  # every file of a FileGDB folder is one dataset
            out.setdefault(gdb, []).append(e)
            continue
        p = PurePosixPath(e.name.replace("\\", "/"))
        ext = p.suffix.lower()
        if ext in PERSONAL_GDB_EXTENSIONS:
            out[e.name] = [e]
        elif ext in SHAPEFILE_PARTS:
            groups.setdefault((str(p.parent), p.stem.lower()), []).append(e)
        elif format_from_name(p.name) is not None and ext != ".txt":  # .txt: a readme
            out[e.name] = [e]
    for group in groups.values():
        shp = [e for e in group if e.name.lower().endswith(".shp")]
        if shp:
            out[shp[0].name] = group
    return dict(sorted(out.items()))


def _match_dataset(datasets: dict[str, list[ZipEntry]], wanted: str) -> str | None:
    w = wanted.strip().lower().replace("\\", "/")
    for key in datasets:
        p = PurePosixPath(key.lower())
        if w in (key.lower(), p.name, p.stem):
            return key
    return None


def _baopan_zip_bundle(
    name: str,
    zf: zipfile.ZipFile,
    entries: list[ZipEntry],
    *,
    encoding: str | None,
    source_layer: str | None,
) -> Bundle | None:
    """The 报盘 txt files of an archive (a per-parcel export) as one bundle, or None."""
    txts = [e for e in entries if e.name.lower().endswith(".txt")]
    if source_layer:
        txts = [e for e in txts if _match_dataset({e.name: [e]}, source_layer)]
    members: list[tuple[str, bytes]] = []
    guess: EncodingGuess | None = None
    for e in txts:
        data = read_zip_entry(zf, e, what=name)
        try:
            if not data or sniff_format(data, e.name) != "baopan":
                continue
            text, found = decode_text(data, override=encoding)
        except SourceEncodingError as err:
            raise SourceEncodingError(f"{name}:{e.name}: {err}") from None
        except DataImportError:
            continue  # not a 报盘 txt (a readme)
        guess = guess or found
        members.append((e.name, text.encode("utf-8")))
    if not members:
        return None
    if len(members) == 1:
        display = f"{name}:{members[0][0]}"
        return Bundle(display, "baopan", [("data", members[0][1])], encoding=guess)
    note = f"read {len(members)} 报盘 txt files from {name} in memory (nothing extracted)"
    return Bundle(name, "baopan", members, encoding=guess, notes=[note])


def _bundle_from_zip(
    name: str,
    data: bytes,
    *,
    encoding: str | None,
    source_layer: str | None,
    limits: ImportLimits,
    depth: int = 0,
) -> Bundle:
    zf, entries = open_zip(data, what=name, limits=limits, encoding=encoding)
    names = {e.name for e in entries}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        for e in entries:
            if e.name.lower().endswith((".xml", ".rels", ".vml")):
                check_xml(read_zip_entry(zf, e, what=name), what=f"{name} ({e.name})")
        return Bundle(name, "xlsx", [("data", data)], layer=source_layer)
    datasets = _datasets_in_zip(entries)
    if not datasets or (source_layer or "").lower().endswith(".txt"):
        baopan = _baopan_zip_bundle(name, zf, entries, encoding=encoding, source_layer=source_layer)
        if baopan is not None:
            return baopan
    kmls = [k for k in datasets if k.lower().endswith(".kml")]
    is_kmz = name.lower().endswith(".kmz") or (kmls and len(kmls) == len(datasets))
    layer = source_layer
    if is_kmz and kmls:
        chosen = next((k for k in kmls if k.lower() == "doc.kml"), None)
        chosen = chosen or (kmls[0] if len(kmls) == 1 else None)
        if chosen is None:
            chosen = _match_dataset({k: datasets[k] for k in kmls}, source_layer or "")
            if chosen is None:
                raise DataImportError(
                    f"{name} holds {len(kmls)} KML files ({', '.join(kmls[:6])}); choose one "
                    f"(--source-layer NAME)"
                )
            layer = None
    else:
        chosen = _match_dataset(datasets, source_layer) if source_layer else None
        if chosen is not None:
            layer = None
        elif len(datasets) == 1:
            chosen = next(iter(datasets))
        elif not datasets:
            found = ", ".join(sorted(names)[:8]) or "nothing"
            raise UnsupportedSourceError(
                f"{name} holds no dataset Tenglong reads (found: {found}); zip a shapefile "
                f"(.shp with .shx, .dbf, .prj), a FileGDB folder (.gdb), a .gpkg, .geojson, "
                f".kml, .dxf, .parquet, .csv or .xlsx"
            )
        else:
            raise DataImportError(
                f"{name} holds {len(datasets)} datasets ({', '.join(list(datasets)[:8])}); "
                f"choose one (--source-layer NAME)"
            )
    group = datasets[chosen]
    display = f"{name}:{chosen}"
    if chosen.lower().endswith(PERSONAL_GDB_EXTENSIONS):
        raise personal_gdb_error(display)
    if filegdb_folder(group[0].name) == chosen:
        files = [(e.name, read_zip_entry(zf, e, what=name)) for e in group]
        note = f"read the FileGDB {chosen} from {name} in memory (nothing extracted)"
        return _filegdb_bundle(display, files, layer=layer, notes=[note])
    if chosen.lower().endswith(".shp"):
        parts = {
            PurePosixPath(e.name).suffix.lower(): read_zip_entry(zf, e, what=name) for e in group
        }
        bundle = _shapefile_bundle(display, parts, encoding=encoding)
    else:
        inner = read_zip_entry(zf, group[0], what=name)
        fmt = sniff_format(inner, chosen)
        if fmt == "zip":
            if depth >= 1:
                raise UnsafeSourceError(
                    f"{display} is an archive inside an archive inside an archive; upload the "
                    f"inner file itself"
                )
            return _bundle_from_zip(
                display,
                inner,
                encoding=encoding,
                source_layer=layer,
                limits=limits,
                depth=depth + 1,
            )
        bundle = _single_bundle(display, fmt, inner, encoding=encoding, layer=layer)
    bundle.notes.append(f"read {chosen} from {name} in memory (nothing extracted)")
    return bundle


def load_bundle(
    files: list[tuple[str, bytes]],
    *,
    encoding: str | None = None,
    source_layer: str | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> Bundle:
    """Sniff, check and decode the gathered file(s) into a parser request."""
    gdb = filegdb_folder(files[0][0]) if files else None
    if gdb is not None and all(filegdb_folder(n) == gdb for n, _ in files):
        return _filegdb_bundle(gdb, files, layer=source_layer, notes=[])
    if files and len(files) == 1 and files[0][0].lower().endswith(PERSONAL_GDB_EXTENSIONS):
        raise personal_gdb_error(files[0][0])
    if len(files) > 1:
        parts: dict[str, bytes] = {}
        for fname, data in files:
            ext = PurePosixPath(fname).suffix.lower()
            if ext not in SHAPEFILE_PARTS:
                raise DataImportError(
                    f"several files given ({', '.join(n for n, _ in files[:5])}); give one "
                    f"dataset, the parts of one shapefile, or a zip"
                )
            parts[ext] = data
        stems = {PurePosixPath(n).stem.lower() for n, _ in files}
        if len(stems) > 1:
            raise DataImportError(
                f"the files belong to different shapefiles ({', '.join(sorted(stems))}); upload "
                f"the .shp, .shx, .dbf and .prj of one layer (same name), or a zip"
            )
        shp_name = next((n for n, _ in files if n.lower().endswith(".shp")), files[0][0])
        return _shapefile_bundle(shp_name, parts, encoding=encoding)
    name, data = files[0]
    if not data:
        raise CorruptSourceError(f"{name} is empty (0 bytes); export it again")
    fmt = sniff_format(data, name)
    expected = format_from_name(name)
    if fmt == "zip":
        return _bundle_from_zip(
            name, data, encoding=encoding, source_layer=source_layer, limits=limits
        )
    bundle = _single_bundle(name, fmt, data, encoding=encoding, layer=source_layer)
    txt = bundle.format == "baopan" and name.lower().endswith(".txt")
    if expected not in (None, "zip", "kmz") and expected != bundle.format and not txt:
        bundle.notes.append(
            f"{name} is named like {FORMATS.get(expected, expected)} but holds "
            f"{FORMATS.get(bundle.format, bundle.format)}; read as {bundle.format}"
        )
    return bundle


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

_VSIMEM = re.compile(r"/vsi\w+/[^\s'\"]*")


def _clean_message(message: str, name: str) -> str:
    message = _VSIMEM.sub(name, message)
    return gdal_message(message)


def _raise_for_answer(bundle: Bundle, answer: dict) -> None:
    kind = answer.get("kind")
    msg = _clean_message(str(answer.get("message", "")), PurePosixPath(bundle.name).name)
    what = FORMATS.get(bundle.format, bundle.format)
    if kind == "input":
        raise DataImportError(f"{bundle.name}: {msg}")
    if kind == "unsafe":
        raise UnsafeSourceError(f"{bundle.name} was refused: {msg}")
    if kind == "encoding":
        raise SourceEncodingError(
            f"{bundle.name}: the text does not decode as "
            f"{bundle.encoding.encoding if bundle.encoding else 'UTF-8'} ({msg}); choose the "
            f"encoding (--encoding GBK or UTF-8)"
        )
    if kind == "memory":
        raise ResourceLimitError(
            f"{bundle.name} needs more memory than the parser may use ({msg}); import a "
            f"smaller extract or split the file"
        )
    raise CorruptSourceError(
        f"{bundle.name} could not be read as {what} ({msg}); the file may be truncated or "
        f"damaged: export it again from your GIS"
    )


def _frame_from_ipc(
    bundle: Bundle, payload: bytes
) -> tuple[gpd.GeoDataFrame, bool, dict[int, str]]:
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
        table.validate(full=True)
    except (pa.ArrowException, ValueError, OSError) as err:
        raise CorruptSourceError(
            f"{bundle.name}: the parser's answer could not be read ({err}); try again"
        ) from None
    names = table.column_names
    geoms = None
    if _worker.GEOMETRY_COLUMN in names:
        wkb = table.column(_worker.GEOMETRY_COLUMN).to_pylist()
        try:
            geoms = shapely.from_wkb(np.array(wkb, dtype=object), on_invalid="raise")
        except (shapely.errors.GEOSException, ValueError, TypeError) as err:
            raise CorruptSourceError(
                f"{bundle.name}: a geometry could not be decoded ({err}); export the file again"
            ) from None
        table = table.drop_columns([_worker.GEOMETRY_COLUMN])
    errors: dict[int, str] = {}
    if _worker.GEOMETRY_ERROR_COLUMN in table.column_names:
        for i, e in enumerate(table.column(_worker.GEOMETRY_ERROR_COLUMN).to_pylist()):
            if e:
                errors[i] = str(e)
        table = table.drop_columns([_worker.GEOMETRY_ERROR_COLUMN])
    df = table.to_pandas()
    if geoms is None:
        return gpd.GeoDataFrame(df, geometry=[None] * len(df)), False, errors
    return gpd.GeoDataFrame(df, geometry=geoms), True, errors


BAOPAN_LAND_USE = "规划用途"
"""The column a 报盘 txt's 地类编码/地块用途 is read into, where it is a known code or name."""


def _baopan_extras(frame: gpd.GeoDataFrame, info: dict, notes: list[str]) -> tuple[CRS | None, str]:
    """The CRS of a 报盘 txt (:func:`geo.io.baopan.zone_of`) and its land-use column."""
    from geo.io.mapping.values import parse_land_use

    codes: list[str | None] = []
    unread: set[str] = set()
    for code, use in zip(
        frame.get("地类编码", [None] * len(frame)),
        frame.get("地块用途", [None] * len(frame)),
        strict=True,
    ):
        found = None
        if code is not None and re.fullmatch(r"\d{6}", str(code).strip()):
            found = parse_land_use(code)[0]
        if found is None and use is not None:
            found = parse_land_use(use)[0]
        if found is None and (code or use):
            unread.add(str(use or code))
        codes.append(found)
    if any(c is not None for c in codes):
        frame[BAOPAN_LAND_USE] = codes
    if unread:
        notes.append(
            f"地块用途/地类编码 {', '.join(sorted(unread)[:5])} are not codes of the 用地用海分类: "
            f"land_use_planned is left empty there (the text is kept in the report sample)"
        )
    where = (
        f"{info.get('parcels')} parcel(s), {info.get('points')} point(s); "
        f"{info.get('width')}° zone {info.get('zone')}"
        + (" with zone prefix" if info.get("prefixed") else "")
    )
    notes.append(f"报盘坐标 txt: {where}")
    epsg = info.get("epsg")
    if epsg:
        return CRS.from_epsg(int(epsg)), ""
    return None, str(info.get("problem") or "")


def read_source(
    source: SourceLike,
    *,
    encoding: str | None = None,
    source_layer: str | None = None,
    limits: ImportLimits | None = None,
    session: ParserSession | None = None,
    prefer_layer: str | None = None,
    where: str | None = None,
    prefer_sheets: Sequence[str] = (),
    cells: bool = False,
) -> SourceData:
    """Read a source safely: caps, sniffing, archive and XML checks, sandboxed parse.

    Parameters
    ----------
    source
        A path, an uploaded :class:`SourceFile`, or the parts of a shapefile.
    encoding
        Force the text encoding (``GBK``, ``UTF-8``…) instead of detecting it.
    source_layer
        The dataset in an archive, the layer of a GeoPackage/KML, the sheet of
        an xlsx, or the CAD layer of a DXF.
    limits
        Caps (default :data:`geo.io.safety.DEFAULT_LIMITS`).
    session
        A :class:`~geo.io.sandbox.ParserSession` to reuse; by default a parser
        process is started for this call.
    prefer_layer
        A layer to take when a file has several and none is chosen (the name
        of the target table).
    where
        An OGR SQL condition the features must meet (``DLBM IN ('0601')``),
        for formats read by GDAL; a condition GDAL cannot parse is a
        :class:`DataImportError` naming the layer's fields.
    prefer_sheets
        Sheets of an xlsx to take (the first present) when none is chosen.
    cells
        For an xlsx: also report each row's sheet row number and the formula
        cells (:attr:`SourceData.sheet_rows`, :attr:`SourceData.formulas`).

    Raises
    ------
    DataImportError
        Or a subclass (unsafe, unsupported, corrupt, over a limit, bad
        encoding); nothing else escapes for a bad file.
    """
    if encoding:
        normalize_encoding(encoding)  # an unknown name fails here, whatever the format
    if session is None:
        from geo.io.sandbox import _CURRENT

        session = _CURRENT.get()
    limits = limits or (session.limits if session is not None else DEFAULT_LIMITS)
    files = _gather(source, limits)
    bundle = load_bundle(files, encoding=encoding, source_layer=source_layer, limits=limits)
    gdal_encoding = None
    enc = bundle.encoding
    if enc is not None and (
        bundle.format == "shapefile" or (bundle.format == "dxf" and enc.reason != "ASCII only")
    ):
        gdal_encoding = enc.encoding
    header = {
        "op": "parse",
        "format": bundle.format,
        "encoding": gdal_encoding,
        "layer": bundle.layer if bundle.format != "dxf" else None,
        "prefer_layer": prefer_layer,
        "where": where.strip() if where and where.strip() else None,
        "prefer_sheets": list(prefer_sheets),
        "cells": cells,
    }
    answer, payload = parse_request(header, bundle.members, limits=limits, session=session)
    if not answer.get("ok"):
        _raise_for_answer(bundle, answer)
    frame, has_geometry, geometry_errors = _frame_from_ipc(bundle, payload)
    crs = None
    notes = list(bundle.notes) + [str(n) for n in answer.get("notes", [])]
    if answer.get("crs"):
        try:
            crs = CRS.from_wkt(str(answer["crs"]))
        except ProjCRSError:
            notes.append("the CRS declared by the file could not be read; choose the CRS")
    layers = [str(x) for x in answer.get("layers") or []]
    layer = answer.get("layer")
    if bundle.format == "shapefile":  # one layer, named by the parser
        layers, layer = [], None
    if header["where"]:
        notes.append(f"only the features where {header['where']} were read")
    if bundle.format == "dxf" and "Layer" in frame.columns:
        layers = sorted(str(x) for x in frame["Layer"].dropna().unique())
        layer = None
        if bundle.layer:
            keep = frame["Layer"].astype(str) == bundle.layer
            if not keep.any():
                raise DataImportError(
                    f"{bundle.name} has no CAD layer {bundle.layer!r}; its layers are: "
                    f"{', '.join(layers[:20])}"
                )
            frame = frame[keep.to_numpy()]
            layer = bundle.layer
    crs_problem = ""
    if bundle.format == "baopan" and isinstance(answer.get("baopan"), dict):
        crs, crs_problem = _baopan_extras(frame, answer["baopan"], notes)
    enc = bundle.encoding
    data = SourceData(
        name=bundle.name,
        format=bundle.format,
        driver=str(answer.get("driver", "")),
        frame=frame,
        has_geometry=has_geometry,
        crs=crs,
        encoding=enc.encoding if enc else None,
        encoding_reason=enc.reason if enc else "",
        encoding_confident=enc.confident if enc else True,
        layer=str(layer) if layer is not None else None,
        layers=layers,
        geometry_from=answer.get("geometry_from"),
        geometry_errors=geometry_errors,
        notes=notes,
        crs_problem=crs_problem,
        where=header["where"],
        sheet_rows=[int(r) for r in answer["sheet_rows"]] if "sheet_rows" in answer else None,
        formulas=[(int(i), str(c), str(f)) for i, c, f in answer.get("formulas") or []],
    )
    logger.info(
        "read %s: %s via %s, %d row(s), encoding %s, CRS %s",
        data.name,
        data.format,
        data.driver,
        len(frame),
        data.encoding,
        crs.to_string() if crs is not None else "none",
    )
    return data


def sample_frame(data: SourceData, *, rows: int = 10) -> pd.DataFrame:
    """The first ``rows`` of a source's attributes, decoded, with the geometry type."""
    df = pd.DataFrame(data.frame.drop(columns=[data.frame.geometry.name])).head(rows)
    if data.has_geometry:
        df["geometry_type"] = data.frame.geometry.head(rows).geom_type.to_numpy()
    df.index = df.index + 1
    df.index.name = "row"
    return df
