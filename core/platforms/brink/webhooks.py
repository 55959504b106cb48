"""Brink Commerce webhooks: authentication by a static header; two kinds of body.

Brink signs nothing. Both the legacy webhook registration (`PUT …/configurationv1/configurations/webhooks`,
`data.headers`) and an EventBridge API destination (the Post Purchase API's webhook target) can add a header:
register `{"X-Webhook-Secret": "<the shop's webhook secret>"}` there.

Bodies:
- newer events (contract 2.1 [V: B3]): `{id, source: "brink.external.v1", "detail-type", time, detail: {metadata,
  data}}`. `OrderCreated` / `OrderUpdated` carry the whole order with an incrementing `data.version`: topic
  `order.created` / `order.updated`, dedupe identity `order:<orderId>:v<version>` (the same version delivered
  twice is one event; a new version is always a new one). `OrderRefunded` (contract 2.5 [V: B3]) goes to the
  refunds flow (topic `OrderRefunded`, the record is the refund id, identity the event id); so does
  `OrderRefundedFailed`, which the refund parser skips with its reason in the sync log
  (no money went back). Other Order events (OrderDelivered, …) are kept and acknowledged, not imported:
  shipments come from BC.
- legacy (contract 2.1 [V: B5]): order `{"service": "order", "state": "success|refunded|canceled|shipped|waiting",
  "orderId"}`, product `{"service": "product", "state": "created|updated", "productId"}`, and the URL check
  `{"message": "Hello from Brink Commerce"}` (a ping: answered 2xx, nothing stored). An order body names the
  order only, and the same state can be sent again after the order changed, so it has no dedupe identity: every
  delivery fetches the current order and the orders flow drops what BC already holds (same content, or an
  older version). Orders flow: success (placed), waiting (awaiting payment), canceled.
Brink documents no retry policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import NeedsAttention
from core.platforms.brink.parse import (
    ORDER_EVENTS,
    REFUND_EVENTS,
    REFUND_FIELDS,
    event_data,
    event_type,
    version,
)
from core.platforms.delivery import Delivery
from core.platforms.payload import text
from core.platforms.static_secret import SECRET_HEADER, json_object, secret_header_matches

PING_MESSAGE = "Hello from Brink Commerce"
FLOWS = {"order.success": "orders", "order.waiting": "orders", "order.canceled": "orders",
         "order.created": "orders", "order.updated": "orders",
         # the newer refund events keep their detail-type as topic: "order.refunded" is the legacy webhook's state,
         # which names an order id only (no refund to credit) and stays unread
         "OrderRefunded": "refunds", "OrderRefundedFailed": "refunds"}


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    return secret_header_matches(headers, secret, SECRET_HEADER)


def is_ping(raw: bytes, headers: Mapping[str, str]) -> bool:
    """Brink's URL check, recognised even unsigned (whether Brink sends the configured headers with it is not
    documented). Read only when it is small: an unsigned body is not otherwise parsed."""
    if len(raw) > 200:
        return False
    try:
        return json_object(raw, "brink") == {"message": PING_MESSAGE}
    except NeedsAttention:
        return False


def _event(body: dict) -> Delivery:
    kind = event_type(body)
    data = event_data(body) or {}
    if kind in ORDER_EVENTS:
        order_id, number = text(data.get("id")), version(data)
        topic = "order." + kind.removeprefix("Order").lower()
        identity = f"order:{order_id}:v{number}" if order_id and number is not None else ""
        return Delivery(topic=topic, resource_id=order_id, delivery_id=identity, is_ping=False,
                        flow=FLOWS.get(topic) if order_id else None)
    event_id = f"event:{text(body.get('id'))}" if text(body.get("id")) else ""
    if kind in REFUND_EVENTS:
        # one record per refund (a failed refund made again is the same record); a redelivered event is dropped
        refund_id = text(data.get(REFUND_FIELDS.refund_id))
        return Delivery(topic=kind, resource_id=refund_id, delivery_id=event_id, is_ping=False,
                        flow=FLOWS[kind] if refund_id else None)
    # OrderDelivered, …: the event id is their identity; no flow reads them
    return Delivery(topic=kind, resource_id=text(data.get("orderId")) or text(data.get("id")),
                    delivery_id=event_id, is_ping=False, flow=None)


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_object(raw, "brink")
    if event_type(body):
        return _event(body)
    if text(body.get("message")) == PING_MESSAGE and "service" not in body:
        return Delivery(topic="ping", resource_id="", delivery_id="", is_ping=True, flow=None)
    service, state = text(body.get("service")).lower(), text(body.get("state")).lower()
    resource_id = text(body.get(f"{service}Id")) if service else ""
    topic = f"{service}.{state}" if service else "unknown"
    return Delivery(topic=topic, resource_id=resource_id, delivery_id="",
                    is_ping=False, flow=FLOWS.get(topic) if resource_id else None)
