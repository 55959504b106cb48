"""SyncLog: one row per shop record per flow — where an operator sees what happened and what to do.

Every record ends as success, skipped (with reason) or needs_attention (with a resolution a person
can act on); `failed` is for what the machinery could not handle (a poisoned message). Each row keeps
a short history of its attempts and a reference to the raw payload, so it can be replayed exactly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from core.errors import Retryable
from core.state import names
from core.state.history import BcUsage, History
from core.state.storage import Storage, table_key

HISTORY_LIMIT = 20
WRITE_TRIES = 8  # conditional writes re-read and re-apply on a conflict; more than this is a hot loop


class SyncStatus(StrEnum):
    RECEIVED = "received"  # stored and queued, not processed yet
    SUCCESS = "success"
    SKIPPED = "skipped"
    NEEDS_ATTENTION = "needs_attention"
    FAILED = "failed"


@dataclass
class SyncRecord:
    flow: str
    shop: str
    external_id: str
    status: SyncStatus = SyncStatus.RECEIVED
    attempts: int = 0
    message: str = ""
    resolution: str = ""
    code: str = ""
    bc_company: str = ""
    bc_document: str = ""  # e.g. "salesOrders 101005"
    payload_ref: str = ""
    event_id: str = ""
    topic: str = ""
    first_seen: datetime | None = None
    updated_at: datetime | None = None
    history: list[dict] = field(default_factory=list)
    etag: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("etag")
        data["status"] = str(self.status)
        for key in ("first_seen", "updated_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _partition(flow: str) -> str:
    return table_key(flow)


def _row(shop: str, external_id: str) -> str:
    return table_key(f"{shop}|{external_id}")


class SyncLog:
    def __init__(self, storage: Storage, table: str = names.SYNC_LOG, bc_usage: BcUsage | None = None):
        self.client: TableClient = storage.table(table)
        self.counters = History(storage)  # outcome counters for the status page's chart
        self.bc_usage = bc_usage  # BC requests tallied by this process's BC client, written as records finish

    def get(self, flow: str, shop: str, external_id: str) -> SyncRecord | None:
        try:
            entity = self.client.get_entity(_partition(flow), _row(shop, external_id))
        except ResourceNotFoundError:
            return None
        return _record(entity)

    def record(
        self,
        flow: str,
        shop: str,
        external_id: str,
        status: SyncStatus,
        *,
        message: str = "",
        resolution: str = "",
        code: str = "",
        bc_company: str | None = None,
        bc_document: str | None = None,
        payload_ref: str | None = None,
        event_id: str | None = None,
        topic: str | None = None,
        attempt: bool = False,
        unless_settled_since: datetime | None = None,
    ) -> SyncRecord:
        """Set the record's current state and append it to its history.

        `attempt=True` counts a processing attempt. Every write is conditional (ETag, or insert-if-absent):
        on a conflict the record is read again and the change re-applied, so no concurrent write is lost.
        `unless_settled_since`: a worker passes the time its attempt started; if another worker settled the
        record (success, skipped, needs attention) after that, this write only adds a history note, so a
        loser never overwrites the winner's outcome. A SUCCESS is always recorded: only the claim's owner
        can reach one (every BC write and the bind are fenced), so it is the winner.
        """
        for _ in range(WRITE_TRIES):
            now = datetime.now(UTC)
            current = self.get(flow, shop, external_id) or SyncRecord(flow, shop, external_id, first_seen=now)
            # a success is what a fenced BC write (or link) produced and always stands: an older event's
            # skip ("not paid yet") that settled first must not turn the newer import into a mere note
            if (unless_settled_since is not None and current.etag is not None and status is not SyncStatus.SUCCESS
                    and current.status not in (SyncStatus.RECEIVED, SyncStatus.FAILED)
                    and current.updated_at is not None and current.updated_at > unless_settled_since):
                entry = {"at": now.isoformat(), "status": "note",
                         "message": f"Not recorded ({status}, another worker settled this record meanwhile): "
                                    f"{message}"[:500]}
                current.history = (current.history + [entry])[-HISTORY_LIMIT:]
                if self._write(current):
                    return current
                continue
            current.status = status
            # bounded: a message may quote a hostile payload value; a Table property holds at most 32K characters
            current.message, current.resolution, current.code = message[:8000], resolution[:8000], code[:200]
            for name, value in (("bc_company", bc_company), ("bc_document", bc_document),
                                ("payload_ref", payload_ref), ("event_id", event_id), ("topic", topic)):
                if value is not None:
                    setattr(current, name, value)
            if attempt:
                current.attempts += 1
            current.updated_at = now
            entry = {"at": now.isoformat(), "status": str(status), "message": message[:500]}
            if resolution:
                entry["resolution"] = resolution[:500]
            current.history = (current.history + [entry])[-HISTORY_LIMIT:]
            if self._write(current):
                self.counters.count(flow, shop, str(status), now)  # outcomes only; never raises
                if self.bc_usage is not None and self.bc_usage.pending():
                    self.counters.add_bc_usage(self.bc_usage)  # never raises either
                return current
        raise Retryable(f"sync log record {flow}/{shop}/{external_id} kept changing; gave up after "
                           f"{WRITE_TRIES} tries")

    def note(self, flow: str, shop: str, external_id: str, message: str) -> None:
        """Add a line to a record's history without changing its status (e.g. a duplicate delivery)."""
        for _ in range(WRITE_TRIES):
            current = self.get(flow, shop, external_id)
            if current is None:
                return
            entry = {"at": datetime.now(UTC).isoformat(), "status": "note", "message": message[:500]}
            current.history = (current.history + [entry])[-HISTORY_LIMIT:]
            if self._write(current):
                return

    def _write(self, record: SyncRecord) -> bool:
        """Insert (if it was absent when read) or replace (if unchanged since read). False on a conflict."""
        try:
            if record.etag is None:
                meta = self.client.create_entity(_entity(record))
            else:
                meta = self.client.update_entity(_entity(record), mode=UpdateMode.REPLACE, etag=record.etag,
                                                 match_condition=MatchConditions.IfNotModified)
        except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
            return False
        record.etag = meta.get("etag")
        return True

    def query(self, *, flow: str | None = None, shop: str | None = None, status: str | None = None,
              limit: int | None = None, updated_from: datetime | None = None, updated_to: datetime | None = None):
        """Records matching the filters, newest first is not guaranteed (Table order is by key).
        `updated_from` (inclusive) and `updated_to` (exclusive) bound the time of the record's last change."""
        clauses, params = [], {}
        if updated_from:
            clauses.append("UpdatedAt ge @updated_from")
            params["updated_from"] = updated_from
        if updated_to:
            clauses.append("UpdatedAt lt @updated_to")
            params["updated_to"] = updated_to
        if flow:
            clauses.append("PartitionKey eq @flow")
            params["flow"] = _partition(flow)
        if shop:
            clauses.append("Shop eq @shop")
            params["shop"] = shop
        if status:
            clauses.append("Status eq @status")
            params["status"] = str(status)
        entities = (
            self.client.query_entities(" and ".join(clauses), parameters=params)
            if clauses else self.client.list_entities()
        )
        for n, entity in enumerate(entities):
            if limit is not None and n >= limit:
                return
            yield _record(entity)

    def delete(self, record: SyncRecord) -> None:
        self.client.delete_entity(_partition(record.flow), _row(record.shop, record.external_id))


