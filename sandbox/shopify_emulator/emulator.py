"""A Shopify shop over real HTTP: Admin GraphQL (cost-limited), one REST read, and webhook deliveries.

    emu = ShopifyEmulator(shop_domain="bridge-demo.myshopify.com", access_token="shpat_test", plan="standard")
    emu.start()                     # port=0: any free port; emu.base_url → http://127.0.0.1:<port>
    order = emu.add_order(emu.make_order([("SKU-1", 2, "19.90")], updated_at=...))
    emu.add_variant("SKU-1", {emu.main_location: 10})
    sent = emu.send_webhook(url, "orders/create", order, secret="…")
    emu.stop()

Endpoints (any API version segment):
- `POST /admin/api/{ver}/graphql.json` — `X-Shopify-Access-Token` required (401 otherwise). Every answer is
  200 with `extensions.cost` {requestedQueryCost, actualQueryCost, throttleStatus{maximumAvailable,
  currentlyAvailable, restoreRate}}. When the bucket holds less than the requested cost: 200 with
  `errors: [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]` and actualQueryCost null.
  A single query above 1,000 requested points → MAX_COST_EXCEEDED. Operations: see `graphql.py`.
- `GET /bulk-results/{token}.jsonl` — a finished bulk operation's result (no token needed, like Shopify's
  signed storage link), streamed. Bulk operations: see `bulk.py` (`emu.hold_bulk_operations()`,
  `emu.fail_next_bulk_operation(code)`, `emu.expire_bulk_operation(id)` drive the lifecycle in tests).
- `POST /staged-uploads/` (multipart form) and `PUT /staged-uploads/{key}?X-Goog-Signature=…` — the storage
  host of `stagedUploadsCreate` targets (no access token, like Google Cloud Storage's signed upload): see
  `bulk.py` for what it accepts and refuses.
- `GET /admin/api/{ver}/orders/{id}.json` — `{"order": {...}}` in the REST/webhook shape, 404 otherwise.
- `GET /admin/api/{ver}/customers/{id}.json` — `{"customer": {...}}` likewise (REST Admin API Customer resource);
  tests add customers with `emu.add_customer(body)`.
  (REST's own request-based limit, 2 req/s with a 40 bucket, is not emulated.)

Plans → (restore rate points/s, bucket size). Restore rates are Shopify's published figures; the Standard
bucket of 2,000 is what live Basic/Standard shops report (`maximumAvailable: 2000.0`); the other buckets
are assumed to keep the same 20 s of restore. `bucket_size` / `restore_rate` override the plan (tests use a
tiny bucket).

Products (see `graphql.py`): `productUpdate`, `productVariantsBulkUpdate`, `productSet`, and their metafields
and `metafieldsSet` (see `metafields.py`; read back with `emu.metafields(owner gid)`); tests set up shop
products with `emu.add_product(title, [(sku, option value, price)])` (or `add_variant`) and read them back
with `emu.product_of(sku)`.

Fulfilment (see `graphql.py`): `order(id:)` → fulfillmentOrders/fulfillments, `fulfillmentCreate`; tests read
`emu.fulfillment_orders(order_id)` and `emu.fulfillments(order_id)`, and `emu.split_fulfillment_order(...)`.

B2B companies (see `companies.py`): `paymentTermsTemplates`, `company`, `companies`, `companyCreate`,
`companyUpdate`, `companyLocationUpdate`, `companyLocationAssignAddress`; tests add shop-made companies with
`emu.add_company(name)` and read them with `emu.companies()` / `emu.company(id)`.

Every GraphQL request is checked against Shopify's real 2026-04 schema first (`schema.py`): what Shopify would
refuse (an unknown field, a wrong variable type, an enum value such as countryCode "UK") gets its top-level
`errors` and nothing runs; an answer holds only the fields the query selected. `emu.documents` keeps every
(query, variables) received. Idempotency (`@idempotent(key:)` on inventorySetQuantities): the same key and
parameters replay the first answer; other parameters → userError IDEMPOTENCY_KEY_PARAMETER_MISMATCH;
`emu.concurrent_request()` makes the next one find its key in progress → IDEMPOTENCY_CONCURRENT_REQUEST.

Counters (`emu.counters`): graphql, rest, throttled, refused (schema), points_used, unauthorized,
idempotent_replays, bulk_operations, bulk_objects (JSONL lines written), bulk_downloads, staged_uploads and one per root
field. `emu.requests` logs every request (method, path, operation, status, cost).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import httpx

from sandbox.loopback import LoopbackServer

from . import bulk, companies, graphql, metafields, schema
from .store import ShopData, Variant, gid_number

PLANS: dict[str, tuple[float, float]] = {
    "standard": (100.0, 2000.0),
    "advanced": (200.0, 4000.0),
    "plus": (1000.0, 20000.0),
    "enterprise": (2000.0, 40000.0),
}
MAX_SINGLE_QUERY_COST = 1000

_GRAPHQL_PATH = re.compile(r"^/admin/api/[\w-]+/graphql\.json$")
_ORDER_PATH = re.compile(r"^/admin/api/[\w-]+/orders/(\d+)\.json$")
_CUSTOMER_PATH = re.compile(r"^/admin/api/[\w-]+/customers/(\d+)\.json$")
_BULK_RESULT_PATH = re.compile(r"^/bulk-results/([\w-]+)\.jsonl$")
_STAGED_UPLOAD_PATH = "/staged-uploads/"


class LeakyBucket:
    """Points refill continuously at `restore_rate`/s up to `maximum`; a query must fit the requested cost."""

    def __init__(self, maximum: float, restore_rate: float, clock=time.monotonic):
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self._clock = clock
        self._available = float(maximum)
        self._at = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def available(self) -> float:
        with self._lock:
            self._refill()
            return self._available

    def try_reserve(self, points: float) -> bool:
        with self._lock:
            self._refill()
            if self._available < points:
                return False
            self._available -= points
            return True

    def refund(self, points: float) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + points)

    def set_available(self, points: float) -> None:
        with self._lock:
            self._refill()
            self._available = float(points)

    def status(self) -> dict:
        return {"maximumAvailable": self.maximum, "currentlyAvailable": int(self.available()),
                "restoreRate": self.restore_rate}


@dataclass
class WebhookSent:
    """One delivery attempt: what was sent and how the receiver answered (status None = no answer)."""

    url: str
    topic: str
    body: bytes
    headers: dict[str, str]
    status: int | None
    elapsed_ms: float
    error: str | None = None

    @property
    def event_id(self) -> str:
        return self.headers["X-Shopify-Event-Id"]


class ShopifyEmulator(LoopbackServer):
    name = "shopify-emulator"

    def __init__(self, shop_domain: str = "bridge-demo.myshopify.com", access_token: str = "shpat_test",  # noqa: S107 - the emulator's fixed test token
                 plan: str = "standard", *, bucket_size: float | None = None, restore_rate: float | None = None,
                 timezone_offset_hours: float = 1.0, currency: str = "EUR"):
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {sorted(PLANS)}")
        rate, size = PLANS[plan]
        schema.admin_schema()  # load Shopify's schema now (once per process): a missing file fails here, clearly
        self.shop_domain = shop_domain
        self.access_token = access_token
        self.plan = plan
        self.bucket = LeakyBucket(bucket_size or size, restore_rate or rate)
        self.data = ShopData(timezone_offset=timedelta(hours=timezone_offset_hours), currency=currency)
        self.main_location = self.data.add_location("Main warehouse", 1001)
        self.store_location = self.data.add_location("City store", 1002)
        self.requests: list[dict] = []
        self.counters: Counter = Counter()
        self.deliveries: list[WebhookSent] = []
        self._replays: dict[str, tuple[str, dict]] = {}
        self._concurrent = 0
        self.documents: list[tuple[str, dict]] = []  # every GraphQL (query, variables) received, in order
        self._faults: list[tuple[int, bool, float | None, str | None]] = []
        self._fault_lock = threading.Lock()
        self.bulk = bulk.BulkOperations(self.data, lambda: self.base_url, self.counters)

    # ---- state ----

    def make_order(self, lines: list[tuple[str, int, str]], updated_at: datetime | None = None, **options) -> dict:
        """A webhook-shaped order from (sku, quantity, unit price incl. tax); `add_order` stores it."""
        return self.data.make_order(lines, updated_at or datetime.now(UTC), **options)

    def add_order(self, order: dict) -> dict:
        return self.data.add_order(order)

    def touch_order(self, order_id: int, updated_at: datetime, **changes) -> dict:
        return self.data.touch_order(order_id, updated_at, **changes)

    def add_customer(self, customer: dict) -> dict:
        """Store a customer in the REST/webhook shape (no webhook is sent: tests send one if they want)."""
        return self.data.add_customer(customer)

    def add_variant(self, sku: str, quantities: dict[str, int] | None = None) -> Variant:
        return self.data.add_variant(sku, quantities)

    def add_product(self, title: str, variants: list[tuple[str, str, str]], **options) -> int:
        """A product with variants (sku, option value, price); returns its number (see ShopData.add_product)."""
        return self.data.add_product(title, variants, **options)

    def product_of(self, sku: str) -> dict | None:
        """The product holding the variant with this SKU: title, status, productType, descriptionHtml, and
        `variants` {sku: {"price", "title"}} (tests)."""
        with self.data.lock:
            variant = self.data.variant_by_sku(sku)
            if variant is None:
                return None
            product = dict(self.data.products[variant.product_number])
            product["number"] = variant.product_number
            product["variants"] = {v.sku: {"price": v.price, "title": v.title}
                                   for v in self.data.variants_of(variant.product_number)}
            return product

    def metafields(self, owner: str) -> dict[str, dict]:
        """The metafields of an owner (a Product, ProductVariant or Company gid) as {"namespace.key": {"type",
        "value"}} (tests read back what the bridge wrote)."""
        with self.data.lock:
            return {f"{ns}.{key}": {"type": m["type"], "value": m["value"]}
                    for (ns, key), m in self.data.metafields.get(owner, {}).items()}

    def set_inventory(self, item: str | int, location: str | int, available: int) -> None:
        """Set `available` (and on_hand by the same delta) for an item (gid, number or SKU) at a location."""
        with self.data.lock:
            key = (self.data.item_id(item), self.data.location_id(location))
            level = self.data.levels.setdefault(key, {"available": 0, "on_hand": 0})
            level["on_hand"] += int(available) - level["available"]
            level["available"] = int(available)

    def inventory(self, item: str | int, location: str | int, name: str = "available") -> int | None:
        with self.data.lock:
            level = self.data.levels.get((self.data.item_id(item), self.data.location_id(location)))
            return None if level is None else level[name]

    def fulfillment_orders(self, order_id: int | str) -> list[dict]:
        """The order's fulfillment orders (internal shape: status, location, line_items with sku/remaining)."""
        with self.data.lock:
            return json.loads(json.dumps(self.data.fulfillment_orders_of(int(gid_number(order_id, "Order")))))

    def fulfillments(self, order_id: int | str) -> list[dict]:
        """Fulfillments created for the order: the GraphQL node (trackingInfo, fulfillmentLineItems) plus
        `notifyCustomer`, oldest first."""
        with self.data.lock:
            return [{**json.loads(json.dumps(f["node"])), "notifyCustomer": f["notify_customer"]}
                    for f in self.data.fulfillments.get(int(gid_number(order_id, "Order")), [])]

    def split_fulfillment_order(self, order_id: int | str, skus: list[str], location: str | int) -> dict:
        """Move the lines with these SKUs into a new fulfillment order at another location."""
        return self.data.split_fulfillment_order(int(gid_number(order_id, "Order")), skus, str(location))

    def add_company(self, name: str, *, external_id: str | None = None, locations: int = 1) -> dict:
        """A B2B company created in the shop (its GraphQL node, with `locations.nodes`)."""
        return companies.add_company(self.data, name, external_id=external_id, locations=locations)

    def companies(self) -> list[dict]:
        """Every B2B company as its GraphQL node (locations with addresses and buyerExperienceConfiguration)."""
        with self.data.lock:
            return [json.loads(json.dumps(companies.company_node(self.data, n))) for n in sorted(self.data.companies)]

    def company(self, company_id: str | int) -> dict | None:
        with self.data.lock:
            number = int(gid_number(company_id, "Company"))
            if number not in self.data.companies:
                return None
            return json.loads(json.dumps(companies.company_node(self.data, number)))

    def hold_bulk_operations(self) -> None:
        """New bulk operations stay RUNNING until `release_bulk_operations()` (tests of the lifecycle)."""
        self.bulk.hold()

    def release_bulk_operations(self) -> None:
        self.bulk.release()

    def fail_next_bulk_operation(self, code: str = "INTERNAL_SERVER_ERROR", after_objects: int = 0) -> None:
        """The next bulk operation ends FAILED with this BulkOperationErrorCode after writing `after_objects`
        lines (then rounded up to a slice; written lines are offered as `partialDataUrl`)."""
        self.bulk.fail_next(code, after_objects)

    def expire_bulk_operation(self, operation_id: str) -> None:
        """The operation's result is gone (Shopify keeps it seven days): status EXPIRED, url null."""
        self.bulk.expire(operation_id)

    def stop(self) -> None:
        self.bulk.close()
        super().stop()

    def drain_bucket(self, to: float = 0) -> None:
        self.bucket.set_available(to)

    def fail_next(self, status: int = 503, count: int = 1, *, after_processing: bool = False,
                  retry_after: float | None = None, operation: str | None = None) -> None:
        """Answer the next `count` authorised requests with `status`. `after_processing`: do the work first and
        lose the answer (what a timeout looks like to the shop); `operation` (a GraphQL root field) limits such
        a fault to that operation."""
        with self._fault_lock:
            self._faults.extend([(status, after_processing, retry_after, operation)] * count)

    def concurrent_request(self, count: int = 1) -> None:
        """The next `count` idempotent mutations find their key still in progress (another request with the
        same key running): Shopify answers IDEMPOTENCY_CONCURRENT_REQUEST and applies nothing."""
        with self._fault_lock:
            self._concurrent += count

    def _fault(self, after: bool, operation: str | None = None) -> tuple[int, float | None] | None:
        with self._fault_lock:
            for index, (status, when, retry_after, only) in enumerate(self._faults):
                if when == after and (only is None or only == operation):
                    del self._faults[index]
                    self.counters["faults"] += 1
                    return status, retry_after
            return None

    # ---- webhooks ----

    def send_webhook(self, url: str, topic: str, payload: dict, secret: str, event_id: str | None = None,
                     webhook_id: str | None = None, api_version: str = "2026-04",
                     timeout: float = 5.0) -> WebhookSent:
        """POST the raw JSON as Shopify does: base64 HMAC-SHA256 of the body; 1 s connect, 5 s total."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": api_version,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        }
        return self._deliver(url, topic, body, headers, timeout)

    def redeliver(self, sent: WebhookSent, timeout: float = 5.0) -> WebhookSent:
        """A retry: the original bytes and event id, a new webhook (delivery) id, as Shopify retries."""
        headers = {**sent.headers, "X-Shopify-Webhook-Id": str(uuid.uuid4())}
        return self._deliver(sent.url, sent.topic, sent.body, headers, timeout)

    def _deliver(self, url: str, topic: str, body: bytes, headers: dict, timeout: float) -> WebhookSent:
        started = time.perf_counter()
        status, error = None, None
        try:
            response = httpx.post(url, content=body, headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=min(1.0, timeout)))
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        sent = WebhookSent(url=url, topic=topic, body=body, headers=headers, status=status,
                           elapsed_ms=(time.perf_counter() - started) * 1000, error=error)
        self.deliveries.append(sent)
        return sent

    # ---- request handling (called from the server threads) ----

    def _authorized(self, headers) -> bool:
        given = headers.get("X-Shopify-Access-Token") or ""
        return bool(given) and hmac.compare_digest(given.encode(), self.access_token.encode())

    def _graphql(self, body: bytes) -> tuple[int, dict, dict]:
        try:
            request = json.loads(body or b"{}")
            query, variables = request.get("query") or "", request.get("variables") or {}
            operation_name = request.get("operationName")
        except (ValueError, AttributeError):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}, {}
        info: dict = {}
        self.documents.append((query, variables))
        try:
            op = schema.check(query, variables, operation_name)
        except schema.Refused as exc:
            self.counters["refused"] += 1
            info["refused"] = True
            return 200, {"errors": exc.errors}, info
        info["operation"] = op.root_field
        try:
            requested = (bulk.BulkOperations.requested_cost(op) if op.root_field in bulk.ROOT_FIELDS
                         else graphql.requested_cost(op))
        except graphql.GraphQLError as exc:
            return 200, {"errors": [exc.as_error()]}, info
        info["requested"] = requested
        if requested > MAX_SINGLE_QUERY_COST:
            return 200, {"errors": [{
                "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
                           f"({MAX_SINGLE_QUERY_COST}).", "extensions": {"code": "MAX_COST_EXCEEDED"}}],
                "extensions": self._cost(requested, None)}, info
        if not self.bucket.try_reserve(requested):
            self.counters["throttled"] += 1
            info["throttled"] = True
            return 200, {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": self._cost(requested, None)}, info
        try:
            data, actual = self._run(op)
        except graphql.GraphQLError as exc:
            self.bucket.refund(requested)
            return 200, {"errors": [exc.as_error()], "extensions": self._cost(requested, None)}, info
        self.bucket.refund(requested - actual)
        self.counters["points_used"] += actual
        self.counters[op.root_field] += 1
        info["actual"] = actual
        return 200, {**schema.answer(op, data), "extensions": self._cost(requested, actual)}, info

    def _run(self, op: schema.Request) -> tuple[dict, int]:
        """The root field's complete answer and its actual cost (schema.answer cuts it to the selection)."""
        if op.root_field == "orders":
            return graphql.orders(self.data, op)
        if op.root_field == "customers":
            return graphql.customers(self.data, op)
        if op.root_field == "productVariants":
            return graphql.product_variants(self.data, op)
        if op.root_field == "order":
            return graphql.order_fulfillment(self.data, op)
        if op.root_field == "fulfillmentCreate":
            return graphql.fulfillment_create(self.data, op)
        if op.root_field == "productUpdate":
            return graphql.product_update(self.data, op)
        if op.root_field == "productVariantsBulkUpdate":
            return graphql.product_variants_bulk_update(self.data, op)
        if op.root_field == "productSet":
            return graphql.product_set(self.data, op)
        if op.root_field in bulk.ROOT_FIELDS:
            return self.bulk.handle(op)
        if op.root_field == "metafieldsSet":
            return metafields.metafields_set(self.data, op.args)
        if op.root_field in companies.ROOT_FIELDS:
            return companies.handle(self.data, op.root_field, op.args)
        if op.root_field == "inventorySetQuantities":
            seen = self._replays.get(op.idempotency_key or "")
            answer = graphql.inventory_set_quantities(self.data, op, self._replays, busy=self._take_concurrent())
            if seen is not None and answer[0] is seen[1]:
                self.counters["idempotent_replays"] += 1
            return answer
        raise graphql.GraphQLError(f"Emulator: {op.root_field} is not emulated", "NOT_EMULATED")

    def _take_concurrent(self) -> bool:
        with self._fault_lock:
            if self._concurrent > 0:
                self._concurrent -= 1
                return True
            return False

    def _cost(self, requested: int, actual: int | None) -> dict:
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                         "throttleStatus": self.bucket.status()}}

    def _rest_order(self, number: str) -> tuple[int, dict]:
        with self.data.lock:
            order = self.data.orders.get(int(gid_number(number, "Order")))
            if order is None:
                return 404, {"errors": "Not Found"}
            return 200, {"order": json.loads(json.dumps(order))}

    def _rest_customer(self, number: str) -> tuple[int, dict]:
        with self.data.lock:
            customer = self.data.customers.get(int(number))
            if customer is None:
                return 404, {"errors": "Not Found"}
            return 200, {"customer": json.loads(json.dumps(customer))}


