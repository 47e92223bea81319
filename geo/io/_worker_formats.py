"""The formats of the parser process: one request's bytes in, attributes and WKB out.

Loaded by :mod:`geo.io._worker` by its path (the parser process imports no
Tenglong package), like :mod:`geo.io.baopan`; so it too imports only the
standard library at the top, and pyogrio, pyarrow, pandas, shapely, geopandas
and openpyxl where they are used. :func:`handle` answers one request;
:class:`RefusedError` and :class:`BadInputError` are the refusals it raises
(answered as ``unsafe`` and ``input``).
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import sys
import zipfile
from typing import Any

GEOMETRY_COLUMN = "__wkb__"
GEOMETRY_ERROR_COLUMN = "__geometry_error__"

FORMAT_DRIVERS = {
    "gpkg": {"GPKG"},
    "shapefile": {"ESRI Shapefile"},
    "geojson": {"GeoJSON"},
    "kml": {"LIBKML", "KML"},
    "dxf": {"DXF"},
    "filegdb": {"OpenFileGDB"},
}


class RefusedError(Exception):
    """A request refused for safety (answered with kind ``unsafe``)."""


class BadInputError(Exception):
    """A request that names something the file does not have (kind ``input``)."""


def libgdal() -> Any:
    """The loaded GDAL library (through ctypes), or None."""
    import ctypes

    path = None
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                name = line.rsplit(None, 1)[-1]
                if "libgdal" in os.path.basename(name):
                    path = name
                    break
    except OSError:
        return None
    return ctypes.CDLL(path) if path is not None else None


# ---------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------


def _shapefile_zip(members: dict[str, bytes]) -> bytes:
    """Pack shapefile parts under ASCII names into an uncompressed in-memory zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for ext in ("shp", "shx", "dbf", "prj"):
            if ext in members:
                zf.writestr(f"layer.{ext}", members[ext])
    return buf.getvalue()


_GDB_MEMBER = re.compile(r"^[A-Za-z0-9_.-]+$")


def _filegdb_in_memory(members: dict[str, bytes]) -> tuple[str, list[Any]]:
    """Put the files of a FileGDB folder under ``/vsimem/``: (folder path, buffers to keep).

    A FileGDB is a folder of files; GDAL's OpenFileGDB driver opens the folder,
    so its files are placed in GDAL's in-memory file system (nothing on disk).
    """
    import ctypes
    import uuid

    lib = libgdal()
    if lib is None:
        raise ValueError("the GDAL library could not be found to read a FileGDB in memory")
    lib.VSIFileFromMemBuffer.restype = ctypes.c_void_p
    lib.VSIFileFromMemBuffer.argtypes = [
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_uint64,
        ctypes.c_int,
    ]
    lib.VSIFCloseL.argtypes = [ctypes.c_void_p]
    folder = f"/vsimem/tenglong-{uuid.uuid4().hex}/data.gdb"
    keep = []
    for name, data in members.items():
        if not _GDB_MEMBER.match(name) or name in (".", ".."):
            raise RefusedError(f"a FileGDB member has an unusable name: {name!r}")
        buf = ctypes.create_string_buffer(data, len(data))
        keep.append(buf)
        handle = lib.VSIFileFromMemBuffer(
            f"{folder}/{name}".encode(), ctypes.addressof(buf), len(data), 0
        )
        if not handle:
            raise ValueError(f"cannot place {name} in memory")
        lib.VSIFCloseL(handle)
    return folder, keep


def _bad_where(where: str, layer: str, err: Exception, fields: list[str]) -> BadInputError:
    msg = str(err).split(" for layer", 1)[0].split(": '", 1)[0]
    return BadInputError(
        f"--where {where!r} is not a condition GDAL understands on layer {layer} ({msg}). "
        f"Write an OGR SQL condition on the layer's fields ({', '.join(fields[:30])}), e.g. "
        f"DLBM IN ('0601', '0602') or DLBM LIKE '06%'; quote text values with single quotes"
    )


