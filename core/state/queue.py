"""The small message that travels on the queues: where the payload is, not the payload itself."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from core.state.storage import Storage


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flow: str  # orders, refunds, …
    shop: str
    external_id: str = ""  # the shop's id of the record, when known at receipt
    event_id: str = ""  # the delivery identity (dedupe key)
    payload_ref: str  # blob name in the inbox
    topic: str = ""
    source: str = "webhook"  # webhook | reconcile | replay | backfill
    retries: int = 0  # delayed re-queues after Retryable errors (not host dequeues)
    enqueued_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def dumps(self) -> str:
        return self.model_dump_json()

    @classmethod
    def loads(cls, text: str | bytes) -> Envelope:
        return cls.model_validate_json(text)


def enqueue(storage: Storage, queue: str, envelope: Envelope, visibility_timeout: int | None = None) -> str:
    """Put the envelope on `queue`, base64-encoded as the Functions queue trigger expects; returns the id."""
    message = storage.queue(queue).send_message(envelope.dumps(), visibility_timeout=visibility_timeout)
    return message.id
