"""Supply contracts from an office's xlsx or csv (docs/architecture.md §3), like a ledger.

Two steps, as for a ledger (:mod:`geo.io.ledger`), used by ``tenglong
contracts`` and the app:

1. :func:`diff_contracts` reads the file in the sandboxed parser
   (:func:`geo.io.read_source`), maps its headers (电子监管号, 地块编号, 供地方式,
   受让人, 合同签订日期, 约定动工日期 … or the English labels and column names),
   units (成交价款 in 元 or 万元) and words (挂牌出让 → transfer), checks every
   row with :func:`geo.supply.check_contract` and compares it with the stored
   contracts: the new contracts, the changed fields of known ones, the
   unchanged rows and the refused rows with the reason (a duplicate 电子监管号,
   an unknown parcel, a negative price, a date before the signing, a formula).
   Nothing is written.
2. :func:`apply_contracts` writes every new contract and change in one
   transaction of :meth:`geo.store.Store.save_records` (one audit row per
   field, one ``edit_id``), each known contract checked against the version
   the preview read.

An empty cell leaves the stored value as it is. The 供地合同 sheet of the
planner's xlsx export reads back unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.cells import is_formula_like
from geo.io.errors import LedgerError
from geo.io.mapping import norm_header, parse_date, parse_number
from geo.io.mapping.units import split_unit
from geo.io.sources import SourceLike, read_source
from geo.schema import CONTRACTS
from geo.store import EditResult, RecordEdit, Store
from geo.store.model import encode_value
from geo.store.records import record_kinds
from geo.supply.contracts import (
    check_contract,
    join_parcel_ids,
    parse_supply_method,
    split_parcel_ids as _split,
)

logger = logging.getLogger(__name__)

CONTRACT_SHEETS: tuple[str, ...] = ("供地合同", "Supply contracts", "contracts")
"""Sheets taken first from a workbook (the planner export's sheet names)."""

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "contract_id": ("电子监管号", "电子监管号码", "监管号", "supervision number", "contract id"),
    "parcel_ids": ("地块编号", "宗地编号", "地块", "parcel ids", "parcel id", "parcel_id"),
    "supply_method": ("供地方式", "供应方式", "出让方式"),
    "grantee": ("受让人", "土地使用权人", "用地单位", "竞得人"),
    "signed_on": ("合同签订日期", "签订日期", "签约日期"),
    "agreed_start": ("约定动工日期", "约定开工日期", "约定开工时间", "约定动工时间"),
    "agreed_completion": ("约定竣工日期", "约定竣工时间"),
    "started_on": ("实际动工日期", "实际开工日期", "实际开工时间", "实际动工时间"),
    "completed_on": ("实际竣工日期", "实际竣工时间"),
    "price_wan_yuan": ("成交价款", "成交价格", "出让价款", "土地价款", "price"),
    "invest_wan_per_mu": ("固定资产投资强度", "投资强度"),
    "far": ("容积率", "约定容积率"),
    "tax_wan_per_mu": ("亩均税收", "地均税收"),
    "energy_tce_per_wan": ("单位能耗", "单位增加值能耗"),
    "note": ("备注",),
}

TOTAL_WORDS = frozenset(norm_header(w) for w in ("合计", "总计", "小计", "Total", "Subtotal"))
"""Key cells of total rows, which are skipped."""

MONEY_UNITS: dict[str, float] = {"万元": 1.0, "元": 1e-4, "亿元": 1e4, "10kyuan": 1.0}
"""Unit of a 成交价款 header → factor to 万元 (default 万元)."""


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for col in CONTRACTS.columns:
        for name in (col.name, col.zh, col.en, *_SYNONYMS.get(col.name, ())):
            out.setdefault(norm_header(name), col.name)
    return out


ALIASES: dict[str, str] = _aliases()
"""Normalised header → contract column."""


def match_header(header: Any) -> tuple[str | None, str | None]:
    """(column, unit) of a header, or (None, None).

    Examples
    --------
    >>> match_header("成交价款(元)"), match_header("电子监管号"), match_header("price_wan_yuan")
    (('price_wan_yuan', '元'), ('contract_id', None), ('price_wan_yuan', None))
    """
    key = norm_header(header)
    if key in ALIASES:
        return ALIASES[key], None
    name, unit = split_unit(header)
    col = ALIASES.get(norm_header(name))
    return (col, unit) if col is not None else (None, None)


