"""Which investor projects a planned use admits (docs/architecture.md §5.8).

The table is ``geo/config/land_use_admits.toml``: investor categories
(项目类别, e.g. ``industry_2`` 二类工业) and, per 用地用海分类 code prefix, the
categories that land admits. The file states the rule for the three classes
of industrial land and its source. A parcel whose planned use does not admit
the investor's category is not offered at all: it is excluded, not scored low.

Examples
--------
>>> table = load_admits()
>>> table.admits("100102"), table.admits("100101"), table.admits("1402")
(('industry_1', 'industry_2'), ('industry_1',), ())
>>> table.admitted(["100101", "100102", "1101", None], "industry_2").tolist()
[False, True, False, False]
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from geo.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_TABLE = "land_use_admits.toml"
"""File name of the shipped table in ``geo/config``."""


class AdmitsError(InputError):
    """The admission table is unreadable or inconsistent; the message says where."""


@dataclass(frozen=True)
class AdmitsTable:
    """Investor categories and what each planned-use code admits."""

    categories: Mapping[str, Mapping[str, str]]
    """Category id → ``{"zh": …, "en": …}``, in file order."""
    codes: Mapping[str, tuple[str, ...]]
    """Code prefix → admitted category ids."""

    def label(self, category: str, lang: str) -> str:
        """The category's name in ``lang`` (its id when unknown)."""
        return self.categories.get(category, {}).get(lang, category)

    def admits(self, code: object) -> tuple[str, ...]:
        """Categories admitted by a planned-use code (longest listed prefix; none if unlisted)."""
        if code is None or (isinstance(code, float) and math.isnan(code)):
            return ()
        text = str(code).strip()
        for n in range(len(text), 0, -1):
            hit = self.codes.get(text[:n])
            if hit is not None:
                return hit
        return ()

    def admitted(self, codes: Iterable[object], category: str | None) -> np.ndarray:
        """Per code: does it admit ``category`` (``None``: any category at all)?"""
        memo: dict[object, bool] = {}
        out = []
        for c in codes:
            key = None if c is None or (isinstance(c, float) and math.isnan(c)) else str(c)
            if key not in memo:
                got = self.admits(key)
                memo[key] = bool(got) if category is None else category in got
            out.append(memo[key])
        return np.array(out, dtype=bool)


def parse_admits(data: Mapping[str, object], *, where: str) -> AdmitsTable:
    """Check a parsed table and build an :class:`AdmitsTable`.

    Raises
    ------
    AdmitsError
        Every problem at once: a category without zh/en names, a code that is
        not digits, a code admitting an unknown category.
    """
    problems: list[str] = []
    cats_raw = data.get("categories")
    codes_raw = data.get("codes")
    cats: dict[str, dict[str, str]] = {}
    if not isinstance(cats_raw, dict) or not cats_raw:
        problems.append("[categories] is missing or empty")
    else:
        for cid, names in cats_raw.items():
            if not isinstance(names, dict) or not all(
                isinstance(names.get(k), str) and names.get(k) for k in ("zh", "en")
            ):
                problems.append(f"categories.{cid}: give zh and en names")
                continue
            cats[str(cid)] = {"zh": names["zh"], "en": names["en"]}
    codes: dict[str, tuple[str, ...]] = {}
    if not isinstance(codes_raw, dict):
        problems.append("[codes] is missing")
    else:
        for code, admitted in codes_raw.items():
            if not str(code).isdigit():
                problems.append(f"codes.{code}: a code is digits only (e.g. 100102)")
                continue
            if not isinstance(admitted, list) or not all(isinstance(a, str) for a in admitted):
                problems.append(f'codes.{code}: give a list of category ids, e.g. ["industry_2"]')
                continue
            unknown = [a for a in admitted if a not in cats]
            if unknown and cats:
                problems.append(
                    f"codes.{code}: unknown categor{'ies' if len(unknown) > 1 else 'y'} "
                    f"{', '.join(unknown)}; known: {', '.join(cats)}"
                )
                continue
            codes[str(code)] = tuple(admitted)
    if problems:
        raise AdmitsError(f"{where}: " + "; ".join(problems))
    return AdmitsTable(categories=cats, codes=codes)


@cache
def load_admits() -> AdmitsTable:
    """The shipped table ``geo/config/land_use_admits.toml`` (read once)."""
    where = f"geo/config/{DEFAULT_TABLE}"
    text = resources.files("geo").joinpath("config", DEFAULT_TABLE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AdmitsError(f"{where}: not valid TOML ({err})") from None
    return parse_admits(data, where=where)


__all__ = ["AdmitsError", "AdmitsTable", "load_admits", "parse_admits"]
