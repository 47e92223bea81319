"""Session state and cached loading shared by every page."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from geo.app.i18n import Lang
from geo.workspace import Workspace, open_workspace

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_WORKSPACE = "data/fuxing.gpkg"


def default_workspace_path() -> Path:
    """$TENGLONG_WORKSPACE, else the Fuxing demo workspace."""
    return Path(os.environ.get("TENGLONG_WORKSPACE", DEFAULT_WORKSPACE))


def demo_workspaces() -> list[Path]:
    """The demo workspaces shipped in data/."""
    return sorted(DATA_DIR.glob("*.gpkg"))


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(path: str, mtime_ns: int) -> Workspace:
    # keyed on the file's mtime: an edited file is read again, an unchanged one never
    return open_workspace(path)


def load_workspace(path: Path) -> Workspace:
    """Open a workspace once per file version (cached across reruns and sessions)."""
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


def lang() -> Lang:
    """The UI language of this session ("zh" by default)."""
    return st.session_state.get("lang", "zh")
