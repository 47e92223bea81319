"""Signed, expiring share links (geo.sharing) and ``tenglong share-link``.

Bad tokens tried: one byte of the signature changed, the payload changed
(another workspace, a longer expiry, the planner's role smuggled in), the
last signature character's unused bits changed, an expired token, a token
signed with another secret, garbage, an empty string, a third part, padding,
a huge token. Bad expiries: ``7x``, ``0d``, ``-1d``, ``1w``, ``999d``, ``""``.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from geo import sharing
from geo.cli import app
from geo.sharing import Share, ShareError, make_token, verify_token

SECRET = b"s" * 32
NOW = 1_800_000_000
runner = CliRunner()


def _share(**kw) -> Share:
    base = {
        "workspace": "fuxing",
        "expires_utc_s": NOW + 3600,
        "sites": ("FX-0002", "FX-0007"),
        "brief": {"mu": "10-80"},
        "lang": "en",
    }
    return Share(**{**base, **kw})


def _reason(token: str, secret: bytes = SECRET, now: float = NOW) -> str:
    with pytest.raises(ShareError) as info:
        verify_token(token, secret, now_utc_s=now)
    return info.value.reason


def test_a_token_round_trips():
    share = _share()
    token = make_token(share, SECRET)
    assert verify_token(token, SECRET, now_utc_s=NOW) == share
    assert "." in token and "=" not in token and "+" not in token and "/" not in token


@pytest.mark.parametrize("position", [0, 10, -1, -2, -20])
def test_an_altered_signature_character_is_refused(position):
    token = make_token(_share(), SECRET)
    i = position % len(token)
    if token[i] == ".":
        i -= 1
    for c in "AQgw_-":  # several replacements: one of them changes the decoded bytes or not
        if c == token[i]:
            continue
        forged = token[:i] + c + token[i + 1 :]
        assert _reason(forged) in ("altered", "malformed"), forged


def test_unused_low_bits_of_the_last_character_do_not_pass():
    """Base64 of 32 bytes leaves 2 unused bits in the last character: a second
    encoding of the same signature bytes must be refused too."""
    token = make_token(_share(), SECRET)
    body, sig = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    twin = sig[:-1] + alphabet[last ^ 1]
    raw = base64.urlsafe_b64decode(sig + "=")
    assert base64.urlsafe_b64decode(twin + "=") == raw  # the same bytes
    assert _reason(f"{body}.{twin}") == "altered"


@pytest.mark.parametrize(
    "change",
    [
        {"w": "wuan"},
        {"e": NOW + 10 * 365 * 86400},
        {"s": []},
        {"role": "planner"},
        {"b": {"mu": "0-9999", "avail": "0"}},
    ],
)
def test_an_altered_payload_is_refused(change):
    token = make_token(_share(), SECRET)
    body, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(change)
    forged_body = (
        base64.urlsafe_b64encode(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())
        .rstrip(b"=")
        .decode()
    )
    assert _reason(f"{forged_body}.{sig}") == "altered"


def test_an_expired_token_is_refused_at_the_second():
    token = make_token(_share(expires_utc_s=NOW), SECRET)
    assert verify_token(token, SECRET, now_utc_s=NOW - 1).workspace == "fuxing"
    assert _reason(token, now=NOW) == "expired"
    with pytest.raises(ShareError, match="expired at"):
        verify_token(token, SECRET, now_utc_s=NOW + 86400)


def test_a_token_of_another_secret_is_refused():
    token = make_token(_share(), b"another secret of 32 characters!")
    assert _reason(token) == "altered"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "garbage",
        "a.b.c",
        "abc.",
        ".abc",
        "a b.cd",
        "eyJ2IjoxfQ==.abc",
        "%%%.###",
        "x" * 9000,
        "é.é",
    ],
)
def test_garbage_and_empty_tokens_are_malformed(garbage):
    assert _reason(garbage) == "malformed"


def test_a_signed_payload_of_the_wrong_shape_is_malformed():
    """A payload signed with the right secret but not a share (an old or foreign token)."""
    for payload in (b"[1,2]", b'{"v":2}', b'{"v":1,"w":"","s":[],"b":{},"l":"zh","e":1}', b"\xff"):
        body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        token = f"{body}.{sharing._signature(SECRET, body)}"
        assert _reason(token) == "malformed", payload


@pytest.mark.parametrize(
    ("text", "seconds"), [("7d", 604800), ("12h", 43200), ("30m", 1800), (" 1d ", 86400)]
)
def test_durations(text, seconds):
    assert sharing.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["7x", "0d", "-1d", "1w", "999d", "", "7", "d7", "1.5d"])
def test_nonsense_durations_are_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match=r"7d|366|zero"):
        sharing.parse_duration(text)


def test_the_secret_file_is_made_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv(sharing.SECRET_ENV, raising=False)
    path = tmp_path / "cfg" / "share_secret"
    monkeypatch.setenv(sharing.SECRET_FILE_ENV, str(path))
    first = sharing.load_secret()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first) >= 32 and sharing.load_secret() == first
    assert [p.name for p in path.parent.iterdir()] == ["share_secret"]  # no temporary left
    monkeypatch.setenv(sharing.SECRET_ENV, "short")
    with pytest.raises(ValueError, match="shorter than 16"):
        sharing.load_secret()
    monkeypatch.setenv(sharing.SECRET_ENV, "x" * 20)
    assert sharing.load_secret() == b"x" * 20


def test_the_default_secret_file_is_in_the_user_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(sharing.SECRET_FILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert sharing.secret_file() == tmp_path / "tenglong" / "share_secret"


def test_base_url(monkeypatch):
    monkeypatch.delenv(sharing.BASE_URL_ENV, raising=False)
    assert sharing.base_url("http://127.0.0.1:8501") == "http://127.0.0.1:8501"
    monkeypatch.setenv(sharing.BASE_URL_ENV, "https://invest.example.org/tl/")
    assert sharing.base_url("http://127.0.0.1:8501") == "https://invest.example.org/tl"
    assert sharing.share_url("https://invest.example.org/tl", "T.S") == (
        "https://invest.example.org/tl/site-finder?share=T.S"
    )
    for bad in ("invest.example.org", "ftp://x", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="not an http"):
            sharing.check_base_url(bad)


# ---------------------------------------------------------------------------
# tenglong share-link
# ---------------------------------------------------------------------------


def _token_of(url: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert list(query) == ["share"], url
    return query["share"][0]


def test_share_link_cli_prints_a_link_the_app_accepts(monkeypatch):
    monkeypatch.setenv(sharing.SECRET_ENV, "cli-secret-0123456789abcdef")
    res = runner.invoke(
        app,
        [
            "share-link",
            "fuxing",
            "--site",
            "FX-0002",
            "--site",
            "FX-0007",
            "--expires",
            "12h",
            "--base-url",
            "https://invest.example.org/",
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 0, res.output
    url = res.stdout.strip().splitlines()[0]
    assert url.startswith("https://invest.example.org/site-finder?share=")
    share = verify_token(_token_of(url), sharing.load_secret())
    assert share.workspace == "fuxing" and share.sites == ("FX-0002", "FX-0007")
    assert share.lang == "en"
    import time

    assert 12 * 3600 - 60 <= share.expires_utc_s - time.time() <= 12 * 3600


def test_share_link_cli_base_url_from_the_environment_and_a_path(monkeypatch, tmp_path):
    monkeypatch.setenv(sharing.SECRET_ENV, "cli-secret-0123456789abcdef")
    monkeypatch.setenv(sharing.BASE_URL_ENV, "http://investor.local:8600")
    copy = tmp_path / "mine.gpkg"
    copy.write_bytes((Path(__file__).parents[1] / "data" / "wuan.gpkg").read_bytes())
    res = runner.invoke(app, ["share-link", str(copy)])
    assert res.exit_code == 0, res.output
    url = res.stdout.strip().splitlines()[0]
    assert url.startswith("http://investor.local:8600/site-finder?share=")
    share = verify_token(_token_of(url), sharing.load_secret())
    assert share.workspace == str(copy.resolve()) and share.sites == () and share.lang == "zh"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fuxing", "--expires", "7x"], "not a duration"),
        (["fuxing", "--expires", "0d"], "longer than zero"),
        (["fuxing", "--base-url", "invest.example.org"], "not an http"),
        (["fuxing", "--lang", "fr"], "use zh or en"),
        (["nowhere"], "neither a demo workspace"),
        (["/etc/passwd"], "neither a demo workspace"),
    ],
)
def test_share_link_cli_refuses_bad_input(monkeypatch, args, message):
    monkeypatch.setenv(sharing.SECRET_ENV, "cli-secret-0123456789abcdef")
    res = runner.invoke(app, ["share-link", *args])
    assert res.exit_code == 2
    assert message in " ".join(res.output.split()), res.output


def test_share_link_cli_without_a_base_url_warns(monkeypatch):
    monkeypatch.delenv(sharing.BASE_URL_ENV, raising=False)
    res = runner.invoke(app, ["share-link", "wuan"])
    assert res.exit_code == 0
    assert res.stdout.startswith("http://localhost:8501/site-finder?share=")
    assert "only this machine opens" in " ".join(res.stderr.split())
    assert os.environ[sharing.SECRET_FILE_ENV]  # made in the test's folder (conftest)
    assert Path(os.environ[sharing.SECRET_FILE_ENV]).is_file()
