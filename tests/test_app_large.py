"""Every page on a large workspace: no page fork, the figures of the memory path.

A generated 60,000-parcel GeoParquet dataset (``fuxing.gpkg`` tiled 50 times,
``bench/large_dataset.py``; above the old 50,000-parcel threshold of province
mode) is opened in the app twice: as a large workspace (the default
threshold: read from GeoParquet by :func:`geo.app.state.load_large`) and in
memory (the threshold raised above its size). Every page runs without an
exception or an error in both, the "needs every parcel in memory" notice is
gone, and each page shows the same tables and metrics either way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
COPIES = 50  # 60,000 parcels
PAGES = ["layout", "sites", "benefit", "site_finder", "import_data", "export"]
GONE = ("needs every parcel in memory", "需要把全部地块载入内存")


def _generator() -> ModuleType:
    name = "tenglong_bench_large_dataset"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "large_dataset.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("large") / "fuxing-x50"
    return _generator().write_large(ROOT / "data" / "fuxing.gpkg", COPIES, out)


def run_page(
    monkeypatch: pytest.MonkeyPatch, workspace: Path, page: str, *, large: bool
) -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(workspace))
    for name in ("TENGLONG_MODE", "TENGLONG_ENGINE", "TENGLONG_DASK_SCHEDULER"):
        monkeypatch.delenv(name, raising=False)
    if large:
        monkeypatch.delenv("TENGLONG_PROVINCE_PARCELS", raising=False)  # 50,000
    else:
        monkeypatch.setenv("TENGLONG_PROVINCE_PARCELS", str(10**9))
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["lang"] = "en"
    at.run()
    if page != "overview":
        at.switch_page(f"geo/app/pages/{page}.py").run()
    return at


def shown(at: AppTest) -> dict[str, Any]:
    """What a page shows: metrics, tables, and the text of captions and alerts."""
    return {
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": [pd.DataFrame(d.value) for d in at.dataframe],
        "captions": [c.value for c in at.caption if "GeoParquet" not in str(c.value)],
    }


def test_the_dataset_is_large(large):
    from geo.dataset import open_dataset
    from geo.dataset.large import large_threshold

    assert open_dataset(large).n_parcels == 60_000 > large_threshold()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_a_large_workspace_shows_the_memory_figures(monkeypatch, large, page):
    big = run_page(monkeypatch, large, page, large=True)
    assert not big.exception, big.exception
    assert not big.error, [e.value for e in big.error]
    notes = [str(i.value) for i in big.info] + [str(c.value) for c in big.caption]
    assert not [n for n in notes if any(g in n for g in GONE)]
    assert any("GeoParquet dataset is read-only" in str(c.value) for c in big.caption)
    mem = run_page(monkeypatch, large, page, large=False)
    assert not mem.exception, mem.exception
    a, b = shown(big), shown(mem)
    assert a["metrics"] == b["metrics"]
    assert a["captions"] == b["captions"]
    assert len(a["tables"]) == len(b["tables"])
    for x, y in zip(a["tables"], b["tables"], strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("page", ["overview", "freed_land"])
def test_the_overview_and_freed_land_headline_is_the_memory_figure(monkeypatch, large, page):
    """The two pages that ask a large workspace's dataset (engine headline, viewport map):
    the headline of the memory path."""
    big = run_page(monkeypatch, large, page, large=True)
    assert not big.exception, big.exception
    assert not big.error, [e.value for e in big.error]
    mem = run_page(monkeypatch, large, page, large=False)
    assert not mem.exception, mem.exception
    a = {m.label: m.value for m in big.metric}
    b = {m.label: m.value for m in mem.metric}
    shared = [k for k in a if k in b]
    assert "Freed land (mu)" in shared
    for label in shared:
        assert a[label] == b[label], label
