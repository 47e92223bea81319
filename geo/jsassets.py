"""Pinned browser libraries fetched at install time, checked before they are served.

``geo/config/js_assets.toml`` pins each library (npm package, version, the
registry's sha512 ``integrity`` of the tarball, and the sha256 of each file
the app serves). ``scripts/fetch-js.py`` (run by ``make run`` / ``make
test``) downloads and checks them into :func:`geo.settings.js_dir`; they are
never committed and never loaded from a CDN (docs/architecture.md §7).

:func:`library_files` gives the files of one library when every one of them
is present and matches its pin, else raises :class:`JsAssetMissing` with
what to run: the feature that needs the library then says it is unavailable
and the rest of the app works (the map itself needs only Leaflet).

Examples
--------
>>> pins()["geoman"].version
'2.20.2'
"""

from __future__ import annotations

import functools
import hashlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geo import settings
from geo.errors import OperationError

logger = logging.getLogger(__name__)

PIN_FILE = Path(__file__).resolve().parent / "config" / "js_assets.toml"


class JsAssetMissing(OperationError):  # noqa: N818 - reads as the condition it names
    """A pinned library is not installed, or a file of it does not match its pin."""


@dataclass(frozen=True)
class Pin:
    """One pinned library: package, version, and ``{served name: (tarball path, sha256)}``."""

    name: str
    package: str
    version: str
    integrity: str
    files: dict[str, tuple[str, str]]


@functools.cache
def pins() -> dict[str, Pin]:
    """Every library of ``geo/config/js_assets.toml``, by name."""
    raw = tomllib.loads(PIN_FILE.read_text(encoding="utf-8"))
    return {
        name: Pin(
            name,
            str(p["package"]),
            str(p["version"]),
            str(p["integrity"]),
            {str(k): (str(v[0]), str(v[1])) for k, v in p["files"].items()},
        )
        for name, p in raw.items()
    }


@functools.lru_cache(maxsize=8)
def _checked(folder: str, name: str, stamp: tuple[float, ...]) -> dict[str, Path]:
    pin = pins()[name]
    out: dict[str, Path] = {}
    for served, (_, sha) in pin.files.items():
        path = Path(folder) / served
        if not path.is_file():
            raise JsAssetMissing(
                f"{pin.package}@{pin.version} is not installed ({path} is missing): "
                "run `make run` or `python scripts/fetch-js.py` with the npm registry reachable"
            )
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise JsAssetMissing(
                f"{path} does not match the pinned {pin.package}@{pin.version}: delete "
                f"{Path(folder)} and run `python scripts/fetch-js.py` again"
            )
        out[served] = path
    return out


def library_files(name: str, *, js_dir: Path | None = None) -> dict[str, Path]:
    """The checked files of library ``name``, by the name they are served under.

    Raises
    ------
    JsAssetMissing
        A file is missing or differs from its pinned sha256.
    """
    folder = (js_dir or settings.js_dir()) / name
    stamp = tuple(
        (folder / served).stat().st_mtime if (folder / served).exists() else -1.0
        for served in pins()[name].files
    )
    return dict(_checked(str(folder), name, stamp))


def available(name: str, *, js_dir: Path | None = None) -> bool:
    """True when :func:`library_files` would succeed."""
    try:
        library_files(name, js_dir=js_dir)
    except JsAssetMissing:
        return False
    return True


__all__ = ["PIN_FILE", "JsAssetMissing", "Pin", "available", "library_files", "pins"]
