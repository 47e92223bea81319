"""Streamlit's own words on our pages, in the UI language.

Streamlit draws some text itself, in English whatever the app's language:
the file uploader's button ("Upload"), its limit ("200MB per file • GPKG,
ZIP…") and its drop hint ("Drag and drop files here"), and the hint under a
text or number field being typed in ("Press Enter to apply", "Press Enter to
submit form"). No option of Streamlit changes them, so a style sheet per
language (:func:`builtin_text_css`, put on every page by
:func:`geo.app.main.main`) hides those texts and shows ours in their place
with CSS ``::after`` content. It is keyed on Streamlit's ``data-testid``
attributes (checked in a real browser by ``tests/test_app_builtin_text_browser.py``,
which fails when Streamlit's English shows again, e.g. after an upgrade
renamed them). Multiselects are drawn with ``select_all=False``: no "Select
all" entry, and no filter needs one (nothing chosen means all).

The uploader says the real limit per file (:func:`upload_limit_mb`): the
smaller of Streamlit's ``server.maxUploadSize`` and the cap on this server's
uploads (``$TENGLONG_UPLOAD_CAP_MB``, :func:`geo.app.state.upload_cap_bytes`).
"""

from __future__ import annotations

import streamlit as st

from geo.app import state
from geo.app.i18n import Lang, t_plain

UPLOAD_BUTTON = (
    '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
)
"""The text of the uploader's button (Streamlit's "Upload")."""
UPLOAD_INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"] span'
"""The line beside it (Streamlit's "200MB per file • GPKG, …")."""
UPLOAD_DRAGGING = (
    '[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid]))'
)
"""What covers the drop zone while files are dragged over it ("Drag and drop files here");
not the list of uploaded files (a ``div`` too, holding ``stFileChips``)."""
INPUT_INSTRUCTIONS = '[data-testid="InputInstructions"]'
"""The hint under a field being typed in ("Press Enter to apply")."""


def upload_limit_mb() -> float:
    """The largest file one upload may be, in MB (``server.maxUploadSize`` or the cap)."""
    try:
        per_file = float(st.get_option("server.maxUploadSize"))
    except (TypeError, ValueError):
        per_file = 200.0
    return min(per_file, state.upload_cap_bytes() / 1e6)


def css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string (quotes, backslashes and line breaks escaped).

    Examples
    --------
    >>> css_string('a "b" \\ c')
    '"a \\"b\\" \\\\ c"'
    >>> css_string("</style>")
    '"\\3c /style>"'
    """
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return '"' + out.replace("<", "\\3c ") + '"'


def _fmt_mb(mb: float) -> str:
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:,.1f}"


def builtin_text_css(lang: Lang, *, limit_mb: float | None = None) -> str:
    """The ``<style>`` that puts our words in place of Streamlit's, in ``lang``.

    Examples
    --------
    >>> css = builtin_text_css("zh", limit_mb=200)
    >>> "上传文件" in css and "200 MB" in css and '"Upload"' not in css
    True
    """
    mb = _fmt_mb(upload_limit_mb() if limit_mb is None else limit_mb)
    button = css_string(t_plain("st_upload_button", lang))
    hint = css_string(t_plain("st_upload_hint", lang, mb=mb))
    dragging = css_string(t_plain("st_upload_dragging", lang))
    enter = css_string(t_plain("st_press_enter", lang))
    enter_form = css_string(t_plain("st_press_enter_form", lang))
    hide = "font-size: 0 !important; line-height: 0; visibility: hidden;"
    show = "visibility: visible;"
    return f"""<style>
{UPLOAD_BUTTON} {{{hide}}}
{UPLOAD_BUTTON}::after {{content: {button}; font-size: 0.875rem; line-height: 1.6; {show}}}
{UPLOAD_INSTRUCTIONS} {{{hide}}}
{UPLOAD_INSTRUCTIONS}::after {{content: {hint}; font-size: 0.875rem; line-height: 1.6; {show}}}
{UPLOAD_DRAGGING} * {{{hide}}}
{UPLOAD_DRAGGING}::after {{content: {dragging}; font-size: 1rem; {show}}}
{INPUT_INSTRUCTIONS} * {{{hide}}}
{INPUT_INSTRUCTIONS} {{font-size: 0 !important;}}
{INPUT_INSTRUCTIONS}::after {{content: {enter}; font-size: 0.75rem; {show}}}
[data-testid="stForm"] {INPUT_INSTRUCTIONS}::after {{content: {enter_form};}}
</style>"""


def upload_note(lang: Lang) -> str:
    """A caption under an uploader: the limit per file and the cap on all uploads, in ``lang``."""
    return t_plain(
        "st_upload_note",
        lang,
        mb=_fmt_mb(upload_limit_mb()),
        cap=_fmt_mb(state.upload_cap_bytes() / 1e6),
    )


__all__ = ["builtin_text_css", "css_string", "upload_limit_mb", "upload_note"]
