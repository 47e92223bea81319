"""Signed, expiring share links for investors (招商分享链接).

A share link is ``BASE_URL/site-finder?share=TOKEN``. The token carries
everything the investor's view needs: the workspace, the sites shown, the
site finder's brief (filters and the selected site), the language and the
expiry. It is signed with HMAC-SHA256, so nothing in it can be changed
without the server noticing, and no other URL parameter is trusted when
``share`` is present. A session opened with a valid token is an investor
session for its whole life (:mod:`geo.app.state`).

Token format: ``base64url(payload) "." base64url(hmac_sha256(secret, base64url(payload)))``,
without padding. The payload is canonical JSON (sorted keys, no spaces)::

    {"b": {"mu": "10-80"}, "e": 1767225600, "l": "zh", "s": ["FX-0002"], "v": 1, "w": "fuxing"}

The secret (:func:`load_secret`)
    ``$TENGLONG_SHARE_SECRET`` when set (at least 16 characters), else the file
    ``$TENGLONG_SHARE_SECRET_FILE``, else ``~/.config/tenglong/share_secret``
    (``$XDG_CONFIG_HOME/tenglong/share_secret``), created with mode 0600 from
    :func:`secrets.token_urlsafe` on first start. Every instance that makes or
    opens links (the planner instance, the investor instance, the
    ``tenglong share-link`` command) needs the same secret; replacing it
    invalidates every link made before.

The base URL (:func:`base_url`)
    ``$TENGLONG_SHARE_BASE_URL`` (set it to the investor instance's public
    URL, e.g. ``https://invest.example.org``), else the URL of the server the
    link is made on.

This module has no Streamlit import: the command line uses it as well.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geo import settings
from geo.errors import InputError

logger = logging.getLogger(__name__)

SECRET_ENV = settings.SHARE_SECRET_ENV
"""The signing secret itself (wins over the file)."""
SECRET_FILE_ENV = settings.SHARE_SECRET_FILE_ENV
"""Where the signing secret is kept (default :func:`default_secret_file`)."""
BASE_URL_ENV = settings.SHARE_BASE_URL_ENV
"""The URL share links point at: the investor instance's public URL."""
SHARE_PARAM = "share"
"""The query parameter that carries the token."""
SHARE_PAGE = "site-finder"
"""The page a share link opens."""
DEFAULT_EXPIRES = "7d"
TOKEN_VERSION = 1
MIN_SECRET_CHARS = 16
MAX_TOKEN_CHARS = 8192
"""Longer tokens are refused unread (a link never needs that much)."""
MAX_SITES = 500
BRIEF_KEYS: tuple[str, ...] = (
    "mu",
    "area",
    "industry",
    "use",
    "road",
    "road_km",
    "gap",
    "avail",
    "road_m",
    "site",
)
"""The site finder's query parameters a token may carry.

See :func:`geo.app.site_brief.brief_to_query` (``road_m`` is read from
links made before ``road_km``)."""

Reason = Literal["malformed", "altered", "expired"]
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNIT_S = {"d": 86400, "h": 3600, "m": 60}
MAX_EXPIRES_S = 366 * 86400


class ShareError(InputError):
    """A share token that must not be honoured, with the reason.

    Attributes
    ----------
    reason
        ``"malformed"`` (not a token at all), ``"altered"`` (the signature
        does not match: changed, or made with another secret) or ``"expired"``.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


@dataclass(frozen=True)
class Share:
    """What a share token grants: one workspace, its available sites, as an investor."""

    workspace: str
    """The workspace: a demo's stem (``fuxing``) or a file path."""
    expires_utc_s: int
    """Expiry as a UTC epoch (seconds)."""
    sites: tuple[str, ...] = ()
    """Only these sites are shown (empty: every available site matching the brief): parcel
    ids, or assembled 连片 sites as ``S:`` + their member parcel ids (:mod:`geo.siting`)."""
    brief: Mapping[str, str] = field(default_factory=dict)
    """Site-finder query parameters (:data:`BRIEF_KEYS`)."""
    lang: str = "zh"

    def payload(self) -> dict[str, Any]:
        """The canonical payload (what is signed)."""
        return {
            "v": TOKEN_VERSION,
            "w": self.workspace,
            "s": list(self.sites),
            "b": {k: str(v) for k, v in sorted(self.brief.items())},
            "l": self.lang,
            "e": int(self.expires_utc_s),
        }


