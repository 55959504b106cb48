"""Operator actions shared by the admin API, the CLI and the poison handler: make failures visible, replay them."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from core.state import Envelope, SyncRecord, SyncStatus, enqueue, names
from core.sync.context import Context

log = logging.getLogger("core.sync.operations")

FLOW_QUEUES = {
    "orders": names.ORDERS_IMPORT,
    "refunds": names.REFUNDS_IMPORT,
    "payouts": names.PAYOUTS_IMPORT,
    "stock": names.STOCK_EXPORT,
    "shipments": names.SHIPMENTS_EXPORT,
}


def record_poisoned(ctx: Context, queue: str, body: bytes, message_id: str = "") -> SyncRecord:
    """A message the host gave up on: log it as failed (nothing sits unseen in a poison queue)."""
    try:
        envelope = Envelope.loads(body)
    except ValidationError:
        ref = ctx.inbox.store("_poison", body, source=f"poison:{queue}")
        return ctx.synclog.record(
            "unknown", "_poison", message_id or ref, SyncStatus.FAILED, payload_ref=ref, code="unreadable_message",
            message=f"A message on {queue} was not a valid envelope and was moved to the poison queue.",
            resolution="Inspect the stored message; it cannot be replayed automatically.",
        )
    external_id = envelope.external_id or envelope.event_id or envelope.payload_ref
    previous = ctx.synclog.get(envelope.flow, envelope.shop, external_id)
    last_error = previous.message if previous else ""
    log.error("sync_status=failed poisoned flow=%s shop=%s id=%s", envelope.flow, envelope.shop, external_id)
    return ctx.synclog.record(
        envelope.flow, envelope.shop, external_id, SyncStatus.FAILED, code="poisoned",
        payload_ref=envelope.payload_ref, event_id=envelope.event_id or None, topic=envelope.topic or None,
        message=f"Processing failed repeatedly and the message was moved to {names.poison_queue(queue)}. "
                f"Last error: {last_error or 'unknown'}",
        resolution="Fix the cause named in the last error (or the app if it is a bug), then retry this record.",
    )


def retry_record(ctx: Context, record: SyncRecord) -> Envelope:
    """Re-enqueue the stored payload exactly as originally delivered."""
    if not record.payload_ref:
        raise ValueError(f"{record.flow} {record.external_id} has no stored payload to replay")
    envelope = Envelope(flow=record.flow, shop=record.shop, external_id=record.external_id, event_id=record.event_id,
                        payload_ref=record.payload_ref, topic=record.topic, source="replay")
    enqueue(ctx.storage, FLOW_QUEUES[record.flow], envelope)
    ctx.synclog.record(record.flow, record.shop, record.external_id, SyncStatus.RECEIVED,
                       message="Queued again by an operator (replay of the stored payload).")
    return envelope
