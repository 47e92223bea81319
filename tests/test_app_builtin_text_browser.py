"""Streamlit's own words in the UI language, as a real Chromium shows them.

Streamlit draws the file uploader's "Upload", "200MB per file • …" and "Drag
and drop files here", and the "Press Enter to apply" hint, in English; the
app's style sheet (:mod:`geo.app.builtin_text`) puts its own words in their
place. What is *visible* is what counts here: text nodes that are rendered
(not hidden, font size above zero, not an icon ligature) plus CSS generated
content. These tests fail when Streamlit's English shows again, e.g. after a
Streamlit upgrade renamed the ``data-testid`` the style sheet relies on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import test_app_browser as browser

app_url = browser.app_url
app_page = browser.app_page
screenshots = browser.screenshots
"""The browser fixtures of ``test_app_browser.py`` (its server, page and screenshot folder)."""
settle = browser.settle

pytestmark = pytest.mark.browser

VISIBLE_TEXT = """el => {
  const out = [];
  const shown = (node) => {
    const cs = getComputedStyle(node);
    return cs.visibility === "visible" && cs.display !== "none" && parseFloat(cs.fontSize) > 0;
  };
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const p = node.parentElement;
      if (p && shown(p) && !p.closest("[data-testid=stIconMaterial]") && node.textContent.trim())
        out.push(node.textContent.trim());
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (getComputedStyle(node).display === "none") return;
    for (const pseudo of ["::before", "::after"]) {
      const cs = getComputedStyle(node, pseudo);
      const c = cs.content;
      if (c && c !== "none" && c !== "normal" && cs.visibility === "visible")
        out.push(JSON.parse(c));
    }
    node.childNodes.forEach(walk);
  };
  walk(el);
  return out.join(" | ");
}"""
"""The text a user sees in an element: rendered text nodes and CSS generated content."""

STREAMLIT_ENGLISH = ("Upload", "per file", "Drag and drop", "Press Enter", "Browse files")


def _dropzone(page: Any) -> Any:
    zone = page.locator("[data-testid='stMain'] [data-testid='stFileUploaderDropzone']").first
    zone.wait_for(timeout=60_000)
    return zone


def _drag_over(page: Any, zone: Any) -> None:
    data = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'a.csv')); return d; }"
    )
    zone.dispatch_event("dragenter", {"dataTransfer": data})
    page.wait_for_timeout(400)


def _typing_hint(page: Any) -> str:
    field = page.locator("[data-testid='stMain'] [data-testid='stTextInput'] input").first
    field.click()
    page.keyboard.type("45")
    hint = page.locator("[data-testid='stMain'] [data-testid='InputInstructions']").first
    hint.wait_for(timeout=10_000)
    return str(hint.evaluate(VISIBLE_TEXT))


def test_uploader_and_hints_are_chinese_in_the_chinese_ui(
    app_url, app_page, screenshots: Path, tmp_path: Path
):
    page = app_page.page
    page.goto(app_url + "/import")
    zone = _dropzone(page)
    settle(page)
    text = zone.evaluate(VISIBLE_TEXT)
    assert "上传文件" in text and "每个文件不超过 200 MB" in text, text
    leaked = [w for w in STREAMLIT_ENGLISH if w in text]
    assert leaked == [], text
    caption = page.get_by_text("每个文件不超过 200 MB；本服务器所有上传合计不超过 500 MB")
    assert caption.count() == 1
    hint = _typing_hint(page)
    assert hint == "按回车键确认", hint
    page.screenshot(path=str(screenshots / "import-uploader-zh.png"), full_page=False)
    _drag_over(page, zone)
    dragging = zone.evaluate(VISIBLE_TEXT)
    assert "松开鼠标即可上传" in dragging and "Drag and drop" not in dragging, dragging
    zone.dispatch_event("dragleave")
    # an uploaded file: its name shows, and no drop hint covers it
    upload = tmp_path / "地块.csv"
    upload.write_text("parcel_id\nX-1\n", encoding="utf-8")
    page.locator(
        "[data-testid='stMain'] [data-testid='stFileUploaderDropzoneInput']"
    ).set_input_files(str(upload))
    page.locator("[data-testid='stMain'] [data-testid='stFileChipName']").first.wait_for()
    listed = zone.evaluate(VISIBLE_TEXT)
    assert "地块.csv" in listed and "松开鼠标" not in listed, listed
    assert app_page.blocked == []


def test_uploader_and_hints_are_english_in_the_english_ui(app_url, app_page):
    page = app_page.page
    page.goto(app_url + "/import?lang=en")
    zone = _dropzone(page)
    settle(page)
    text = zone.evaluate(VISIBLE_TEXT)
    assert "Upload" in text and "up to 200 MB per file" in text, text
    assert "200MB per file •" not in text  # Streamlit's own line is hidden, ours shows
    assert "上传" not in text
    assert _typing_hint(page) == "Press Enter to apply"


def test_the_sidebar_uploader_is_chinese_too(app_url, app_page):
    """The workspace upload in the sidebar's workspace popover (every page)."""
    page = app_page.page
    page.goto(app_url + "/import")
    _dropzone(page)
    settle(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stPopover'] button").first.click()
    zone = page.locator("[data-testid='stFileUploaderDropzone']", has_text="").last
    zone.wait_for(timeout=15_000)
    text = zone.evaluate(VISIBLE_TEXT)
    assert "上传文件" in text, text
    assert [w for w in STREAMLIT_ENGLISH if w in text] == [], text
