"""Operator actions shared by the admin API, the status page, the CLI and the poison handlers.

Look (status counts, record lists, one record with its raw payload), retry (re-enqueue the stored payload
exactly as it was delivered), replay poison queues, and prune old successes. They need storage only, never
the integration config, so an operator can still look and retry while the config is broken
(`operations_state()` falls back to storage alone).
"""

from __future__ import annotations

import base64
import heapq
import itertools
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from azure.core.exceptions import ResourceNotFoundError
from pydantic import ValidationError

from core import untrusted
from core.logging_setup import log_context
from core.state import Deliveries, Envelope, Storage, SyncRecord, SyncStatus, enqueue, names
from core.sync.context import Context

log = logging.getLogger("core.sync.operations")

FLOW_QUEUES = {
    "orders": names.ORDERS_IMPORT,
    "refunds": names.REFUNDS_IMPORT,
    "payouts": names.PAYOUTS_IMPORT,
    "stock": names.STOCK_EXPORT,
    "customers": names.CUSTOMERS_IMPORT,
    # shipments have no queue: a failed shipment holds its company's cursor back and the next timer run
    # pushes it again, so there is nothing to re-enqueue
}
QUEUE_FLOWS = {queue: flow for flow, queue in FLOW_QUEUES.items()}
BINDING_KINDS = {"orders": "order", "refunds": "refund", "payouts": "payout", "shipments": "shipment",
                 "customers": "customer", "customers-export": "company-export"}

ATTENTION = (SyncStatus.NEEDS_ATTENTION, SyncStatus.FAILED)
# Statuses `retry --status` accepts: re-running successes in bulk would only burn BC requests.
RETRYABLE_STATUSES = (SyncStatus.NEEDS_ATTENTION, SyncStatus.FAILED, SyncStatus.SKIPPED)
PRUNABLE = (SyncStatus.SUCCESS, SyncStatus.SKIPPED)
RETENTION_SETTING = "BRIDGE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
# A poisoned message that is not an envelope (or a record of unknown flow) is kept whole and replayed as
# the message itself; its record's topic names the queue it came from.
RAW_MESSAGE_TOPIC = "poison-message:"
UNKNOWN_SHOP = "_unknown"
MAX_LIST = 500
# Table keys stop at 1 KiB (after quoting): longer names cannot be records, so they are refused up front
MAX_NAME_CHARS = {"flow": 64, "shop": 128, "external_id": 512, "status": 128, "queue": 64}
MAX_DETAIL_PAYLOAD = 256 * 1024  # record detail shows a payload up to this size; larger ones are cut


