"""Styles, legends, vocabulary labels and field formats of a layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo import schema
from geo.layers import (
    VOCABULARIES,
    VOCABULARY_COLORS,
    LayerSpec,
    field_label,
    field_vocabulary,
)
from geo.render._common import _DEFAULT_DECIMALS, _UI_TEXT

# ---------------------------------------------------------------------------
# Styles, legends, field formats
# ---------------------------------------------------------------------------


def _unit_of(spec: LayerSpec, name: str, lang: str) -> str:
    fd = spec.fields.get(name)
    if fd is not None and fd.unit is not None:
        return fd.unit.get(lang)
    col = schema.TABLES[spec.table].column(name)
    if name == "area_mu" or (col is not None and col.unit == "亩"):
        return "亩" if lang == "zh" else "mu"
    if col is not None and col.unit:
        return col.unit if lang == "zh" else col.unit.replace("万元", "10k yuan")
    return ""


def _vocab_label(vocab: str | None, value: str, lang: str) -> str | None:
    if vocab is None:
        return None
    pair = VOCABULARIES[vocab].get(value)
    return None if pair is None else (pair[0] if lang == "zh" else pair[1])


def _style_and_legend(
    spec: LayerSpec, values: pd.Series | None, lang: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    st = spec.style
    line = spec.geometry == "line"
    outline = spec.geometry == "polygon" and not st.fill
    style: dict[str, Any] = {
        "kind": st.kind,
        "by": st.by,
        "color": st.color,
        "stroke": st.stroke,
        "weight": st.weight,
        "opacity": st.opacity,
        "fill": st.fill,
        "fillOpacity": st.fill_opacity,
        "dash": st.dash,
        "other": st.other_color,
        "cats": [],
        "breaks": list(st.breaks),
        "colors": list(st.colors),
    }
    legend: list[dict[str, Any]] = []
    if st.kind == "single":
        text = st.legend.get(lang) if st.legend else spec.title.get(lang)
        legend.append({"color": st.color, "label": text, "line": line, "outline": outline})
    elif st.kind == "bins":
        unit = _unit_of(spec, st.by or "", lang)
        sfx = f" {unit}" if unit else ""
        b = [f"{x:g}" for x in st.breaks]
        labels = [f"< {b[0]}{sfx}"]
        labels += [f"{b[i]}–{b[i + 1]}{sfx}" for i in range(len(b) - 1)]
        labels.append(f"≥ {b[-1]}{sfx}")
        legend = [
            {"color": c, "label": lab, "line": line, "outline": outline}
            for c, lab in zip(st.colors, labels, strict=True)
        ]
    else:
        present: list[str] = []
        if values is not None:
            counts = values.dropna().map(_category_key).value_counts()
            present = list(counts.index)
        vocab = st.vocabulary or field_vocabulary(spec, st.by or "")
        order: list[str] = [c.value for c in st.categories]
        if vocab:
            order += [v for v in VOCABULARIES[vocab] if v not in order]
        ordered = [v for v in order if v in present] + [v for v in present if v not in order]
        colors = {c.value: c.color for c in st.categories}
        for v, c in VOCABULARY_COLORS.get(vocab or "", {}).items():
            colors.setdefault(v, c)
        labels = {c.value: c.label.get(lang) for c in st.categories if c.label}
        pal = list(st.palette)
        any_other = False
        for v in ordered:
            if v not in colors and pal:
                colors[v] = pal[len([k for k in colors if k not in order]) % len(pal)]
            color = colors.get(v)
            if color is None:
                any_other = True
                continue
            text = labels.get(v) or _vocab_label(vocab, v, lang) or v
            legend.append({"color": color, "label": text, "line": line, "outline": outline})
            style["cats"].append([v, color])
        if any_other:
            other = _UI_TEXT[lang]["other"]
            legend.append({"color": st.other_color, "label": other, "line": line})
    return style, legend


def _category_key(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _field_formats(
    spec: LayerSpec, frame: pd.DataFrame, fields: Sequence[str], lang: str
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in fields:
        fd = spec.fields.get(f)
        dec = fd.decimals if fd is not None and fd.decimals is not None else None
        if dec is None:
            dec = _DEFAULT_DECIMALS.get(f)
        entry: dict[str, Any] = {"label": field_label(spec, f, lang), "decimals": dec}
        vocab = field_vocabulary(spec, f)
        custom = (
            {c.value: c.label.get(lang) for c in spec.style.categories if c.label}
            if spec.style.by == f
            else {}
        )
        if (vocab or custom) and f in frame.columns:
            labels: dict[str, str] = {}
            for v in sorted({_category_key(v) for v in frame[f].dropna().tolist()}):
                lab = custom.get(v) or _vocab_label(vocab, v, lang)
                if lab is not None:
                    if vocab == "land_use" and v not in custom:
                        lab = f"{lab} ({v})"
                    labels[v] = lab
            entry["vocab"] = [[v, lab] for v, lab in labels.items()]
        out[f] = entry
    return out