def _read_gdal(fmt: str, data: Any, header: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    encoding = header.get("encoding")
    pyogrio.set_gdal_config_options(
        {
            "DXF_CLOSED_LINE_AS_POLYGON": "TRUE" if fmt == "dxf" else None,
            "DXF_ENCODING": encoding if fmt == "dxf" and encoding else None,
        }
    )
    read_encoding = encoding if fmt == "shapefile" else None
    # Layers are addressed by index: a GeoJSON's layer is named after the in-memory
    # file, which differs on every call.
    listed = pyogrio.list_layers(data)
    layers = [str(name) for name, _ in listed]
    if not layers:
        raise ValueError("no layer found")
    info = pyogrio.read_info(data, layer=0, encoding=read_encoding)
    driver = str(info["driver"])
    if driver not in FORMAT_DRIVERS[fmt]:
        raise RefusedError(
            f"GDAL opened the file with the {driver} driver, not "
            f"{' or '.join(sorted(FORMAT_DRIVERS[fmt]))}"
        )
    wanted = header.get("layer")
    prefer = header.get("prefer_layer")
    if fmt in ("dxf", "shapefile", "geojson"):
        chosen = [0]  # one layer (a DXF's CAD layers are filtered by the caller)
    elif wanted:
        if wanted not in layers:
            raise BadInputError(f"no layer {wanted!r}; the file has: {', '.join(layers)}")
        chosen = [layers.index(wanted)]
    elif len(layers) == 1:
        chosen = [0]
    elif fmt == "kml":
        chosen = list(range(len(layers)))
    elif prefer in layers:
        chosen = [layers.index(prefer)]
    elif fmt == "filegdb" and "DLTB" in layers:
        chosen = [layers.index("DLTB")]  # a land-survey database: its 地类图斑
    else:
        spatial = [i for i, (_, g) in enumerate(listed) if g is not None]
        if len(spatial) != 1:
            raise BadInputError(
                f"the file has {len(layers)} layers ({', '.join(layers)}); choose one "
                f"(--source-layer)"
            )
        chosen = spatial
    frames = []
    crs = None
    where = header.get("where") or None
    for idx in chosen:
        try:
            df = pyogrio.read_dataframe(data, layer=idx, encoding=read_encoding, where=where)
        except ValueError as err:
            if where and "SQL" in str(err):
                fields = [str(f) for f in pyogrio.read_info(data, layer=idx)["fields"]]
                raise _bad_where(where, layers[idx], err, fields) from None
            raise
        if not isinstance(df, gpd.GeoDataFrame):
            df = gpd.GeoDataFrame(df, geometry=[None] * len(df))
        if fmt == "kml" and len(chosen) > 1:
            df.insert(0, "kml_folder", layers[idx])
        crs = crs or df.crs
        frames.append(df)
    gdf = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    meta = {
        "driver": driver,
        "crs": crs.to_wkt() if crs is not None else None,
        "layers": layers,
        "layer": (
            layers[chosen[0]] if len(chosen) == 1 and fmt in ("gpkg", "kml", "filegdb") else None
        ),
    }
    return gdf, meta


_WKT_RE = re.compile(
    r"^\s*(SRID=(\d+);)?\s*(MULTI)?(POLYGON|POINT|LINESTRING)|^\s*GEOMETRYCOLLECTION", re.I
)
_WKT_NAMES = {"wkt", "geometry", "geom", "thegeom", "shape", "几何", "图形", "空间信息", "坐标串"}
_XY_NAMES = (
    ("x", "y"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("longitude", "latitude"),
    ("经度", "纬度"),
    ("x坐标", "y坐标"),
    ("横坐标", "纵坐标"),
    ("东坐标", "北坐标"),
    ("easting", "northing"),
)


def _norm(name: str) -> str:
    import unicodedata

    return re.sub(r"[\s_\-.]", "", unicodedata.normalize("NFKC", str(name)).lower())


def _looks_swapped(x: Any, y: Any) -> bool:
    """Chinese survey tables put the northing in X: detect northings in x, eastings in y."""
    import numpy as np

    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    xs, ys = x[ok], y[ok]
    degrees_swapped = (xs.min() >= 0) & (xs.max() <= 60) & (ys.min() >= 70) & (ys.max() <= 140)
    northing_in_x = (xs.min() > 2e6) & (xs.max() < 6e6)
    easting_in_y = ((ys.min() > 0) & (ys.max() < 1e6)) | ((ys.min() > 13e6) & (ys.max() < 46e6))
    return bool(degrees_swapped or (northing_in_x and easting_in_y))


def _tabular_geometry(df: Any) -> tuple[Any, Any, str | None, str | None, list[str]]:
    """Geometry from a WKT column or x/y columns: (frame, geometries, crs, how, notes)."""
    import numpy as np
    import pandas as pd
    import shapely

    notes: list[str] = []
    names = {_norm(c): c for c in df.columns}
    wkt_col = next((names[n] for n in names if n in _WKT_NAMES), None)
    if wkt_col is None:
        for col in df.columns:
            sample = df[col].dropna().astype(str).head(20)
            sample = sample[sample.str.strip() != ""]
            if len(sample) and sample.map(lambda v: bool(_WKT_RE.match(v))).mean() >= 0.8:
                wkt_col = col
                break
    n = len(df)
    errors = [None] * n
    if wkt_col is not None:
        texts = df[wkt_col].astype(object).where(df[wkt_col].notna(), None).tolist()
        srids = set()
        clean: list[str | None] = []
        for t in texts:
            t = None if t is None else str(t).strip()
            if t:
                m = re.match(r"^SRID=(\d+);", t, re.I)
                if m:
                    srids.add(int(m.group(1)))
                    t = t[m.end() :]
            clean.append(t or None)
        geoms = shapely.from_wkt(np.array(clean, dtype=object), on_invalid="ignore")
        for i, (t, g) in enumerate(zip(clean, geoms, strict=True)):
            if t and g is None:
                errors[i] = f"{wkt_col!r} is not valid WKT: {t[:60]!r}"
        crs = None
        if len(srids) == 1:
            from pyproj import CRS

            crs = CRS.from_epsg(srids.pop()).to_wkt()
        elif len(srids) > 1:
            notes.append(f"several SRIDs in {wkt_col!r}: {sorted(srids)}; choose the CRS")
        out = df.drop(columns=[wkt_col])
        return out, (geoms, errors), crs, f"WKT column {wkt_col!r}", notes
    for xn, yn in _XY_NAMES:
        if xn in names and yn in names:
            xc, yc = names[xn], names[yn]

            def num(s: Any) -> Any:
                txt = (
                    s.astype(object)
                    .where(s.notna(), None)
                    .map(lambda v: None if v is None else str(v).strip().replace(",", ""))
                )
                return pd.to_numeric(txt, errors="coerce").to_numpy(dtype="float64")

            x, y = num(df[xc]), num(df[yc])
            how = f"x/y columns {xc!r}, {yc!r}"
            if _looks_swapped(x, y):
                x, y = y, x
                how += " (swapped: the survey convention puts the northing in X)"
            geoms = shapely.points(x, y)
            bad = ~(np.isfinite(x) & np.isfinite(y))
            geoms = np.where(bad, None, geoms)
            for i in np.flatnonzero(bad):
                errors[i] = f"{xc!r}/{yc!r} are not numbers: {df[xc].iloc[i]!r}, {df[yc].iloc[i]!r}"
            out = df.drop(columns=[xc, yc])
            return out, (geoms, errors), None, how, notes
    return df, None, None, None, notes


def _read_csv(data: bytes) -> Any:
    import pandas as pd

    text = data.decode("utf-8")
    first = text.split("\n", 1)[0]
    sep = max((",", "\t", ";", "|"), key=first.count)
    return pd.read_csv(
        io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skipinitialspace=True,
    )


def _cell_text(v: Any) -> str | None:
    import datetime as dt

    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v)
    return text if text.strip() else None


def _read_xlsx(
    data: bytes, sheet: str | None, *, prefer: Any = None, cells: bool = False
) -> tuple[Any, list[str], str, dict[str, Any]]:
    """Rows of one sheet as text; with ``cells`` also each row's sheet row and formula cells.

    ``prefer`` names sheets to take (the first present) when none is chosen.
    """
    import openpyxl
    import pandas as pd

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formulas_wb = (
        openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False) if cells else None
    )
    try:
        sheets = list(wb.sheetnames)
        if sheet is not None and sheet not in sheets:
            raise BadInputError(f"no sheet {sheet!r}; the workbook has: {', '.join(sheets)}")
        if sheet is None and prefer:
            wanted = [prefer] if isinstance(prefer, str) else list(prefer)
            sheet = next((s for s in wanted if s in sheets), None)
        ws = wb[sheet or sheets[0]]
        raw = (
            formulas_wb[ws.title].iter_rows(values_only=False)
            if formulas_wb is not None
            else itertools.repeat(())
        )
        rows = []
        sheet_rows: list[int] = []
        formulas: list[tuple[int, int, str]] = []
        header: list[str] | None = None
        for number, (row, raw_row) in enumerate(
            zip(ws.iter_rows(values_only=True), raw, strict=False), start=1
        ):
            cells_text = [_cell_text(v) for v in row]
            if header is None:
                if any(c is not None for c in cells_text):
                    header = [
                        c if c is not None else f"column_{i + 1}" for i, c in enumerate(cells_text)
                    ]
                continue
            found = [
                (j, str(c.value))
                for j, c in enumerate(raw_row)
                if getattr(c, "data_type", None) == "f"
            ]
            if any(c is not None for c in cells_text) or found:
                formulas += [(len(rows), j, text) for j, text in found]
                rows.append(cells_text)
                sheet_rows.append(number)
        header = header or []
        width = max([len(header), *(len(r) for r in rows)]) if rows or header else 0
        header += [f"column_{i + 1}" for i in range(len(header), width)]
        rows = [r + [None] * (width - len(r)) for r in rows]
        extra: dict[str, Any] = {}
        if cells:
            extra = {"sheet_rows": sheet_rows, "formulas": formulas}
        return pd.DataFrame(rows, columns=header, dtype=object), sheets, ws.title, extra
    finally:
        wb.close()
        if formulas_wb is not None:
            formulas_wb.close()


