"""The Centra Integration API (GraphQL): orders in, stock and shipments out.

    client = client_for(shop)                  # token from the app setting named by shop.api_token_setting
    node = client.order(14)                    # the order node by its number, None when there is none
    for node in client.orders_updated_between(since, until):
        ...                                    # order nodes, the shape parse.parse_order reads
    client.size_targets()                      # SKU → (variant id, size name), for setStock
    client.set_stock(warehouse, variants)      # userErrors of one setStock mutation
    client.create_shipment(input) / client.complete_shipment(id, input)   # (shipment, userErrors)

Endpoint: `shop.url` is the Integration API URL (`https://<tenant>.centra.com/graphql/integration`); a bare
tenant URL gets `/graphql/integration` appended. Auth: `Authorization: Bearer <Integration API token>`
(AMS → System → API Tokens, with Order:read, Order.shippingAddress:read, Order.billingAddress:read,
Purchaser:read, Product:read, Payment:read). Tokens expire (30 days by default): a 401 says so.

Orders: `orders(where: {number: N}, limit: 1)` (the documented look-up after an order webhook) and
`orders(where: {updatedAt: {from, to}}, sort: [updatedAt_ASC], limit, page)` for the reconcile window
[unverified: the updatedAt filter and sort names follow the documented createdAt filter and `*_ASC` sorts].
Arguments are written into the query as literals we format ourselves (integers and ISO times), so no
GraphQL scalar type name has to be guessed. Page numbers shift when an order leaves the window while we
read, so after each full page the next request starts again from the last page's `updatedAt` (inclusive),
skipping the numbers already yielded at that second, and only walks `page=2,3,…` while a whole page shares
one second (the same scheme as the WooCommerce client). Orders are filtered to since ≤ updatedAt < until.

Limits: query complexity per token; over it Centra answers 429 with Retry-After, which the shared send
honours (then Retryable). GraphQL `errors` → NeedsAttention naming the message. The token is never logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_token
from core.platforms.payload import text, timestamp

GRAPHQL_PATH = "/graphql/integration"
MAX_PAGE = 100
USER_ERRORS = "userErrors { message path }"
# SKU → variant and size: Centra documents no look-up by SKU, so the catalog is read page by page
# [unverified: the root `productVariants(limit, page)` and `ProductSize.size { name }`; `productSizes`,
# `SKU` are documented on ProductVariant / order lines]. One constant, so a correction is one line.
SIZES_QUERY = ("query BridgeSizes { productVariants(limit: %d, page: %d) "
               "{ id productSizes { SKU size { name } } } }")
SHIPMENT_FIELDS = ("id number isGoodToGo isShipped isPaid additionalMessage trackingNumber shippedAt "
                   "lines { id quantity orderLine { id } }")
# the order with what a shipment needs: its lines (ids, SKUs, quantities), its shipments, its payments
# [unverified: `Order.shipments` and `ShipmentLine.orderLine`; the rest is the documented order selection]
SHIPPING_ORDER_QUERY = ("query BridgeShippingOrder { orders(where: {number: %d}, limit: 1) { id number status "
                        "grandTotal { value } paymentHistory { entryType status value { value } } "
                        "lines { id quantity productVariant { id } productSize { SKU } } "
                        "shipments { " + SHIPMENT_FIELDS + " } } }")

ORDER_FIELDS = """
fragment bridgeAddress on Address {
  firstName lastName companyName address1 address2 city zipCode stateOrProvince
  phoneNumber cellPhoneNumber email vatNumber country { code name } state { name }
}
fragment bridgeOrder on Order {
  id number status createdAt updatedAt
  grandTotal { value currency { code } conversionRate }
  totals { shipping { value } handling { value } taxAdded { value } taxDeducted { value } taxIncluded { value } }
  discountsApplied { value { value } ... on AppliedDiscount { discount { name code } } }
  paymentMethod { uri plugin }
  paymentHistory { entryType status }
  shippingPriceGroup { shippingOption { id name uri } }
  market { id name }
  lines {
    id taxPercent quantity
    product { id name } productVariant { id name } productSize { SKU GTIN description }
    unitOriginalPrice { value } unitPrice { value currency { code } } lineValue { value }
  }
  shippingAddress { ...bridgeAddress }
  billingAddress { ...bridgeAddress }
  ... on DirectToConsumerOrder { customer { id email firstName lastName } }
  ... on WholesaleOrder { account { id name } buyer { id email firstName lastName } purchaseOrderNumber }
}"""

ORDER_QUERY = "query BridgeOrder { orders(where: {number: %d}, limit: 1) { ...bridgeOrder } }" + ORDER_FIELDS
ORDERS_QUERY = ('query BridgeOrdersUpdated { orders(where: {updatedAt: {from: "%s", to: "%s"}}, '
                "sort: [updatedAt_ASC], limit: %d, page: %d) { ...bridgeOrder } }" + ORDER_FIELDS)


class Enum(str):
    """A GraphQL enum value in a literal (written bare: PHYSICAL, not "PHYSICAL")."""


def literal(value) -> str:
    """A Python value as a GraphQL input literal. Mutations are written with literals, like the queries, so
    no input type name (SetStockInput?) has to be guessed for a variable declaration."""
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    raise TypeError(f"no GraphQL literal for {type(value).__name__}")


def _retry_after_seconds(response: httpx.Response) -> None:
    """Centra's 429 carries Retry-After as a point in time (unix seconds) [V: C3]; the shared send reads
    seconds to wait, so a timestamp is turned into the seconds left before it reaches the retry loop."""
    value = response.headers.get("Retry-After", "")
    try:
        moment = float(value)
    except ValueError:
        return
    if moment > 1e9:
        response.headers["Retry-After"] = str(max(0.0, round(moment - time.time(), 3)))


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith(GRAPHQL_PATH) else url + GRAPHQL_PATH


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> CentraClient:
    """A client for `shop`; `shop.api_token_setting` names the setting holding the Integration API token."""
    name, token = api_token(shop, settings, what="an Integration API token",
                            how_to_get="Centra AMS → System → API Tokens, with Order:read and the address/purchaser/"
                                       "product read permissions")
    return CentraClient(shop.url, token, token_setting=name, **options)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _updated(node: dict) -> datetime:
    return timestamp(node.get("updatedAt") or node.get("createdAt")).astimezone(UTC)


class CentraClient:
    def __init__(self, url: str, token: str, *, token_setting: str = "the API token setting",  # noqa: S107 - a setting name
                 page_size: int = MAX_PAGE, timeout: float = 30.0, max_attempts: int = 5,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep):
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self._setting = token_setting
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._url = endpoint(url)
        self._http = httpx.Client(transport=transport, timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                                  event_hooks={"response": [_retry_after_seconds]})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CentraClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a GraphQL call; HTTP 429/5xx are retried, auth and GraphQL errors → NeedsAttention."""
        response = http_retry.send(self._http, "POST", self._url, shop_name="Centra", max_attempts=self._max_attempts,
                                   sleep=self._sleep, json={"query": query, "variables": variables or {}})
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Centra refused the Integration API token ({response.status_code}).",
                resolution=f"check that {self._setting} holds a valid, unexpired Integration API token with "
                "Order:read (AMS → System → API Tokens; tokens expire after 30 days by default)",
                code="shop_auth_failed")
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = (body or {}).get("errors") if isinstance(body, dict) else None
        if response.status_code >= 400 or errors or not isinstance(body, dict) or "data" not in body:
            messages = "; ".join(text(e.get("message")) for e in errors or [] if isinstance(e, dict))
            raise NeedsAttention(
                f"Centra answered {response.status_code} to the Integration API query: "
                f"{messages or response.text[:300]}",
                resolution="check the shop URL (the /graphql/integration endpoint) and that the token has the "
                "read permissions the message names; if it persists, report it with this message",
                code="shop_api_error")
        return body["data"] or {}

    def order(self, number: int | str) -> dict | None:
        """The order node with this number, None when Centra has none."""
        value = text(number)
        if not value.isdigit():
            raise NeedsAttention(f"{value!r} is not a Centra order number.",
                                 resolution="check the stored webhook body; Centra names orders by number",
                                 code="malformed_payload")
        nodes = self.graphql(ORDER_QUERY % int(value)).get("orders") or []
        return nodes[0] if nodes else None

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order with since ≤ updatedAt < until, oldest change first, as order nodes."""
        since_s, until_s = since.astimezone(UTC), until.astimezone(UTC)
        boundary = since_s.replace(microsecond=0)
        seen_at_boundary: set[str] = set()
        page = 1
        while True:
            query = ORDERS_QUERY % (_iso(boundary), _iso(until_s), self.page_size, page)
            nodes = self.graphql(query).get("orders") or []
            for node in nodes:
                updated = _updated(node)
                if updated < since_s or updated >= until_s or updated < boundary:
                    continue
                if updated == boundary and text(node.get("number")) in seen_at_boundary:
                    continue
                yield node
            if len(nodes) < self.page_size:
                return
            last = max(_updated(n) for n in nodes)
            if last == boundary:  # a whole page within one second: walk the pages of this second
                seen_at_boundary.update(text(n.get("number")) for n in nodes)
                page += 1
            else:
                boundary, page = last, 1
                seen_at_boundary = {text(n.get("number")) for n in nodes if _updated(n) == last}

    # ---- writes: every mutation answers userErrors{message path}; the caller decides per item ----

    def mutate(self, name: str, arguments: str, selection: str) -> dict:
        """The payload of one mutation `name(arguments) { selection userErrors }` (never None)."""
        data = self.graphql(f"mutation Bridge {{ {name}({arguments}) {{ {selection} {USER_ERRORS} }} }}")
        payload = data.get(name)
        if not isinstance(payload, dict):
            raise NeedsAttention(f"Centra answered {name} without its result.",
                                 resolution="retry; if it persists, report it with this message",
                                 code="shop_api_error")
        payload["userErrors"] = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
        return payload

    def size_targets(self) -> dict[str, dict]:
        """SKU → {"variant": id, "size": size name} for every size of the catalog (SIZES_QUERY)."""
        found: dict[str, dict] = {}
        page = 1
        while True:
            variants = self.graphql(SIZES_QUERY % (self.page_size, page)).get("productVariants") or []
            for variant in variants:
                for size in (variant or {}).get("productSizes") or []:
                    sku, name = text((size or {}).get("SKU")), text(((size or {}).get("size") or {}).get("name"))
                    if sku and name and variant.get("id") is not None:
                        found.setdefault(sku, {"variant": variant["id"], "size": name})
            if len(variants) < self.page_size:
                return found
            page += 1

    def set_stock(self, warehouse: int, variants: list[tuple[int, list[tuple[str, int]]]],
                  description: str = "") -> list[dict]:
        """One absolute `setStock` (PHYSICAL) into `warehouse`: [(variant id, [(size name, quantity)])].
        Returns the userErrors ([] = all taken)."""
        data = {"warehouse": {"id": warehouse}, "stockQuantityType": Enum("PHYSICAL"),
                "productVariants": [{"productVariant": {"id": variant},
                                     "sizeStockLevels": [{"size": {"name": size}, "quantity": quantity}
                                                         for size, quantity in sizes]}
                                    for variant, sizes in variants]}
        if description:
            data["description"] = description
        return self.mutate("setStock", f"input: {literal(data)}", "stockChanges { id }")["userErrors"]

    def shipping_order(self, number: int | str) -> dict | None:
        """The order with its lines, shipments and payments (SHIPPING_ORDER_QUERY), None when there is none."""
        value = text(number)
        if not value.isdigit():
            raise NeedsAttention(f"{value!r} is not a Centra order number.",
                                 resolution="check the order binding; Centra names orders by number",
                                 code="malformed_payload")
        nodes = self.graphql(SHIPPING_ORDER_QUERY % int(value)).get("orders") or []
        return nodes[0] if nodes else None

    def create_shipment(self, data: dict) -> tuple[dict | None, list[dict]]:
        payload = self.mutate("createShipment", f"input: {literal(data)}", f"shipment {{ {SHIPMENT_FIELDS} }}")
        return payload.get("shipment"), payload["userErrors"]

    def complete_shipment(self, shipment_id: int, data: dict) -> tuple[dict | None, list[dict]]:
        payload = self.mutate("completeShipment", f"id: {int(shipment_id)}, input: {literal(data)}",
                              f"shipment {{ {SHIPMENT_FIELDS} }}")
        return payload.get("shipment"), payload["userErrors"]
