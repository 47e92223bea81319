"""Time 连片 site assembly (:func:`geo.siting.assembly.assemble_sites`) on synthetic parcels.

A square grid of 100 m cells, one rectangle of 70–95 m by 70–95 m per cell
at the cell's south-west corner (seeded): neighbours are 5–30 m apart, so
about one edge in five is within the default 10 m gap and the groups have a
few parcels each (as in a real inventory of available land). No soil or FAR
columns: the time is the assembly itself (tree query, components, group
attributes, outlines).

Run::

    .venv/bin/python bench/siting_assembly.py                 # 1,000,000 parcels
    .venv/bin/python bench/siting_assembly.py --parcels 100000
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import shapely

from geo.siting.assembly import assemble_sites


def grid_parcels(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """About ``n`` available class-2 industrial parcels on a 100 m grid."""
    side = int(np.sqrt(n))
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    x0, y0 = ix.ravel() * 100.0, iy.ravel() * 100.0
    w = rng.uniform(70.0, 95.0, len(x0))
    h = rng.uniform(70.0, 95.0, len(x0))
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{k:07d}" for k in range(len(x0))],
            "status": "stored",
            "land_use_planned": "100102",
        },
        geometry=shapely.box(x0, y0, x0 + w, y0 + h),
        crs=4547,
    )


def main() -> None:
    """Build the parcels, assemble them once, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--gap-m", type=float, default=10.0)
    args = ap.parse_args()
    parcels = grid_parcels(args.parcels)
    t0 = time.perf_counter()
    sites = assemble_sites(parcels, gap_m=args.gap_m)
    dt = time.perf_counter() - t0
    groups = sites[sites["assembled"]]
    print(
        f"{len(parcels):,} parcels → {len(sites):,} sites, {len(groups):,} of several parcels "
        f"(largest {int(sites['n_members'].max())}) in {dt:.1f} s at a {args.gap_m:g} m gap"
    )


if __name__ == "__main__":
    main()
