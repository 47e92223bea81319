"""Tenglong (腾笼): land-reuse planning for China's old industrial districts.

``geo`` is the library: CRS and units (:mod:`geo.crs`), the data model
(:mod:`geo.schema`), validation (:mod:`geo.validate`), workspaces
(:mod:`geo.workspace`) and the demo workspace generator (:mod:`geo.demo`).
Only :mod:`geo.app` imports streamlit.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tenglong")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
