"""The Shopify Admin API, for the reconcile timer (changed orders) and the stock export.

    client = client_for(shop)                      # token from the app setting named by shop.api_token_setting
    for order in client.orders_updated_between(since, until):
        ...                                        # the REST/webhook-shaped order dict, one at a time
    client.set_stock([StockChange("SKU-1", "gid://shopify/Location/1001", quantity=7, previous=5)], run_id="…")

Orders: GraphQL `orders(query: "updated_at:>='…' updated_at:<'…'", sortKey: UPDATED_AT)` finds the ids page
by page (cursor), then `GET /admin/api/{version}/orders/{id}.json` fetches each body in the webhook shape, so
the same parser reads webhooks and reconciled orders. Only one page of ids is held at a time.

Stock shapes:
- `StockChange(sku, location, quantity, previous)`: set `available` of the variant with this SKU at the
  location (gid `gid://shopify/Location/<n>` or its number) to `quantity`. `previous` is the last value we
  know the shop had (our snapshot) and becomes `changeFromQuantity` (compare-and-swap); None opts out.
- `inventory_targets(skus) -> {sku: ShopifyStockTarget(variant_id, inventory_item_id, available)}` with
  `available` = {location gid: quantity}. SKUs not found, or found on several variants, are left out.
- `set_stock(changes, run_id=None) -> StockResult(applied, failed, calls, stale_resolved)`. One
  `inventorySetQuantities` per 250 quantities (Shopify's input-array cap) with `@idempotent(key:)`: the key
  is a UUID derived from the batch content and `run_id`, so resending the same batch (a retry after a lost
  answer, a redelivered queue message) is answered from Shopify's replay instead of applied twice; pass a
  fresh `run_id` per stock run so a later run with the same numbers is a new request. On
  `CHANGE_FROM_QUANTITY_STALE` the current quantities of those items are read again and the batch resent
  with them (BC is the source of truth); after 3 rounds an item is reported in `failed`.
- `set_quantities(payload, key)`: one such call; the key's own userErrors (IDEMPOTENCY_CONCURRENT_REQUEST:
  asked again with the same key; IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED, newer versions: a fresh derived key)
  are handled there, for `set_stock` and the stock flow alike.

Bulk discovery (the cold start): `inventory_catalog(only=None) -> {sku: ShopifyStockTarget}` reads every variant
with one `bulkOperationRunQuery` (BULK_INVENTORY_QUERY), polls `bulkOperation(id:)` every BULK_POLL_SECONDS
(ordinary cost-paced calls; the bulk work itself draws nothing), then streams the JSONL result line by line
(variant lines, then inventory-level lines with `__parentId`) from Shopify's storage link, without the access
token. `inventory_targets` uses it from BULK_DISCOVERY_MIN_SKUS SKUs on and falls back to per-call lookups when
the operation ends FAILED / CANCELED / EXPIRED or times out (`ShopifyBulkOperationError`, a Retryable). One bulk
query per app and shop at a time: on OPERATION_IN_PROGRESS the running one (`currentBulkOperation`) is waited
for, then ours is started once more. `cancel_bulk_operation(id)` sends `bulkOperationCancel`.

Bulk mutations (large price pushes): `bulk_update_variant_prices({product id: {variant id: price}})` writes one
JSONL line of `productVariantsBulkUpdate` variables per product, uploads it to a `stagedUploadsCreate` target
(resource BULK_MUTATION_VARIABLES, a multipart POST of the target's parameters and the file, without the access
token: it goes to a storage host), runs `bulkOperationRunMutation(stagedUploadPath: <the target's key>)`, polls
it like a bulk query and streams the result JSONL: each line `{"data": {...: {userErrors}}, "__lineNumber": n}`
(or top-level `errors`) is matched back to the n-th input line, so a product Shopify refused is reported with its
own errors and the others are applied. Only the calls draw cost points (≈ 20 + 1 per poll), not the lines.
One bulk mutation per shop at a time (a bulk query may run beside it): on OPERATION_IN_PROGRESS the running one is
waited for and ours started once more. `bulk_mutation(mutation, lines)` is the general form.

Fulfilments (shipments BC → shop): `order_fulfillment(order_id)` reads `order.fulfillmentOrders` (status,
assigned location, line items with remainingQuantity, SKU, variant) and `order.fulfillments` (tracking);
`create_fulfillment(line_items_by_fulfillment_order, tracking=…, notify_customer=…)` sends
`fulfillmentCreate` and returns its userErrors for the caller to judge. Scopes: read/write
merchant-managed (or assigned) fulfillment orders.

Products and prices (BC → shop): `product_targets(skus) -> {sku: ShopifyProductTarget(product_id,
variant_id, price)}` (SKUs on exactly one variant); `update_product(product_id, fields)` sends `productUpdate`
with only the given fields (title, status, productType); `update_variant_prices(product_id, {variant id:
price})` sends `productVariantsBulkUpdate` (≤ 250 variants a call, one product per call, as the mutation
wants); `create_product(input)` sends `productSet(synchronous: true)`; `set_metafields(entries)` sends
`metafieldsSet` (≤ 25 a call; export fields of variants and companies). The mutations return
Shopify's userErrors for the caller to judge (a rejected product is that product's problem, not the run's).

B2B companies (customers BC → shop): `payment_terms_templates()`, `company(id)`,
`company_by_external_id(external_id)` (companies search `external_id:`, exact match kept), `create_company(
input)` (`companyCreate`, returns (company with locations, userErrors)), `update_company(id, fields)`,
`update_company_location(id, fields)` (no addresses in its input) and `assign_company_address(location id,
address, types)` (`companyLocationAssignAddress`); mutations return userErrors for the caller to judge.
Country codes go out as Shopify's CountryCode (BC's UK/EL/XI → GB/GR/GB) and phones in E.164; a value that
cannot be brought to that shape is NeedsAttention before anything is sent (core/platforms/shopify/address.py).
Scopes: read/write_companies (or customers); the shop must be on Shopify Plus.

Throttling: every GraphQL answer carries `extensions.cost.throttleStatus`. Before a request the client
waits until the bucket, as last reported and refilled at `restoreRate` since, holds the cost this
operation requested last time; a `THROTTLED` answer is waited out ((requested − available) / restoreRate)
and resent. HTTP 429 and 5xx and transport errors are retried with back-off (Retry-After honoured), then
`Retryable`. Bad token → `NeedsAttention`. The token is sent in `X-Shopify-Access-Token` and never logged.
A request Shopify's schema refuses (top-level `errors`, nothing ran) → `NeedsAttention` (`shop_value_refused`
when a variable's value was refused, naming it).
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from core.config import Shop
from core.errors import NeedsAttention, Retryable
from core.platforms import http as http_retry
from core.platforms.credentials import api_token
from core.platforms.shopify.address import country_code, e164_phone
from core.platforms.stock import StockChange, StockResult

log = logging.getLogger("core.platforms.shopify")

API_VERSION = "2026-04"
MAX_QUANTITIES = 250  # Shopify caps every input array at 250 items
MAX_METAFIELDS = 25  # metafieldsSet: "a maximum of 25 metafields to be set at a time" (its schema description)
SKUS_PER_LOOKUP = 25  # keeps the variant lookup well under the 1,000-point single-query cost
LEVELS_PER_ITEM = 20
STALE_ROUNDS = 3
IDEMPOTENCY_RETRIES = 5  # resends while Shopify reports the same key still in progress (1+2+4+8+16 s apart)
_KEY_NAMESPACE = uuid.UUID("9a7c4c7e-3f0e-4f5e-9a51-2f3d8c1b6a10")
# Discovery by bulk operation reads the whole catalog (a fixed cost: seconds to minutes of Shopify's time, ~20
# cost points) while per-call lookups cost ~577 points per 25 SKUs (~6 s of Standard's 100 points/s each). Below
# this many unknown SKUs per call the lookups are cheaper than waiting for a bulk run over a large catalog.
BULK_DISCOVERY_MIN_SKUS = 200
BULK_POLL_SECONDS = 2.0  # each poll costs 1 point; Shopify suggests polling rather than a tight loop
BULK_TIMEOUT_SECONDS = 3600.0  # a catalog export taking longer is cancelled and reported as retryable
BULK_FINISHED = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")

ORDERS_QUERY = """
query OrdersUpdatedBetween($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id legacyResourceId updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""

# the `customers` query's documented `updated_at` search filter (the schema's description of `query`)
CUSTOMERS_QUERY = """
query CustomersUpdatedBetween($first: Int!, $after: String, $query: String!) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id legacyResourceId updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""

VARIANTS_QUERY = """
query StockTargets($first: Int!, $after: String, $query: String!) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes {
      id sku
      inventoryItem {
        id
        inventoryLevels(first: LEVELS) {
          nodes { location { id } quantities(names: ["available"]) { name quantity } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}""".replace("LEVELS", str(LEVELS_PER_ITEM))

# The bulk document itself (sent as the `query` variable of bulkOperationRunQuery): no `first`/`after`, Shopify
# walks every node; nested inventoryLevels come back as their own JSONL lines with `__parentId` = the variant.
BULK_INVENTORY_QUERY = """
query BulkInventoryTargets {
  productVariants {
    edges {
      node {
        id sku
        inventoryItem {
          id
          inventoryLevels {
            edges { node { location { id } quantities(names: ["available"]) { name quantity } } }
          }
        }
      }
    }
  }
}"""

BULK_OPERATION_FIELDS = "id status errorCode objectCount url partialDataUrl"

BULK_RUN_QUERY = """
mutation BulkRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { FIELDS }
    userErrors { field message code }
  }
}""".replace("FIELDS", BULK_OPERATION_FIELDS)

BULK_OPERATION_QUERY = """
query BulkOperationStatus($id: ID!) {
  bulkOperation(id: $id) { FIELDS }
}""".replace("FIELDS", BULK_OPERATION_FIELDS)

CURRENT_BULK_OPERATION = """
query CurrentBulkOperation($type: BulkOperationType = QUERY) {
  currentBulkOperation(type: $type) { FIELDS }
}""".replace("FIELDS", BULK_OPERATION_FIELDS)

STAGED_UPLOADS_CREATE = """
mutation StageBulkVariables($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}"""

BULK_RUN_MUTATION = """
mutation BulkRunMutation($mutation: String!, $stagedUploadPath: String!) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
    bulkOperation { FIELDS }
    userErrors { field message code }
  }
}""".replace("FIELDS", BULK_OPERATION_FIELDS)

# The mutation a bulk price push runs once per JSONL line (the line holds its variables).
BULK_VARIANT_PRICES = """
mutation BulkVariantPrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    product { id }
    userErrors { field message code }
  }
}"""

BULK_CANCEL = """
mutation BulkCancel($id: ID!) {
  bulkOperationCancel(id: $id) {
    bulkOperation { FIELDS }
    userErrors { field message }
  }
}""".replace("FIELDS", BULK_OPERATION_FIELDS)

SET_QUANTITIES = """
mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""