def _entity(r: SyncRecord) -> dict:
    return {
        "PartitionKey": _partition(r.flow),
        "RowKey": _row(r.shop, r.external_id),
        "Flow": r.flow, "Shop": r.shop, "ExternalId": r.external_id, "Status": str(r.status),
        "Attempts": r.attempts, "Message": r.message[:8000], "Resolution": r.resolution[:4000], "Code": r.code,
        "BcCompany": r.bc_company, "BcDocument": r.bc_document, "PayloadRef": r.payload_ref,
        "EventId": r.event_id, "Topic": r.topic, "FirstSeen": r.first_seen, "UpdatedAt": r.updated_at,
        "History": json.dumps(r.history),
    }


def _record(e) -> SyncRecord:
    return SyncRecord(
        flow=e["Flow"], shop=e["Shop"], external_id=e["ExternalId"], status=SyncStatus(e["Status"]),
        attempts=e.get("Attempts", 0), message=e.get("Message", ""), resolution=e.get("Resolution", ""),
        code=e.get("Code", ""), bc_company=e.get("BcCompany", ""), bc_document=e.get("BcDocument", ""),
        payload_ref=e.get("PayloadRef", ""), event_id=e.get("EventId", ""), topic=e.get("Topic", ""),
        first_seen=e.get("FirstSeen"), updated_at=e.get("UpdatedAt"),
        history=json.loads(e.get("History") or "[]"), etag=e.metadata.get("etag"),
    )
