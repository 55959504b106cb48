"""WooCommerce webhooks: signature check on the raw body and a description of the delivery.

Signature: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body, secret)), where WooCommerce first
passes the secret through `wp_specialchars_decode(secret, ENT_QUOTES)`: a secret typed as `a&amp;b`
is used as `a&b`. We apply the same decoding, so the operator stores the secret exactly as entered.

Ping: creating a webhook POSTs the form body `webhook_id=<id>` without a signature; answer 2xx.
Dedupe identity: `{resource id}:{date_modified_gmt}` from the body (the `X-WC-Webhook-Delivery-ID`
header is a hash of id and time, not stable across the duplicate hooks WooCommerce fires).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.platforms.delivery import Delivery, header, hmac_sha256_base64_matches
from core.platforms.payload import json_object, text

FLOWS = {
    "order.created": "orders",
    "order.updated": "orders",
    "action.woocommerce_order_refunded": "refunds",
    "customer.created": "customers",
    "customer.updated": "customers",
}

PING = re.compile(rb"^\s*webhook_id=(\d+)\s*$")

# wp_specialchars_decode(…, ENT_QUOTES) in one pass, like PHP's strtr: "&amp;lt;" → "&lt;", not "<".
# Named entities are case-sensitive; numeric ones may carry leading zeros, hex ones any case.
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#0*(?:60|62|38|34|39)|#[xX]0*(?:26|22|27));")
_DECODED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "60": "<", "62": ">", "38": "&", "34": '"',
            "39": "'", "26": "&", "22": '"', "27": "'"}


def wp_specialchars_decode(value: str) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("#"):
            name = name.lstrip("#xX").lstrip("0")
        return _DECODED[name]

    return _ENTITY.sub(replace, value)


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    secret_bytes = wp_specialchars_decode(secret).encode("utf-8")
    return hmac_sha256_base64_matches(raw, secret_bytes, header(headers, "X-WC-Webhook-Signature"))


def is_ping(raw: bytes, headers: Mapping[str, str]) -> bool:
    return bool(PING.match(raw)) and not header(headers, "X-WC-Webhook-Signature")


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    ping = PING.match(raw)
    if ping and not header(headers, "X-WC-Webhook-Signature"):
        webhook_id = ping.group(1).decode()
        return Delivery(topic="ping", resource_id=webhook_id, delivery_id=f"ping:{webhook_id}",
                        is_ping=True, flow=None)
    topic = header(headers, "X-WC-Webhook-Topic").strip()
    body = json_object(raw, "woocommerce")  # bounded depth and strict numbers (payload.loads)
    if topic.startswith("action."):
        # custom action topics send {"action": …, "arg": <first hook argument>} (an order id here)
        resource_id = text(body.get("arg")) if not isinstance(body.get("arg"), dict) else text(body["arg"].get("id"))
        version = header(headers, "X-WC-Webhook-Delivery-ID")
    else:
        resource_id = text(body.get("id"))
        version = text(body.get("date_modified_gmt")) or text(body.get("date_modified"))
    return Delivery(
        topic=topic,
        resource_id=resource_id,
        delivery_id=f"{resource_id}:{version}",
        is_ping=False,
        flow=FLOWS.get(topic),
    )
