"""The session's UI language, and the select widgets whose option labels follow it."""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from geo.app.i18n import Lang

logger = logging.getLogger(__name__)


def lang() -> Lang:
    """The UI language of this session (``"zh"`` by default)."""
    value = st.session_state.get("lang", "zh")
    return "en" if value == "en" else "zh"


TRANSLATED_WIDGETS: tuple[str, ...] = (
    "role",
    "workspace_path",
    "basemap",
    "ov_status",
    "ov_area",
    "ov_industry",
    "pv_status",
    "pv_area",
    "pv_unit",
    "pv_dims",
    "freed_by",
    "layout_choice",
    "cmp_mode",
    "cmp_a",
    "cmp_b",
    "cmp_area",
    "site_choice",
    "benefit_preset",
    "sf_area",
    "sf_industry",
    "import_table_choice",
    "import_shift",
    "import_mode",
    "export_role",
)
"""Keys of widgets whose option labels depend on the language."""


def untranslate(
    key: str,
    options: list[Any],
    label: Any,
    *,
    multi: bool = False,
) -> None:
    """Turn a select widget's value back into its options after a language switch.

    A select box or multiselect whose widgets were not on screen (in a closed
    popover) when the language changed keeps the old language's *labels*
    in the browser and sends them back on the next rerun: the overview then
    filtered on the text "闲置" or "全部" instead of the status ``idle`` or
    "all", and found no parcel. A value that is an option stays; a label of
    an option in either language becomes that option; anything else goes.

    Parameters
    ----------
    key
        The widget's session-state key.
    options
        Its options (``None`` for "all", when it is one of them).
    label
        ``label(option, lang) -> str``, the widget's ``format_func`` in a language.
    multi
        Whether the value is a list (multiselect).
    """
    if key not in st.session_state:
        return
    known: dict[str, Any] = {}
    for opt in options:
        for lg in ("zh", "en"):
            known.setdefault(str(label(opt, lg)), opt)
    values = st.session_state[key]
    seq = list(values or []) if multi else [values]
    fixed: list[Any] = []
    for v in seq:
        if v in options:
            fixed.append(v)
        elif isinstance(v, str) and v in known:
            fixed.append(known[v])
    if multi:
        fixed = list(dict.fromkeys(fixed))
        if fixed != list(values or []):
            logger.info("%s: %r read back as %r", key, values, fixed)
            st.session_state[key] = fixed
    elif (fixed[0] if fixed else None) != values:
        logger.info("%s: %r read back as %r", key, values, fixed[0] if fixed else None)
        st.session_state[key] = fixed[0] if fixed else (None if None in options else options[0])


def refresh_translated_widgets() -> None:
    """After a language switch, send the selected options' new labels to the browser.

    A keyed select widget keeps its identity when only its labels change, and
    the browser would go on showing the old language; assigning the value
    again makes Streamlit send it with the new label.
    """
    current = lang()
    if st.session_state.get("_rendered_lang", current) != current:
        for key in TRANSLATED_WIDGETS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    st.session_state["_rendered_lang"] = current
