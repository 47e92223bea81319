"""Preview, then apply: the Import page's flow for a file of changes keyed by ID.

The ledger mode (台账, :func:`geo.io.ledger.diff_ledger`) and the contracts
mode (供地合同, :func:`geo.io.contracts.diff_contracts`) work the same way:
the uploaded file is compared with the store into a diff, which is shown and
kept in the session; nothing is written until the planner applies it, and
then everything goes in one audited transaction, checked against the
versions the preview read. A demo is copied into the session's working copy
first (:func:`geo.app.state.writable_path`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from geo.access import RoleError, require_edit
from geo.app import state
from geo.app.editing import conflict_message, storage_message
from geo.app.i18n import Lang, t
from geo.io import DataImportError
from geo.workspace import Workspace

DONE_KEY = "import_done_message"
"""Session state: the message the Import page shows after a save and its rerun."""


def preview_then_apply(
    ws: Workspace,
    lang: Lang,
    *,
    prefix: str,
    ready: bool,
    make_diff: Callable[[Any], Any],
    show: Callable[[Any, Lang], None],
    has_changes: Callable[[Any], bool],
    apply: Callable[[Any, Any, str | None], Any],
    done: Callable[[Any], str],
    apply_errors: tuple[type[Exception], ...] = (),
) -> None:
    """The preview button, the kept preview, the note and the apply button.

    Parameters
    ----------
    prefix
        ``ledger`` or ``contracts``: the widget keys (``{prefix}_go``,
        ``_note``, ``_apply``), the session key of the preview
        (``{prefix}_preview``) and the messages (``{prefix}_role``,
        ``_failed``, ``_conflict``).
    ready
        A file is uploaded (the preview button is enabled).
    make_diff
        ``store -> diff``, read inside an open store.
    show, has_changes
        Draw the diff; whether it changes anything (the apply button).
    apply
        ``(store, diff, note) -> result``: the one transaction.
    done
        ``result -> message`` shown after the rerun.
    apply_errors
        More errors that an apply reports as ``{prefix}_failed``.
    """
    from geo.store import (
        EditConflict,
        ReadOnlyError,
        StorageFullError,
        StoreBusyError,
        StoreError,
        open_store,
    )

    key = f"{prefix}_preview"
    role = state.role()
    if st.button(t("ledger_preview", lang), disabled=not ready, key=f"{prefix}_go", type="primary"):
        st.session_state.pop(key, None)
        try:
            target = state.writable_path(state.ws_target(ws))
            with open_store(target, user=state.current_user(), role=role) as store:
                diff = make_diff(store)
        except RoleError as err:
            st.error(t(f"{prefix}_role", lang, error=err))
            return
        except (DataImportError, StoreError, OSError) as err:
            st.error(t(f"{prefix}_failed", lang, error=err))
            return
        st.session_state[key] = (str(target), diff)
    pending = st.session_state.get(key)
    if pending is None:
        return
    target, diff = pending
    show(diff, lang)
    note = st.text_input(t("ledger_note", lang), key=f"{prefix}_note").strip() or None
    if not st.button(
        t("ledger_apply", lang), disabled=not has_changes(diff), key=f"{prefix}_apply"
    ):
        return
    try:
        require_edit(state.role())
        with open_store(target, user=state.current_user(), role=state.role()) as store:
            result = apply(store, diff, note)
    except RoleError as err:
        st.error(t(f"{prefix}_role", lang, error=err))
        return
    except EditConflict as err:
        st.session_state.pop(key, None)
        st.error(t(f"{prefix}_conflict", lang, detail=conflict_message(err, lang)))
        return
    except (StorageFullError, ReadOnlyError) as err:
        st.error(storage_message(err, lang))
        return
    except (StoreBusyError, StoreError, ValueError, *apply_errors) as err:
        st.error(t(f"{prefix}_failed", lang, error=err))
        return
    st.session_state.pop(key, None)
    if not state.same_target(target, ws):
        state.add_opened_workspace(state.as_target(target))
    st.session_state[DONE_KEY] = done(result)
    st.rerun()