ORDER_FULFILLMENT_QUERY = """
query OrderFulfillment($id: ID!) {
  order(id: $id) {
    id name displayFulfillmentStatus
    fulfillmentOrders(first: 10) {
      nodes {
        id status
        assignedLocation { location { id } }
        lineItems(first: 50) {
          nodes { id remainingQuantity totalQuantity sku variant { id }
                  lineItem { id sku variant { id } product { id } } }
        }
      }
    }
    fulfillments(first: 20) { id status trackingInfo { company number url } }
  }
}"""

FULFILLMENT_CREATE = """
mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""


PRODUCT_TARGETS_QUERY = """
query ProductTargets($first: Int!, $after: String, $query: String!) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes { id sku price product { id } }
    pageInfo { hasNextPage endCursor }
  }
}"""

METAFIELDS_SET = """
mutation SetMetafields($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id }
    userErrors { field message code elementIndex }
  }
}"""

PRODUCT_UPDATE = """
mutation UpdateProduct($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id }
    userErrors { field message }
  }
}"""

VARIANT_PRICES = """
mutation UpdatePrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message code }
  }
}"""

PRODUCT_SET = """
mutation CreateProduct($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id variants(first: 250) { nodes { id sku } } }
    userErrors { field message code }
  }
}"""


COMPANY_FIELDS = """
    id name externalId note
    locations(first: 50) {
      nodes { id name phone externalId
              buyerExperienceConfiguration { checkoutToDraft paymentTermsTemplate { id name dueInDays } } }
    }"""

COMPANY_QUERY = """
query Company($id: ID!) {
  company(id: $id) {FIELDS
  }
}""".replace("FIELDS", COMPANY_FIELDS)

COMPANIES_QUERY = """
query CompaniesByExternalId($first: Int!, $query: String!) {
  companies(first: $first, query: $query) {
    nodes {FIELDS
    }
  }
}""".replace("FIELDS", COMPANY_FIELDS)

PAYMENT_TERMS_TEMPLATES = """
query PaymentTermsTemplates {
  paymentTermsTemplates { id name paymentTermsType dueInDays }
}"""

COMPANY_CREATE = """
mutation CreateCompany($input: CompanyCreateInput!) {
  companyCreate(input: $input) {
    company {FIELDS
    }
    userErrors { field message code }
  }
}""".replace("FIELDS", COMPANY_FIELDS)

COMPANY_UPDATE = """
mutation UpdateCompany($companyId: ID!, $input: CompanyInput!) {
  companyUpdate(companyId: $companyId, input: $input) {
    company { id }
    userErrors { field message code }
  }
}"""

COMPANY_LOCATION_UPDATE = """
mutation UpdateCompanyLocation($companyLocationId: ID!, $input: CompanyLocationUpdateInput!) {
  companyLocationUpdate(companyLocationId: $companyLocationId, input: $input) {
    companyLocation { id }
    userErrors { field message code }
  }
}"""

COMPANY_LOCATION_ASSIGN_ADDRESS = """
mutation AssignCompanyAddress($locationId: ID!, $address: CompanyAddressInput!, $addressTypes: [CompanyAddressType!]!) {
  companyLocationAssignAddress(locationId: $locationId, address: $address, addressTypes: $addressTypes) {
    addresses { id }
    userErrors { field message code }
  }
}"""


@dataclass(frozen=True)
class ShopifyProductTarget:
    product_id: str
    variant_id: str
    price: str | None = None




@dataclass(frozen=True)
class ShopifyStockTarget:
    variant_id: str
    inventory_item_id: str
    available: dict[str, int]




class ShopifyBulkOperationError(Retryable):
    """A bulk operation that ended without a result we can read (FAILED, CANCELED, EXPIRED, timed out, or its
    result download broke). Retryable: the same export can simply be run again; callers with a per-call path
    fall back to it."""

    def __init__(self, message: str, *, operation_id: str | None, status: str, error_code: str | None = None):
        super().__init__(message, retry_after=60)
        self.operation_id = operation_id
        self.status = status
        self.error_code = error_code


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> ShopifyClient:
    """A client for `shop`; the access token is the app setting named by `shop.api_token_setting`."""
    name, token = api_token(shop, settings, what="the shop's Admin API access token (shpat_…)",
                            how_to_get="a custom app with read_orders and write_inventory scopes")
    return ShopifyClient(shop.url, token, token_setting=name, **options)


def _gid(kind: str, value: str | int) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def _search_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyClient:
    def __init__(self, base_url: str, access_token: str, *, token_setting: str = "",
                 api_version: str = API_VERSION, page_size: int = 50, timeout: float = 30.0,
                 max_attempts: int = 5, max_throttle_waits: int = 20, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 bulk_poll_seconds: float = BULK_POLL_SECONDS, bulk_timeout_seconds: float = BULK_TIMEOUT_SECONDS):
        self.api_version = api_version
        self.page_size = page_size
        self._token_setting = token_setting or "the shop's API token setting"
        self._max_attempts = max_attempts
        self._max_throttle_waits = max_throttle_waits
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            headers={"X-Shopify-Access-Token": access_token, "Accept": "application/json"})
        # bulk results live on a storage host: a client without the token header
        self._download = httpx.Client(transport=transport, timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))
        self._bulk_poll = bulk_poll_seconds
        self._bulk_timeout = bulk_timeout_seconds
        self._bucket: tuple[float, float, float, float] | None = None  # available, maximum, rate, at
        self._last_cost: dict[str, float] = {}
        self.throttled = 0  # THROTTLED answers seen (for metrics and tests)

    def close(self) -> None:
        self._http.close()
        self._download.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- HTTP with retries ----

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = http_retry.send(self._http, method, path, shop_name="Shopify", max_attempts=self._max_attempts,
                                   sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Shopify refused the API token ({response.status_code}).",
                resolution=f"check that {self._token_setting} holds a valid Admin API access token for "
                f"{self._http.base_url.host} with the read_orders and write_inventory scopes",
                code="shop_auth_failed")
        return response

    # ---- GraphQL with cost-based pacing ----

    def _wait_for_points(self, needed: float | None) -> None:
        if needed is None or self._bucket is None:
            return
        available, maximum, rate, at = self._bucket
        if needed > maximum or rate <= 0:
            return
        now_available = min(maximum, available + (self._clock() - at) * rate)
        if needed > now_available:
            self._sleep((needed - now_available) / rate)

    def _remember(self, cost: dict | None) -> None:
        status = (cost or {}).get("throttleStatus")
        if status:
            self._bucket = (float(status["currentlyAvailable"]), float(status["maximumAvailable"]),
                            float(status["restoreRate"]), self._clock())

    def graphql(self, query: str, variables: dict | None = None, operation: str = "") -> dict:
        """The `data` of a GraphQL call; throttling is waited out, other GraphQL errors raise NeedsAttention."""
        path = f"/admin/api/{self.api_version}/graphql.json"
        body = {"query": query, "variables": variables or {}}
        for _ in range(self._max_throttle_waits + 1):
            self._wait_for_points(self._last_cost.get(operation))
            response = self._request("POST", path, json=body)
            if response.status_code >= 400:
                raise _api_error(response)
            answer = response.json()
            cost = (answer.get("extensions") or {}).get("cost") or {}
            self._remember(cost)
            if cost.get("requestedQueryCost") is not None:
                self._last_cost[operation] = float(cost["requestedQueryCost"])
            errors = answer.get("errors") or []
            if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
                self.throttled += 1
                status = cost.get("throttleStatus") or {}
                rate = float(status.get("restoreRate") or 50.0)
                missing = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
                wait = max(missing, 1.0) / rate
                log.info("Shopify throttled %s; waiting %.2fs for the bucket to refill", operation or "query", wait)
                self._sleep(wait)
                continue
            if errors:
                messages = "; ".join(str(e.get("message")) for e in errors)
                if any((e.get("extensions") or {}).get("problems") for e in errors):
                    # a variable Shopify's schema does not accept (an enum value, a missing field): nothing ran
                    raise NeedsAttention(
                        f"Shopify refused a value in the {operation or 'GraphQL'} request (nothing was changed): "
                        f"{messages}",
                        resolution="correct the value named above where it comes from (the BC record or the "
                        "bridge config); if the bridge made it up, report it with this message",
                        code="shop_value_refused")
                raise NeedsAttention(
                    f"Shopify rejected the {operation or 'GraphQL'} request: {messages}",
                    resolution="check the app's API version and access scopes; if it persists, report it with "
                    "this message", code="shop_api_error")
            return answer.get("data") or {}
        raise Retryable(f"Shopify kept throttling {operation or 'the request'}.", retry_after=10)

    # ---- orders ----

    def order(self, order_id: str | int) -> dict | None:
        """The REST (webhook-shaped) order, or None if it no longer exists."""
        number = str(order_id).rsplit("/", 1)[-1]
        response = self._request("GET", f"/admin/api/{self.api_version}/orders/{number}.json")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise _api_error(response)
        return response.json()["order"]

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order whose updated_at is in [since, until), as the webhook-shaped body, page by page."""
        search = f"updated_at:>='{_search_time(since)}' updated_at:<'{_search_time(until)}'"
        after = None
        while True:
            data = self.graphql(ORDERS_QUERY, {"first": self.page_size, "after": after, "query": search},
                                operation="orders")
            connection = data["orders"]
            for node in connection["nodes"]:
                order = self.order(node.get("legacyResourceId") or node["id"])
                if order is None:
                    log.info("Shopify order %s disappeared between listing and reading it", node["id"])
                    continue
                yield order
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    # ---- customers ----

    def customer(self, customer_id: str | int) -> dict | None:
        """The REST (webhook-shaped) customer, or None if it no longer exists."""
        number = str(customer_id).rsplit("/", 1)[-1]
        response = self._request("GET", f"/admin/api/{self.api_version}/customers/{number}.json")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise _api_error(response)
        return response.json()["customer"]

    def customers_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every customer whose updated_at is in [since, until), page by page, as the customers/update webhook
        body (the REST customer). Like that body it names no B2B company: adding one here would turn a buyer
        the webhook imported as a Person into a type change (docs/customers.md)."""
        search = f"updated_at:>='{_search_time(since)}' updated_at:<'{_search_time(until)}'"
        after = None
        while True:
            data = self.graphql(CUSTOMERS_QUERY, {"first": self.page_size, "after": after, "query": search},
                                operation="customers")
            connection = data["customers"]
            for node in connection["nodes"]:
                customer = self.customer(node.get("legacyResourceId") or node["id"])
                if customer is None:
                    log.info("Shopify customer %s disappeared between listing and reading it", node["id"])
                    continue
                yield customer
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    # ---- fulfilments (shipments BC → shop) ----

    def order_fulfillment(self, order_id: str | int) -> dict | None:
        """The order's fulfillment orders (with line items and remaining quantities) and its fulfillments,
        as GraphQL nodes: `{"id", "name", "fulfillmentOrders": {"nodes": [...]}, "fulfillments": [...]}`;
        None when the order does not exist."""
        data = self.graphql(ORDER_FULFILLMENT_QUERY, {"id": _gid("Order", order_id)}, operation="order")
        return data.get("order")

    def create_fulfillment(self, line_items_by_fulfillment_order: list[dict], *, tracking: dict | None = None,
                           notify_customer: bool = False) -> dict:
        """`fulfillmentCreate`; returns `{"fulfillment": {...} | None, "userErrors": [...]}` as Shopify answers.

        `line_items_by_fulfillment_order` = [{"fulfillmentOrderId", "fulfillmentOrderLineItems": [{"id",
        "quantity"}]}] (no line items = the whole fulfillment order); `tracking` = {"company", "number", "url"}
        (empty values are left out). userErrors (e.g. more than the remaining quantity) are returned, not
        raised: the caller decides what they mean for its record."""
        info = {k: v for k, v in (tracking or {}).items() if v}
        fulfillment = {"lineItemsByFulfillmentOrder": line_items_by_fulfillment_order,
                       "notifyCustomer": bool(notify_customer), **({"trackingInfo": info} if info else {})}
        data = self.graphql(FULFILLMENT_CREATE, {"fulfillment": fulfillment}, operation="fulfillmentCreate")
        answer = data.get("fulfillmentCreate") or {}
        return {"fulfillment": answer.get("fulfillment"), "userErrors": answer.get("userErrors") or []}

    # ---- stock ----

    def _variants(self, skus: list[str]) -> dict[str, list[ShopifyStockTarget]]:
        found: dict[str, list[ShopifyStockTarget]] = {}
        for start in range(0, len(skus), SKUS_PER_LOOKUP):
            chunk = skus[start:start + SKUS_PER_LOOKUP]
            wanted = set(chunk)
            search = " OR ".join(f"sku:{json.dumps(sku)}" for sku in chunk)
            after = None
            while True:
                data = self.graphql(VARIANTS_QUERY, {"first": SKUS_PER_LOOKUP, "after": after, "query": search},
                                    operation="productVariants")
                connection = data["productVariants"]
                for node in connection["nodes"]:
                    if node.get("sku") not in wanted:  # the search can match more loosely than equality
                        continue
                    item = node["inventoryItem"]
                    available = {}
                    for level in item["inventoryLevels"]["nodes"]:
                        quantity = next((q["quantity"] for q in level["quantities"] if q["name"] == "available"),
                                        None)
                        if quantity is not None:
                            available[level["location"]["id"]] = int(quantity)
                    found.setdefault(node["sku"], []).append(
                        ShopifyStockTarget(variant_id=node["id"], inventory_item_id=item["id"], available=available))
                if not connection["pageInfo"]["hasNextPage"]:
                    break
                after = connection["pageInfo"]["endCursor"]
        return found

    def inventory_targets(self, skus: Iterable[str]) -> dict[str, ShopifyStockTarget]:
        """SKU → inventory item (and its available quantity per location) for SKUs on exactly one variant.

        From BULK_DISCOVERY_MIN_SKUS SKUs on, one bulk operation reads the catalog instead of per-call lookups;
        if it ends without a result (ShopifyBulkOperationError) the SKUs are looked up per call."""
        wanted = list(dict.fromkeys(s for s in skus if s))
        if len(wanted) >= BULK_DISCOVERY_MIN_SKUS:
            try:
                catalog = self.inventory_catalog(set(wanted))
                return {sku: catalog[sku] for sku in wanted if sku in catalog}
            except ShopifyBulkOperationError as exc:
                log.warning("Shopify bulk discovery failed (%s); looking %d SKUs up per call", exc, len(wanted))
        found = self._variants(wanted)
        return {sku: targets[0] for sku, targets in found.items() if len(targets) == 1}

    # ---- bulk operations (discovery at catalog scale) ----

    def inventory_catalog(self, only: set[str] | None = None) -> dict[str, ShopifyStockTarget]:
        """Every variant's SKU → target (SKUs on exactly one variant), read with one bulk operation.

        The JSONL result is read line by line: a variant line, then its inventory levels as lines whose
        `__parentId` is the variant. Only the targets are kept (about 200 bytes per SKU); `only` keeps just
        those SKUs. Raises ShopifyBulkOperationError when the operation ends without a result."""
        targets: dict[str, ShopifyStockTarget] = {}
        by_variant: dict[str, str] = {}  # variant id → sku, for the level lines that follow
        duplicated: set[str] = set()
        for line in self.bulk_query(BULK_INVENTORY_QUERY):
            parent = line.get("__parentId")
            if parent is None:
                sku = line.get("sku")
                if not sku or (only is not None and sku not in only):
                    continue
                if sku in targets or sku in duplicated:  # on several variants: no single target
                    duplicated.add(sku)
                    targets.pop(sku, None)
                    continue
                by_variant[line["id"]] = sku
                targets[sku] = ShopifyStockTarget(variant_id=line["id"],
                                                  inventory_item_id=line["inventoryItem"]["id"], available={})
            elif parent in by_variant and by_variant[parent] in targets:
                quantity = next((q["quantity"] for q in line.get("quantities") or [] if q["name"] == "available"),
                                None)
                if quantity is not None:
                    targets[by_variant[parent]].available[line["location"]["id"]] = int(quantity)
        return targets

    def bulk_query(self, query: str) -> Iterator[dict]:
        """Run `query` as a bulk operation, wait for it, and yield its JSONL result one object at a time."""
        operation = self.wait_for_bulk_operation(self.run_bulk_query(query))
        if not operation.get("url"):  # COMPLETED over nothing: Shopify gives no file
            return
        yield from self.bulk_result_lines(operation["url"], operation["id"])

    def run_bulk_query(self, query: str) -> str:
        """Start a bulk query; returns the operation id. When one of this app's bulk queries is already running
        on the shop (one at a time), waits for it to finish and starts ours once more."""
        return self._start_bulk(BULK_RUN_QUERY, {"query": query}, "bulkOperationRunQuery", "QUERY")

    def run_bulk_mutation(self, mutation: str, staged_upload_path: str) -> str:
        """Start a bulk mutation over an uploaded variables file; returns the operation id (one bulk mutation
        per shop at a time: a running one is waited for, then ours is started once more)."""
        return self._start_bulk(BULK_RUN_MUTATION, {"mutation": mutation, "stagedUploadPath": staged_upload_path},
                                "bulkOperationRunMutation", "MUTATION")

    def _start_bulk(self, document: str, variables: dict, field: str, kind: str) -> str:
        for attempt in range(2):
            data = self.graphql(document, variables, operation=field)
            answer = data[field]
            errors = answer.get("userErrors") or []
            if not errors:
                return answer["bulkOperation"]["id"]
            if attempt == 0 and any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors):
                current = self.current_bulk_operation(kind)
                if current is not None and current["status"] not in BULK_FINISHED:
                    log.info("Shopify bulk operation %s is still running; waiting for it", current["id"])
                    self.wait_for_bulk_operation(current["id"], raise_on_failure=False)
                continue
            break
        messages = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
        if any(e.get("code") in ("OPERATION_IN_PROGRESS", "INTERNAL_FILE_SERVER_ERROR", "LIMIT_REACHED")
               for e in errors):
            raise ShopifyBulkOperationError(f"Shopify could not start the bulk {kind.lower()}: {messages}",
                                            operation_id=None, status="NOT_STARTED")
        raise NeedsAttention(f"Shopify refused the bulk {kind.lower()}: {messages}",
                             resolution=f"report it with this message (the bridge's bulk {kind.lower()} no longer "
                             "fits the shop's API version)", code="shop_api_error")

    def current_bulk_operation(self, kind: str = "QUERY") -> dict | None:
        """This app's latest bulk operation of `kind` (QUERY or MUTATION) on the shop (any status), or None."""
        return self.graphql(CURRENT_BULK_OPERATION, {"type": kind},
                            operation="currentBulkOperation").get("currentBulkOperation")

    def cancel_bulk_operation(self, operation_id: str) -> list[dict]:
        """Ask Shopify to cancel; returns its userErrors (e.g. the operation has already finished)."""
        data = self.graphql(BULK_CANCEL, {"id": operation_id}, operation="bulkOperationCancel")
        return data["bulkOperationCancel"].get("userErrors") or []

    def wait_for_bulk_operation(self, operation_id: str, *, raise_on_failure: bool = True) -> dict:
        """Poll until the operation is COMPLETED (returned) or ends otherwise (ShopifyBulkOperationError).
        Polls are ordinary cost-paced calls (1 point); a run past BULK_TIMEOUT_SECONDS is cancelled."""
        deadline = self._clock() + self._bulk_timeout
        while True:
            operation = self.graphql(BULK_OPERATION_QUERY, {"id": operation_id},
                                     operation="bulkOperation").get("bulkOperation")
            if operation is None:
                raise ShopifyBulkOperationError(f"Shopify no longer knows bulk operation {operation_id}.",
                                                operation_id=operation_id, status="MISSING")
            status = operation["status"]
            if status == "COMPLETED" or (status in BULK_FINISHED and not raise_on_failure):
                return operation
            if status in BULK_FINISHED:
                code = operation.get("errorCode")
                raise ShopifyBulkOperationError(
                    f"Shopify bulk operation {operation_id} ended {status}" + (f" ({code})" if code else "") + ".",
                    operation_id=operation_id, status=status, error_code=code)
            if self._clock() >= deadline:
                self.cancel_bulk_operation(operation_id)
                raise ShopifyBulkOperationError(
                    f"Shopify bulk operation {operation_id} did not finish within {self._bulk_timeout:.0f}s; "
                    "cancelled.", operation_id=operation_id, status=status)
            self._sleep(self._bulk_poll)

    def bulk_result_lines(self, url: str, operation_id: str | None = None) -> Iterator[dict]:
        """The JSONL file streamed (one line in memory at a time). The URL is a signed storage link: it is
        fetched without the shop's access token, which must never go to another host."""
        try:
            with self._download.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise ShopifyBulkOperationError(
                        f"Shopify's bulk result answered {response.status_code} (expired or removed).",
                        operation_id=operation_id, status="EXPIRED" if response.status_code in (403, 404) else
                        "DOWNLOAD_FAILED")
                for text in response.iter_lines():
                    if text.strip():
                        yield json.loads(text)
        except httpx.HTTPError as exc:
            raise ShopifyBulkOperationError(f"Reading Shopify's bulk result failed: {type(exc).__name__}",
                                            operation_id=operation_id, status="DOWNLOAD_FAILED") from exc

    def stage_bulk_variables(self, lines: Iterable[dict]) -> str:
        """Upload a bulk mutation's variables (one JSON object a line) to a staged upload target; returns the
        staged upload path (the target's `key`). The file is spooled to disk past a few MB, not held whole."""
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as file:
            for line in lines:
                file.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
            data = self.graphql(STAGED_UPLOADS_CREATE, {"input": [{
                "resource": "BULK_MUTATION_VARIABLES", "filename": "bulk_op_vars.jsonl", "mimeType": "text/jsonl",
                "httpMethod": "POST"}]}, operation="stagedUploadsCreate")
            answer = data["stagedUploadsCreate"]
            targets = answer.get("stagedTargets") or []
            if answer.get("userErrors") or not targets:
                messages = "; ".join(str(e.get("message")) for e in answer.get("userErrors") or []) or "no target"
                raise NeedsAttention(f"Shopify refused the staged upload for a bulk mutation: {messages}",
                                     resolution="report it with this message", code="shop_api_error")
            parameters = {p["name"]: p["value"] for p in targets[0]["parameters"]}
            file.seek(0)
            try:  # the storage host, not Shopify's API: sent without the access token
                response = self._download.post(targets[0]["url"], data=parameters,
                                               files={"file": ("bulk_op_vars.jsonl", file, "text/jsonl")})
            except httpx.HTTPError as exc:
                raise ShopifyBulkOperationError(f"Uploading the bulk variables failed: {type(exc).__name__}",
                                                operation_id=None, status="UPLOAD_FAILED") from exc
        if response.status_code >= 300:
            raise ShopifyBulkOperationError(f"The staged upload answered {response.status_code}.",
                                            operation_id=None, status="UPLOAD_FAILED")
        return parameters["key"]

    def bulk_mutation(self, mutation: str, lines: Iterable[dict]) -> Iterator[dict]:
        """Run `mutation` once per line of variables as one bulk operation; yields the result JSONL lines."""
        operation = self.wait_for_bulk_operation(self.run_bulk_mutation(mutation, self.stage_bulk_variables(lines)))
        if operation.get("url"):
            yield from self.bulk_result_lines(operation["url"], operation["id"])

    def bulk_update_variant_prices(self, prices: Mapping[str, Mapping[str, str]]) -> dict[str, list[dict]]:
        """{product id: {variant id: price}} through one bulk mutation; returns {product id: userErrors} of the
        products Shopify did not update (absent = applied). A result line with top-level `errors` (the line was
        refused) or no result line at all counts as that product's failure. Raises ShopifyBulkOperationError
        when the operation ends without a result (nothing can be said per product then)."""
        owners: list[str] = []  # input line number → product id as given

        def lines() -> Iterator[dict]:
            for product_id, by_variant in prices.items():
                rows = [{"id": _gid("ProductVariant", v), "price": str(p)} for v, p in by_variant.items()]
                for start in range(0, len(rows), MAX_QUANTITIES):
                    owners.append(product_id)
                    yield {"productId": _gid("Product", product_id), "variants": rows[start:start + MAX_QUANTITIES]}

        failed: dict[str, list[dict]] = {}
        answered: set[int] = set()
        for line in self.bulk_mutation(BULK_VARIANT_PRICES, lines()):
            number = line.get("__lineNumber")
            if not isinstance(number, int) or not 0 <= number < len(owners):
                continue
            answered.add(number)
            errors = [{"field": None, "message": e.get("message"), "code": (e.get("extensions") or {}).get("code")}
                      for e in line.get("errors") or []]
            errors += (((line.get("data") or {}).get("productVariantsBulkUpdate") or {}).get("userErrors") or [])
            if errors:
                failed.setdefault(owners[number], []).extend(errors)
        for number, product_id in enumerate(owners):
            if number not in answered:
                failed.setdefault(product_id, []).append({"field": None, "code": None, "message": (
                    "Shopify's bulk result has no line for this product")})
        return failed

    def set_stock(self, changes: Iterable[StockChange], *, run_id: str | None = None,
                  reason: str = "correction") -> StockResult:
        changes = list(changes)
        result = StockResult()
        found = self._variants(list(dict.fromkeys(c.sku for c in changes if c.sku)))
        rows: list[list] = []  # [change, inventory item id, location gid, changeFromQuantity]
        for change in changes:
            targets = found.get(change.sku, [])
            if not targets:
                result.failed.append((change, f"no Shopify variant has SKU {change.sku!r}"))
            elif len(targets) > 1:
                result.failed.append((change, f"SKU {change.sku!r} is on {len(targets)} Shopify variants"))
            elif not change.location:
                result.failed.append((change, "no Shopify location given"))
            else:
                rows.append([change, targets[0].inventory_item_id, _gid("Location", change.location),
                             change.previous])
        for start in range(0, len(rows), MAX_QUANTITIES):
            self._set_batch(rows[start:start + MAX_QUANTITIES], run_id, reason, result)
        return result

    def set_quantities(self, payload: dict, key: str) -> list[dict]:
        """One `inventorySetQuantities(input: payload) @idempotent(key: key)`; returns its userErrors.

        The key's own errors are handled here, as 2026-04 answers them (userError codes): a key whose first
        request is still running (IDEMPOTENCY_CONCURRENT_REQUEST) is resent after a pause and then gets the
        first request's answer; when a later API version answers IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED (the
        first attempt failed, "retry with a new key") the retry goes under a fresh key derived from the old one,
        so a redelivered batch lands on the same fresh key again. IDEMPOTENCY_KEY_PARAMETER_MISMATCH is
        returned like any other userError (the key is derived from the payload, so it means a bug)."""
        for attempt in range(IDEMPOTENCY_RETRIES + 1):
            data = self.graphql(SET_QUANTITIES, {"input": payload, "key": key}, operation="inventorySetQuantities")
            errors = (data.get("inventorySetQuantities") or {}).get("userErrors") or []
            codes = {error.get("code") for error in errors}
            if "IDEMPOTENCY_CONCURRENT_REQUEST" in codes:
                log.info("Shopify is still running the request with this idempotency key; asking again")
                self._sleep(min(2.0 ** attempt, 16.0))
                continue
            if "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED" in codes:
                key = str(uuid.uuid5(_KEY_NAMESPACE, f"{key}/retry"))
                continue
            return errors
        raise Retryable("Shopify kept answering that the stock update with this idempotency key is still in "
                        "progress.", retry_after=30)

    def _set_batch(self, pending: list[list], run_id: str | None, reason: str, result: StockResult) -> None:
        for _ in range(STALE_ROUNDS + 1):
            payload = {"name": "available", "reason": reason,
                       "referenceDocumentUri": f"gid://bc-connector/SyncJob/{run_id}" if run_id else None,
                       "quantities": [{"inventoryItemId": item, "locationId": location,
                                       "quantity": int(change.quantity), "changeFromQuantity": compare}
                                      for change, item, location, compare in pending]}
            key = str(uuid.uuid5(_KEY_NAMESPACE, json.dumps([run_id, payload], sort_keys=True)))
            errors = self.set_quantities(payload, key)
            result.calls += 1
            if not errors:
                result.applied.extend(row[0] for row in pending)
                return
            stale, rejected = set(), {}
            for error in errors:
                index = _quantity_index(error.get("field"))
                if index is None or index >= len(pending):
                    for row in pending:
                        result.failed.append((row[0], f"{error.get('code')}: {error.get('message')}"))
                    return
                if error.get("code") == "CHANGE_FROM_QUANTITY_STALE":
                    stale.add(index)
                else:
                    rejected[index] = f"{error.get('code')}: {error.get('message')}"
            for index, message in rejected.items():
                result.failed.append((pending[index][0], message))
            if stale:
                current = self._variants(list(dict.fromkeys(pending[i][0].sku for i in stale)))
                for index in stale:
                    row = pending[index]
                    targets = [t for t in current.get(row[0].sku, []) if t.inventory_item_id == row[1]]
                    row[3] = targets[0].available.get(row[2]) if targets else None
                result.stale_resolved += len(stale)
            pending = [row for i, row in enumerate(pending) if i not in rejected]
            if not pending:
                return
        for row in pending:
            result.failed.append((row[0], f"the quantity kept changing in Shopify during {STALE_ROUNDS} re-reads"))


    # ---- products and prices ----

    def product_targets(self, skus: Iterable[str]) -> dict[str, ShopifyProductTarget]:
        """SKU → product and variant ids (and the current price) for SKUs on exactly one variant."""
        wanted_all = list(dict.fromkeys(s for s in skus if s))
        found: dict[str, list[ShopifyProductTarget]] = {}
        for start in range(0, len(wanted_all), SKUS_PER_LOOKUP):
            chunk = wanted_all[start:start + SKUS_PER_LOOKUP]
            wanted = set(chunk)
            search = " OR ".join(f"sku:{json.dumps(sku)}" for sku in chunk)
            after = None
            while True:
                data = self.graphql(PRODUCT_TARGETS_QUERY, {"first": SKUS_PER_LOOKUP, "after": after,
                                                            "query": search}, operation="productTargets")
                connection = data["productVariants"]
                for node in connection["nodes"]:
                    if node.get("sku") in wanted:
                        found.setdefault(node["sku"], []).append(ShopifyProductTarget(
                            product_id=node["product"]["id"], variant_id=node["id"], price=node.get("price")))
                if not connection["pageInfo"]["hasNextPage"]:
                    break
                after = connection["pageInfo"]["endCursor"]
        return {sku: targets[0] for sku, targets in found.items() if len(targets) == 1}

    def update_product(self, product_id: str, fields: Mapping[str, object]) -> list[dict]:
        """`productUpdate` with only `fields` (e.g. title, status, productType); returns userErrors."""
        data = self.graphql(PRODUCT_UPDATE, {"product": {"id": _gid("Product", product_id), **fields}},
                            operation="productUpdate")
        return (data.get("productUpdate") or {}).get("userErrors") or []

    def update_variant_prices(self, product_id: str, prices: Mapping[str, str]) -> list[dict]:
        """`productVariantsBulkUpdate` of one product: {variant id: price}; returns userErrors (all calls)."""
        rows = [{"id": _gid("ProductVariant", v), "price": str(p)} for v, p in prices.items()]
        errors: list[dict] = []
        for start in range(0, len(rows), MAX_QUANTITIES):
            data = self.graphql(VARIANT_PRICES, {"productId": _gid("Product", product_id),
                                                 "variants": rows[start:start + MAX_QUANTITIES]},
                                operation="productVariantsBulkUpdate")
            errors += (data.get("productVariantsBulkUpdate") or {}).get("userErrors") or []
        return errors

    def set_metafields(self, metafields: list[Mapping[str, object]]) -> tuple[list[dict], int]:
        """`metafieldsSet` (each entry: ownerId, namespace, key, type, value), ≤ 25 a call; returns (userErrors,
        calls). A call is atomic: a refused value leaves the other 24 of that call unwritten too."""
        errors: list[dict] = []
        calls = 0
        for start in range(0, len(metafields), MAX_METAFIELDS):
            chunk = [dict(m) for m in metafields[start:start + MAX_METAFIELDS]]
            data = self.graphql(METAFIELDS_SET, {"metafields": chunk}, operation="metafieldsSet")
            errors += (data.get("metafieldsSet") or {}).get("userErrors") or []
            calls += 1
        return errors, calls

    def create_product(self, product_input: Mapping[str, object]) -> tuple[dict | None, list[dict]]:
        """`productSet(synchronous: true)` creating one product; returns (product {id, variants}, userErrors)."""
        data = self.graphql(PRODUCT_SET, {"input": dict(product_input)}, operation="productSet")
        answer = data.get("productSet") or {}
        return answer.get("product"), answer.get("userErrors") or []

    # ---- B2B companies (customers BC → shop) ----

    def payment_terms_templates(self) -> list[dict]:
        """The shop's payment terms templates: [{"id", "name", "paymentTermsType", "dueInDays"}]."""
        data = self.graphql(PAYMENT_TERMS_TEMPLATES, operation="paymentTermsTemplates")
        return list(data.get("paymentTermsTemplates") or [])

    def company(self, company_id: str | int) -> dict | None:
        """A B2B company with its locations (`{"id", "name", "externalId", "note", "locations": {"nodes":
        [{"id", "name", "phone", "externalId", "buyerExperienceConfiguration"}]}}`), or None."""
        data = self.graphql(COMPANY_QUERY, {"id": _gid("Company", company_id)}, operation="company")
        return data.get("company")

    def company_by_external_id(self, external_id: str) -> dict | None:
        """The company whose externalId is exactly `external_id` (companies search `external_id:`), or None."""
        data = self.graphql(COMPANIES_QUERY, {"first": 5, "query": f"external_id:{json.dumps(external_id)}"},
                            operation="companies")
        nodes = (data.get("companies") or {}).get("nodes") or []
        return next((n for n in nodes if n.get("externalId") == external_id), None)

    def create_company(self, company_input: Mapping[str, object]) -> tuple[dict | None, list[dict]]:
        """`companyCreate` (company + optional location/contact); returns (company with locations, userErrors).
        Country codes and phones are sent as Shopify accepts them (see `_contact`)."""
        company_input = dict(company_input)
        if company_input.get("companyLocation"):
            location = _contact(company_input["companyLocation"], "companyLocation")
            for kind in ("billingAddress", "shippingAddress"):
                if location.get(kind):
                    location[kind] = _contact(location[kind], f"companyLocation.{kind}")
            company_input["companyLocation"] = location
        data = self.graphql(COMPANY_CREATE, {"input": company_input}, operation="companyCreate")
        answer = data.get("companyCreate") or {}
        return answer.get("company"), answer.get("userErrors") or []

    def update_company(self, company_id: str, fields: Mapping[str, object]) -> list[dict]:
        """`companyUpdate` with only `fields` (CompanyInput: name, externalId, note, …); returns userErrors."""
        data = self.graphql(COMPANY_UPDATE, {"companyId": _gid("Company", company_id), "input": dict(fields)},
                            operation="companyUpdate")
        return (data.get("companyUpdate") or {}).get("userErrors") or []

    def update_company_location(self, location_id: str, fields: Mapping[str, object]) -> list[dict]:
        """`companyLocationUpdate` (name, phone, externalId, note, locale, buyerExperienceConfiguration — no
        addresses: see assign_company_address); returns userErrors."""
        data = self.graphql(COMPANY_LOCATION_UPDATE, {"companyLocationId": _gid("CompanyLocation", location_id),
                                                      "input": _contact(fields, "input")},
                            operation="companyLocationUpdate")
        return (data.get("companyLocationUpdate") or {}).get("userErrors") or []

    def assign_company_address(self, location_id: str, address: Mapping[str, object],
                               address_types: Iterable[str] = ("BILLING", "SHIPPING")) -> list[dict]:
        """`companyLocationAssignAddress`: set the location's billing and/or shipping address; returns userErrors."""
        data = self.graphql(COMPANY_LOCATION_ASSIGN_ADDRESS,
                            {"locationId": _gid("CompanyLocation", location_id),
                             "address": _contact(address, "address"), "addressTypes": list(address_types)},
                            operation="companyLocationAssignAddress")
        return (data.get("companyLocationAssignAddress") or {}).get("userErrors") or []