# ---------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not _B64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _signature(secret: bytes, body: str) -> str:
    return _b64e(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())


def make_token(share: Share, secret: bytes) -> str:
    """Sign ``share`` with ``secret``.

    Examples
    --------
    >>> s = Share("fuxing", 4102444800, sites=("FX-0002",), brief={"mu": "10-80"})
    >>> verify_token(make_token(s, b"k" * 32), b"k" * 32, now_utc_s=0) == s
    True
    """
    _check_share(share)
    body = _b64e(_canonical(share.payload()))
    return f"{body}.{_signature(secret, body)}"


def _check_share(share: Share) -> None:
    if not share.workspace:
        raise InputError("a share link needs a workspace")
    if share.lang not in ("zh", "en"):
        raise InputError(f"language {share.lang!r}: use zh or en")
    if len(share.sites) > MAX_SITES:
        raise InputError(f"{len(share.sites)} sites: a share link carries at most {MAX_SITES}")
    unknown = set(share.brief) - set(BRIEF_KEYS)
    if unknown:
        raise InputError(f"unknown brief keys {sorted(unknown)}; allowed: {', '.join(BRIEF_KEYS)}")


def _malformed(what: str) -> ShareError:
    return ShareError("malformed", f"not a share link token ({what})")


def verify_token(token: str, secret: bytes, *, now_utc_s: float | None = None) -> Share:
    """The :class:`Share` a token grants, after checking its signature and expiry.

    Raises
    ------
    ShareError
        ``malformed`` (empty, too long, not two base64url parts, not the
        payload of a token), ``altered`` (the signature does not match) or
        ``expired``. The signature is checked before the payload is read.
    """
    if not isinstance(token, str) or not token.strip():
        raise _malformed("empty")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise _malformed(f"longer than {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 2 or not all(_B64URL.match(p) for p in parts):
        raise _malformed("expected two base64url parts separated by a dot")
    body, sig = parts
    # Compare the encoded signatures: two encodings of the same bytes (unused
    # low bits of the last character) must not both pass.
    if not hmac.compare_digest(_signature(secret, body), sig):
        raise ShareError(
            "altered", "the share link was altered or made with another secret (signature mismatch)"
        )
    try:
        data = json.loads(_b64d(body).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _malformed("unreadable payload") from None
    share = _share_from(data)
    now = time.time() if now_utc_s is None else now_utc_s
    if now >= share.expires_utc_s:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(share.expires_utc_s))
        raise ShareError("expired", f"the share link expired at {when}")
    return share


def _share_from(data: Any) -> Share:
    if not isinstance(data, dict) or data.get("v") != TOKEN_VERSION:
        raise _malformed("unknown payload version")
    ws, sites, brief, lang, exp = (data.get(k) for k in ("w", "s", "b", "l", "e"))
    if not isinstance(ws, str) or not ws:
        raise _malformed("no workspace")
    if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
        raise _malformed("sites")
    if not isinstance(brief, dict) or not all(
        k in BRIEF_KEYS and isinstance(v, str) for k, v in brief.items()
    ):
        raise _malformed("brief")
    if lang not in ("zh", "en"):
        raise _malformed("language")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise _malformed("expiry")
    return Share(workspace=ws, expires_utc_s=exp, sites=tuple(sites), brief=brief, lang=lang)


# ---------------------------------------------------------------------------
# Expiry, base URL, link
# ---------------------------------------------------------------------------


def parse_duration(text: str) -> int:
    """Seconds in ``7d``, ``12h`` or ``30m`` (at most 366 days).

    Raises
    ------
    ValueError
        Anything else (the message shows the accepted forms).

    Examples
    --------
    >>> parse_duration("7d"), parse_duration("12h"), parse_duration("30m")
    (604800, 43200, 1800)
    """
    m = _DURATION.match(str(text))
    if not m:
        raise InputError(
            f"expiry {text!r} is not a duration: give a whole number of days, hours or "
            f"minutes, e.g. 7d, 12h or 30m"
        )
    seconds = int(m.group(1)) * _UNIT_S[m.group(2)]
    if seconds <= 0:
        raise InputError(f"expiry {text!r} must be longer than zero, e.g. 7d")
    if seconds > MAX_EXPIRES_S:
        raise InputError(f"expiry {text!r} is longer than 366 days; give at most 366d")
    return seconds


def base_url(default: str | None = None) -> str:
    """``$TENGLONG_SHARE_BASE_URL``, else ``default`` (the current server); no trailing slash.

    Raises
    ------
    ValueError
        Neither is set, or the URL is not ``http(s)://host[/path]``.
    """
    value = settings.get(BASE_URL_ENV) or (default or "").strip()
    if not value:
        raise InputError(
            f"no base URL for share links: set {BASE_URL_ENV} to the investor instance's "
            f"URL (e.g. https://invest.example.org) or pass --base-url"
        )
    return check_base_url(value)


def check_base_url(value: str) -> str:
    """``value`` without query, fragment or trailing slash, if it is an http(s) URL.

    Examples
    --------
    >>> check_base_url("https://invest.example.org/tenglong/")
    'https://invest.example.org/tenglong'
    """
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"base URL {value!r} is not an http(s) URL; give e.g. https://invest.example.org"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def share_url(base: str, token: str) -> str:
    """``BASE/site-finder?share=TOKEN``."""
    return f"{check_base_url(base)}/{SHARE_PAGE}?{urllib.parse.urlencode({SHARE_PARAM: token})}"


def new_share(
    workspace: str,
    *,
    sites: Sequence[str] = (),
    brief: Mapping[str, str] | None = None,
    lang: str = "zh",
    expires: str = DEFAULT_EXPIRES,
    now_utc_s: float | None = None,
) -> Share:
    """A :class:`Share` expiring ``expires`` (``7d``, ``12h``, ``30m``) from now."""
    now = time.time() if now_utc_s is None else now_utc_s
    return Share(
        workspace=workspace,
        expires_utc_s=int(now) + parse_duration(expires),
        sites=tuple(dict.fromkeys(str(s) for s in sites)),
        brief={k: str(v) for k, v in (brief or {}).items() if k in BRIEF_KEYS},
        lang=lang,
    )


# ---------------------------------------------------------------------------
# The secret
# ---------------------------------------------------------------------------


def default_secret_file() -> Path:
    """``$XDG_CONFIG_HOME/tenglong/share_secret`` (``~/.config/tenglong/share_secret``)."""
    return settings.config_dir() / "share_secret"


def secret_file() -> Path:
    """``$TENGLONG_SHARE_SECRET_FILE``, else :func:`default_secret_file`."""
    own = settings.get_path(SECRET_FILE_ENV)
    return own if own is not None else default_secret_file()


def load_secret(*, create: bool = True) -> bytes:
    """The signing secret: ``$TENGLONG_SHARE_SECRET``, else :func:`secret_file`.

    The file is created (mode 0600, folder 0700) with 32 random bytes
    (:func:`secrets.token_urlsafe`) when it does not exist and ``create`` is true.

    Raises
    ------
    ValueError
        The secret is shorter than 16 characters, or the file cannot be read
        or created (the message names it and what to do).
    """
    env = settings.get(SECRET_ENV)
    if env:
        if len(env.strip()) < MIN_SECRET_CHARS:
            raise InputError(
                f"{SECRET_ENV} is shorter than {MIN_SECRET_CHARS} characters; use e.g. "
                f"`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return env.strip().encode("utf-8")
    path = secret_file()
    if not path.exists() and create:
        _create_secret(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as err:
        raise InputError(
            f"cannot read the share-link secret {path} ({err.strerror or err}); set "
            f"{SECRET_ENV}, or {SECRET_FILE_ENV} to a readable file"
        ) from None
    if mode & 0o077:
        logger.warning(
            "share-link secret %s is readable by others (mode %o): chmod 600 it", path, mode
        )
    if len(text) < MIN_SECRET_CHARS:
        raise InputError(
            f"the share-link secret in {path} is shorter than {MIN_SECRET_CHARS} characters; "
            f"delete the file to have a new one made (links made before stop working)"
        )
    return text.encode("utf-8")


def _create_secret(path: Path) -> None:
    # Written to a private temporary file, then linked into place: a
    # concurrent reader never sees a half-written secret, and two processes
    # starting together agree on one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return  # another process made it first
    except OSError as err:
        raise InputError(
            f"cannot create the share-link secret {path} ({err.strerror or err}); set "
            f"{SECRET_ENV}, or {SECRET_FILE_ENV} to a writable place"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("created the share-link secret %s", path)
