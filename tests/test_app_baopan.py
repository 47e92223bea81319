"""The app's import and export pages offer the 报盘坐标 txt (AppTest, the real pages)."""

from __future__ import annotations

import io
import zipfile

from test_app import FUXING, metric, run_page

from geo.demo.samples_baopan import sample_baopan_text


def test_import_page_previews_a_baopan_txt(monkeypatch):
    before = FUXING.stat().st_mtime_ns
    at = run_page(monkeypatch, "import_data", lang="en")
    assert any("报盘坐标 txt" in m.value for m in at.markdown)
    data = sample_baopan_text().encode("gbk")
    at.get("file_uploader")[0].upload("报盘.txt", data, "text/plain").run()
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert metric(at, "Rows") == 2
    assert any("4526" in c.value and "zone 38" in c.value for c in at.caption)
    assert FUXING.stat().st_mtime_ns == before


def test_import_page_names_a_refused_datum(monkeypatch):
    at = run_page(monkeypatch, "import_data", lang="zh")
    text = sample_baopan_text().replace("2000国家大地坐标系", "1980西安坐标系")
    at.get("file_uploader")[0].upload("xian.txt", text.encode("gbk"), "text/plain").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert any("1980西安坐标系" in c.value and "2362" in c.value for c in at.caption)


def test_export_page_makes_a_baopan_txt_and_a_zip(monkeypatch):
    at = run_page(monkeypatch, "export", lang="zh")
    at.selectbox(key="export_format").set_value("txt").run()
    at.selectbox(key="export_scope").set_value("FX-P01").run()
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    data, name, mime = at.session_state["export_result"]
    assert name.endswith("-报盘.txt") and mime == "text/plain; charset=gbk"
    text = data.decode("gbk")
    assert text.startswith("[属性描述]\r\n") and "带号=38\r\n" in text
    at.radio(key="export_txt_encoding").set_value("utf-8")
    at.checkbox(key="export_txt_per_parcel").check().run()
    at.button(key="export_go").click().run()
    data, name, mime = at.session_state["export_result"]
    assert name.endswith(".zip") and mime == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(data))
    first = zf.read(zf.namelist()[0]).decode("utf-8")
    assert first.count(",@") == 1 and first.startswith("[属性描述]")
    at.text_input(key="export_txt_site").input("FX-0001")
    at.checkbox(key="export_txt_per_parcel").uncheck().run()
    at.button(key="export_go").click().run()
    data, name, _ = at.session_state["export_result"]
    assert data.decode("utf-8").count(",@") == 1 and "FX-0001" in name
