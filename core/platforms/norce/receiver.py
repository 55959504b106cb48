"""Norce's Order Receiver push, the platform's side: HTTP Basic auth, what a pushed body is, and the
`OrderResponse` Norce expects back [V: N5, N5s].

Norce POSTs the whole Connect `OrderRequest` to the URL configured in Admin → Client settings → ERP integration
(type REST, with a user name and password it sends as HTTP Basic auth) and waits for
`OrderResponse {StatusCode: "OK"|"Failed", ErpOrderNo, HasErpOrderNo, Description}`. On Failed (or no answer)
it retries "for a limited period", then escalates to Norce support.

The ERP order number: at receipt the bridge has stored the order, not created it in Business Central (that is
the queue worker's job, seconds later), so it has no BC number to give. It answers `HasErpOrderNo: false` with
an empty `ErpOrderNo`, and says in `Description` which basket was stored. Norce's order number stays the basket
id (Query documents that an ERP number in this answer can override it), so every later call — delivery notes,
order status — names the order by its basket id (`ClientOrderRef`) or Norce's `OrderNo`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

from core.platforms.delivery import Delivery, header
from core.platforms.norce import parse
from core.platforms.payload import json_body, malformed, text

TOPIC = "OrderRequest"


def credentials_match(headers: Mapping[str, str], expected: str) -> bool:
    """True when the request's `Authorization: Basic …` carries exactly `expected` ("user:password"), compared
    in constant time. A missing, malformed or empty value is False."""
    value = header(headers, "Authorization").strip()
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip() or not expected or ":" not in expected:
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected.encode("utf-8"))


def describe(raw: bytes) -> Delivery:
    """An authenticated push: the basket it carries. A body that is no OrderRequest → NeedsAttention.
    The identity `OrderRequest:<basket>:<hash of the body>` drops Norce's retry of a push whose OK it lost
    (the same bytes), while a different body for the basket (an order re-sent from Norce Admin after a change)
    is a new delivery that the worker compares with what BC holds."""
    body = json_body(raw, "norce")
    if not parse.is_order_request(body):
        raise malformed("norce", "order", "the Order Receiver body is not a JSON OrderRequest (ClientOrderRef and "
                        "Items); set the ERP endpoint type to REST (JSON) in Norce Admin")
    basket = parse.basket_id(body)
    if not basket:
        raise malformed("norce", "order", "the OrderRequest has no ClientOrderRef (basket id)")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Delivery(topic=TOPIC, resource_id=basket, delivery_id=f"{TOPIC}:{basket}:{digest}", is_ping=False,
                    flow="orders")


def order_response(ok: bool, description: str) -> str:
    """The OrderResponse JSON; never an ERP order number (see the module docstring)."""
    return json.dumps({"StatusCode": "OK" if ok else "Failed", "ErpOrderNo": "", "HasErpOrderNo": False,
                       "Description": text(description)[:500]})