def _contact(values: Mapping[str, object], where: str) -> dict:
    """A copy of a company location or address input with its countryCode and phone as Shopify takes them:
    BC's UK/EL → GB/GR, phones in E.164. A value that cannot be brought to that shape is a NeedsAttention
    naming the field, raised before anything is sent (a CountryCode outside the enum would make Shopify refuse
    the whole request; a half-sent company is worse than none)."""
    out = dict(values)
    if out.get("countryCode"):
        code = country_code(str(out["countryCode"]))
        if code is None:
            raise NeedsAttention(
                f"{where}.countryCode {out['countryCode']!r} is not a country Shopify knows.",
                resolution="Give the BC customer an ISO 3166 two-letter Country/Region Code (UK, EL and XI are "
                           "translated to GB, GR and GB); US territories are zones of US in Shopify.",
                code="shop_country_unknown")
        out["countryCode"] = code
    if out.get("phone"):
        phone = e164_phone(str(out["phone"]))
        if phone is None:
            raise NeedsAttention(
                f"{where}.phone {out['phone']!r} is not a phone number with its country code.",
                resolution="Write the BC phone number with its country code (+46 8 123 456) or leave it empty.",
                code="shop_phone_invalid")
        out["phone"] = phone
    return out


def _quantity_index(path) -> int | None:
    """The quantities[] index named by a userError field path like ["input", "quantities", "3", "…"]."""
    if isinstance(path, list) and len(path) >= 3 and path[1] == "quantities":
        try:
            return int(path[2])
        except (TypeError, ValueError):
            return None
    return None


def _api_error(response: httpx.Response) -> NeedsAttention:
    return NeedsAttention(
        f"Shopify answered {response.status_code} to {response.request.method} {response.request.url.path}: "
        f"{response.text[:300]}",
        resolution="check the shop URL and the app's API access scopes; if it persists, report it with this message",
        code="shop_api_error")
