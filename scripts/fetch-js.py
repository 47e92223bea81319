#!/usr/bin/env python3
"""Fetch the pinned browser libraries of geo/config/js_assets.toml (standard library only).

Run by the Makefile's install targets (``make run`` / ``make test``) with the
virtual environment's Python, so that a fresh machine needs only python3, make
and git (no node). For each library: download the npm tarball from the
registry (never a CDN), check it against the pinned ``integrity`` (sha512),
extract only the listed files (by name, never the whole archive), check each
against its pinned sha256, and write them to ``DEST/<name>/`` (default:
``<sys.prefix>/share/tenglong/js``, inside the ignored ``.venv``). Files
already present and correct are not fetched again.

Without network the script says which feature is unavailable and exits 0
(``--strict``: exits 1), so ``make run`` still starts the app.

Usage::

    python scripts/fetch-js.py [--dest DIR] [--strict]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

PIN_FILE = Path(__file__).resolve().parents[1] / "geo" / "config" / "js_assets.toml"
TIMEOUT_S = 60
MAX_BYTES = 20_000_000


def default_dest() -> Path:
    """``<sys.prefix>/share/tenglong/js``: where :mod:`geo.jsassets` looks."""
    return Path(sys.prefix) / "share" / "tenglong" / "js"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _integrity_ok(data: bytes, integrity: str) -> bool:
    algo, _, b64 = integrity.partition("-")
    if algo != "sha512":
        raise SystemExit(f"error: unsupported integrity {algo!r} in {PIN_FILE}")
    return base64.b64encode(hashlib.sha512(data).digest()).decode("ascii") == b64


def _present(folder: Path, files: dict[str, list[str]]) -> bool:
    for name, (_, sha) in files.items():
        path = folder / name
        if not path.is_file() or _sha256(path.read_bytes()) != sha:
            return False
    return True


def _download(url: str) -> bytes:
    if not url.startswith("https://registry.npmjs.org/"):
        raise SystemExit(f"error: {url} is not on the npm registry")
    req = urllib.request.Request(url, headers={"User-Agent": "tenglong-fetch-js"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        data = resp.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SystemExit(f"error: {url} is larger than {MAX_BYTES} bytes")
    return data


def checked_files(data: bytes, pin: dict) -> dict[str, bytes]:
    """The pinned files of an npm tarball, by served name, after every check.

    Raises
    ------
    SystemExit
        The tarball does not match ``integrity``, a file is missing, is not a
        regular file, or does not match its sha256: nothing is written.
    """
    label = f"{pin['package']}@{pin['version']}"
    if not _integrity_ok(data, pin["integrity"]):
        raise SystemExit(f"error: {label}: the tarball does not match the pinned integrity")
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for served, (member, sha) in pin["files"].items():
            try:
                info = tar.getmember(member)
            except KeyError:
                raise SystemExit(f"error: {label}: {member} is not in the tarball") from None
            if not info.isfile():
                raise SystemExit(f"error: {label}: {member} is not a file")
            blob = tar.extractfile(info).read()  # type: ignore[union-attr]
            if _sha256(blob) != sha:
                raise SystemExit(f"error: {label}: {member} does not match its pinned sha256")
            out[served] = blob
    return out


def fetch_one(name: str, pin: dict, dest: Path) -> str:
    """Fetch one library into ``dest/name``; a one-line outcome."""
    folder = dest / name
    files: dict[str, list[str]] = pin["files"]
    label = f"{pin['package']}@{pin['version']}"
    if _present(folder, files):
        return f"{label}: present in {folder}"
    out = checked_files(_download(pin["tarball"]), pin)
    folder.mkdir(parents=True, exist_ok=True)
    for served, blob in out.items():
        tmp = folder / (served + ".tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, folder / served)
    (folder / "VERSION").write_text(label + "\n", encoding="utf-8")
    return f"{label}: fetched into {folder}"


def main(argv: list[str] | None = None) -> int:
    """Fetch every pinned library; 0 when all are present (or offline without ``--strict``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=None)
    parser.add_argument("--strict", action="store_true", help="fail when a library is missing")
    args = parser.parse_args(argv)
    dest = args.dest or default_dest()
    pins = tomllib.loads(PIN_FILE.read_text(encoding="utf-8"))
    missing = 0
    for name, pin in pins.items():
        try:
            print(fetch_one(name, pin, dest))
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            missing += 1
            print(
                f"warning: cannot fetch {pin['package']}@{pin['version']} ({err}); "
                f"{pin.get('needed_for', 'a feature')} will say it is unavailable. "
                f"Run `python scripts/fetch-js.py` again when the npm registry is reachable.",
                file=sys.stderr,
            )
    return 1 if missing and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
