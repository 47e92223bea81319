"""Soil gate before reuse (docs/architecture.md §5.6).

GB 36600-2018 (土壤环境质量 建设用地土壤污染风险管控标准) sets stricter screening
values for *first-class* land (第一类用地: housing, primary and secondary
schools, kindergartens, hospitals and clinics, social welfare, community
parks). The Soil Pollution Prevention Law (《中华人民共和国土壤污染防治法》, 2018)
art. 59 requires a soil pollution investigation (土壤污染状况调查) before the use
of land is changed to housing or to public administration and public services
(住宅、公共管理与公共服务用地), and before the use of land of a key supervised
polluting unit changes or the land right is recovered or transferred.

Tenglong flags, per parcel with ``polluting_history``:

``first_class_land`` (blocking)
    the planned use (``land_use_planned``) is GB 36600 first-class land
    (:func:`geo.schema.is_first_class_soil_use`);
``public_service_land`` (blocking, on by default)
    the planned use is other public administration and public-service land
    (codes ``08…``), also covered by art. 59;

and, for first-class or public-service planned use where the history is not
recorded, ``history_unknown`` (blocking too, 需调查 / survey needed: an unknown
history is treated as a possibly polluting one until it is established,
docs/architecture.md §3).

Industrial, storage and commercial planned uses are not flagged here; art. 59
may still require an investigation when the former user was a key supervised
unit (土壤污染重点监管单位), which the data model does not record.

An optional ``soil_investigated`` column (true, or a date) marks parcels whose
investigation is done; they are not flagged.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from geo.capacity import parcel_area_m2
from geo.crs import m2_to_mu
from geo.errors import InputError
from geo.schema import is_first_class_soil_use, land_use_label

logger = logging.getLogger(__name__)

FLAG_COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "flag",
    "severity",
    "land_use_planned",
    "land_use_zh",
    "land_use_en",
    "area_m2",
    "area_mu",
    "reason_zh",
    "reason_en",
    "basis",
)

_BASIS = "GB 36600-2018; 《土壤污染防治法》第五十九条"

_TEXT: dict[str, tuple[str, str, str]] = {
    "first_class_land": (
        "blocking",
        "需开展土壤污染状况调查：有污染行业历史，规划为第一类用地（{lu}）",
        "soil investigation required: polluting history, planned as first-class land ({lu_en})",
    ),
    "public_service_land": (
        "blocking",
        "需开展土壤污染状况调查：有污染行业历史，规划为公共管理与公共服务用地（{lu}）",
        "soil investigation required: polluting history, planned for public "
        "administration or services ({lu_en})",
    ),
    "history_unknown": (
        "blocking",
        "需调查：污染行业历史未知，规划为敏感用途（{lu}），按可能受污染对待，复用前应开展土壤污染状况调查",
        "survey needed: polluting history unknown, planned for a sensitive use ({lu_en}); "
        "treated as possibly polluted until a soil investigation establishes it",
    ),
}


class SoilInputError(InputError):
    """Parcels that cannot go through the soil gate; the message names what is missing."""


_TRUE = {"1", "true", "t", "yes", "y", "是", "有"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无", ""}


def as_bool(value: Any) -> bool | None:
    """Read a yes/no value (bool, 0/1, ``"true"``, ``"是"``…); None when unknown.

    Examples
    --------
    >>> as_bool(True), as_bool(1), as_bool("是"), as_bool("false"), as_bool(None)
    (True, True, True, False, None)
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return True
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    try:
        pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    return True  # a date: done on that day


def _is_public_service(code: Any) -> bool:
    return code is not None and not pd.isna(code) and str(code).startswith("08")


def soil_flags(
    parcels: pd.DataFrame,
    *,
    public_services: bool = True,
    unknown_history: bool = True,
) -> pd.DataFrame:
    """Parcels that need a soil pollution investigation before reuse.

    Parameters
    ----------
    parcels
        With ``parcel_id``, ``polluting_history``, ``land_use_planned`` and an
        ``area_m2`` column or polygons in a projected CRS.
    public_services
        Also flag planned public administration and public-service land
        (``08…``) that is not first-class (art. 59 covers it).
    unknown_history
        Add ``history_unknown`` flags (blocking: survey needed) where
        ``polluting_history`` is missing; False leaves those parcels out.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FLAG_COLUMNS`, one row per flagged parcel.

    Raises
    ------
    SoilInputError
        A needed column is absent (the message names it).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame(
    ...     {"parcel_id": ["housing", "factory", "clean"],
    ...      "polluting_history": [True, True, False],
    ...      "land_use_planned": ["070101", "100102", "070101"]},
    ...     geometry=[box(0, 0, 100, 100)] * 3, crs=4547)
    >>> f = soil_flags(p)
    >>> f[["parcel_id", "flag", "area_mu"]].values.tolist()
    [['housing', 'first_class_land', 15.0]]
    >>> f["reason_zh"].iloc[0]
    '需开展土壤污染状况调查：有污染行业历史，规划为第一类用地（一类城镇住宅用地）'
    """
    needed = ("parcel_id", "polluting_history", "land_use_planned")
    absent = [c for c in needed if c not in parcels.columns]
    if absent:
        raise SoilInputError(
            f"soil gate needs parcel column(s) {', '.join(absent)}; "
            f"it has {', '.join(map(str, parcels.columns))}"
        )
    area_m2 = parcel_area_m2(parcels)
    done = (
        parcels["soil_investigated"].map(as_bool)
        if "soil_investigated" in parcels.columns
        else pd.Series(None, index=parcels.index, dtype="object")
    )
    # Columns as plain arrays, read by position: a label lookup per parcel took
    # seconds on a few hundred thousand parcels.
    ids = parcels["parcel_id"].to_numpy(dtype=object)
    codes = parcels["land_use_planned"].to_numpy(dtype=object)
    histories = parcels["polluting_history"].to_numpy(dtype=object)
    done_arr = done.to_numpy(dtype=object)
    area_arr = np.asarray(area_m2, dtype="float64")
    rows: list[dict[str, Any]] = []
    for i in range(len(parcels)):
        code = codes[i]
        code = None if code is None or pd.isna(code) else str(code)
        first = is_first_class_soil_use(code)
        public = public_services and not first and _is_public_service(code)
        if not (first or public) or done_arr[i] is True:
            continue
        history = as_bool(histories[i])
        if history is False:
            continue
        if history is None:
            if not unknown_history:
                continue
            flag = "history_unknown"
        else:
            flag = "first_class_land" if first else "public_service_land"
        severity, zh, en = _TEXT[flag]
        lu_zh, lu_en = land_use_label(code, "zh"), land_use_label(code, "en")
        rows.append(
            {
                "parcel_id": ids[i],
                "flag": flag,
                "severity": severity,
                "land_use_planned": code,
                "land_use_zh": lu_zh,
                "land_use_en": lu_en,
                "area_m2": float(area_arr[i]),
                "area_mu": float(m2_to_mu(area_arr[i])),
                "reason_zh": zh.format(lu=lu_zh),
                "reason_en": en.format(lu_en=lu_en),
                "basis": _BASIS,
            }
        )
    out = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    logger.info(
        "soil gate: %d parcel(s) flagged, %.1f mu",
        len(out),
        out["area_mu"].sum() if len(out) else 0,
    )
    return out


__all__ = ["FLAG_COLUMNS", "SoilInputError", "as_bool", "soil_flags"]
