"""The Centra Integration API (GraphQL): orders in; stock, shipments and prices out.

    client = client_for(shop)                  # token from the app setting named by shop.api_token_setting
    node = client.order(14)                    # the order node by its number, None when there is none
    for node in client.orders_updated_between(since, until):
        ...                                    # order nodes, the shape parse.parse_order reads
    client.size_targets()                      # SKU → (variant id, size name), for setStock
    client.set_stock(warehouse, variants, "BC stock")   # userErrors of one setStock mutation
    client.create_shipment(input) / client.complete_shipment(id, input)   # (shipment, userErrors)
    client.set_prices(pricelist, currency, product, {variant: price})    # userErrors of one setPrices

Endpoint: `shop.url` is the Integration API URL (`https://<tenant>.centra.com/graphql/integration`); a bare
tenant URL gets `/graphql/integration` appended. Auth: `Authorization: Bearer <Integration API token>`
(AMS → System → API Tokens, with Order:read, Order.shippingAddress:read, Order.billingAddress:read,
Purchaser:read, Product:read, Payment:read; for the other flows the write permissions of stock, shipments
and prices, and Event:read/Event:write for the events feed). Tokens expire (30 days by default): a 401
says so.

Orders: `orders(where: {number: N}, limit: 1)` (the documented look-up after an order webhook). The reconcile
(`orders_updated_between`) reads orders created in the window with the documented createdAt filter and,
when the integration listens to Order events, the Events system's unconfirmed Order events (see there).
Arguments are written into the query as literals we format ourselves (integers, strings, enums), so no
GraphQL input type name has to be guessed.

Customers (the customers flow; the contract is silent): `customers(where: {id: [N]})` [V: the CustomerFilter
input has `id: [Int!]` and `updatedAt`, centra.dev/graphql/customerfilter.html; the query `customers(where:
{email: {equals: …}}) { id lastName email }` is documented in api-documentation @cdb82b5~1
pages/04.guides/02.erp-gql-integration/docs.md "Customers - custom attributes"]. The selected fields beyond
`id email firstName lastName` (what an order's `customer` documents) are [U]: `billingAddress` with the field
names of the documented `CustomerBillingAddressInput` (centra.dev/graphql/customerbillingaddressinput.html),
`createdAt`, `updatedAt` (the filter has both); all in CUSTOMER_FIELDS, so a correction is one line. The token
needs Customer:read (the permission the documented customers query reports).

Limits: query complexity per token; over it Centra answers 429 with Retry-After, a point in time, turned
into seconds for the shared send (then Retryable). GraphQL `errors` → NeedsAttention naming the message.
The token is never logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_token
from core.platforms.payload import text, timestamp

log = logging.getLogger("core.platforms.centra")

GRAPHQL_PATH = "/graphql/integration"
MAX_PAGE = 100
USER_ERRORS = "userErrors { message path }"
# SKU → variant and size: Centra documents no look-up by SKU, so the catalog is read page by page
# [unverified: the root `productVariants(limit, page)` and `ProductSize.size { name }`; `productSizes`,
# `SKU` are documented on ProductVariant / order lines]. One constant, so a correction is one line.
SIZES_QUERY = ("query BridgeSizes { productVariants(limit: %d, page: %d) "
               "{ id product { id } productSizes { SKU size { name } } } }")
# a pricelist's currency [unverified: the root `pricelists`; `Pricelist.currency { code }` is documented]
PRICELISTS_QUERY = "query BridgePricelists { pricelists { id currency { code } } }"
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

CUSTOMER_FIELDS = """
fragment bridgeCustomer on Customer {
  id email firstName lastName createdAt updatedAt
  billingAddress {
    firstName lastName address1 address2 city zipCode stateOrProvince
    phoneNumber cellPhoneNumber email vatNumber country { code }
  }
}"""
CUSTOMER_QUERY = "query BridgeCustomer { customers(where: {id: [%d]}) { ...bridgeCustomer } }" + CUSTOMER_FIELDS
# Wholesale accounts (companies export, core/platforms/centra/accounts.py). createAccount/updateAccount and their
# inputs are documented [V: centra.dev/graphql/accountcreateinput.html, accountupdateinput.html; the b2b
# examples]; the look-up by externalId is not: AccountFilter is unpublished [U: read like CustomerFilter's
# `externalId: [String!]`], nor are the Account fields selected here beyond `id` [U: name externalId status].
ACCOUNT_SELECTION = "id name externalId status"
ACCOUNT_QUERY = "query BridgeAccount { accounts(where: {externalId: [%s]}) { " + ACCOUNT_SELECTION + " } }"
ORDER_QUERY = "query BridgeOrder { orders(where: {number: %d}, limit: 1) { ...bridgeOrder } }" + ORDER_FIELDS
# the documented listing by creation time [V: C2], in its documented "Y-m-d H:i:s" form
ORDERS_QUERY = ('query BridgeOrdersCreated { orders(where: {createdAt: {from: "%s", to: "%s"}}, '
                "limit: %d, page: %d) { ...bridgeOrder } }" + ORDER_FIELDS)
# the Events system [V: events-system docs]: oldest unconfirmed events first; `object` is the order now
LISTENERS_QUERY = "query BridgeListeners { eventListeners { objectType changeTypes } }"
EVENTS_QUERY = ("query BridgeOrderEvents { events(where: {objectType: [Order]}, limit: %d) "
                "{ id objectType changeType object { ... on Order { ...bridgeOrder } } } }" + ORDER_FIELDS)
EVENTS_PAGE = 200  # the documented example's limit
TIMEZONE_MARGIN = timedelta(hours=14)  # the createdAt filter reads the installation's zone: UTC−12 … UTC+14


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
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent
    if isinstance(value, int):
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
    client = CentraClient(shop.url, token, token_setting=name, **options)
    client.shop = shop  # the writers read their shop's Centra settings (warehouses, pricelist) from it
    return client


def _local(moment: datetime) -> str:
    """A filter bound in the documented form "2021-10-23 00:00:00" (no zone: the installation's)."""
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _created(node: dict) -> datetime | None:
    moment = timestamp(node.get("createdAt"))
    return moment.astimezone(UTC) if moment else None


class CentraClient:
    def __init__(self, url: str, token: str, *, token_setting: str = "the API token setting",  # noqa: S107 - a setting name
                 page_size: int = MAX_PAGE, timeout: float = 30.0, max_attempts: int = 5,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep):
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self.shop: Shop | None = None
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

    def customer(self, customer_id: int | str) -> dict | None:
        """The DTC customer node with this id (parse.parse_customer reads it), None when Centra has none."""
        value = text(customer_id)
        if not value.isdigit():
            raise NeedsAttention(f"{value!r} is not a Centra customer id.",
                                 resolution="check the stored webhook body; Centra names customers by their "
                                            "integer id",
                                 code="malformed_payload")
        nodes = self.graphql(CUSTOMER_QUERY % int(value)).get("customers") or []
        return nodes[0] if nodes and isinstance(nodes[0], dict) else None

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """The orders the reconcile should look at for [since, until), as order nodes, each once:

        1. every order created in the window, by the documented createdAt filter (contract 4.1 [V]). An
           `updatedAt` filter on orders is not documented (the changelog adds it to other types only), so
           it is not used. The filter's bounds are in the installation's time zone, which the API does
           not say: the request reaches 14 hours beyond each bound and the answer is cut to the window by
           each order's own `createdAt` (which carries its offset). Pages are read until a short one and
           de-duplicated; an order created while we read can only push others to a later page (read
           twice), never hide one.
        2. with the Events system on (the integration listens to Order events: `eventListeners`), every
           order named by an unconfirmed Order event — the documented change feed, which also carries
           changes to older orders (cancellations, edits). A batch is confirmed only after the caller has
           taken each of its orders (the generator resumes after the caller's loop body), so an error
           leaves the events queued for the next run (at-least-once, as Centra asks).
        Without the Events system, a change to an order created before the window comes only by webhook.
        """
        since_s, until_s = since.astimezone(UTC), until.astimezone(UTC)
        seen: set[str] = set()
        page = 1
        while True:
            query = ORDERS_QUERY % (_local(since_s - TIMEZONE_MARGIN), _local(until_s + TIMEZONE_MARGIN),
                                    self.page_size, page)
            nodes = self.graphql(query).get("orders") or []
            for node in nodes:
                created, number = _created(node), text(node.get("number"))
                if created is None or not since_s <= created < until_s or number in seen:
                    continue
                seen.add(number)
                yield node
            if len(nodes) < self.page_size:
                break
            page += 1
        if self.listens_to_orders():
            yield from self._order_events(seen)

    def listens_to_orders(self) -> bool:
        """Does this token's integration listen to Order events? False (logged) when the token may not
        read events (Event:read) — the reconcile then reads new orders only."""
        try:
            listeners = self.graphql(LISTENERS_QUERY).get("eventListeners") or []
        except NeedsAttention as exc:
            log.info("centra: the events feed is not readable (%s); the reconcile reads new orders only", exc.message)
            return False
        return any(isinstance(x, dict) and text(x.get("objectType")) == "Order" for x in listeners)

    def _order_events(self, seen: set[str]) -> Iterator[dict]:
        while True:
            events = [e for e in self.graphql(EVENTS_QUERY % EVENTS_PAGE).get("events") or [] if isinstance(e, dict)]
            for event in events:
                node = event.get("object")
                number = text((node or {}).get("number"))
                if isinstance(node, dict) and number and number not in seen:  # None: a deleted order
                    seen.add(number)
                    yield node
            if not events:
                return
            self.confirm_events([e["id"] for e in events if e.get("id") is not None])
            if len(events) < EVENTS_PAGE:
                return

    def confirm_events(self, ids: list) -> None:
        """Confirm events (also those whose order was not new to us: unconfirmed ones stay queued forever)."""
        if ids:
            errors = self.mutate("confirmEvents", f"input: {literal({'eventsIds': ids})}", "")["userErrors"]
            if errors:
                raise NeedsAttention("Centra refused to confirm events: " + "; ".join(text(e.get("message"))
                                                                                      for e in errors),
                                     resolution="check that the token has Event:write; the events are read "
                                                "again next run", code="shop_api_error")

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

    def account_by_external_id(self, external_id: str) -> dict | None:
        """The wholesale account carrying this externalId (ACCOUNT_QUERY), None when there is none."""
        nodes = self.graphql(ACCOUNT_QUERY % literal(external_id)).get("accounts") or []
        return next((n for n in nodes if isinstance(n, dict) and text(n.get("externalId")) == external_id), None)

    def create_account(self, data: dict) -> tuple[dict | None, list[dict]]:
        """createAccount(input: AccountCreateInput): (the account, userErrors)."""
        payload = self.mutate("createAccount", f"input: {literal(data)}", f"account {{ {ACCOUNT_SELECTION} }}")
        return payload.get("account"), payload["userErrors"]

    def update_account(self, account_id: int, data: dict) -> list[dict]:
        """updateAccount(id, input: AccountUpdateInput): the userErrors ([] = taken)."""
        return self.mutate("updateAccount", f"id: {int(account_id)}, input: {literal(data)}",
                           f"account {{ {ACCOUNT_SELECTION} }}")["userErrors"]

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
                        product = ((variant.get("product") or {}).get("id"))
                        found.setdefault(sku, {"variant": variant["id"], "size": name, "product": product})
            if len(variants) < self.page_size:
                return found
            page += 1

    def set_stock(self, warehouse: int, variants: list[tuple[int, list[tuple[str, int]]]],
                  description: str) -> list[dict]:
        """One absolute `setStock` (PHYSICAL) into `warehouse`: [(variant id, [(size name, quantity)])], with
        the stock change's `description` (required: `description: String!` on StockSetInput,
        centra.dev/graphql/stocksetinput.html). Returns the userErrors ([] = all taken)."""
        data = {"warehouse": {"id": warehouse}, "description": description or "BC stock",
                "stockQuantityType": Enum("PHYSICAL"),
                "productVariants": [{"productVariant": {"id": variant},
                                     "sizeStockLevels": [{"size": {"name": size}, "quantity": quantity}
                                                         for size, quantity in sizes]}
                                    for variant, sizes in variants]}
        return self.mutate("setStock", f"input: {literal(data)}", "stockChanges { id }")["userErrors"]

    def pricelist_currency(self, pricelist: int) -> str | None:
        """The currency code of a pricelist (PRICELISTS_QUERY), None when Centra has no such pricelist."""
        for row in self.graphql(PRICELISTS_QUERY).get("pricelists") or []:
            if isinstance(row, dict) and text(row.get("id")) == text(pricelist):
                return text((row.get("currency") or {}).get("code")).upper() or None
        return None

    def set_prices(self, pricelist: int, currency: str, product: int, variants: dict[int, Decimal]) -> list[dict]:
        """One `setPrices` on `pricelist` for one product: each variant's own price (the guide's
        `individualVariantPrices`, prices are per variant [V: C1]). Returns the userErrors."""
        data = {"pricelist": {"id": pricelist},
                "productPrices": [{"product": {"id": product},
                                   "individualVariantPrices": [
                                       {"productVariant": {"id": variant},
                                        "price": {"value": price, "currencyIsoCode": currency}}
                                       for variant, price in variants.items()]}]}
        return self.mutate("setPrices", f"input: {literal(data)}", "pricelist { id }")["userErrors"]

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