@dataclass(frozen=True)
class ContractChange:
    """One field of one contract that the file changes (values as text)."""

    row: int
    contract_id: str
    field: str
    before: str | None
    after: str | None


@dataclass
class ContractDiff:
    """What a contracts file would change; nothing is written until :func:`apply_contracts`."""

    source: str
    sheet: str | None
    columns: dict[str, str]
    """Source header → contract column."""
    ignored: list[str]
    edits: list[RecordEdit] = field(default_factory=list)
    changes: list[ContractChange] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    """(sheet row, 电子监管号, why)."""
    rows: int = 0

    def refused_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.refused, columns=["row", "contract_id", "reason"])


@dataclass(frozen=True)
class ContractResult:
    """What :func:`apply_contracts` saved."""

    results: tuple[EditResult, ...]

    @property
    def contracts(self) -> int:
        return sum(r.changed for r in self.results)

    @property
    def fields(self) -> int:
        return sum(len(r.changes) for r in self.results)

    @property
    def edit_id(self) -> str | None:
        return next((r.edit_id for r in self.results if r.edit_id), None)


def _value(raw: Any, col: str, unit: str | None) -> Any:
    """A cell as the column's value; None for an empty cell; ValueError saying why."""
    if isinstance(raw, str) and raw.startswith("'") and is_formula_like(raw[1:]):
        raw = raw[1:]  # the csv export's guard
    if raw is None or (not isinstance(raw, str) and pd.isna(raw)):
        return None
    if isinstance(raw, str) and not raw.strip():
        return None
    kind = record_kinds("contracts")[col]
    if col == "supply_method":
        return parse_supply_method(raw)
    if col == "parcel_ids":
        ids = _split(raw)
        return join_parcel_ids(ids) if ids else None
    if kind == "date":
        day, _ = parse_date(raw)
        if day is None:
            raise ValueError(f"{col} {raw!r} is not a date (YYYY-MM-DD, 2021年3月1日 …)")
        return day.date()
    if kind == "float":
        try:
            x = parse_number(raw)
        except ValueError:
            raise ValueError(f"{col} {raw!r} is not a number") from None
        if x is None:
            return None
        if col == "price_wan_yuan" and unit is not None:
            factor = MONEY_UNITS.get(norm_header(unit))
            if factor is None:
                raise ValueError(f"unit {unit!r} of 成交价款 is unknown; use 万元 or 元")
            x *= factor
        return x
    return str(raw).strip()  # text is text, also when it starts with = (a cell writes it so)


