"""Shopware 6 app webhooks: signature check on the raw body and a description of the delivery.

Signature: `shopware-shop-signature` = hex(HMAC-SHA256(raw body, app secret)), the secret the app gave the
shop at registration (the setting named by the shop's `webhook_secret_setting`). A body whose `timestamp`
is more than REPLAY_WINDOW old (or ahead) is refused as a replay, even when correctly signed; retried
deliveries keep their first timestamp, so the window is generous (Shopware retries within minutes).

Body: `{"data": {"payload": …, "event": …}, "source": {"url", "appVersion", "shopId", "eventId"},
"timestamp"}`. Dedupe identity: `source.eventId` (the same across retries since 6.4.11), else
`{event}:{resource id}:{timestamp}`.

Flows: the business events that carry the whole order in `data.payload.order` feed the orders flow
(`checkout.order.placed`, `state_enter.order_transaction.state.paid`, `state_enter.order.state.cancelled`).
`order.written` carries only ids (`payload[].primaryKey`): it feeds the orders flow with the order id as
resource id, and the worker's `parse.load_order` reads the order with the Admin API (the reconcile poll
on updatedAt stays the safety net). `customer.written` (ids only, read by `parse.load_customer`) and
`checkout.customer.register` (the customer in `data.payload.customer`) feed the customers flow.
Subscribe with `onlyLiveVersion="true"` (6.5.7+), or every draft-version
write of an order in the Administration is a delivery too. Shopware core has no refund document, so no
topic feeds refunds. Shopware sends no ping.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from core.errors import NeedsAttention
from core.platforms.delivery import Delivery, header
from core.platforms.payload import json_object, text

SIGNATURE = "shopware-shop-signature"
REPLAY_WINDOW = 24 * 3600  # seconds
MAX_TIMESTAMP = 10**11  # year 5138: anything larger is not a unix time

FLOWS = {
    "checkout.order.placed": "orders",
    "state_enter.order_transaction.state.paid": "orders",
    "state_enter.order.state.cancelled": "orders",
    "order.written": "orders",  # ids only: parse.load_order fetches the order
    "customer.written": "customers",  # ids only: parse.load_customer fetches the customer
    "checkout.customer.register": "customers",  # carries the customer in data.payload.customer [U]
}


def verify(raw: bytes, headers: Mapping[str, str], secret: str, *, now: float | None = None) -> bool:
    """True when the body was signed with `secret` and its timestamp is within REPLAY_WINDOW of `now`."""
    signature = header(headers, SIGNATURE).strip().lower()
    if not signature or not secret:
        return False
    expected = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("ascii", "replace")):
        return False
    sent = _timestamp(raw)
    if sent is None:
        # signed, and an attacker cannot remove or garble the timestamp without breaking the signature: a body
        # whose timestamp cannot be read is the shop's own, and describe() decides whether it is usable
        return True
    return abs((time.time() if now is None else now) - sent) <= REPLAY_WINDOW


def _body(raw: bytes) -> dict:
    return json_object(raw, "shopware")


def _timestamp(raw: bytes) -> float | None:
    """The body's unix `timestamp`; None when absent or not a plausible unix time (not a number, 400 digits)."""
    try:
        value = _body(raw).get("timestamp")
    except NeedsAttention:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < MAX_TIMESTAMP:
        return None
    return float(value)


def resource_id(body: dict) -> str:
    """The order a delivery is about: `data.payload.order.id` (business events), else the first written
    entity's `primaryKey` (entity written events)."""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    payload = data.get("payload")
    if isinstance(payload, dict):
        for entity in ("order", "customer"):
            node = payload.get(entity)
            if isinstance(node, dict) and text(node.get("id")):
                return text(node["id"])
        return text(payload.get("id"))
    if isinstance(payload, list):
        for entry in payload:
            key = primary_key(entry)
            if key:
                return key
    return ""


def primary_key(entry) -> str:
    """The id of one written entity: `primaryKey` is the id, or `{"id", "versionId"}` for versioned ones."""
    key = entry.get("primaryKey") if isinstance(entry, dict) else None
    if isinstance(key, dict):
        key = key.get("id")
    return text(key) if isinstance(key, str | int) else ""


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = _body(raw)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    source = body.get("source") if isinstance(body.get("source"), dict) else {}
    topic = text(data.get("event"))
    resource = resource_id(body)
    # before 6.4.11 there is no eventId; `timestamp` has one-second resolution, so two writes of an order in
    # the same second would look like one: the body's digest tells a retry (same bytes) from a new write
    delivery_id = text(source.get("eventId")) or f"{topic}:{resource}:{hashlib.sha256(raw).hexdigest()[:32]}"
    return Delivery(topic=topic, resource_id=resource, delivery_id=delivery_id, is_ping=False,
                    flow=FLOWS.get(topic))
