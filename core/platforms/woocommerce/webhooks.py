"""WooCommerce webhooks: signature check on the raw body and a description of the delivery.

Signature: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body, secret)), where WooCommerce first
passes the secret through `wp_specialchars_decode(secret, ENT_QUOTES)`: a secret typed as `a&amp;b`
is used as `a&b`. We apply the same decoding, so the operator stores the secret exactly as entered.

Ping: creating a webhook POSTs the form body `webhook_id=<id>` without a signature; answer 2xx.

Dedupe identity (`Delivery.delivery_id`): WooCommerce guarantees nothing unique per event. Its
`X-WC-Webhook-Delivery-ID` is `wp_hash(webhook id . strtotime('now'))` (class-wc-webhook.php,
get_new_delivery_id): every delivery of one webhook within the same whole second shares it. The
body's `date_modified_gmt` has the same one-second resolution, so `order.created` (pending) and
`order.updated` (processing) in one second looked like one event. What does tell two events apart is
what they say: the identity is `{resource id}:{SHA-256 of the signed body}`. The same state delivered
twice (the duplicate hooks WooCommerce fires, or order.created and order.updated with one body) is
one delivery; any change in the body is a new one.

Action topics (`action.woocommerce_order_refunded`) carry only `{"action", "arg": <order id>}`: every
refund of an order sends the same bytes, so neither the body nor the per-second header can tell two
refunds apart. They get no dedupe identity (""): each delivery is queued, and the refunds worker reads
all of the order's refunds and imports each refund once (its own binding).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from core.platforms.delivery import Delivery, check_topic_fits_body, header, hmac_sha256_base64_matches
from core.platforms.payload import json_object, text

FLOWS = {
    "order.created": "orders",
    "order.updated": "orders",
    "action.woocommerce_order_refunded": "refunds",
    "customer.created": "customers",
    "customer.updated": "customers",
}

RECEIPT_FAILURES_DISABLE_WEBHOOK = True
"""WooCommerce switches a webhook off after its own failure count: class-wc-webhook.php `log_delivery()`
counts an answer as success only for 200 ≤ status < 303 (any other status or a transport error is a
failure), and `failed_delivery()` sets the webhook's status to `disabled` once more than five failures
(`woocommerce_max_webhook_delivery_failures`, default 5) came in a row. WooCommerce never retries a
delivery. So receipt must not answer outside 200–302 for anything but a bad signature: a missing
secret or a storage hiccup is answered 200 (body kept if at all possible, alarm in the sync log);
an answer of 503 does not make WooCommerce "retry later", it loses the delivery and counts towards
switching the webhook off for every later order."""

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
        # custom action topics send {"action": …, "arg": <first hook argument>} (an order id here);
        # identical bytes for every refund of the order: no identity can tell them apart (see above)
        resource_id = text(body.get("arg")) if not isinstance(body.get("arg"), dict) else text(body["arg"].get("id"))
        delivery_id = ""
    else:
        resource_id = text(body.get("id"))
        delivery_id = f"{resource_id}:{hashlib.sha256(raw).hexdigest()}"
    flow = FLOWS.get(topic)
    check_topic_fits_body("WooCommerce", topic, flow, _body_flow(body))
    return Delivery(
        topic=topic,
        resource_id=resource_id,
        delivery_id=delivery_id,
        is_ping=False,
        flow=flow,
    )


def _body_flow(body: dict) -> str | None:
    """What the signed body is (the X-WC-Webhook-Topic header is not signed): an action delivery names its
    action in the body (class-wc-webhook.php build_payload: {"action", "arg"}), an order has line_items,
    a customer a role and username."""
    if "action" in body and "arg" in body:
        return FLOWS.get(f"action.{body['action']}") if isinstance(body["action"], str) else None
    if "line_items" in body:
        return "orders"
    if "role" in body and "username" in body:
        return "customers"
    return None
