"""The investment office's contact and the share link printed on site sheets.

Configuration, later sources overriding earlier ones:

1. the packaged ``geo/export/office.toml`` — a **placeholder** (sheets
   printed with it say so);
2. ``config/office.toml`` in the working directory, or the file named by
   ``$TENGLONG_OFFICE_CONFIG`` (same layout);
3. environment variables ``TENGLONG_OFFICE_NAME``, ``TENGLONG_OFFICE_NAME_EN``,
   ``TENGLONG_OFFICE_PHONE``, ``TENGLONG_OFFICE_EMAIL``,
   ``TENGLONG_OFFICE_ADDRESS``, ``TENGLONG_OFFICE_CONTACT`` (one free-text
   line printed instead of phone/e-mail/address) and
   ``TENGLONG_SHARE_BASE_URL``.

With any configuration from 2 or 3, nothing of the packaged example is
printed (fields left unset stay empty).
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from geo import settings
from geo.export._context import ExportError

logger = logging.getLogger(__name__)

CONFIG_ENV = settings.OFFICE_CONFIG_ENV
LOCAL_CONFIG = Path("config") / "office.toml"

_ENV_FIELDS = {
    "TENGLONG_OFFICE_NAME": "name",
    "TENGLONG_OFFICE_NAME_EN": "name_en",
    "TENGLONG_OFFICE_PHONE": "phone",
    "TENGLONG_OFFICE_EMAIL": "email",
    "TENGLONG_OFFICE_ADDRESS": "address",
    "TENGLONG_OFFICE_CONTACT": "contact",
    "TENGLONG_SHARE_BASE_URL": "share_base_url",
}


@dataclass(frozen=True)
class Office:
    """Who an investor calls, and where the share view lives."""

    name: str = ""
    name_en: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    contact: str = ""
    """A free-text contact line; printed instead of phone, e-mail and address."""
    share_base_url: str = "http://localhost:8501/"
    share_expires: str = "90d"
    """How long the link printed on a site sheet stays valid (``90d``, ``12h``…)."""
    placeholder: bool = True
    """True while the values are the packaged example: the sheet says so."""
    source: str = "geo/export/office.toml"

    def lines(self, lang: str = "zh") -> list[str]:
        """The contact block, one line per item."""
        head = self.name if lang == "zh" or not self.name_en else self.name_en
        rows = [head] if head else []
        if self.contact:
            rows.append(self.contact)
        else:
            if self.phone:
                rows.append(("电话 Tel " if lang == "zh" else "Tel ") + self.phone)
            if self.email:
                rows.append(("邮箱 E-mail " if lang == "zh" else "E-mail ") + self.email)
            if self.address:
                rows.append(("地址 " if lang == "zh" else "Address ") + self.address)
        return rows


def _from_toml(data: dict[str, Any], *, source: str) -> dict[str, Any]:
    office = data.get("office", {})
    share = data.get("share", {})
    if not isinstance(office, dict) or not isinstance(share, dict):
        raise ExportError(f"{source}: [office] and [share] must be tables")
    out: dict[str, Any] = {
        k: str(office[k])
        for k in ("name", "name_en", "phone", "email", "address", "contact")
        if k in office
    }
    if "base_url" in share:
        out["share_base_url"] = str(share["base_url"])
    if "expires" in share:
        out["share_expires"] = str(share["expires"])
    out["placeholder"] = bool(data.get("placeholder", False))
    out["source"] = source
    return out


def _read(path: Path, *, source: str) -> dict[str, Any]:
    try:
        return _from_toml(tomllib.loads(path.read_text(encoding="utf-8")), source=source)
    except tomllib.TOMLDecodeError as err:
        raise ExportError(f"{source}: not valid TOML ({err})") from None


def load_office(environ: dict[str, str] | None = None) -> Office:
    """The office configuration (module docstring: packaged default, file, environment).

    Raises
    ------
    ExportError
        ``$TENGLONG_OFFICE_CONFIG`` names a missing file, or a file is not valid TOML.
    """
    env = dict(settings.environ()) if environ is None else environ
    named = env.get(CONFIG_ENV, "").strip()
    overrides: dict[str, Any] = {
        f: env[k].strip() for k, f in _ENV_FIELDS.items() if env.get(k, "").strip()
    }
    configured: dict[str, Any] = {}
    if named:
        p = Path(named)
        if not p.exists():
            raise ExportError(f"{CONFIG_ENV}={named}: no such file")
        configured = _read(p, source=str(p))
    elif LOCAL_CONFIG.exists():
        configured = _read(LOCAL_CONFIG, source=str(LOCAL_CONFIG))
    if not configured and not overrides:
        packaged = resources.files("geo.export").joinpath("office.toml")
        office = Office(**_read(Path(str(packaged)), source="geo/export/office.toml"))
    else:  # a configuration: nothing of the packaged example is printed
        office = Office(placeholder=False, source="")
        if configured:
            office = replace(office, **configured)
        if overrides:
            office = replace(office, **{**overrides, "source": "environment"})
    if office.placeholder:
        logger.warning(
            "the investment office contact is the packaged placeholder; set it in "
            "config/office.toml or TENGLONG_OFFICE_* variables"
        )
    return office


def share_url(
    base_url: str,
    *,
    workspace: str,
    site: str | None = None,
    area: str | None = None,
    expires: str = "90d",
    lang: str = "zh",
    secret: bytes | None = None,
) -> str:
    """A signed share link (:mod:`geo.sharing`) to the presentation of one site or area.

    Whoever opens it sees the investor presentation of that site (or of the
    area's available sites) until ``expires``, and nothing else: the session
    cannot be turned into a planner session.

    Examples
    --------
    >>> from geo import sharing
    >>> url = share_url("https://tenglong.example.gov.cn/", workspace="fuxing",
    ...                 site="FX-0042", secret=b"k" * 32)
    >>> url.split("?")[0]
    'https://tenglong.example.gov.cn/site-finder'
    >>> share = sharing.verify_token(url.split("share=")[1], b"k" * 32)
    >>> share.workspace, share.sites
    ('fuxing', ('FX-0042',))
    """
    from geo import sharing

    share = sharing.new_share(
        workspace,
        sites=[site] if site is not None else (),
        brief={"area": area} if area is not None else None,
        lang=lang,
        expires=expires,
    )
    token = sharing.make_token(share, sharing.load_secret() if secret is None else secret)
    return sharing.share_url(base_url.rstrip("/"), token)
