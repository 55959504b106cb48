"""Cursors for timer-driven pulls: declared, not hand-rolled (the dlt/Singer pattern).

A pull reads the window [cursor − overlap, started_at) and advances the cursor to `started_at` only
after the whole window succeeded, so nothing arriving mid-run is skipped and a failed run is simply
repeated. The overlap absorbs clock skew and late-visible writes at the source; the flows are
idempotent, so reading a record twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from core.state import names
from core.state.storage import Storage, table_key


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime  # the run's start time: the next window starts here (minus overlap)
    etag: str | None


class Cursors:
    def __init__(self, storage: Storage, table: str = names.CURSORS):
        self.client = storage.table(table)

    def window(self, flow: str, shop: str, *, start: datetime, overlap: timedelta,
               now: datetime | None = None) -> Window:
        """The window to read now; `start` is where a never-run cursor begins."""
        now = now or datetime.now(UTC)
        try:
            entity = self.client.get_entity(table_key(flow), table_key(shop))
            value, etag = entity["Value"], entity.metadata.get("etag")
        except ResourceNotFoundError:
            value, etag = start + overlap, None
        return Window(since=value - overlap, until=now, etag=etag)

    def advance(self, flow: str, shop: str, window: Window) -> None:
        """Move the cursor to the end of a window that fully succeeded.

        Guarded by the ETag read with the window: if another run advanced it meanwhile, the later
        value wins and this call changes nothing.
        """
        entity = {"PartitionKey": table_key(flow), "RowKey": table_key(shop), "Value": window.until}
        if window.etag is None:
            try:
                self.client.create_entity(entity)
                return
            except ResourceExistsError:
                current = self.client.get_entity(table_key(flow), table_key(shop))
        else:
            try:
                self.client.update_entity(entity, mode=UpdateMode.REPLACE, etag=window.etag,
                                          match_condition=MatchConditions.IfNotModified)
                return
            except Exception:  # noqa: BLE001 - modified concurrently: fall through to compare
                current = self.client.get_entity(table_key(flow), table_key(shop))
        if current["Value"] < window.until:
            self.client.update_entity(entity, mode=UpdateMode.REPLACE, etag=current.metadata["etag"],
                                      match_condition=MatchConditions.IfNotModified)

    def get(self, flow: str, shop: str) -> datetime | None:
        try:
            return self.client.get_entity(table_key(flow), table_key(shop))["Value"]
        except ResourceNotFoundError:
            return None