class OperationError(Exception):
    """An operator request that cannot be done; the message says why and what to do instead."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


def check_names(**names_given: object) -> None:
    """Refuse (400) a flow/shop/external id/status that is not a string of sane length: such a value cannot
    name a record, and passing it on would only produce a storage error."""
    for name, value in names_given.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise OperationError(f"{name} must be a string", 400)
        if len(value) > MAX_NAME_CHARS[name]:
            raise OperationError(f"{name} is {len(value)} characters long; at most {MAX_NAME_CHARS[name]}", 400)


def storage_only_context(storage: Storage | None = None) -> Context:
    """A Context without the integration config: what the operator actions need (they use storage only)."""
    return Context(config=None, storage=storage or Storage.from_settings())


State = Context


def operations_state() -> State:
    """The process context; storage alone when the config cannot be loaded (operators must still see)."""
    from core.sync.context import get_context

    try:
        return get_context()
    except Exception as exc:  # noqa: BLE001 - a broken config must not hide failures from the operator
        log.warning("operations run without the integration config: %s", exc)
        return storage_only_context()


# --- poison handling --------------------------------------------------------------------------------

def record_poisoned(ctx: State, queue: str, body: bytes, message_id: str = "") -> SyncRecord:
    """A message the host gave up on: log it as failed (nothing sits unseen in a poison queue)."""
    poison = names.poison_queue(queue)
    try:
        envelope = Envelope.loads(body)
    except ValidationError:
        return _record_raw_poisoned(ctx, queue, body, message_id)
    external_id = envelope.external_id or envelope.event_id or envelope.payload_ref
    with log_context(flow=envelope.flow, shop=envelope.shop, external_id=external_id, queue_message_id=message_id):
        previous = ctx.synclog.get(envelope.flow, envelope.shop, external_id)
        last_error = previous.message if previous else ""
        log.error("sync_status=failed poisoned queue=%s", poison)
        return ctx.synclog.record(
            envelope.flow, envelope.shop, external_id, SyncStatus.FAILED, code="poisoned",
            payload_ref=envelope.payload_ref, event_id=envelope.event_id or None, topic=envelope.topic or None,
            message=f"Processing failed repeatedly and the message was moved to {poison} "
                    f"(queue message {message_id or 'unknown'}). Last error: {last_error or 'unknown'}",
            resolution="Fix the cause named in the last error (or the app if it is a bug), then retry this record.",
        )


def _record_raw_poisoned(ctx: State, queue: str, body: bytes, message_id: str) -> SyncRecord:
    """Not an envelope (an export queue's own message, or garbage): keep the message itself so it can be re-sent."""
    flow = QUEUE_FLOWS.get(queue, "unknown")
    ref = ctx.inbox.store(UNKNOWN_SHOP, body, source=f"poison:{queue}")
    external_id = message_id or ref
    with log_context(flow=flow, external_id=external_id, queue_message_id=message_id):
        log.error("sync_status=failed poisoned queue=%s code=unreadable_message", names.poison_queue(queue))
    return ctx.synclog.record(
        flow, UNKNOWN_SHOP, external_id, SyncStatus.FAILED, payload_ref=ref, code="unreadable_message",
        topic=f"{RAW_MESSAGE_TOPIC}{queue}",
        message=f"A message on {queue} failed repeatedly and could not be read as a shop record; "
                "it was kept as it was.",
        resolution="Look at the stored message (record detail). Retry re-sends it unchanged to its queue once the "
                   "cause is fixed; if it is garbage, leave it: it is pruned with the other records.",
    )


# --- looking --------------------------------------------------------------------------------------

def status_counts(ctx: State) -> dict:
    """Counts by status, by flow and status, by shop and status, plus queue and poison-queue depths."""
    rows: Counter = Counter()
    for entity in ctx.synclog.client.list_entities(select=["Flow", "Shop", "Status"]):
        rows[(entity.get("Flow", ""), entity.get("Shop", ""), entity.get("Status", ""))] += 1
    by_status: Counter = Counter()
    by_flow: dict[str, Counter] = {}
    by_shop: dict[str, Counter] = {}
    for (flow, shop, status), n in rows.items():
        by_status[status] += n
        by_flow.setdefault(flow, Counter())[status] += n
        by_shop.setdefault(shop, Counter())[status] += n
    return {
        "total": sum(rows.values()),
        "needs_attention": by_status[SyncStatus.NEEDS_ATTENTION] + by_status[SyncStatus.FAILED],
        "by_status": dict(sorted(by_status.items())),
        "by_flow": {k: dict(sorted(v.items())) for k, v in sorted(by_flow.items())},
        "by_shop": {k: dict(sorted(v.items())) for k, v in sorted(by_shop.items())},
        "rows": [{"flow": f, "shop": s, "status": st, "count": n} for (f, s, st), n in sorted(rows.items())],
        "queues": queue_depths(ctx.storage),
        "generated_at": datetime.now(UTC).isoformat(),
    }


def queue_depths(storage: Storage) -> dict[str, dict[str, int | None]]:
    depths = {}
    for queue in names.QUEUES:
        depths[queue] = {"waiting": _depth(storage, queue), "poison": _depth(storage, names.poison_queue(queue))}
    return depths


def _depth(storage: Storage, queue: str) -> int | None:
    try:
        return storage.queue(queue).get_queue_properties().approximate_message_count
    except ResourceNotFoundError:
        return None


def parse_statuses(status: str | None) -> list[SyncStatus] | None:
    """`needs_attention`, `failed,needs_attention`, `attention` (both), `recent`/`all`/empty (any)."""
    if not status or status in ("recent", "all", "any"):
        return None
    result: list[SyncStatus] = []
    for part in (p.strip() for p in status.split(",") if p.strip()):
        if part == "attention":
            result += ATTENTION
            continue
        try:
            result.append(SyncStatus(part))
        except ValueError:
            raise OperationError(
                f"unknown status {part!r}; use one of {[str(s) for s in SyncStatus]}, attention or recent", 400,
            ) from None
    return list(dict.fromkeys(result))


def list_records(ctx: State, *, status: str | None = None, flow: str | None = None, shop: str | None = None,
                 limit: int = 50, since: datetime | None = None, until: datetime | None = None) -> list[SyncRecord]:
    """Matching records, most recently updated first; `since` (inclusive) / `until` (exclusive) bound the
    time of their last change."""
    check_names(status=status, flow=flow, shop=shop)
    limit = max(1, min(int(limit), MAX_LIST))
    statuses = parse_statuses(status)
    found = itertools.chain.from_iterable(
        ctx.synclog.query(flow=flow or None, shop=shop or None, status=one, updated_from=since, updated_to=until)
        for one in statuses or [None])
    # streamed: a sync log of a million successes is read once and never held, only the newest `limit`
    return heapq.nlargest(limit, found, key=lambda r: r.updated_at or datetime.min.replace(tzinfo=UTC))


def record_detail(ctx: State, flow: str, shop: str, external_id: str) -> dict | None:
    """One record with its history, error, resolution, BC document, binding and the raw payload as stored
    (up to MAX_DETAIL_PAYLOAD bytes; a larger one is shown cut, with its size)."""
    check_names(flow=flow, shop=shop, external_id=external_id)
    record = ctx.synclog.get(flow, shop, external_id)
    if record is None:
        return None
    detail = record.to_dict()
    detail["payload"] = _payload(ctx, record.payload_ref)
    detail["binding"] = None
    kind = BINDING_KINDS.get(flow)
    if kind:
        binding = ctx.bindings.get(kind, shop, external_id)
        if binding is not None:
            detail["binding"] = {
                "state": binding.state, "bc_company": binding.bc_company, "bc_entity": binding.bc_entity,
                "bc_id": binding.bc_id, "bc_number": binding.bc_number,
            }
    detail["queue"] = _target_queue(record)
    return detail


def _payload(ctx: State, ref: str) -> dict | None:
    if not ref:
        return None
    try:
        raw, headers = ctx.inbox.load(ref)
    except ResourceNotFoundError:
        return {"ref": ref, "missing": True, "size": 0, "headers": {}, "json": None, "text": None}
    payload = {"ref": ref, "missing": False, "size": len(raw), "headers": headers, "json": None, "text": None}
    if len(raw) > MAX_DETAIL_PAYLOAD:  # a hostile 100 MB body is not served back whole; the blob keeps it all
        payload["truncated"] = True
        payload["text"] = raw[:MAX_DETAIL_PAYLOAD].decode("utf-8", "replace")
        return payload
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        payload["base64"] = base64.b64encode(raw).decode()
        return payload
    try:
        payload["json"] = untrusted.loads(text)
    except untrusted.UnreadableJson:  # not JSON, or JSON too deep / with hostile numbers: shown as text
        payload["text"] = text
    return payload


# --- finding a record -------------------------------------------------------------------------------

SEARCH_SCAN = 500  # records looked at per search, newest first: a search stays a bounded read
# Where shops put what a person searches by: the order number people see (#1043 in Shopify's `name`,
# `order_number`; WooCommerce's `number`) and the customer's e-mail. Read from the stored raw payload.
PAYLOAD_KEYS = ("name", "order_number", "number", "email", "contact_email")
PAYLOAD_NESTED_EMAIL = ("customer", "billing", "billing_address")


def _normal(value: object) -> str:
    return str(value).strip().lower().lstrip("#")


def _payload_values(ctx: State, ref: str) -> set[str]:
    payload = _payload(ctx, ref)
    data = (payload or {}).get("json")
    if not isinstance(data, dict):
        return set()
    values = {_normal(data[k]) for k in PAYLOAD_KEYS if isinstance(data.get(k), str | int) and data.get(k) != ""}
    for key in PAYLOAD_NESTED_EMAIL:
        nested = data.get(key)
        if isinstance(nested, dict) and isinstance(nested.get("email"), str) and nested["email"]:
            values.add(_normal(nested["email"]))
    return values


def search_records(ctx: State, query: str, *, status: str | None = None, flow: str | None = None,
                   shop: str | None = None, limit: int = 50, since: datetime | None = None,
                   until: datetime | None = None) -> list[SyncRecord]:
    """Records matching `query`: the shop's order number (`1043` or `#1043`), the external id (whole, or the
    number at the end of a gid), the BC document number, or the customer's e-mail. Looks at the newest
    SEARCH_SCAN records matching the filters (a time window narrows them in storage); the id and BC document
    are checked first, the payload only for records they don't match."""
    wanted = _normal(query or "")
    if not wanted:
        raise OperationError("give something to search for (q): an order number, id, BC document or e-mail", 400)
    if len(wanted) > 200:
        raise OperationError("the search text is longer than 200 characters", 400)
    limit = max(1, min(int(limit), MAX_LIST))
    found: list[SyncRecord] = []
    for record in list_records(ctx, status=status, flow=flow, shop=shop, limit=SEARCH_SCAN, since=since,
                               until=until):
        external = record.external_id.lower()
        cheap = {external, external.rsplit("/", 1)[-1], *(record.bc_document.lower().split())}
        if wanted in cheap or wanted in _payload_values(ctx, record.payload_ref):
            found.append(record)
            if len(found) >= limit:
                break
    return found


# --- retrying ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requeued:
    flow: str
    shop: str
    external_id: str
    queue: str
    message_id: str
    payload_ref: str

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def _target_queue(record: SyncRecord) -> str | None:
    if record.topic.startswith(RAW_MESSAGE_TOPIC):
        return record.topic.removeprefix(RAW_MESSAGE_TOPIC)
    return FLOW_QUEUES.get(record.flow)


def retry_record(ctx: State, record: SyncRecord) -> Requeued:
    """Re-enqueue the stored payload exactly as originally delivered (same payload_ref, same bytes).

    The envelope is rebuilt from the record: same flow, shop, external id, delivery id, topic and payload
    reference; `source="replay"` and zero delayed retries. A poisoned message that was not an envelope is
    re-sent to its queue unchanged.
    """
    queue = _target_queue(record)
    if queue is None:
        raise OperationError(
            f"{record.flow} {record.external_id} of {record.shop} belongs to no queue that can replay it "
            f"(flows with a queue: {sorted(FLOW_QUEUES)})."
        )
    if not record.payload_ref:
        raise OperationError(f"{record.flow} {record.external_id} of {record.shop} has no stored payload to replay; "
                             "ask the shop to resend it (or wait for the reconcile timer).")
    try:
        raw, _ = ctx.inbox.load(record.payload_ref)
    except ResourceNotFoundError:
        raise OperationError(
            f"The stored payload {record.payload_ref} of {record.flow} {record.external_id} no longer exists "
            "(pruned?); ask the shop to resend it."
        ) from None
    with log_context(flow=record.flow, shop=record.shop, external_id=record.external_id):
        if record.topic.startswith(RAW_MESSAGE_TOPIC):
            message_id = ctx.storage.queue(queue).send_message(raw.decode("utf-8", errors="replace")).id
        else:
            envelope = Envelope(flow=record.flow, shop=record.shop, external_id=record.external_id,
                                event_id=record.event_id, payload_ref=record.payload_ref, topic=record.topic,
                                source="replay")
            message_id = enqueue(ctx.storage, queue, envelope)
        ctx.synclog.record(record.flow, record.shop, record.external_id, SyncStatus.RECEIVED,
                           message=f"Queued again on {queue} by an operator (replay of the stored payload; "
                                   f"it was {record.status}).")
        log.info("sync_replay queue=%s status_was=%s", queue, record.status)
    return Requeued(record.flow, record.shop, record.external_id, queue, message_id, record.payload_ref)


def retry_one(ctx: State, flow: str, shop: str, external_id: str) -> Requeued:
    check_names(flow=flow, shop=shop, external_id=external_id)
    record = ctx.synclog.get(flow, shop, external_id)
    if record is None:
        raise OperationError(f"No {flow} record {external_id!r} for shop {shop!r} in the sync log.", 404)
    return retry_record(ctx, record)


@dataclass
class BulkResult:
    requeued: list[Requeued] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    moved_from_poison: int = 0

    def to_dict(self) -> dict:
        return {"requeued": [r.to_dict() for r in self.requeued], "count": len(self.requeued),
                "moved_from_poison": self.moved_from_poison, "errors": self.errors}


def retry_matching(ctx: State, *, status: str, flow: str | None = None, shop: str | None = None,
                   limit: int = MAX_LIST) -> BulkResult:
    """Retry every record with this status (needs_attention, failed, skipped; `attention` = the first two)."""
    check_names(status=status, flow=flow, shop=shop)
    statuses = parse_statuses(status)
    if not statuses or any(s not in RETRYABLE_STATUSES for s in statuses):
        raise OperationError(
            f"retry-all takes a status of {[str(s) for s in RETRYABLE_STATUSES]} (or attention); "
            "retry a single record by flow, shop and external id instead.", 400,
        )
    result = BulkResult()
    for record in list_records(ctx, status=status, flow=flow, shop=shop, limit=limit):
        _retry_into(ctx, record, result)
    return result


def _retry_into(ctx: State, record: SyncRecord, result: BulkResult) -> None:
    try:
        result.requeued.append(retry_record(ctx, record))
    except OperationError as exc:
        result.errors.append({"flow": record.flow, "shop": record.shop, "external_id": record.external_id,
                              "error": exc.message})


def replay_poison(ctx: State, queue: str | None = None) -> BulkResult:
    """Put poisoned work back on its queue: messages still in `<queue>-poison` are moved back as they are;
    records the poison handler already logged as failed are re-enqueued from the sync log (once each)."""
    check_names(queue=queue)
    queues = [queue] if queue else list(names.QUEUES)
    unknown = [q for q in queues if q not in names.QUEUES]
    if unknown:
        raise OperationError(f"unknown queue {unknown[0]!r}; use one of {list(names.QUEUES)}", 400)
    result = BulkResult()
    for q in queues:
        done: set[tuple[str, str, str]] = set()
        _move_poison_messages(ctx, q, result, done)
        for flow in (QUEUE_FLOWS[q], "unknown"):
            for record in list(ctx.synclog.query(flow=flow, status=SyncStatus.FAILED)):
                if (record.flow, record.shop, record.external_id) not in done and _target_queue(record) == q:
                    _retry_into(ctx, record, result)
    return result


def _move_poison_messages(ctx: State, queue: str, result: BulkResult, done: set) -> None:
    poison = ctx.storage.queue(names.poison_queue(queue))
    target = ctx.storage.queue(queue)
    try:
        batches = list(poison.receive_messages(messages_per_page=32, visibility_timeout=60))
    except ResourceNotFoundError:
        return
    for message in batches:
        content = message.content
        try:
            envelope = Envelope.loads(content)
        except ValidationError:
            envelope = None
        sent = target.send_message(content)
        poison.delete_message(message)
        result.moved_from_poison += 1
        if envelope is None:
            result.requeued.append(Requeued(QUEUE_FLOWS[queue], UNKNOWN_SHOP, message.id, queue, sent.id, ""))
            continue
        external_id = envelope.external_id or envelope.event_id or envelope.payload_ref
        done.add((envelope.flow, envelope.shop, external_id))
        ctx.synclog.record(envelope.flow, envelope.shop, external_id, SyncStatus.RECEIVED,
                           payload_ref=envelope.payload_ref,
                           message=f"Moved back from {names.poison_queue(queue)} to {queue} by an operator.")
        result.requeued.append(Requeued(envelope.flow, envelope.shop, external_id, queue, sent.id,
                                        envelope.payload_ref))


# --- retention --------------------------------------------------------------------------------------

def retention_days(env: dict | None = None) -> int:
    env = os.environ if env is None else env
    raw = env.get(RETENTION_SETTING) or str(DEFAULT_RETENTION_DAYS)
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        log.error("%s=%r is not a whole number of days ≥ 1; using %s", RETENTION_SETTING, raw, DEFAULT_RETENTION_DAYS)
        return DEFAULT_RETENTION_DAYS
    return days


@dataclass
class Pruned:
    records: int = 0
    payloads: int = 0
    kept_shared_payloads: int = 0
    superseded_payloads: int = 0  # older deliveries of a record (its row points to the newest only)
    deliveries: int = 0  # webhook delivery identities older than the retention: shops stop retrying long before

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def prune_synclog(ctx: State, days: int | None = None, now: datetime | None = None) -> Pruned:
    """Delete success and skipped records not updated for `days` and their raw payloads.

    Never needs_attention, failed or received ones; a payload another kept record still points to stays.
    """
    days = retention_days() if days is None else days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    client = ctx.synclog.client
    kept_refs = {
        e.get("PayloadRef") for e in client.query_entities(
            "Status ne @a and Status ne @b", parameters={"a": str(PRUNABLE[0]), "b": str(PRUNABLE[1])},
            select=["PayloadRef"],
        ) if e.get("PayloadRef")
    }
    result = Pruned()
    for status in PRUNABLE:
        old = list(client.query_entities("Status eq @s and UpdatedAt lt @cutoff",
                                         parameters={"s": str(status), "cutoff": cutoff}))
        for entity in old:
            ref = entity.get("PayloadRef") or ""
            client.delete_entity(entity["PartitionKey"], entity["RowKey"])
            result.records += 1
            if ref and ref in kept_refs:
                result.kept_shared_payloads += 1
            elif ref:
                ctx.inbox.delete(ref)
                result.payloads += 1
    # old payloads no remaining record points to: earlier deliveries of the same record, reconcile copies
    referenced = {e.get("PayloadRef") for e in client.query_entities("PayloadRef ne ''", select=["PayloadRef"])}
    for blob in ctx.inbox.container.list_blobs():
        if blob.last_modified < cutoff and blob.name not in referenced:
            ctx.inbox.delete(blob.name)
            result.superseded_payloads += 1
    deliveries = Deliveries(ctx.storage).client
    for entity in deliveries.query_entities("Timestamp lt @cutoff", parameters={"cutoff": cutoff},
                                            select=["PartitionKey", "RowKey"]):
        deliveries.delete_entity(entity["PartitionKey"], entity["RowKey"])
        result.deliveries += 1
    log.info("sync_retention pruned_records=%s pruned_payloads=%s superseded_payloads=%s deliveries=%s days=%s",
             result.records, result.payloads, result.superseded_payloads, result.deliveries, days)
    return result
