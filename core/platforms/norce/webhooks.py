"""Norce Commerce events (NorceEvent webhooks): authentication by a static header, id-only bodies.

Norce signs nothing; its event configuration (Admin → event type → URL, custom headers) sends static
headers. Configure `X-Webhook-Secret: <the shop's webhook secret>` there, and `X-Norce-Event: <event type>`
(e.g. `OrderConfirmedEvent`), since the body does not name its event type. Without that header the type is
read from the body's shape: `PaymentCode` → OrderPaymentReceivedEvent, else an order id → OrderEvent.

Bodies carry ids only (ClientId, ApplicationId, OrderId, OrderNo, ClientOrderRef, …): the order is fetched
by API (parse.load_order). Resource id: `ClientOrderRef` (the basket id the order is fetched by and the
Order Receiver's push names), else `OrderId` (not 0). Dedupe identity: `<event type>:<id>` (Norce retries
send the same event; order events are sent once per order), plus `PaymentRef` for payment events (an order
can be paid in parts); none for an untyped "OrderEvent" (the event header is missing), which the worker
handles idempotently. Norce retries non-2xx with back-off for about 22 h, then dead-letters.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.platforms.delivery import Delivery, header
from core.platforms.payload import text
from core.platforms.static_secret import SECRET_HEADER, json_object, secret_header_matches

EVENT_HEADER = "X-Norce-Event"
FLOWS = {
    "OrderReceivedEvent": "orders",
    "OrderConfirmedEvent": "orders",
    "OrderPaymentReceivedEvent": "orders",
    "OrderCancelledEvent": "orders",
    "OrderEvent": "orders",  # type not configured as a header: an order event of unknown kind
}


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    return secret_header_matches(headers, secret, SECRET_HEADER)


def order_id(body: dict) -> str:
    """The basket id (`ClientOrderRef`): the key the order is fetched by and the Order Receiver's push carries,
    so an event and a push of one order share one record; the `OrderId` only when no basket is named."""
    basket = text(body.get("ClientOrderRef"))
    if basket not in ("", "0"):
        return basket
    number = text(body.get("OrderId"))
    return number if number not in ("", "0") else ""


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_object(raw, "norce")
    resource_id = order_id(body)
    topic = header(headers, EVENT_HEADER).strip()
    if not topic:
        topic = "OrderPaymentReceivedEvent" if "PaymentCode" in body else ("OrderEvent" if resource_id else "unknown")
    # without the event header every order event reads "OrderEvent": keyed on the order alone, a later
    # cancellation would be dropped as a duplicate of the confirmation. Nothing unique remains, so such
    # deliveries are not deduplicated here; the worker fetches the current order and the binding keeps it once.
    delivery_id = f"{topic}:{resource_id}" if resource_id and topic != "OrderEvent" else ""
    if delivery_id and topic == "OrderPaymentReceivedEvent":
        delivery_id += f":{text(body.get('PaymentRef'))}"
    return Delivery(topic=topic, resource_id=resource_id, delivery_id=delivery_id, is_ping=False,
                    flow=FLOWS.get(topic) if resource_id else None)