class _Handler(BaseHTTPRequestHandler):
    emulator: ShopifyEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls

    def log_message(self, *args) -> None:  # quiet; the emulator keeps its own request log
        pass

    def _answer(self, status: int, body: dict, entry: dict, after_processing: bool = False,
                retry_after: float | None = None) -> None:
        fault = self.emulator._fault(True, entry.get("operation")) if after_processing else None
        if fault is not None:
            status, retry_after = fault
            body = {"errors": "Service Unavailable" if status >= 500 else "Exceeded call limit"}
            entry["fault"] = status
        entry["status"] = status
        self.emulator.requests.append(entry)  # before answering, so a caller that got the answer sees it logged
        raw = json.dumps(body).encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _refuse(self, entry: dict) -> bool:
        if self.emulator._authorized(self.headers):
            fault = self.emulator._fault(False)
            if fault is None:
                return False
            status, retry_after = fault
            entry["fault"] = status
            self._answer(status, {"errors": "Service Unavailable" if status >= 500 else "Exceeded call limit"},
                         entry, retry_after=retry_after)
            return True
        self.emulator.counters["unauthorized"] += 1
        self._answer(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                     "password)"}, entry)
        return True

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        entry = {"method": "POST", "path": self.path, "at": time.time()}
        path = self.path.split("?", 1)[0]
        if path.startswith(_STAGED_UPLOAD_PATH):
            self._staged_upload(body, entry)
            return
        if not _GRAPHQL_PATH.match(path):
            self._answer(404, {"errors": "Not Found"}, entry)
            return
        if self._refuse(entry):
            return
        self.emulator.counters["graphql"] += 1
        status, answer, info = self.emulator._graphql(body)
        entry.update(info)
        entry["variables"] = _variables(body)
        self._answer(status, answer, entry, after_processing=True)

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        entry = {"method": "PUT", "path": self.path.split("?", 1)[0], "at": time.time()}
        if not self.path.startswith(_STAGED_UPLOAD_PATH):
            self._answer(404, {"errors": "Not Found"}, entry)
            return
        self._staged_upload(body, entry)

    def _staged_upload(self, body: bytes, entry: dict) -> None:
        """A bulk mutation's variables file arriving at the storage host (bulk.py decides)."""
        status, text = self.emulator.bulk.accept_upload(entry["method"], self.path, self.headers, body)
        entry["status"] = status
        self.emulator.requests.append(entry)
        raw = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802
        entry = {"method": "GET", "path": self.path, "at": time.time()}
        result = _BULK_RESULT_PATH.match(self.path.split("?", 1)[0])
        if result:
            self._bulk_result(result.group(1), entry)
            return
        path = self.path.split("?", 1)[0]
        match = _ORDER_PATH.match(path) or _CUSTOMER_PATH.match(path)
        if not match:
            self._answer(404, {"errors": "Not Found"}, entry)
            return
        if self._refuse(entry):
            return
        self.emulator.counters["rest"] += 1
        read = self.emulator._rest_order if match.re is _ORDER_PATH else self.emulator._rest_customer
        status, answer = read(match.group(1))
        self._answer(status, answer, entry, after_processing=True)


    def _bulk_result(self, token: str, entry: dict) -> None:
        """A bulk result file, like Shopify's signed storage link: no access token, streamed in chunks."""
        path = self.emulator.bulk.result_path(token)
        if path is None:
            self._answer(404, {"errors": "Not Found"}, entry)
            return
        self.emulator.counters["bulk_downloads"] += 1
        entry["status"] = 200
        self.emulator.requests.append(entry)
        with open(path, "rb") as f:
            self.send_response(200)
            self.send_header("Content-Type", "application/jsonl")
            self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
            self.end_headers()
            shutil.copyfileobj(f, self.wfile, 64 * 1024)


def _variables(body: bytes) -> dict:
    try:
        return json.loads(body).get("variables") or {}
    except (ValueError, AttributeError):
        return {}


ShopifyEmulator.handler = _Handler
