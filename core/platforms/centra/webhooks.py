"""Centra webhook plugin ("Integration API" flavour): signature check on the raw body and a description.

Wire format: `POST`, `Content-Type: application/x-www-form-urlencoded`, body `payload=<urlencoded JSON>`,
the JSON being `{"events": [{"type": "order", "action": "update", "date": "…", "id": 2735}, …]}`. The `id` of
an order event is the order *number* (Centra's integer; the hash `id` is another thing). The body carries
only ids: the worker fetches the order with the Integration API (parse.load_order).

Signature: `X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, over the raw
urlencoded body exactly as received. `t` is checked against `tolerance` (default 24 h): a replayed body
only makes the worker re-read the order from the API, so the window only has to keep old captures out,
not to be tight — and Centra's retries (up to 3, growing delay) must still pass.

Dedupe identity: `order:<number>:<action>:<date>` of the first order event (a retry carries the same body).
One delivery describes one order: set the plugin's "max events per call" to 1 so every order event is its
own call (`parse.order_numbers` lists every order of a batched body for a caller that fans out; orders
of a batch beyond the first are otherwise picked up by the reconcile run).
The "Checkout API" flavour (`{"products": [...], ...}`) feeds no flow.

Customers: the Integration API flavour also sends `customer` events (and `account`, `shipment`, `return`)
[V: api-documentation @cdb82b5~1 pages/06.plugins/09.centra-webhook/docs.md, "Integration API webhooks currently
support events of the following types: Order, Shipment, Customer (customer), Account (account), Return"]. A body
whose first event is a `customer` event feeds the customers flow; its `id` is read as the customer's integer id
and the worker reads the customer with the Integration API (parse.load_customer) [U: the documentation shows
no customer event, so neither the id's meaning nor the action names are verified]. An order event in the same
body wins (the orders flow); set "max events per call" to 1, as for orders. `account` events feed no flow
(wholesale accounts are not imported).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

from core.platforms.delivery import Delivery, header
from core.platforms.payload import json_body, text

SIGNATURE_HEADER = "X-Centra-Signature"
DEFAULT_TOLERANCE = 24 * 3600
MAX_TIMESTAMP_DIGITS = 12
FLOW_BY_TYPE = {"order": "orders", "customer": "customers"}  # shipment/return/account events feed none


def _signature_parts(value: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for part in value.split(","):
        key, _, item = part.strip().partition("=")
        if key == "t":
            timestamp = item.strip()
        elif key == "v1":
            signatures.append(item.strip().lower())
    return timestamp, signatures


def verify(raw: bytes, headers: Mapping[str, str], secret: str, *, now: float | None = None,
           tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """True when one `v1` of the header is HMAC-SHA256(secret, "<t>.<raw>") and `t` is within `tolerance`
    seconds of `now`. Missing/garbled header, empty secret or a stale `t` → False."""
    if not secret:
        return False
    timestamp, signatures = _signature_parts(header(headers, SIGNATURE_HEADER))
    # a unix time has 10 digits; 400 of them would overflow the comparison below
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS or not signatures:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + raw, hashlib.sha256).hexdigest()
    matched = False
    for signature in signatures:  # compare every candidate, so the time does not tell which one matched
        matched |= hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace"))
    return matched


def body_json(raw: bytes) -> object:
    """The JSON inside a `payload=` form body (or a plain JSON body, as stored by the reconcile run);
    None when it is neither; NeedsAttention when it is JSON we refuse to read (payload.loads)."""
    stripped = raw.strip()
    if stripped.startswith((b"{", b"[")):
        return json_body(stripped, "centra")
    try:
        fields = parse_qs(stripped.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        inner = fields["payload"][0]
    except (UnicodeDecodeError, ValueError, KeyError, IndexError):
        return None
    return json_body(inner.encode("utf-8", "surrogatepass"), "centra")


def order_events(body: object) -> list[dict]:
    """The `order` events of an Integration API webhook body, in the order sent."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return []
    return [e for e in body["events"] if isinstance(e, dict) and text(e.get("type")).lower() == "order"
            and text(e.get("id"))]


def customer_events(body: object) -> list[dict]:
    """The `customer` events of an Integration API webhook body, in the order sent."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return []
    return [e for e in body["events"] if isinstance(e, dict) and text(e.get("type")).lower() == "customer"
            and text(e.get("id"))]


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = body_json(raw)
    events = order_events(body)
    if events:
        first = events[0]
        action = text(first.get("action")).lower()
        number = text(first.get("id"))
        topic = f"order.{action}"
        return Delivery(topic=topic, resource_id=number,
                        delivery_id=f"order:{number}:{action}:{text(first.get('date'))}",
                        is_ping=False, flow=FLOW_BY_TYPE["order"])
    if isinstance(body, dict) and isinstance(body.get("events"), list) and body["events"]:
        first = body["events"][0] if isinstance(body["events"][0], dict) else {}
        kind, action, ident = text(first.get("type")), text(first.get("action")), text(first.get("id"))
        flow = FLOW_BY_TYPE.get(kind.lower()) if ident else None
        return Delivery(topic=f"{kind}.{action}", resource_id=ident,
                        delivery_id=f"{kind}:{ident}:{action}:{text(first.get('date'))}", is_ping=False, flow=flow)
    # Checkout API flavour ({"products": [...], "categories": [...]}) or an unreadable body
    kinds = sorted(body) if isinstance(body, dict) else []
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return Delivery(topic=",".join(kinds) or "unknown", resource_id="", delivery_id=f"body:{digest}",
                    is_ping=False, flow=None)
