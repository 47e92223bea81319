"""A GeoParquet dataset directory in the app: read-only, where to edit it, and never silently stale.

``tenglong convert`` records the source GeoPackage and its revision in
``meta.json``; the page header says where to edit, offers to open the source,
and warns once the source changed after the conversion.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from geo.app.i18n import md
from geo.dataset.parquet import convert_to_parquet, write_dataset
from geo.dataset.parquet.format import read_info
from geo.store import open_store
from geo.workspace import open_workspace
from tests.test_app import WUAN, run_page


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    source = Path(shutil.copy2(WUAN, tmp_path / "wuan-copy.gpkg"))
    return source, convert_to_parquet(source, tmp_path / "wuan.parquet")


def _stored_id(source: Path) -> str:
    parcels = open_workspace(source, validate=False).parcels
    return str(parcels.loc[parcels["status"] == "released", "parcel_id"].iloc[0])


def test_convert_records_the_source_and_its_revision(tmp_path):
    source, ds = _copy(tmp_path)
    src = read_info(ds).source
    assert src["path"] == str(source.resolve()) and src["revision"]
    # tables written directly record none
    plain = write_dataset(open_workspace(source, validate=False).tables, tmp_path / "plain")
    assert read_info(plain).source == {}


def test_the_header_says_where_to_edit_and_warns_once_the_source_changed(monkeypatch, tmp_path):
    source, ds = _copy(tmp_path)
    at = run_page(monkeypatch, "freed_land", workspace=ds, lang="en", state={"role": "planner"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"converted from {md('wuan-copy.gpkg')}" in str(c.value) for c in at.caption), [
        c.value for c in at.caption
    ]
    assert not any("out of date" in w.value for w in at.warning)
    # someone edits the source GeoPackage: the dataset shows the old data, and says so
    pid = _stored_id(source)
    with open_store(source, user="李工") as store:
        store.set_status(pid, "stored", on="2025-05-01")
    at.run()
    stale = " ".join(w.value for w in at.warning)
    assert "out of date" in stale and md("wuan-copy.gpkg") in stale
    assert f"`tenglong convert {source.resolve()} --to parquet {ds}" in stale  # a code span
    # the planner opens the source from the header: editable, the new status there
    at.button(key="dataset_open_source").click().run()
    assert not at.exception
    assert Path(at.session_state["workspace_path"]) == source.resolve()
    assert not any("out of date" in w.value for w in at.warning)
    # converted again, the warning is gone
    convert_to_parquet(source, ds, overwrite=True)
    again = run_page(monkeypatch, "freed_land", workspace=ds, lang="en")
    assert not any("out of date" in w.value for w in again.warning)
    assert any("converted from" in str(c.value) for c in again.caption)


def test_an_investment_officer_gets_the_note_but_no_way_to_the_source(monkeypatch, tmp_path):
    _, ds = _copy(tmp_path)
    at = run_page(monkeypatch, "freed_land", workspace=ds, lang="zh", state={"role": "investment"})
    assert not at.exception
    assert any("转换而来" in str(c.value) for c in at.caption)
    assert "dataset_open_source" not in [b.key for b in at.button]


def test_a_dataset_whose_source_is_gone_or_unrecorded_says_read_only(monkeypatch, tmp_path):
    source, ds = _copy(tmp_path)
    source.unlink()
    plain = write_dataset(open_workspace(WUAN, validate=False).tables, tmp_path / "plain")
    for target in (ds, plain):
        at = run_page(monkeypatch, "freed_land", workspace=target, lang="en")
        assert not at.exception
        assert any("GeoParquet dataset is read-only" in str(c.value) for c in at.caption)
        assert "dataset_open_source" not in [b.key for b in at.button]


def test_a_copy_named_like_a_demo_is_told_apart_in_the_picker_and_opens_itself(
    monkeypatch, tmp_path
):
    """The picker tells its options apart by label: a copy ``fuxing.gpkg`` (same name, same
    meta) used to read as the demo and open it instead."""
    from tests.test_app import FUXING

    copy = Path(shutil.copy2(FUXING, tmp_path / "fuxing.gpkg"))
    at = run_page(monkeypatch, lang="en", state={"opened_workspaces": [str(copy)]})
    box = next(b for b in at.sidebar.selectbox if b.key == "workspace_path")
    assert len(set(box.options)) == len(box.options), box.options
    assert any(str(tmp_path) in o for o in box.options)
    box.set_value(str(copy)).run()
    assert not at.exception
    assert at.session_state["workspace_path"] == str(copy)
    assert any(
        f"· {tmp_path!s}" in o
        for o in next(b for b in at.sidebar.selectbox if b.key == "workspace_path").options
    )
