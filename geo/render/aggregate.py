"""Grid aggregation of a layer with too many features for one map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crs_mod
from geo.grid import cell_id, cell_size_for
from geo.layers import LayerRows
from geo.render.style import _category_key


def _aggregate(rows: LayerRows) -> tuple[gpd.GeoDataFrame, float]:
    """Grid cells (:mod:`geo.grid`) with parcel count, area and the dominant class.

    Each feature counts in the cell of its centroid; the cell size is the
    grid's choice for the centroids' extent, so ids are those of every other
    map and engine (``cell:500:1084:8098``).
    """
    frame = rows.frame
    spec = rows.spec
    cen = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
    area_mu = crs_mod.m2_to_mu(frame.geometry.area.to_numpy())
    (xmin, ymin), (xmax, ymax) = cen.min(axis=0), cen.max(axis=0)
    cell = cell_size_for((float(xmin), float(ymin), float(xmax), float(ymax)))
    ij = np.floor(cen / cell).astype(np.int64)
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
    cells["cell_id"] = [cell_id(cell, i, j) for i, j in zip(cells["i"], cells["j"], strict=True)]
    geoms = shapely.box(
        cells["i"] * cell, cells["j"] * cell, (cells["i"] + 1) * cell, (cells["j"] + 1) * cell
    )
    out = gpd.GeoDataFrame(cells.drop(columns=["i", "j"]), geometry=geoms, crs=frame.crs)
    return out, cell
