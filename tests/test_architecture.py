"""The shape of the package: one error root, no import circles, layers imported downwards.

See ``docs/architecture.md`` for the layers and why they are in this order.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import geo
from geo.errors import TenglongError

GEO = Path(geo.__file__).resolve().parent
SKIP_IMPORT = {"geo.io._worker"}  # runs alone in the sandboxed parser process


def _modules() -> list[str]:
    names = ["geo"]
    for info in pkgutil.walk_packages([str(GEO)], prefix="geo."):
        names.append(info.name)
    return sorted(n for n in names if n not in SKIP_IMPORT)


def test_every_error_class_has_the_tenglong_root() -> None:
    """Every exception class defined in ``geo`` subclasses :class:`TenglongError`."""
    strays = []
    for name in _modules():
        mod = importlib.import_module(name)
        for attr, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == name
                and not issubclass(obj, TenglongError)
            ):
                strays.append(f"{name}.{attr}")
    assert strays == [], f"error classes outside the TenglongError root: {strays}"
