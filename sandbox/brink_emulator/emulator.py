"""Brink Commerce over real HTTP: the events it sends (newer OrderCreated/OrderUpdated/OrderRefunded, legacy id-only
webhooks) and the legacy v1 calls the bridge makes. Derived from ../shared/contracts/platforms-wave2.md §2 and
platforms.md §7; each rule names its source, or [U] (assumed, listed in docs/platforms.md, Brink). Sources: B3 =
the event catalogue's JSON schemas (docs.eu-west-1.demo.brinkcommerce.io/domains/Order/events/…), B4 = inventory
docs, B5 = docs.brinkcommerce.com/configuration/webhooks/ and /models/, B6a = github yet-another-consulting-company/
brink-commerce-java-sdk (README and sources), B6b = the unofficial Java client's README; corpus = ../shared/corpus.

    emu = BrinkEmulator(api_key="brink-test-key").start()
    order = emu.add_order(emu.make_order([("1000", 2, "199.00")]))        # version 1
    emu.send_event(url, emu.event(order), secret="…")                     # OrderCreated, X-Webhook-Secret
    emu.send_event(url, emu.event(emu.update_order(order["id"], …), "OrderUpdated"), secret="…")

RULES — HTTP (the bridge's calls):
- auth: header `x-api-key` on every call [V: B5, B6a]; without it or with another key → 403 `{"message":
  "Forbidden"}` [U: status and body].
- success is 200 [V: B6a "all returned HTTP codes other than 200 result in an exception"].
- `PUT /productv1/stocks {"productId", "stock"}`, one product per call, answered with the same object [V: B6a
  BrinkStockApi / BrinkStockUpdate, README cURL]; a list body, a missing productId or a stock that is not a whole
  number ≥ 0 → 400 [U: Brink's answer; absolute quantities V: B4]; an unknown product → 404 [U].
- `GET /productv1/products?ids=a,b` [V: B5 models] → `{"products": [...]}` of the known products [U: the shape,
  read from the product service's write answers, B6a BrinkProductResponseWrapper]; a product is `{id, type
  ("variant"|"product"|"bundle"), stock}` [V: B6a BrinkProduct, BrinkProductType].
- `GET /orderv1/orders/{id}` → the Order the events carry. Path **unverified** (contract 2.1 [U]); modelled so the
  bridge's reading is exercised behind client.ORDER_PATH, not as a fact about Brink.
- `GET` / `POST /orderv1/orders/{id}/deliveries`: path and body **unverified** (contract 2.3 [U]); the body is
  modelled on the verified OrderDelivered fields (`orderLines`, `shippingFees`, `shippingProvider`) [V: B3].
  No order lines, a line not on the order, more than is left to deliver → 400; a `reference` used before → 409
  [U: all].
- `PUT /price/product-variant-prices {storeGroupId, productVariantId, productVariantPrices: [{basePriceAmount,
  salePriceAmount, countryCode}]}`: the body is verified (minor units) [V: B6b], the path **unverified**
  (contract 2.4 [U]). A missing storeGroupId, an unknown variant, no prices, an amount that is not a whole
  number ≥ 0, a country that is not two letters → 400 [U].
- `fail_next(status, count, retry_after=)`: the next calls fail (429 with Retry-After in seconds) [U: Brink's
  rate limits are per merchant, B1; their answer is not documented].
RULES — what Brink sends:
- the EventBridge envelope: `version, id, detail-type, source: "brink.external.v1", account, time, region,
  resources, detail: {metadata: {awsRequestId}, data}`, every one required [V: B3 schemas' "required"].
- OrderCreated / OrderUpdated carry the whole Order (contract 2.1's field list [V: B3]); `data.version` "always
  incrementing" on every change [V: B3 OrderUpdated]: `update_order` sends the next version. The Order's
  line, fee and address fields are the bridge's reading (core/platforms/brink/parse.py) [U]; amounts in minor
  units [U].
- OrderRefunded / OrderRefundedFailed data: `id` (the refund id), `orderId`, `orderReference`, `paymentProvider`,
  `orderLines`, `shippingFees`, `giftCards`, `vouchers`, `gifts`, `created`, `updated`, `completed`, `restarts`,
  `revision` [V: B3, contract 2.5]; the rows' fields are the bridge's reading (parse.REFUND_FIELDS) [U]. Refunding
  what was not sold raises ValueError [U: as Brink would refuse it].
- legacy webhooks: order `{"service": "order", "state", "orderId"}`, product `{"service": "product", "state",
  "productId"}`, the URL check `{"message": "Hello from Brink Commerce"}` [V: B5; corpus brink-*_webhook-1.json].
- Brink signs nothing; deliveries carry the header configured on the webhook (X-Webhook-Secret) [V: B5 "headers"].
Counters: requests, unauthorized, faults; `stock_calls` logs every accepted stock write.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from sandbox.loopback import LoopbackServer

SOURCE = "brink.external.v1"
SECRET_HEADER = "X-Webhook-Secret"
PING = {"message": "Hello from Brink Commerce"}  # [V: B5]
LEGACY_ORDER_STATES = ("success", "refunded", "canceled", "shipped", "waiting")  # [V: B5]
LEGACY_PRODUCT_STATES = ("created", "updated")  # [V: B5]
# the envelope fields every event schema requires [V: B3]
ENVELOPE = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def minor(amount: str | Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal(1), ROUND_HALF_UP))


class BrinkEmulator(LoopbackServer):
    name = "brink-emulator"

    def __init__(self, api_key: str = "brink-test-key", *, currency: str = "SEK"):
        self.api_key = api_key
        self.currency = currency
        self.lock = threading.RLock()
        self.orders: dict[str, dict] = {}
        self.products: dict[str, dict] = {}
        self.stock_calls: list[dict] = []
        self.deliveries: dict[str, list[dict]] = {}
        self.refunded: Counter = Counter()  # (order id, line or fee id) → units refunded so far
        self.prices: dict[tuple[str, str, str], tuple[int, int]] = {}  # (store group, variant, country) → amounts
        self.price_calls = 0
        self.counters: Counter = Counter()
        self._faults: list[tuple[int, float | None]] = []
        self._references = itertools.count(100001)

    def fail_next(self, status: int = 503, count: int = 1, *, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    # ---- catalogue ----

    def add_product(self, product_id: str, stock: int = 0) -> dict:
        with self.lock:
            # the v1 product service's product: type "variant" | "product" | "bundle", `stock` [V: B6a BrinkProduct]
            self.products[product_id] = {"id": product_id, "type": "variant", "stock": stock}
            return self.products[product_id]

    def stock(self, product_id: str) -> int | None:
        with self.lock:
            product = self.products.get(product_id)
            return None if product is None else product["stock"]

    # ---- orders ----

    def make_order(self, lines: list[tuple[str, int, str]], *, shipping: str = "49.00", tax_percent: int = 25,
                   includes_tax: bool = True, line_discount: str = "0", version: int = 1,
                   order_id: str | None = None) -> dict:
        """A consistent Order from (sku, quantity, unit price) lines: prices incl. tax unless `includes_tax` is
        False (then tax is added on top and taxTotal carries it). `line_discount` is taken off each line."""
        rate = Decimal(tax_percent) / 100
        rows, goods, tax = [], Decimal(0), Decimal(0)
        for index, (sku, quantity, price) in enumerate(lines):
            discount = Decimal(line_discount)
            base = Decimal(price) * quantity - discount
            line_tax = (base - base / (1 + rate)) if includes_tax else base * rate
            line_tax = line_tax.quantize(Decimal("0.01"), ROUND_HALF_UP)
            goods += base
            tax += line_tax
            rows.append({"id": f"line-{index + 1}", "productVariantId": sku, "productParentId": sku.split("-")[0],
                         "name": f"Product {sku}", "quantity": quantity, "salePriceAmount": minor(price),
                         "basePriceAmount": minor(price), "discountAmount": minor(discount),
                         "taxPercentage": tax_percent * 100, "taxPercentageDecimals": 2,
                         "totalTaxAmount": minor(line_tax)})
        ship = Decimal(shipping)
        ship_tax = ((ship - ship / (1 + rate)) if includes_tax else ship * rate).quantize(Decimal("0.01"),
                                                                                          ROUND_HALF_UP)
        tax += ship_tax
        fees = [{"id": "fee-1", "name": "Standard", "salePriceAmount": minor(ship), "discountAmount": 0,
                 "taxPercentage": tax_percent * 100, "taxPercentageDecimals": 2,
                 "totalTaxAmount": minor(ship_tax)}] if ship else []
        grand = goods + ship + (Decimal(0) if includes_tax else tax)
        address = {"givenName": "Anna", "familyName": "Andersson", "email": "anna.andersson@example.com",
                   "telephoneNumber": "+46701234567", "streetAddress": "Storgatan", "houseNumberOrName": "1",
                   "postalCode": "11122", "city": "Stockholm", "country": "SE"}
        return {
            "id": order_id or str(uuid.uuid4()), "reference": str(next(self._references)),
            "date": datetime.now(UTC).replace(microsecond=0).isoformat(), "currencyCode": self.currency,
            "countryCode": "SE", "languageCode": "sv", "storeGroupId": "default", "channelType": "B2C",
            "isTaxIncludedInPrice": includes_tax, "isTaxExempt": False, "isTaxExemptionEligible": False,
            "taxationCountry": "SE", "billingAddress": address, "shippingAddress": dict(address),
            "orderLines": rows, "shippingFees": fees, "discountOutcome": {}, "discountRules": [],
            "payment": {"providerName": "klarna", "providerId": "klarna-1"},
            "totals": {"subTotal": minor(sum((Decimal(p) * q for _, q, p in lines), Decimal(0))),
                       "discountTotal": minor(Decimal(line_discount) * len(lines)),
                       "shippingTotal": minor(ship), "taxTotal": minor(tax), "grandTotal": minor(grand),
                       "giftCardTotal": 0, "bonusTotal": 0},
            "version": version,
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[order["id"]] = copy.deepcopy(order)
            return order

    def update_order(self, order_id: str, lines: list[tuple[str, int, str]], **options) -> dict:
        """The order with new lines and the next version (as Brink's OrderUpdated would carry it)."""
        with self.lock:
            current = self.orders[order_id]
            fresh = self.make_order(lines, order_id=order_id, version=current["version"] + 1, **options)
            fresh.update(reference=current["reference"], date=current["date"])
            self.orders[order_id] = fresh
            return copy.deepcopy(fresh)

    def make_refund(self, order_id: str, lines: list[tuple[str, int]], *, shipping: bool = False,
                    priced: bool = False) -> dict:
        """The data of an OrderRefunded event for `lines` (order line id, units) of the order as it is now, and its
        shipping fees when `shipping`. With `priced`, each row also carries the order line's price fields for the
        refunded units (salePriceAmount, the units' share of discountAmount and totalTaxAmount)."""
        with self.lock:
            order = self.orders[order_id]
            by_id = {row["id"]: row for row in order["orderLines"]}
            rows = []
            for line_id, quantity in lines:
                line = by_id.get(line_id)
                if line is None:
                    raise ValueError(f"order {order_id} has no line {line_id}")
                if quantity < 1 or self.refunded[(order_id, line_id)] + quantity > line["quantity"]:
                    raise ValueError(f"line {line_id} has {line['quantity'] - self.refunded[(order_id, line_id)]} "
                                     f"units left to refund, not {quantity}")
                row = {"id": line_id, "productVariantId": line["productVariantId"], "quantity": quantity}
                if priced:
                    share = Decimal(quantity) / line["quantity"]
                    row.update(salePriceAmount=line["salePriceAmount"],
                               discountAmount=int((line["discountAmount"] * share).quantize(Decimal(1), ROUND_HALF_UP)),
                               taxPercentage=line["taxPercentage"], taxPercentageDecimals=line["taxPercentageDecimals"])
                rows.append(row)
            fees = []
            for fee in order["shippingFees"] if shipping else []:
                if self.refunded[(order_id, fee["id"])]:
                    raise ValueError(f"shipping fee {fee['id']} of order {order_id} is already refunded")
                fees.append({"id": fee["id"], **({k: fee[k] for k in ("salePriceAmount", "discountAmount",
                                                                     "totalTaxAmount")} if priced else {})})
            for line_id, quantity in lines:
                self.refunded[(order_id, line_id)] += quantity
            for fee in fees:
                self.refunded[(order_id, fee["id"])] += 1
            now = datetime.now(UTC).replace(microsecond=0).isoformat()
            return {"id": str(uuid.uuid4()), "orderId": order_id, "orderReference": order["reference"],
                    "paymentProvider": {"providerName": order["payment"]["providerName"], "status": "SUCCESS"},
                    "orderLines": rows, "shippingFees": fees, "giftCards": [], "vouchers": [], "gifts": [],
                    "created": now, "updated": now, "completed": now, "restarts": 0, "revision": 1}

    @staticmethod
    def event(order: dict, kind: str = "OrderCreated") -> dict:
        """The EventBridge envelope Brink delivers for an order event [V: B3]."""
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": kind, "source": SOURCE,
                "account": "123456789012", "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
                "region": "eu-west-1", "resources": [],
                "detail": {"metadata": {"awsRequestId": str(uuid.uuid4())}, "data": copy.deepcopy(order)}}

    @staticmethod
    def send_event(url: str, body: dict, secret: str, timeout: float = 10.0) -> httpx.Response:
        return httpx.post(url, content=json.dumps(body).encode(), timeout=timeout,
                          headers={"Content-Type": "application/json", SECRET_HEADER: secret})

    @staticmethod
    def legacy_body(service: str, state: str, ident: str) -> dict:
        """A legacy webhook body [V: B5]: order states success|refunded|canceled|shipped|waiting, product states
        created|updated."""
        allowed = {"order": LEGACY_ORDER_STATES, "product": LEGACY_PRODUCT_STATES}
        if state not in allowed.get(service, ()):
            raise ValueError(f"Brink sends no {service}.{state} webhook")
        return {"service": service, "state": state, f"{service}Id": ident}

    @staticmethod
    def send_legacy(url: str, order_id: str, state: str, secret: str, timeout: float = 10.0) -> httpx.Response:
        body = BrinkEmulator.legacy_body("order", state, order_id)
        return httpx.post(url, content=json.dumps(body).encode(), timeout=timeout,
                          headers={"Content-Type": "application/json", SECRET_HEADER: secret})

    @staticmethod
    def send_ping(url: str, timeout: float = 10.0) -> httpx.Response:
        """Brink's URL check on registration [V: B5]; whether it carries the configured headers is not said."""
        return httpx.post(url, content=json.dumps(PING).encode(), timeout=timeout,
                          headers={"Content-Type": "application/json"})

    # ---- HTTP ----

    def handle(self, method: str, target: str, headers, body: bytes) -> tuple[int, object, dict]:
        self.counters["requests"] += 1
        if (headers.get("x-api-key") or "") != self.api_key:
            self.counters["unauthorized"] += 1
            return 403, {"message": "Forbidden"}, {}
        with self.lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            self.counters["faults"] += 1
            status, retry_after = fault
            return status, {"message": "Too Many Requests" if status == 429 else "Internal server error"}, (
                {"Retry-After": str(retry_after)} if retry_after is not None else {})
        url = urlsplit(target)
        path = url.path.rstrip("/")
        if path.startswith("/orderv1/orders/") and path.endswith("/deliveries"):
            order_id = unquote(path.split("/")[3])
            with self.lock:
                if order_id not in self.orders:
                    return 404, {"message": "Order not found"}, {}
                if method == "GET":
                    return 200, copy.deepcopy(self.deliveries.get(order_id, [])), {}
                if method == "POST":
                    return self._deliver(order_id, body)
        if method == "GET" and path.startswith("/orderv1/orders/"):
            with self.lock:
                order = self.orders.get(unquote(path.rsplit("/", 1)[1]))
            return (200, copy.deepcopy(order), {}) if order else (404, {"message": "Order not found"}, {})
        if method == "GET" and path == "/productv1/products":
            ids = [i for i in ",".join(parse_qs(url.query).get("ids", [])).split(",") if i]
            with self.lock:
                # the v1 product service wraps its product lists in {"products": [...]} [V: B6a
                # BrinkProductResponseWrapper, for POST/PUT /productv1/products]; that GET does the same is [U]
                return 200, {"products": [dict(self.products[i]) for i in ids if i in self.products]}, {}
        if method == "PUT" and path == "/price/product-variant-prices":
            return self._put_prices(body)
        if method == "PUT" and path == "/productv1/stocks":
            return self._put_stock(body)
        return 404, {"message": "Not Found"}, {}

    def _deliver(self, order_id: str, body: bytes) -> tuple[int, object, dict]:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return 400, {"message": "Invalid JSON"}, {}
        lines = payload.get("orderLines") if isinstance(payload, dict) else None
        if not isinstance(lines, list) or not lines:
            return 400, {"message": "orderLines is required"}, {}
        order, earlier = self.orders[order_id], self.deliveries.setdefault(order_id, [])
        reference = payload.get("reference")
        if reference and any(d.get("reference") == reference for d in earlier):
            return 409, {"message": f"A delivery with reference {reference} exists"}, {}
        left = {row["id"]: row["quantity"] for row in order["orderLines"]}
        for delivery in earlier:
            for row in delivery["orderLines"]:
                left[row["orderLineId"]] -= row["quantity"]
        for row in lines:
            line_id, quantity = (row or {}).get("orderLineId"), (row or {}).get("quantity")
            if line_id not in left:
                return 400, {"message": f"Order line {line_id} is not on order {order_id}"}, {}
            if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= left[line_id]:
                return 400, {"message": f"Quantity {quantity} of order line {line_id} exceeds what is left"}, {}
            left[line_id] -= quantity
        delivery = {"id": str(uuid.uuid4()), "orderId": order_id, "orderReference": order["reference"],
                    "reference": reference, "orderLines": lines, "shippingFees": payload.get("shippingFees") or [],
                    "shippingProvider": payload.get("shippingProvider") or {},
                    "created": datetime.now(UTC).isoformat()}
        earlier.append(delivery)
        return 201, copy.deepcopy(delivery), {}

    def _put_prices(self, body: bytes) -> tuple[int, object, dict]:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return 400, {"message": "Invalid JSON"}, {}
        if not isinstance(payload, dict) or not isinstance(payload.get("storeGroupId"), str) \
                or not payload["storeGroupId"]:
            return 400, {"message": "storeGroupId is required"}, {}
        variant, rows = payload.get("productVariantId"), payload.get("productVariantPrices")
        with self.lock:
            if variant not in self.products:
                return 400, {"message": f"Unknown productVariantId {variant}"}, {}
        if not isinstance(rows, list) or not rows:
            return 400, {"message": "productVariantPrices is required"}, {}
        for row in rows:
            amounts = [(row or {}).get("basePriceAmount"), (row or {}).get("salePriceAmount")]
            if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
                return 400, {"message": "amounts are whole numbers >= 0 in minor units"}, {}
            country = (row or {}).get("countryCode")
            if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
                return 400, {"message": f"countryCode {country!r} is not ISO 3166-1 alpha-2"}, {}
        with self.lock:
            self.price_calls += 1
            for row in rows:
                self.prices[(payload["storeGroupId"], variant, row["countryCode"])] = (
                    row["basePriceAmount"], row["salePriceAmount"])
        return 200, payload, {}

    def _put_stock(self, body: bytes) -> tuple[int, object, dict]:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return 400, {"message": "Invalid JSON"}, {}
        if not isinstance(payload, dict):  # one product per call [V: B6a]
            return 400, {"message": "Expected one stock object {productId, stock}"}, {}
        product_id, stock = payload.get("productId"), payload.get("stock")
        if not isinstance(product_id, str) or not product_id:
            return 400, {"message": "productId is required"}, {}
        if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
            return 400, {"message": "stock must be a whole number >= 0"}, {}
        with self.lock:
            if product_id not in self.products:
                return 404, {"message": f"Product {product_id} not found"}, {}
            self.products[product_id]["stock"] = stock
            self.stock_calls.append({"productId": product_id, "stock": stock})
        return 200, {"productId": product_id, "stock": stock}, {}


class _Handler(BaseHTTPRequestHandler):
    emulator: BrinkEmulator

    def log_message(self, *args) -> None:  # quiet
        return

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, answer, extra = self.emulator.handle(self.command, self.path, self.headers, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = _answer  # noqa: N815


BrinkEmulator.handler = _Handler
