"""The pinned browser libraries: the fetch script's checks and the app's check before serving."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import shutil
import tarfile
from pathlib import Path

import pytest

from geo import jsassets
from geo.jsassets import JsAssetMissing

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("fetch_js", ROOT / "scripts" / "fetch-js.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _pin(data: bytes, files: dict[str, tuple[str, bytes]]) -> dict:
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    return {
        "package": "@x/lib",
        "version": "1.0.0",
        "integrity": f"sha512-{digest}",
        "files": {k: [m, hashlib.sha256(b).hexdigest()] for k, (m, b) in files.items()},
    }


def test_the_pin_file_pins_geoman_from_the_npm_registry():
    pin = jsassets.pins()["geoman"]
    assert pin.package == "@geoman-io/leaflet-geoman-free" and pin.version == "2.20.2"
    assert pin.integrity.startswith("sha512-") and len(base64.b64decode(pin.integrity[7:])) == 64
    assert all(len(sha) == 64 for _, sha in pin.files.values())
    assert set(pin.files) == {"leaflet-geoman.js", "leaflet-geoman.css", "LICENSE"}


def test_fetch_script_checks_the_tarball_and_every_file():
    fetch = _script()
    js = b"window.L.PM = {};"
    data = _tarball({"package/dist/lib.js": js, "package/dist/other.js": b"x"})
    pin = _pin(data, {"lib.js": ("package/dist/lib.js", js)})
    assert fetch.checked_files(data, pin) == {"lib.js": js}
    tampered = bytearray(data)
    tampered[-5] ^= 0xFF
    with pytest.raises(SystemExit, match="does not match the pinned integrity"):
        fetch.checked_files(bytes(tampered), pin)
    wrong = _pin(data, {"lib.js": ("package/dist/lib.js", b"something else")})
    with pytest.raises(SystemExit, match="does not match its pinned sha256"):
        fetch.checked_files(data, wrong)
    missing = _pin(data, {"lib.js": ("package/dist/nothere.js", js)})
    with pytest.raises(SystemExit, match="not in the tarball"):
        fetch.checked_files(data, missing)
    with pytest.raises(SystemExit, match="not on the npm registry"):
        fetch._download("https://cdn.example.com/lib.tgz")


def test_app_serves_only_files_that_match_their_pin(tmp_path):
    with pytest.raises(JsAssetMissing, match=r"fetch-js\.py"):
        jsassets.library_files("geoman", js_dir=tmp_path)
    assert not jsassets.available("geoman", js_dir=tmp_path)
    if not jsassets.available("geoman"):
        pytest.skip("leaflet-geoman is not fetched here: run `python scripts/fetch-js.py`")
    installed = jsassets.library_files("geoman")
    shutil.copytree(next(iter(installed.values())).parent, tmp_path / "geoman")
    assert set(jsassets.library_files("geoman", js_dir=tmp_path)) == set(installed)
    # the fetch script sees them present and needs no network
    assert (
        _script()
        .fetch_one("geoman", _toml_pin(), tmp_path)
        .endswith(f"present in {tmp_path / 'geoman'}")
    )
    js = tmp_path / "geoman" / "leaflet-geoman.js"
    js.write_bytes(js.read_bytes() + b"\n// changed")
    with pytest.raises(JsAssetMissing, match="does not match the pinned"):
        jsassets.library_files("geoman", js_dir=tmp_path)


def _toml_pin() -> dict:
    import tomllib

    return tomllib.loads(jsassets.PIN_FILE.read_text(encoding="utf-8"))["geoman"]