def diff_contracts(
    store: Store,
    source: SourceLike,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
) -> ContractDiff:
    """Compare a contracts file with the stored contracts (see the module docs).

    Raises
    ------
    LedgerError
        Not an xlsx/csv table, no rows, or no 电子监管号 column.
    geo.io.errors.DataImportError
        The file cannot be read.
    """
    data = read_source(
        source, encoding=encoding, source_layer=sheet, prefer_sheets=CONTRACT_SHEETS, cells=True
    )
    if data.format not in ("xlsx", "csv"):
        raise LedgerError(
            f"{data.name} is {data.format_name}, not a table of contracts: give an xlsx "
            f"workbook or a csv with one row per contract and its 电子监管号"
        )
    frame = pd.DataFrame(data.frame.drop(columns="geometry", errors="ignore"))
    where = data.name + (f", sheet {data.layer!r}" if data.layer else "")
    if not len(frame):
        raise LedgerError(f"{where} has no rows; add one row per contract under the header row")
    columns: dict[str, str] = {}
    units: dict[str, str | None] = {}
    ignored: list[str] = []
    for header in frame.columns:
        col, unit = match_header(header)
        if col is None or col in columns.values():
            ignored.append(str(header))
            continue
        columns[str(header)] = col
        units[str(header)] = unit
    if "contract_id" not in columns.values():
        raise LedgerError(
            f"{where} has no 电子监管号 column; its headers are "
            f"{', '.join(map(str, frame.columns))}"
        )
    diff = ContractDiff(data.name, data.layer, columns, ignored, rows=len(frame))
    known = _parcel_ids(store)
    stored = store.records("contracts").set_index("contract_id", drop=False)
    kinds = record_kinds("contracts")
    formulas = {i for i, _, _ in data.formulas}
    rows_of = data.sheet_rows or [i + 2 for i in range(len(frame))]
    key_header = next(h for h, c in columns.items() if c == "contract_id")
    ids = frame[key_header].map(lambda v: None if pd.isna(v) else str(v).strip())
    counts = ids.value_counts()
    for i, rec in enumerate(frame.to_dict("records")):
        row_no = rows_of[i]
        cid = ids.iloc[i] or ""
        if all(
            v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == ""
            for v in rec.values()
        ):
            diff.rows -= 1  # a blank row
            continue
        if norm_header(cid) in TOTAL_WORDS:
            diff.rows -= 1  # a total row
            continue
        if i in formulas:
            diff.refused.append((row_no, cid, "a cell holds a formula; give values, not formulas"))
            continue
        if not cid:
            diff.refused.append((row_no, "", "电子监管号 is empty; every contract has one"))
            continue
        if counts.get(cid, 0) > 1:
            others = [str(rows_of[j]) for j in range(len(ids)) if ids.iloc[j] == cid]
            diff.refused.append(
                (row_no, cid, f"电子监管号 {cid} appears in rows {', '.join(others)}; keep one")
            )
            continue
        values: dict[str, Any] = {}
        problems: list[str] = []
        for header, col in columns.items():
            if col == "contract_id":
                continue
            try:
                v = _value(rec[header], col, units[header])
            except ValueError as err:
                problems.append(str(err))
                continue
            if v is not None:
                values[col] = v
        current = None
        if cid in stored.index:
            current = {k: stored.at[cid, k] for k in kinds if k in stored.columns}
        if not problems:
            problems = check_contract(
                {"contract_id": cid, **values}, known_parcels=known, current=current
            )
        if problems:
            diff.refused.append((row_no, cid, "; ".join(problems)))
            continue
        if current is None:
            diff.new.append(cid)
            diff.edits.append(RecordEdit("contracts", cid, values, create=True))
            for name, v in values.items():
                diff.changes.append(
                    ContractChange(row_no, cid, name, None, encode_value(v, kinds[name]))
                )
            continue
        changed = {}
        for name, v in values.items():
            before = encode_value(current.get(name), kinds[name])
            after = encode_value(v, kinds[name])
            if before != after:
                changed[name] = v
                diff.changes.append(ContractChange(row_no, cid, name, before, after))
        if changed:
            diff.edits.append(
                RecordEdit(
                    "contracts",
                    cid,
                    changed,
                    expected_version=int(stored.at[cid, "row_version"]),
                )
            )
        else:
            diff.unchanged += 1
    logger.info(
        "%s: %d row(s), %d new contract(s), %d to change, %d unchanged, %d refused",
        where,
        len(frame),
        len(diff.new),
        len(diff.edits) - len(diff.new),
        diff.unchanged,
        len(diff.refused),
    )
    return diff


def _parcel_ids(store: Store) -> set[str]:
    tables, _ = store.read_tables(columns={"parcels": ["parcel_id"]})
    parcels = tables.get("parcels")
    return set() if parcels is None else set(parcels["parcel_id"].dropna().astype(str))


def apply_contracts(store: Store, diff: ContractDiff, *, note: str | None = None) -> ContractResult:
    """Save a diff's new contracts and changes in one audited transaction.

    Raises
    ------
    geo.store.EditConflict
        A contract was saved by someone else after the diff read it; nothing is written.
    geo.store.InvalidEditError
        A new contract's 电子监管号 was saved in between; nothing is written.
    """
    if not diff.edits:
        return ContractResult(())
    return ContractResult(tuple(store.save_records(diff.edits, note=note)))


__all__ = [
    "ALIASES",
    "CONTRACT_SHEETS",
    "ContractChange",
    "ContractDiff",
    "ContractResult",
    "apply_contracts",
    "diff_contracts",
    "match_header",
]