def _read_parquet(data: bytes) -> tuple[Any, str | None, bool]:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    meta = table.schema.metadata or {}
    if b"geo" in meta:
        import geopandas as gpd

        gdf = gpd.read_parquet(io.BytesIO(data))
        return gdf, (gdf.crs.to_wkt() if gdf.crs is not None else None), True
    return table.to_pandas(), None, False


def _baopan_module() -> Any:
    """geo/io/baopan.py, loaded by path (the parser process imports no Tenglong package)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baopan.py")
    spec = importlib.util.spec_from_file_location("tenglong_baopan", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with us
        raise BadInputError("the 报盘 txt reader is missing from the installation")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _read_baopan(
    members: dict[str, bytes],
) -> tuple[Any, Any, list[str | None], dict[str, Any], list[str]]:
    """报盘 txt file(s): one row per parcel, polygons in (easting, northing), header and zone.

    Several members are the files of one zip (one per parcel); they must share
    their zone and datum.
    """
    import pandas as pd
    import shapely

    bp = _baopan_module()
    files = []
    for name, data in members.items():
        label = "" if name == "data" else f"{name}: "
        try:
            parsed = bp.parse_baopan(data.decode("utf-8"))
            zone = bp.zone_of(parsed)
        except ValueError as err:
            raise BadInputError(f"{label}{err}") from None
        if files and (zone.epsg, zone.problem) != (files[0][2].epsg, files[0][2].problem):
            first, z0 = files[0][0], files[0][2]

            def show(z: Any) -> str:
                return f"{z.datum or '?'} {z.width}° zone {z.zone}" + (
                    " with prefix" if z.prefixed else ""
                )

            raise BadInputError(
                f"{name} is in {show(zone)} but {first} in {show(z0)}; the files of one zip "
                f"must share their 坐标系 and zone: import them separately"
            )
        files.append((name, parsed, zone))
    name, parsed, zone = files[0]
    notes = [n for _, p, _ in files for n in p.notes]
    if len(files) > 1:
        notes.append(f"{len(files)} 报盘 txt files read: {', '.join(f[0] for f in files[:5])}")
    rows = []
    geoms = []
    errors: list[str | None] = []
    for parcel in (p for _, f, _ in files for p in f.parcels):
        row = {k: (v if v != "" else None) for k, v in parcel.fields.items()}
        area = row.pop("地块面积")
        row = {
            "地块编号": row.pop("地块编号"),
            "地块名称": row.pop("地块名称"),
            "地块面积(公顷)": float(area) if area is not None else None,
            **row,
        }
        rows.append(row)
        polys: list[Any] = []
        for ring in parcel.rings:
            coords = [(p.y, p.x) for p in ring.points]
            poly = shapely.Polygon(coords)
            outer = next((q for q in polys if q.contains(poly.representative_point())), None)
            if outer is not None and ring.number > 1:
                i = polys.index(outer)
                polys[i] = shapely.Polygon(
                    outer.exterior.coords, [*(h.coords for h in outer.interiors), coords]
                )
            else:
                polys.append(poly)
        geom = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        geoms.append(geom)
        errors.append(None)
    df = pd.DataFrame(rows)
    info = {
        "header": parsed.header,
        "zone": zone.zone,
        "width": zone.width,
        "datum": zone.datum,
        "prefixed": zone.prefixed,
        "epsg": zone.epsg,
        "candidate_epsg": zone.candidate_epsg,
        "problem": zone.problem,
        "parcels": sum(len(f.parcels) for _, f, _ in files),
        "points": sum(p.point_lines for _, f, _ in files for p in f.parcels),
    }
    return df, geoms, errors, info, notes


def _unique_names(names: list[Any]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, n in enumerate(names):
        base = str(n) if n is not None and str(n).strip() else f"column_{i + 1}"
        name, k = base, 2
        while name in seen or name in (GEOMETRY_COLUMN, GEOMETRY_ERROR_COLUMN):
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        out.append(name)
    return out


def _to_ipc(df: Any, geoms: Any, errors: list[str | None] | None) -> bytes:
    import pyarrow as pa
    import shapely

    arrays = []
    names = _unique_names(list(df.columns))
    for col in range(df.shape[1]):
        s = df.iloc[:, col]
        try:
            arr = pa.array(s, from_pandas=True)
            if pa.types.is_null(arr.type):
                arr = arr.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
            arr = pa.array([_cell_text(v) for v in s.astype(object)], type=pa.string())
        arrays.append(arr)
    if geoms is not None:
        wkb = shapely.to_wkb(geoms, output_dimension=2)
        arrays.append(pa.array(list(wkb), type=pa.binary()))
        names.append(GEOMETRY_COLUMN)
    if errors is not None and any(e is not None for e in errors):
        arrays.append(pa.array(errors, type=pa.string()))
        names.append(GEOMETRY_ERROR_COLUMN)
    table = pa.Table.from_arrays(arrays, names=names) if arrays else pa.table({})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def handle(header: dict[str, Any], payload: bytes) -> tuple[dict[str, Any], bytes]:
    """Parse one request; return the answer header and the Arrow IPC payload."""
    import numpy as np

    members: dict[str, bytes] = {}
    pos = 0
    for name, size in header["members"]:
        members[name] = payload[pos : pos + size]
        pos += size
    fmt = header["format"]
    notes: list[str] = []
    if fmt in FORMAT_DRIVERS:
        keep: list[Any] = []
        if fmt == "filegdb":
            data, keep = _filegdb_in_memory(members)
        else:
            data = _shapefile_zip(members) if fmt == "shapefile" else members["data"]
        try:
            gdf, meta = _read_gdal(fmt, data, header)
        finally:
            if keep:
                import pyogrio

                pyogrio.vsi_rmtree(data.rsplit("/", 1)[0])
                del keep
        geoms = gdf.geometry.values
        frame = gdf.drop(columns=[gdf.geometry.name])
        out = _to_ipc(frame, np.asarray(geoms, dtype=object), None)
        meta.update(geometry_from=None, rows=len(gdf), notes=notes)
        return {"ok": True, **meta}, out
    if header.get("where"):
        raise BadInputError(
            "--where filters GIS layers read by GDAL (FileGDB, GeoPackage, shapefile, "
            "GeoJSON, KML, DXF); filter a CSV, xlsx or GeoParquet file before importing it"
        )
    if fmt == "baopan":
        df, geoms, errors, info, notes = _read_baopan(members)
        out = _to_ipc(df, np.asarray(geoms, dtype=object), errors)
        head = {"ok": True, "driver": "报盘坐标 txt", "crs": None, "layers": [], "layer": None}
        return {**head, "geometry_from": None, "rows": len(df), "notes": notes, "baopan": info}, out
    data = members["data"]
    layers: list[str] = []
    layer = None
    crs = None
    cells: dict[str, Any] = {}
    if fmt == "csv":
        df = _read_csv(data)
        driver = "CSV (pandas)"
    elif fmt == "xlsx":
        df, layers, layer, cells = _read_xlsx(
            data,
            header.get("layer"),
            prefer=header.get("prefer_sheets"),
            cells=bool(header.get("cells")),
        )
        driver = "xlsx (openpyxl)"
    elif fmt == "parquet":
        df, crs, is_geo = _read_parquet(data)
        driver = "GeoParquet (pyarrow)" if is_geo else "Parquet (pyarrow)"
        if is_geo:
            geoms = np.asarray(df.geometry.values, dtype=object)
            frame = df.drop(columns=[df.geometry.name])
            out = _to_ipc(frame, geoms, None)
            head = {"ok": True, "driver": driver, "crs": crs, "layers": [], "layer": None}
            return {**head, "geometry_from": None, "rows": len(df), "notes": notes}, out
    else:
        raise BadInputError(f"unknown format {fmt!r}")
    df.columns = _unique_names(list(df.columns))
    if fmt == "xlsx" and cells:
        names = list(df.columns)
        cells["formulas"] = [(i, names[j], text) for i, j, text in cells["formulas"]]
    frame, geo, crs2, how, more = _tabular_geometry(df)
    notes += more
    geoms, errors = geo if geo is not None else (None, None)
    out = _to_ipc(frame, geoms, errors)
    head = {"ok": True, "driver": driver, "crs": crs or crs2, "layers": layers, "layer": layer}
    head.update(cells if fmt == "xlsx" else {})
    return {**head, "geometry_from": how, "rows": len(frame), "notes": notes}, out
