"""The raw-payload inbox (Blob) and the delivery ledger that drops duplicate webhooks.

A webhook's body is stored byte for byte before the shop gets its 2xx, so nothing is lost even when
parsing fails later, and a replay re-processes exactly what the shop sent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from core.state import names
from core.state.storage import Storage, table_key

# Headers worth keeping with a payload (never Authorization or signatures: they are not needed to replay).
KEPT_HEADERS = (
    "content-type", "x-shopify-topic", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id",
    "x-shopify-event-id", "x-shopify-triggered-at", "x-wc-webhook-topic", "x-wc-webhook-resource",
    "x-wc-webhook-event", "x-wc-webhook-id", "x-wc-webhook-delivery-id", "x-wc-webhook-source",
)


class Inbox:
    def __init__(self, storage: Storage, container: str = names.INBOX):
        self.container = storage.container(container)

    def store(self, shop: str, raw: bytes, headers: dict[str, str] | None = None, source: str = "webhook") -> str:
        """Keep the payload; return its reference (the blob name)."""
        now = datetime.now(UTC)
        ref = f"{shop}/{now:%Y/%m/%d}/{now:%H%M%S}-{uuid.uuid4().hex}.json"
        metadata = {"source": source, "shop": shop}
        for key, value in (headers or {}).items():
            if key.lower() in KEPT_HEADERS:
                # blob metadata travels as HTTP headers: ASCII only (an unsigned header may carry anything)
                metadata[key.lower().replace("-", "_")] = value[:1000].encode("ascii", "backslashreplace").decode()
        self.container.upload_blob(ref, raw, metadata=metadata)
        return ref

    def load(self, ref: str) -> tuple[bytes, dict[str, str]]:
        """The payload bytes and the headers kept with it (names with dashes, lowercase)."""
        # one request: the download's answer carries the blob's metadata (x-ms-meta-* headers)
        download = self.container.get_blob_client(ref).download_blob()
        raw = download.readall()
        metadata = download.properties.metadata or {}
        headers = {k.replace("_", "-"): v for k, v in metadata.items() if k not in ("source", "shop")}
        return raw, headers

    def delete(self, ref: str) -> None:
        try:
            self.container.delete_blob(ref)
        except ResourceNotFoundError:
            pass


class Deliveries:
    """Delivery identities already accepted, per shop. Recorded *after* the payload is queued, so a
    crash between the two produces a duplicate message (harmless: bindings dedupe) rather than a loss."""

    def __init__(self, storage: Storage, table: str = names.DELIVERIES):
        self.client = storage.table(table)

    def seen(self, shop: str, delivery_id: str) -> bool:
        try:
            self.client.get_entity(table_key(shop), table_key(delivery_id))
            return True
        except ResourceNotFoundError:
            return False

    def remember(self, shop: str, delivery_id: str, payload_ref: str) -> bool:
        """Record it; False when it was already there (a concurrent duplicate)."""
        try:
            self.client.create_entity({
                "PartitionKey": table_key(shop), "RowKey": table_key(delivery_id), "PayloadRef": payload_ref,
            })
            return True
        except ResourceExistsError:
            return False
