"""Shopify webhooks: signature check on the raw body and a description of the delivery.

Signature: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(raw body, app client secret)).
Dedupe identity: topic + `X-Shopify-Event-Id` (the same event delivered twice carries the same id; the
contract keys duplicates on (shop, topic, event id), so one event reaching two topics is two deliveries),
else topic + `X-Shopify-Webhook-Id` (older API versions). Headers are not signed: they only decide what
is a duplicate at receipt; what happens to the order follows the signed body (core/sync/orders.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from core.platforms.delivery import Delivery, check_topic_fits_body, header, hmac_sha256_base64_matches
from core.platforms.payload import gid_tail, json_object, text

FLOWS = {
    "orders/create": "orders",
    "orders/paid": "orders",
    "orders/updated": "orders",
    "orders/cancelled": "orders",
    "refunds/create": "refunds",
    "customers/create": "customers",
    "customers/update": "customers",
}


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when the body was signed with `secret`. Missing header or empty secret → False."""
    return hmac_sha256_base64_matches(raw, secret.encode("utf-8"), header(headers, "X-Shopify-Hmac-Sha256"))


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    topic = header(headers, "X-Shopify-Topic").strip()
    event_id = (header(headers, "X-Shopify-Event-Id") or header(headers, "X-Shopify-Webhook-Id")).strip()
    body = _body(raw)
    flow = FLOWS.get(topic)
    check_topic_fits_body("Shopify", topic, flow, _body_flow(body))
    return Delivery(
        topic=topic,
        # ids above 2^53 may have been rounded by a JSON re-serializer; the GraphQL id keeps every digit
        resource_id=gid_tail(body.get("admin_graphql_api_id")) or text(body.get("id")),
        delivery_id=f"{topic}:{event_id}" if event_id else "",
        is_ping=False,  # Shopify has no ping delivery; test deliveries are ordinary topics
        flow=flow,
    )


def _body(raw: bytes) -> dict:
    body = json_object(raw, "shopify")  # bounded depth and strict numbers (payload.loads)
    if len(body) == 1 and isinstance(next(iter(body.values())), dict):
        body = next(iter(body.values()))  # REST wrapper {"order": {...}}
    return body


def _body_flow(body: dict) -> str | None:
    """What the signed body is, by the fields only that resource has (Admin REST webhook payloads):
    an order has line_items, a refund refund_line_items, a customer addresses/default_address and no lines."""
    if "refund_line_items" in body:
        return "refunds"
    if "line_items" in body:
        return "orders"
    if "addresses" in body or "default_address" in body:
        return "customers"
    return None
