"""Siting (招商选址): candidate sites for an investor's brief (docs/architecture.md §5.8).

- :mod:`geo.siting.uses`: which projects a planned use admits
  (``geo/config/land_use_admits.toml``);
- :mod:`geo.siting.assembly`: 连片 sites of adjacent available parcels;
- :mod:`geo.siting.finder`: where sites lie, the filters and the fit.

Pure functions on frames, no I/O beyond reading the shipped table.
"""
