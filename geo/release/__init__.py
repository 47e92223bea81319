"""Release summaries: how much freed land lies where (docs/architecture.md §5.1).

Freed land (腾退土地) is land whose status is in :data:`geo.schema.FREED_STATUSES`
(released, stored, supplied, in production), or any set of statuses the caller
chooses. :func:`release_summary` totals it by planning area, status, year
released, former industry and district, or any combination of them
(e.g. area × status).

Areas and overlaps
------------------
Planning areas may nest (a park inside a zone, plates inside a site) and may
overlap. The areas chosen for a summary (by kind, layout, nesting level or ID)
are sorted into *levels*: an area's level is the number of its ancestors
(through ``parent_id``) that are also chosen. Within one level every piece of
land is counted once:

- a parcel is clipped to the area boundaries; the land outside every area of
  the level goes to the ``outside`` row (区外);
- where two areas of the same level overlap, the overlap goes to one of them.
  With ``overlap="smallest"`` (the default) the smaller area (by its planar
  area) wins — a park drawn inside a zone without a ``parent_id`` keeps its
  land, like a nested one — with ties broken by ``area_id``; with
  ``overlap="order"`` the area that comes first in the given table wins.

So within each level the pieces sum to the total of the selected parcels
(conservation, tested to 1e-9 relative); a summary that spans several levels
has one block of rows per level, each conserving the total.

Engine
------
:func:`intersection_areas` computes the area of every (parcel, area)
intersection. Parcels are matched to areas with a shapely 2 ``STRtree``, and to
the areas' boundary segments with a second ``STRtree`` (over chains of a few
segments). Fast path: a parcel whose bounding box meets no boundary segment of
an area lies wholly inside or wholly outside it; one prepared point-in-area
test (``contains_xy``) decides, and a contained parcel is assigned whole. This
is where most parcels go. Only parcels with boundary segments nearby are
clipped, and they are clipped without building geometry: by Green's theorem
the area of ``P ∩ A`` is the line integral of ``x dy`` along the boundary of
``P ∩ A``, which is made of the parts of P's edges inside A and the parts of
A's edges inside P. The engine finds the crossings of P's edges with A's
nearby segments in vectorised numpy; the side of each run of sub-segments
between two crossings follows from the direction of the crossing that starts
it (interiors lie left of their edges), and a point test settles the rare runs
that start at a vertex or a touching point. Edges shared by a parcel and an
area are counted once, on the side where both lie. Coordinates are taken
relative to each parcel's corner so that products stay small: pieces agree
with GEOS ``intersection`` areas to about 1e-12 relative. (Where a vertex of one
polygon lies within a few 1e-8 m of the other's edge — below the resolution of
the coordinates — a piece can move by that distance times the parcel's size.)

Work is split in chunks of parcels over a thread pool (GEOS and numpy release
the GIL for most of it); each thread prepares its own copy of the area
geometries, as prepared geometries are not thread-safe.

All geometry must be in one projected CRS in metres (a workspace opened with
:func:`geo.workspace.open_workspace` is): areas are never computed in degrees.
"""

from __future__ import annotations

from geo.release._common import (  # noqa: F401
    _BY_SOURCE,
    AREA_COLUMNS,
    BY_CHOICES,
    BY_SOURCE_COLUMNS,
    DEFAULT_CHUNK,
    OUTSIDE_ID,
    OUTSIDE_NAME,
    OUTSIDE_NAME_EN,
    OVERLAP_RULES,
    OverlapRule,
    ReleaseError,
)
from geo.release.areas import (  # noqa: F401
    _choices,
    _parent_map,
    area_levels,
    exclusive_geometries,
    overlap_priority,
    select_areas,
)
from geo.release.intersect import (  # noqa: F401
    _CHAIN,
    _AreaIndex,
    _as_geometry_array,
    _chunk_pieces,
    _clip_areas,
    _edges,
    _expand,
    _finish,
    _Pieces,
    _points_in_areas,
    _points_in_parcels,
    _ring_edges,
    default_threads,
    intersection_areas,
)
from geo.release.summary import (  # noqa: F401
    PreparedAreas,
    _check_crs,
    _column,
    _dimension,
    _piece_arrays,
    _selected_parcels,
    _sort_summary,
    _with_units,
    check_by,
    check_statuses,
    combine_summaries,
    release_pieces,
    release_summary,
    release_total_m2,
    tag_areas,
)
