"""What an uploaded file may be, and how far it may go, before a parser sees it.

Every check here works on bytes in memory with the standard library only:

- :class:`ImportLimits`: caps on upload size, archive entries, uncompressed
  size, compression ratio, parser memory and time.
- :func:`sniff_format`: the format from the content (magic bytes, XML root,
  JSON shape), never from the file name alone, so a VRT renamed to
  ``.geojson`` is still a VRT and is refused.
- :func:`check_xml`: XML with a DOCTYPE or entity declarations (XXE, billion
  laughs) and KML network links are refused.
- :func:`open_zip`: the zip central directory is checked (entry count,
  declared sizes, ratio, names escaping the archive, links, encryption) before
  any entry is decompressed; entries are then read in memory, never to disk.
- :data:`ALLOWED_GDAL_DRIVERS`: the only GDAL drivers the parser process
  registers (:func:`gdal_skip_list`); VRT, GDALG and every network or
  file-referencing driver are absent.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass

from geo.io.encoding import decode_zip_name
from geo.io.errors import (
    CorruptSourceError,
    DataImportError,
    ResourceLimitError,
    UnsafeSourceError,
    UnsupportedSourceError,
)

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class ImportLimits:
    """Caps applied to every import.

    Attributes
    ----------
    max_upload_bytes
        Size of the file (or all parts of a shapefile) as uploaded.
    max_entries
        Entries in a zip archive (its central directory).
    max_uncompressed_bytes
        Declared uncompressed size of all entries of an archive.
    max_compression_ratio
        Uncompressed/compressed size of one entry (zip bombs reach 1000+).
    ratio_floor_bytes
        Entries smaller than this are exempt from the ratio cap (tiny files
        compress well and cannot exhaust anything).
    max_memory_bytes
        Address space the parser process may add after start-up
        (``RLIMIT_AS``).
    timeout_s
        Wall-clock seconds one parse may take before the parser is killed.
    """

    max_upload_bytes: int = 200 * MiB
    max_entries: int = 2_000
    max_uncompressed_bytes: int = 512 * MiB
    max_compression_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    max_memory_bytes: int = 2 * GiB
    timeout_s: float = 60.0


DEFAULT_LIMITS = ImportLimits()

FORMATS: dict[str, str] = {
    "gpkg": "GeoPackage",
    "shapefile": "Shapefile",
    "geojson": "GeoJSON",
    "kml": "KML",
    "dxf": "DXF",
    "parquet": "GeoParquet",
    "csv": "CSV",
    "xlsx": "Excel (xlsx)",
    "baopan": "报盘坐标 txt",
    "filegdb": "ESRI FileGDB",
}
"""The formats Tenglong imports, by key, with display names."""

FORMAT_DRIVERS: dict[str, frozenset[str]] = {
    "gpkg": frozenset({"GPKG"}),
    "shapefile": frozenset({"ESRI Shapefile"}),
    "geojson": frozenset({"GeoJSON"}),
    "kml": frozenset({"LIBKML", "KML"}),
    "dxf": frozenset({"DXF"}),
    "filegdb": frozenset({"OpenFileGDB"}),
}
"""GDAL drivers a format may be opened with; parquet, csv, xlsx and baopan bypass GDAL."""

ALLOWED_GDAL_DRIVERS: frozenset[str] = frozenset().union(*FORMAT_DRIVERS.values())

ALWAYS_SKIPPED_DRIVERS: tuple[str, ...] = (
    "VRT",
    "OGR_VRT",
    "GDALG",
    "HTTP",
    "WFS",
    "OAPIF",
    "CSW",
    "WMS",
    "WMTS",
    "ADBC",
    "SQLite",
    "CSV",
    "XLSX",
    "ODS",
    "GML",
    "OSM",
)
"""Drivers skipped even if a GDAL build does not list them (they reference other files)."""

_EXTENSIONS: dict[str, str] = {
    ".gpkg": "gpkg",
    ".shp": "shapefile",
    ".geojson": "geojson",
    ".json": "geojson",
    ".kml": "kml",
    ".kmz": "kmz",
    ".dxf": "dxf",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".zip": "zip",
}
"""Dataset file extensions looked for inside an archive."""

SHAPEFILE_PARTS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")

PERSONAL_GDB_EXTENSIONS: tuple[str, ...] = (".mdb", ".accdb")
"""An ESRI Personal Geodatabase (Microsoft Access): refused, with how to convert it."""


def personal_gdb_error(name: str) -> UnsupportedSourceError:
    """The refusal of a Personal GDB (.mdb), saying how to convert it to a FileGDB.

    Examples
    --------
    >>> "OpenFileGDB" in str(personal_gdb_error("DLTB.mdb"))
    True
    """
    return UnsupportedSourceError(
        f"{name} is an ESRI Personal Geodatabase (.mdb, Microsoft Access); Tenglong does not "
        f"read it (GDAL needs the Access/ODBC driver, which is not installed). Convert it to a "
        f"File Geodatabase first: in ArcGIS/ArcCatalog export the feature class (DLTB) to a "
        f"new file geodatabase (.gdb), or on a Windows machine with GDAL and the Access driver "
        f"run `ogr2ogr -f OpenFileGDB out.gdb {name}`; then import the .gdb folder or a zip "
        f"of it"
    )


def filegdb_folder(entry: str) -> str | None:
    """The ``*.gdb`` folder an archive entry or path lies in, or None.

    Examples
    --------
    >>> filegdb_folder("县/130406.gdb/a00000001.gdbtable"), filegdb_folder("a/b.shp") is None
    ('县/130406.gdb', True)
    """
    parts = entry.replace("\\", "/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower().endswith(".gdb"):
            return "/".join(parts[: i + 1])
    return None


_JUNK = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.I)


def gdal_skip_list(available: list[str] | tuple[str, ...] = ()) -> str:
    """The ``GDAL_SKIP`` value that leaves only :data:`ALLOWED_GDAL_DRIVERS`.

    Examples
    --------
    >>> "OGR_VRT" in gdal_skip_list(["GPKG", "OGR_VRT", "MEM"]).split()
    True
    >>> "GPKG" in gdal_skip_list(["GPKG", "OGR_VRT"]).split()
    False
    """
    names = {d for d in available if d not in ALLOWED_GDAL_DRIVERS}
    names.update(ALWAYS_SKIPPED_DRIVERS)
    return " ".join(sorted(names))


def format_from_name(name: str) -> str | None:
    """The format a file name suggests (by extension), or None.

    Examples
    --------
    >>> format_from_name("地块.SHP"), format_from_name("a.tar.gz") is None
    ('shapefile', True)
    """
    lower = name.lower()
    for ext, fmt in _EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    return None


# ---------------------------------------------------------------------------
# Content sniffing
# ---------------------------------------------------------------------------

_VRT_MARKERS = (b"<ogrvrtdatasource", b"<vrtdataset", b"<gdal_wms", b"<wms_capabilities")
_XML_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
_XML_PROLOG = re.compile(r"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>)", re.S | re.I)


def _text_head(data: bytes, n: int = 16384) -> str:
    head = data[:n]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        return head[2 : n - n % 2].decode(codec, errors="replace").lstrip()
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip()


def _xml_root(text: str) -> str | None:
    """Name of the first element, skipping the declaration, comments and DTDs."""
    pos = 0
    while True:
        hit = _XML_PROLOG.match(text, pos)
        if not hit:
            break
        pos = hit.end()
    root = _XML_ROOT.match(text, pos)
    return root.group(1) if root else None


_BAOPAN_MARKERS = tuple(
    m.encode(enc) for m in ("[属性描述]", "[地块坐标]") for enc in ("utf-8", "gb18030")
)
_BAOPAN_PARCEL_LINE = re.compile(rb"^\s*\d+\s*,[^\r\n]*,\s*@\s*,?\s*$", re.M)


def _is_baopan(data: bytes, text: str, name: str) -> bool:
    """A 报盘坐标 txt: a ``[属性描述]``/``[地块坐标]`` section, or a .txt of parcel lines."""
    head = data[:65536]
    if any(m in head for m in _BAOPAN_MARKERS):
        return True
    if "[属性描述]" in text[:65536] or "[地块坐标]" in text[:65536]:  # UTF-16
        return True
    return name.lower().endswith(".txt") and _BAOPAN_PARCEL_LINE.search(head[:8192]) is not None


def _is_dxf_text(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines()[:40]]
    for i in range(len(lines) - 1):
        if lines[i] == "999":  # a comment group
            continue
        if lines[i] == "0" and lines[i + 1].upper() == "SECTION":
            return True
        if lines[i] not in ("", "999") and i > 0 and lines[i - 1] != "999":
            return False
    return False


def sniff_format(data: bytes, name: str) -> str:
    """The format of a file from its content: ``zip``, ``gpkg``, ``shp``, ``geojson``…

    Returns one of ``zip``, ``gpkg``, ``shp`` (the geometry part of a
    shapefile), ``geojson``, ``kml``, ``dxf``, ``parquet``, ``csv``, ``baopan``
    (a 报盘坐标 txt, :mod:`geo.io.baopan`).

    Raises
    ------
    UnsafeSourceError
        For GDAL virtual formats (VRT, GDALG) whatever the file is called.
    UnsupportedSourceError
        For anything else Tenglong does not read, with what to do instead.

    Examples
    --------
    >>> sniff_format(b'{"type": "FeatureCollection", "features": []}', "a.json")
    'geojson'
    >>> sniff_format(b"<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>", "a.geojson")
    Traceback (most recent call last):
    ...
    geo.io.errors.UnsafeSourceError: a.geojson is a GDAL virtual dataset (VRT), ...
    """
    head = data[:16384]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        if head[68:72] in (b"GPKG", b"GP10", b"GP11"):
            return "gpkg"
        raise UnsupportedSourceError(
            f"{name} is an SQLite database but not a GeoPackage; export the layer as a "
            f"GeoPackage (.gpkg) from your GIS"
        )
    if head.startswith(b"PAR1"):
        return "parquet"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        raise personal_gdb_error(name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedSourceError(
            f"{name} is an old Office file (.xls); open it in Excel or WPS and save it as .xlsx"
        )
    if re.match(rb"AC1\d\d\d", head[:6]):
        raise UnsupportedSourceError(
            f"{name} is an AutoCAD drawing (DWG); save it as DXF in CAD (另存为 DXF) and import "
            f"the DXF"
        )
    if head.startswith(b"AutoCAD Binary DXF"):
        return "dxf"
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh")):
        raise UnsupportedSourceError(
            f"{name} is a RAR, 7z, gzip or bzip2 archive; repack it as a .zip and upload the zip"
        )
    # Text formats: GDAL virtual datasets are refused whatever the file is called.
    lower_all = data[: 4 * MiB].lower()
    text = _text_head(data)
    lower_text = text.lower()  # the same check on UTF-16 text, decoded
    if any(m in lower_all or m.decode() in lower_text for m in _VRT_MARKERS):
        raise UnsafeSourceError(
            f"{name} is a GDAL virtual dataset (VRT), which can read other files on the "
            f"server; Tenglong refuses VRT files, whatever their name. Upload the data itself "
            f"(GeoPackage, shapefile, GeoJSON…)."
        )
    if b"gdal_streamed_alg" in lower_all or "gdal_streamed_alg" in lower_text:
        raise UnsafeSourceError(
            f"{name} is a GDAL algorithm file (GDALG), which runs commands on other files; "
            f"Tenglong refuses it. Upload the data itself."
        )
    if _is_baopan(data, text, name):
        return "baopan"
    if text.startswith("<"):
        root = _xml_root(text)
        local = (root or "").split(":")[-1].lower()
        if local == "kml":
            return "kml"
        raise UnsupportedSourceError(
            f"{name} is XML with root <{root}>, not KML; Tenglong reads KML/KMZ, GeoPackage, "
            f"shapefile, GeoJSON, DXF, GeoParquet, CSV and xlsx"
        )
    if text.startswith(("{", "[")):
        compact = re.sub(r"\s+", "", text[:16384])
        if re.search(
            r'"type":"(FeatureCollection|Feature|Polygon|MultiPolygon|LineString|'
            r'MultiLineString|Point|MultiPoint|GeometryCollection)"',
            compact,
        ) or (format_from_name(name) == "geojson" and text.startswith("{")):
            return "geojson"
        raise UnsupportedSourceError(
            f"{name} is JSON but not GeoJSON; export the layer as GeoJSON (FeatureCollection)"
        )
    if _is_dxf_text(text):
        return "dxf"
    if format_from_name(name) == "csv":
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnsupportedSourceError(
                f"{name} is not a text CSV file (it holds binary data); export it again as CSV"
            )
        return "csv"
    raise UnsupportedSourceError(
        f"{name}: not a format Tenglong reads (GeoPackage, shapefile, GeoJSON, KML/KMZ, DXF, "
        f"GeoParquet, CSV, xlsx, or a zip of one of these); check the file or export it again"
    )


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def check_xml(data: bytes, *, what: str, kml: bool = False) -> None:
    """Refuse XML with a DTD or entity declarations, and KML that links elsewhere.

    Raises
    ------
    UnsafeSourceError
        The message names the construct and what to do.

    Examples
    --------
    >>> check_xml(b'<?xml version="1.0"?><kml/>', what="a.kml")
    >>> check_xml(b'<!DOCTYPE kml [<!ENTITY x "y">]><kml>&x;</kml>', what="a.kml")
    Traceback (most recent call last):
    ...
    geo.io.errors.UnsafeSourceError: a.kml declares a DOCTYPE/ENTITY; ...
    """
    sample = data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        sample = data[2:].decode(codec, errors="replace").encode("utf-8")
    if _DOCTYPE.search(sample):
        raise UnsafeSourceError(
            f"{what} declares a DOCTYPE/ENTITY; XML with a DTD or entities can read server "
            f"files (XXE) or exhaust memory (billion laughs) and is refused. Export the file "
            f"again from your GIS or 奥维 (plain KML has no DOCTYPE)."
        )
    if kml and re.search(rb"<\s*(\w+:)?NetworkLink[\s>]", sample):
        raise UnsafeSourceError(
            f"{what} contains a KML NetworkLink, which loads other files or URLs; Tenglong "
            f"imports self-contained KML only. Save the linked places into the KML itself."
        )


# ---------------------------------------------------------------------------
# Zip archives
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    """A file inside an archive, with its decoded name."""

    info: zipfile.ZipInfo
    name: str

    @property
    def size(self) -> int:
        return self.info.file_size


def _unsafe_name(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
        or "\x00" in name
    )


def open_zip(
    data: bytes, *, what: str, limits: ImportLimits = DEFAULT_LIMITS, encoding: str | None = None
) -> tuple[zipfile.ZipFile, list[ZipEntry]]:
    """Check an archive's central directory and list its files (nothing is decompressed).

    Raises
    ------
    CorruptSourceError
        The archive cannot be read.
    ResourceLimitError
        Too many entries or too large uncompressed.
    UnsafeSourceError
        Names escaping the archive (zip slip), links, encrypted entries or an
        entry compressed beyond ``limits.max_compression_ratio`` (zip bomb).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as err:  # zipfile parses untrusted bytes: any failure means damaged
        if isinstance(err, DataImportError):
            raise
        raise CorruptSourceError(
            f"{what} is not a readable zip archive ({err}); it may be truncated: pack it again "
            f"and upload the new zip"
        ) from None
    if len(infos) > limits.max_entries:
        raise ResourceLimitError(
            f"{what} has {len(infos)} entries, more than the limit of {limits.max_entries}; "
            f"zip only the files of the layer to import"
        )
    total = 0
    entries: list[ZipEntry] = []
    for info in infos:
        if not info.filename:
            raise CorruptSourceError(
                f"{what} has an entry without a name; the archive is damaged: pack it again"
            )
        name = decode_zip_name(info, encoding=encoding)
        if _unsafe_name(name):
            raise UnsafeSourceError(
                f"{what} has an entry {name!r} that points outside the archive (zip slip); "
                f"the archive is refused. Pack the files again from a plain folder."
            )
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise UnsafeSourceError(
                f"{what} contains a symbolic link ({name!r}); links are refused. Pack the real "
                f"files instead."
            )
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UnsafeSourceError(
                f"{what} has a password-protected entry ({name!r}); upload an archive "
                f"without a password"
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise ResourceLimitError(
                f"{what} would expand to more than {limits.max_uncompressed_bytes // MiB} MiB; "
                f"upload fewer or smaller files"
            )
        if info.file_size >= limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise UnsafeSourceError(
                    f"{what}: entry {name!r} expands {ratio:,.0f} times "
                    f"({info.compress_size:,} → {info.file_size:,} bytes), beyond the limit "
                    f"of {limits.max_compression_ratio:,.0f} (a zip bomb?); the archive is refused"
                )
        if _JUNK.search(name):
            continue
        entries.append(ZipEntry(info, name))
    return zf, entries


def read_zip_entry(zf: zipfile.ZipFile, entry: ZipEntry, *, what: str) -> bytes:
    """Read one entry in memory, never beyond its declared size.

    Raises
    ------
    CorruptSourceError
        Bad CRC, bad compressed data or a truncated archive.
    """
    out = bytearray()
    try:
        with zf.open(entry.info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                out += chunk
                if len(out) > entry.info.file_size:
                    raise UnsafeSourceError(
                        f"{what}: entry {entry.name!r} holds more data than its header declares; "
                        f"the archive is refused"
                    )
    except DataImportError:
        raise
    except Exception as err:  # zipfile/zlib on untrusted bytes: any failure means damaged
        detail = str(err).replace(entry.info.filename, entry.name)
        raise CorruptSourceError(
            f"{what}: entry {entry.name!r} cannot be read ({detail}); the archive may be "
            f"damaged: pack it again"
        ) from None
    return bytes(out)
