"""Grid aggregation of a layer with too many features for one map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crs_mod
from geo.layers import (
    LayerRows,
)
from geo.render.style import _category_key

# ---------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------

_CELL_SIZES_M = (100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000)
MAX_CELLS = 2500


def _aggregate(rows: LayerRows) -> tuple[gpd.GeoDataFrame, int]:
    """Grid cells (projected CRS) with parcel count, area and the dominant class."""
    frame = rows.frame
    spec = rows.spec
    cen = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
    area_mu = crs_mod.m2_to_mu(frame.geometry.area.to_numpy())
    x0, y0 = np.floor(cen.min(axis=0) / 100.0) * 100.0
    cell = _CELL_SIZES_M[-1]
    for size in _CELL_SIZES_M:
        ij = np.floor((cen - [x0, y0]) / size).astype(np.int64)
        if len(np.unique(ij[:, 0] * (1 << 32) + ij[:, 1])) <= MAX_CELLS:
            cell = size
            break
    ij = np.floor((cen - [x0, y0]) / cell).astype(np.int64)
    df = pd.DataFrame({"i": ij[:, 0], "j": ij[:, 1], "area_mu": area_mu})
    by = spec.style.by
    if by:
        df["by"] = frame[by].to_numpy()
    g = df.groupby(["i", "j"], sort=True)
    cells = g.agg(parcels=("area_mu", "size"), area_mu=("area_mu", "sum")).reset_index()
    if by and spec.style.kind == "bins":
        cells[by] = g["by"].median().to_numpy()
    elif by:
        dom = (
            df.dropna(subset=["by"])
            .assign(by=lambda d: d["by"].map(_category_key))
            .groupby(["i", "j", "by"])["area_mu"]
            .sum()
            .reset_index()
            .sort_values("area_mu", ascending=False)
            .drop_duplicates(["i", "j"])
            .set_index(["i", "j"])["by"]
        )
        cells[by] = [dom.get((i, j)) for i, j in zip(cells["i"], cells["j"], strict=True)]
    cells["cell_id"] = [f"{cell}m:{i}:{j}" for i, j in zip(cells["i"], cells["j"], strict=True)]
    geoms = shapely.box(
        x0 + cells["i"] * cell,
        y0 + cells["j"] * cell,
        x0 + (cells["i"] + 1) * cell,
        y0 + (cells["j"] + 1) * cell,
    )
    out = gpd.GeoDataFrame(cells.drop(columns=["i", "j"]), geometry=geoms, crs=frame.crs)
    return out, cell
