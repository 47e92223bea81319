"""Errors of the workspace stores: each says what to do next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geo.errors import InputError, OperationError

if TYPE_CHECKING:
    from geo.store.model import Change


class StoreError(OperationError):
    """A workspace store cannot be opened, read or written; the message says why."""


class StoreBusyError(StoreError):
    """Another edit held the workspace's write lock for longer than the busy timeout."""


class ParcelNotFoundError(StoreError, LookupError):
    """No parcel has the given ``parcel_id`` (or the role may not see it)."""


class InvalidEditError(InputError):
    """An edit that the data model does not allow: unknown field, bad value or geometry."""


class InvalidTransitionError(InvalidEditError):
    """A status change that does not follow the parcel lifecycle (see ``ALLOWED_TRANSITIONS``)."""


class EditConflict(StoreError):  # noqa: N818 - the name the edit API promises
    """Someone else saved the same row after you read it: your change was not saved.

    Nothing is lost: :attr:`theirs` holds the other change(s) (who, when,
    before/after, from the audit table) and :attr:`attempted` your values.
    Reload the row, look at both and save again with the new ``row_version``.

    Attributes
    ----------
    table, row_id
        The row.
    expected_version
        The ``row_version`` your edit was based on.
    current_version
        The ``row_version`` in the store now.
    theirs
        The audit entries saved since ``expected_version``, oldest first.
    attempted
        Field → value of the change that was refused.
    """

    def __init__(
        self,
        *,
        table: str,
        row_id: str,
        expected_version: int,
        current_version: int,
        theirs: Sequence[Change],
        attempted: Mapping[str, Any],
    ) -> None:
        self.table = table
        self.row_id = row_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.theirs = tuple(theirs)
        self.attempted = dict(attempted)
        super().__init__(self._message())

    @property
    def who(self) -> str | None:
        """Who saved the latest conflicting change."""
        return self.theirs[-1].who if self.theirs else None

    @property
    def at(self) -> str | None:
        """When the latest conflicting change was saved (ISO 8601, UTC)."""
        return self.theirs[-1].at if self.theirs else None

    def _message(self) -> str:
        if self.theirs:
            last = self.theirs[-1]
            shown = [
                f"{c.field}: {_short(c.before)} → {_short(c.after)}"
                for c in self.theirs
                if c.row_version == last.row_version
            ]
            other = f"by {last.who} at {last.at} ({'; '.join(shown)})"
        else:
            other = "by another editor (no audit entry found)"
        mine = ", ".join(f"{k} → {_short(v)}" for k, v in self.attempted.items())
        return (
            f"{self.table} {self.row_id} was changed {other} after you read it "
            f"(your version {self.expected_version}, now {self.current_version}); "
            f"your change ({mine}) was not saved: reload the {self.table[:-1]}, "
            f"compare and save again"
        )


def _short(value: Any, limit: int = 40) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
