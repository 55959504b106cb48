"""Brink Commerce (legacy configuration webhooks): authentication by a static header, id-only bodies.

Brink signs nothing; a webhook registration (`PUT …/configurationv1/configurations/webhooks`) carries
`data.headers`: register `{"X-Webhook-Secret": "<the shop's webhook secret>"}` there.

Bodies: order `{"service": "order", "state": "success|refunded|canceled|shipped|waiting", "orderId"}`,
product `{"service": "product", "state": "created|updated", "productId"}`, and the URL check
`{"message": "Hello from Brink Commerce"}` (a ping: answered 2xx, nothing stored). The order is fetched by
API (parse.load_order). Topic `<service>.<state>`; dedupe identity `order:<orderId>:<state>` (a state is
entered once). Orders flow: success (placed), waiting (awaiting payment), canceled; shipped comes from BC
and refunded is not imported (refunds for Brink are not supported yet). Brink documents no retry policy.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import NeedsAttention
from core.platforms.delivery import Delivery
from core.platforms.payload import text
from core.platforms.static_secret import SECRET_HEADER, json_object, secret_header_matches

PING_MESSAGE = "Hello from Brink Commerce"
FLOWS = {"order.success": "orders", "order.waiting": "orders", "order.canceled": "orders"}


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


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_object(raw, "brink")
    if text(body.get("message")) == PING_MESSAGE and "service" not in body:
        return Delivery(topic="ping", resource_id="", delivery_id="", is_ping=True, flow=None)
    service, state = text(body.get("service")).lower(), text(body.get("state")).lower()
    resource_id = text(body.get(f"{service}Id")) if service else ""
    topic = f"{service}.{state}" if service else "unknown"
    return Delivery(topic=topic, resource_id=resource_id,
                    delivery_id=f"{service}:{resource_id}:{state}" if resource_id else "",
                    is_ping=False, flow=FLOWS.get(topic) if resource_id else None)
