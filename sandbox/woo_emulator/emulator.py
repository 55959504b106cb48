"""A WooCommerce shop over real HTTP: REST v3 orders and products (batch) under /wp-json/wc/v3/, webhooks.

    emu = WooEmulator(consumer_key="ck_test", consumer_secret="cs_test").start()
    emu.add_order(emu.make_order([("woo-album", 1, "15.00")], modified=...))
    emu.add_product("woo-album", stock=3); emu.add_variable_product("hoodie", {"hoodie-s": 2, "hoodie-m": 0})
    emu.send_webhook(url, "order.updated", order, secret="…"); emu.send_ping(url, webhook_id=7)

Auth: HTTP Basic (consumer key:secret) or the `consumer_key`/`consumer_secret` query parameters; without
them 401 `woocommerce_rest_cannot_view` (GET) / `woocommerce_rest_cannot_create` (POST), with a wrong key
401 `woocommerce_rest_authentication_error`.

Endpoints:
- `GET orders` — `modified_after`, `modified_before` (both exclusive, as WP_Date_Query), `dates_are_gmt`
  (without it the times are read in the site's timezone, `timezone_offset_hours`), `per_page` 1–100
  (else 400 `rest_invalid_param`), `page`, `orderby` (date|id|modified), `order` (asc|desc); headers
  `X-WP-Total`, `X-WP-TotalPages`.
- `GET orders/{id}` (404 `woocommerce_rest_shop_order_invalid_id`).
- `GET products?sku=a,b` — like WC ≥ 3.x, a SKU search also finds variations (`type: "variation"`,
  `parent_id` set). `GET products/{id}`, `GET products/{id}/variations`.
- `POST products/batch` and `POST products/{id}/variations/batch` `{create, update, delete}` — more than 100
  objects in total → 413 `woocommerce_rest_request_entity_too_large` ("Unable to accept more than 100 items
  for this request."), as `WC_REST_Controller::check_batch_limit`. Per-item failures come back in place as
  `{"id": …, "error": {"code", "message", "data": {"status"}}}`.

  Batch create/update takes `name`, `sku`, `regular_price` (also sets `price`), `status`, `attributes`,
  `description`, `manage_stock`, `stock_quantity`; `create` with `type: "variable"` makes a variable product.

- `PUT orders/{id}` — update `status` (one of ORDER_STATUSES, else 400 `rest_invalid_param`),
  `customer_note`, `meta_data`; `completed` sets `date_completed`; `date_modified` moves to now.
- `GET orders/{id}/refunds` (newest first, `per_page`/`page` as above) and `GET orders/{id}/refunds/{rid}`
  (404 `woocommerce_rest_invalid_order_refund_id`); refunds are added with `emu.add_refund(order_id,
  [(sku, quantity)], …)`, which — as WooCommerce does — lists the refund in the order's `refunds`
  (`{id, reason, total}`, total negative), moves its `date_modified` to the refund's time and sets status
  `refunded` once everything is refunded.
- `GET orders/{id}/notes` (newest first) and `POST orders/{id}/notes` `{note, customer_note}` → 201 (no `note`
  key → 400 `rest_missing_callback_param` with `data.params: ["note"]`; an empty text is accepted, as
  WordPress only checks presence and type). `emu.order_notes(id)` lists them oldest first.

Rules taken from WooCommerce's code (plugins/woocommerce/includes/…), each also named where it is coded:
- stock management: the shop-wide option `woocommerce_manage_stock` (`emu.stock_management`, readable at
  `GET settings/products/woocommerce_manage_stock`, class-wc-rest-setting-options-controller.php). Off:
  the products controller skips `manage_stock`/`stock_quantity` and answers 200; every answer says
  `manage_stock: false` (abstract-wc-product.php managing_stock()). On: a product that does not manage
  stock after the request (manage_stock false, or grouped/external) gets its quantity cleared
  (class-wc-rest-products-controller.php prepare_object_for_database). Variations store the quantity when
  their own flag is on (class-wc-rest-product-variations-controller.php), but answer `manage_stock: false`
  while the shop-wide option is off.
- error codes: a variation id sent to `products/batch` → `woocommerce_rest_invalid_product_id` (404, the
  products controller); an unknown id → `woocommerce_rest_product_invalid_id` /
  `woocommerce_rest_product_variation_invalid_id` (400, class-wc-rest-crud-controller.php update_item).
- a page past the last one is an empty 200 with the real totals (crud controller get_objects/get_items).
- orders in `trash` are not listed (the default status "any" leaves trash out, like WP_Query).
- a variation sent to another parent's variations/batch is moved to that parent without an error (the
  variations controller sets the parent from the URL).
- `X-WC-Webhook-Delivery-ID` is a hash of the webhook id and the whole second (class-wc-webhook.php
  get_new_delivery_id): deliveries of one webhook in one second share it. A webhook whose deliveries
  fail (an answer outside 200–302) more than five times in a row becomes `disabled` and delivers nothing
  more (class-wc-webhook.php log_delivery/failed_delivery); `GET webhooks` shows its status.
- a query parameter out of its schema → 400 `rest_invalid_param` with `data.params` naming each
  parameter (WordPress class-wp-rest-request.php has_valid_params).
- batch items skip argument validation (class-wc-rest-controller.php batch_items calls create_item /
  update_item directly): an unknown product `status` in a batch becomes `draft` (products controller),
  where `PUT orders/{id}` with an unknown status is a `rest_invalid_param`.
- unknown and read-only fields in a body are ignored without an error (WordPress keeps only what the
  controller reads).
- SKU lookups and the unique-SKU check ignore case (a meta query under the usual case-insensitive
  collation).

Counters: requests, order_updates, order_notes, unauthorized, batch_calls, batch_items, variation_batch_calls;
`emu.batches` records the size of every batch call; `emu.requests` logs every request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from sandbox.loopback import LoopbackServer

BATCH_LIMIT = 100
ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash",
                  "checkout-draft")
POST_STATUSES = ("draft", "pending", "private", "publish", "future")  # get_post_status_object() knows these
MAX_DELIVERY_FAILURES = 5  # class-wc-webhook.php: woocommerce_max_webhook_delivery_failures
PREFIX = "/wp-json/wc/v3/"


class WooError(Exception):
    def __init__(self, status: int, code: str, message: str, params: dict[str, str] | list[str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.params = status, code, message, params

    def body(self) -> dict:
        data: dict = {"status": self.status}
        if self.params is not None:  # WP_REST_Request::has_valid_params: one message per invalid parameter
            data["params"] = self.params
        return {"code": self.code, "message": self.message, "data": data}


def invalid_param(name: str, why: str) -> WooError:
    """WordPress's answer to a parameter its schema refuses (class-wp-rest-request.php has_valid_params)."""
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", {name: why})


def wp_specialchars_decode(value: str) -> str:
    """PHP's wp_specialchars_decode($s, ENT_QUOTES) for the entities WordPress decodes, in one pass."""
    table = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#039;": "'", "&#39;": "'", "&#x27;": "'", "&amp;": "&"}
    return re.sub(r"&(?:lt|gt|quot|#0*39|#[xX]0*27|amp);", lambda m: table.get(m.group(0), "'"), value)


def wp_json_encode(payload) -> bytes:
    """Like PHP's wp_json_encode: compact, non-ASCII as \\uXXXX, slashes escaped as \\/."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def _parse_date(value: str) -> datetime:
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())  # "+01:00" that arrived unencoded as " 01:00"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class WebhookSent:
    url: str
    topic: str
    body: bytes
    headers: dict[str, str]
    status: int | None
    elapsed_ms: float
    error: str | None = None


class WooEmulator(LoopbackServer):
    name = "woo-emulator"

    def __init__(self, consumer_key: str = "ck_test", consumer_secret: str = "cs_test",  # noqa: S107
                 *, timezone_offset_hours: float = 2.0, currency: str = "EUR"):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.site_offset = timedelta(hours=timezone_offset_hours)
        self.currency = currency
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.products: dict[int, dict] = {}  # products and variations, like wp_posts
        self.notes: dict[int, list[dict]] = {}  # order id → order notes (newest last)
        self.refunds: dict[int, list[dict]] = {}  # order id → refunds (newest last)
        self.requests: list[dict] = []
        self.counters: Counter = Counter()
        self.batches: list[dict] = []  # {"path", "size"} per batch call
        self.deliveries: list[WebhookSent] = []
        self.stock_management = True  # the option woocommerce_manage_stock ("Enable stock management")
        self.webhooks: dict[int, dict] = {}  # webhook id → {id, name, status, topic, delivery_url, failure_count}
        self._ids = itertools.count(100)
        self._faults: list[tuple[int, bool, float | None]] = []

    def fail_next(self, status: int = 503, count: int = 1, *, after_processing: bool = False,
                  retry_after: float | None = None) -> None:
        """Answer the next `count` authorised requests with `status` (after doing the work if `after_processing`)."""
        with self.lock:
            self._faults.extend([(status, after_processing, retry_after)] * count)

    def _fault(self, after: bool) -> tuple[int, float | None] | None:
        with self.lock:
            if self._faults and self._faults[0][1] == after:
                status, _, retry_after = self._faults.pop(0)
                self.counters["faults"] += 1
                return status, retry_after
            return None

    # ---- orders ----

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(timezone(self.site_offset)).strftime("%Y-%m-%dT%H:%M:%S")

    @staticmethod
    def _gmt(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def make_order(self, lines: list[tuple[str, int, str]], modified: datetime | None = None, *,
                   status: str = "processing", tax_rate: str = "25", shipping: str = "5.00") -> dict:
        """A REST v3 order from (sku, quantity, unit price excl. tax) lines; `add_order` stores it."""
        modified = (modified or datetime.now(UTC)).replace(microsecond=0)
        rate = Decimal(tax_rate) / 100
        number = next(self._ids)
        items, net, tax = [], Decimal(0), Decimal(0)
        for sku, quantity, price in lines:
            product = self.product_by_sku(sku)
            line_net = Decimal(price) * quantity
            line_tax = (line_net * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            items.append({
                "id": next(self._ids), "name": f"Product {sku}", "sku": sku, "quantity": quantity,
                "product_id": (product or {}).get("parent_id") or (product or {}).get("id", 0),
                "variation_id": (product or {}).get("id", 0) if (product or {}).get("parent_id") else 0,
                "tax_class": "", "subtotal": _money(line_net), "subtotal_tax": _money(line_tax),
                "total": _money(line_net), "total_tax": _money(line_tax), "price": float(price),
                "taxes": [{"id": 1, "total": _money(line_tax), "subtotal": _money(line_tax)}],
                "meta_data": [], "parent_name": None,
            })
            net += line_net
            tax += line_tax
        ship = Decimal(shipping)
        ship_tax = (ship * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        address = {"first_name": "Test", "last_name": "Person", "company": "", "address_1": "Storgatan 1",
                   "address_2": "", "city": "Stockholm", "state": "", "postcode": "11122", "country": "SE"}
        return {
            "id": number, "parent_id": 0, "number": str(number), "order_key": f"wc_order_{number:08d}",
            "created_via": "checkout", "version": "9.8.0", "status": status, "currency": self.currency,
            "prices_include_tax": False,
            "date_created": self._local(modified), "date_created_gmt": self._gmt(modified),
            "date_modified": self._local(modified), "date_modified_gmt": self._gmt(modified),
            "date_paid": self._local(modified), "date_paid_gmt": self._gmt(modified),
            "date_completed": None, "date_completed_gmt": None,
            "discount_total": "0.00", "discount_tax": "0.00",
            "shipping_total": _money(ship), "shipping_tax": _money(ship_tax), "cart_tax": _money(tax),
            "total": _money(net + tax + ship + ship_tax), "total_tax": _money(tax + ship_tax),
            "customer_id": 1, "customer_note": "", "customer_ip_address": "127.0.0.1", "customer_user_agent": "",
            "billing": {**address, "email": "customer@example.com", "phone": "+15555550100"},
            "shipping": {**address, "phone": ""},
            "payment_method": "stripe", "payment_method_title": "Credit card", "transaction_id": f"pi_{number}",
            "cart_hash": hashlib.md5(str(number).encode()).hexdigest(),  # noqa: S324 - an id, not security
            "meta_data": [], "line_items": items,
            "tax_lines": [{"id": next(self._ids), "rate_code": "SE-VAT-1", "rate_id": 1, "label": "VAT",
                           "compound": False, "tax_total": _money(tax), "shipping_tax_total": _money(ship_tax),
                           "rate_percent": float(tax_rate), "meta_data": []}],
            "shipping_lines": [{"id": next(self._ids), "method_title": "Flat rate", "method_id": "flat_rate",
                                "instance_id": "1", "total": _money(ship), "total_tax": _money(ship_tax),
                                "taxes": [{"id": 1, "total": _money(ship_tax), "subtotal": ""}], "meta_data": []}],
            "fee_lines": [], "coupon_lines": [], "refunds": [], "currency_symbol": "€",
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            body = dict(order)
            body.setdefault("id", next(self._ids))
            self.orders[int(body["id"])] = body
            return body

    def touch_order(self, order_id: int, modified: datetime, **changes) -> dict:
        with self.lock:
            modified = modified.replace(microsecond=0)
            body = {**self.orders[int(order_id)], **changes, "date_modified": self._local(modified),
                    "date_modified_gmt": self._gmt(modified)}
            self.orders[int(order_id)] = body
            return body

    def add_refund(self, order_id: int, lines: list[tuple[str, int]], *, amount: str | None = None,
                   reason: str = "", created: datetime | None = None) -> dict:
        """A refund of `quantity` of the order's line with `sku` (at the line's net price and tax) per entry, as
        `GET orders/{id}/refunds` shows it; `amount` (money back, tax included) defaults to those lines' gross
        total (an amount-only refund: no lines and an `amount`)."""
        created = (created or datetime.now(UTC)).replace(microsecond=0)
        with self.lock:
            order = self._order(int(order_id))
            items, gross = [], Decimal(0)
            for sku, quantity in lines:
                line = next((x for x in order["line_items"] if x["sku"] == sku), None)
                if line is None:
                    raise ValueError(f"order {order_id} has no line with SKU {sku!r}")
                net = (Decimal(line["total"]) / Decimal(line["quantity"]) * quantity).quantize(Decimal("0.01"))
                tax = (Decimal(line["total_tax"]) / Decimal(line["quantity"]) * quantity).quantize(Decimal("0.01"))
                gross += net + tax
                items.append({
                    "id": next(self._ids), "name": line["name"], "product_id": line["product_id"],
                    "variation_id": line["variation_id"], "quantity": -quantity, "tax_class": line["tax_class"],
                    "subtotal": _money(-net), "subtotal_tax": _money(-tax), "total": _money(-net),
                    "total_tax": _money(-tax), "taxes": [{"id": 1, "total": _money(-tax), "subtotal": _money(-tax)}],
                    "meta_data": [{"id": next(self._ids), "key": "_refunded_item_id", "value": str(line["id"]),
                                   "display_key": "_refunded_item_id", "display_value": str(line["id"])}],
                    "sku": sku, "price": float(-net / quantity),
                })
            money_back = Decimal(amount) if amount is not None else gross
            number = next(self._ids)
            refund = {
                "id": number, "date_created": self._local(created), "date_created_gmt": self._gmt(created),
                "amount": _money(money_back), "reason": reason, "refunded_by": 1, "refunded_payment": True,
                "meta_data": [], "line_items": items, "shipping_lines": [], "tax_lines": [], "fee_lines": [],
                "_links": {"self": [{"href": f"{self._site_url()}{PREFIX}orders/{order['id']}/refunds/{number}"}],
                           "collection": [{"href": f"{self._site_url()}{PREFIX}orders/{order['id']}/refunds"}],
                           "up": [{"href": f"{self._site_url()}{PREFIX}orders/{order['id']}"}]},
            }
            self.refunds.setdefault(int(order["id"]), []).append(refund)
            refunded = sum((Decimal(r["amount"]) for r in self.refunds[int(order["id"])]), Decimal(0))
            summary = [{"id": r["id"], "reason": r["reason"], "total": _money(-Decimal(r["amount"]))}
                       for r in reversed(self.refunds[int(order["id"])])]
            changes = {"refunds": summary}
            if refunded >= Decimal(order["total"]):
                changes["status"] = "refunded"
            self.touch_order(int(order["id"]), created, **changes)
            return dict(refund)

    # ---- products ----

    def _new_product(self, sku: str, stock: int | None, *, kind: str = "simple", parent: int = 0) -> dict:
        number = next(self._ids)
        return {"id": number, "name": f"Product {sku}", "type": kind, "parent_id": parent, "sku": sku,
                "status": "publish", "manage_stock": stock is not None, "stock_quantity": stock,
                "stock_status": "instock" if (stock or 0) > 0 else "outofstock", "variations": [],
                "regular_price": "10.00", "price": "10.00", "meta_data": []}

    def add_product(self, sku: str, stock: int | None = 0, *, kind: str = "simple") -> dict:
        """A product of type `kind` (simple, grouped, external); `stock` None = does not manage stock."""
        with self.lock:
            product = self._new_product(sku, stock, kind=kind)
            self.products[product["id"]] = product
            return product

    def add_variable_product(self, sku: str, variations: dict[str, int | None]) -> dict:
        with self.lock:
            parent = self._new_product(sku, None, kind="variable")
            self.products[parent["id"]] = parent
            for variation_sku, stock in variations.items():
                child = self._new_product(variation_sku, stock, kind="variation", parent=parent["id"])
                self.products[child["id"]] = child
                parent["variations"].append(child["id"])
            return parent

    def product_by_sku(self, sku: str) -> dict | None:
        with self.lock:  # case-insensitive, like the `_sku` meta query under the usual collation
            return next((p for p in self.products.values() if p["sku"] and p["sku"].casefold() == sku.casefold()),
                        None)

    def _answer(self, product: dict) -> dict:
        """A product as the REST answer shows it: `manage_stock` is managing_stock(), false while the
        shop-wide option is off (abstract-wc-product.php)."""
        return {**product, "manage_stock": bool(product["manage_stock"]) and self.stock_management}

    def stock(self, sku: str) -> int | None:
        product = self.product_by_sku(sku)
        return None if product is None else product["stock_quantity"]

    # ---- webhooks ----

    def add_webhook(self, topic: str, delivery_url: str, webhook_id: int | None = None,
                    status: str = "active") -> dict:
        with self.lock:
            number = webhook_id if webhook_id is not None else next(self._ids)
            self.webhooks[number] = {"id": number, "name": f"Webhook {topic}", "status": status, "topic": topic,
                                     "delivery_url": delivery_url, "failure_count": 0}
            return dict(self.webhooks[number])

    def send_webhook(self, url: str, topic: str, payload: dict, secret: str, webhook_id: int = 1,
                     timeout: float = 60.0, at: float | None = None) -> WebhookSent | None:
        """POST `wp_json_encode(payload)`, signed with base64 HMAC-SHA256 under the decoded secret. A disabled
        or paused webhook sends nothing (None). `at` (a Unix time) fixes the second the delivery id hashes."""
        with self.lock:
            hook = self.webhooks.get(webhook_id) or self.add_webhook(topic, url, webhook_id)
        if hook["status"] != "active":
            return None
        body = wp_json_encode(payload)
        key = wp_specialchars_decode(secret).encode("utf-8")
        resource, _, event = topic.partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)",
            "X-WC-Webhook-Source": f"{self._site_url()}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode(),
            "X-WC-Webhook-ID": str(webhook_id),
            "X-WC-Webhook-Delivery-ID": delivery_id(webhook_id, time.time() if at is None else at),
        }
        sent = self._deliver(url, topic, body, headers, timeout)
        self._count_delivery(webhook_id, sent)
        return sent

    def _count_delivery(self, webhook_id: int, sent: WebhookSent) -> None:
        """class-wc-webhook.php log_delivery(): 200 ≤ status < 303 resets the failure count; anything else
        (a transport error too) is a failure, and failed_delivery() disables the webhook once the count
        is already above woocommerce_max_webhook_delivery_failures (5)."""
        with self.lock:
            hook = self.webhooks[webhook_id]
            if sent.status is not None and 200 <= sent.status < 303:
                hook["failure_count"] = 0
            elif hook["failure_count"] > MAX_DELIVERY_FAILURES:
                hook["status"] = "disabled"
            else:
                hook["failure_count"] += 1

    def send_ping(self, url: str, webhook_id: int, timeout: float = 60.0) -> WebhookSent:
        """The ping WooCommerce sends when a webhook is created: form body, no signature, no topic."""
        body = f"webhook_id={int(webhook_id)}".encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)"}
        return self._deliver(url, "ping", body, headers, timeout)

    def _site_url(self) -> str:
        return self.base_url if self._server is not None else "http://woo.local"

    def _deliver(self, url: str, topic: str, body: bytes, headers: dict, timeout: float) -> WebhookSent:
        started = time.perf_counter()
        status, error = None, None
        try:
            status = httpx.post(url, content=body, headers=headers, timeout=timeout,
                                follow_redirects=False).status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        sent = WebhookSent(url, topic, body, headers, status, (time.perf_counter() - started) * 1000, error)
        self.deliveries.append(sent)
        return sent

    # ---- request handling ----

    def _check_auth(self, headers, query: dict, method: str) -> None:
        key = secret = None
        auth = headers.get("Authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except ValueError:
                key = secret = None
        if key is None and "consumer_key" in query:
            key, secret = query["consumer_key"], query.get("consumer_secret", "")
        if key is None:
            verb = "view" if method == "GET" else "create"
            text = "list resources" if method == "GET" else "create resources"
            raise WooError(401, f"woocommerce_rest_cannot_{verb}", f"Sorry, you cannot {text}.")
        if not hmac.compare_digest(key.encode(), self.consumer_key.encode()):
            raise WooError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if not hmac.compare_digest((secret or "").encode(), self.consumer_secret.encode()):
            raise WooError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")

    def handle(self, method: str, path: str, query: dict, body: bytes, headers) -> tuple[int, object, dict]:
        try:
            self._check_auth(headers, query, method)
        except WooError as exc:
            self.counters["unauthorized"] += 1
            return exc.status, exc.body(), {}
        route = path[len(PREFIX):].strip("/")
        if fault := self._fault(False):
            return fault[0], _fault_body(fault[0]), _retry_header(fault[1])
        try:
            if method == "GET":
                answer = self._get(route, query)
            elif (order_answer := self._order_write(method, route, body)) is not None:
                answer = order_answer
            else:
                answer = self._post(route, json.loads(body or b"{}"))
            if fault := self._fault(True):
                return fault[0], _fault_body(fault[0]), _retry_header(fault[1])
            return answer
        except WooError as exc:
            return exc.status, exc.body(), {}
        except ValueError:
            return 400, {"code": "rest_invalid_json", "message": "Invalid JSON body passed.",
                         "data": {"status": 400}}, {}

    def _get(self, route: str, query: dict) -> tuple[int, object, dict]:
        if route == "orders":
            return self._list_orders(query)
        if match := re.fullmatch(r"orders/(\d+)", route):
            with self.lock:
                order = self.orders.get(int(match.group(1)))
            if order is None:
                raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            return 200, order, {}
        if match := re.fullmatch(r"orders/(\d+)/refunds", route):
            order_id = int(self._order(int(match.group(1)))["id"])
            with self.lock:
                return self._page([dict(r) for r in reversed(self.refunds.get(order_id, []))], query)
        if match := re.fullmatch(r"orders/(\d+)/refunds/(\d+)", route):
            order_id = int(self._order(int(match.group(1)))["id"])
            with self.lock:
                refund = next((r for r in self.refunds.get(order_id, []) if r["id"] == int(match.group(2))), None)
            if refund is None:
                raise WooError(404, "woocommerce_rest_invalid_order_refund_id", "Invalid order refund ID.")
            return 200, dict(refund), {}
        if match := re.fullmatch(r"orders/(\d+)/notes", route):
            order_id = int(self._order(int(match.group(1)))["id"])
            with self.lock:
                return 200, [dict(n) for n in reversed(self.notes.get(order_id, []))], {}
        if route == "products":
            # `sku` is an exact `_sku IN (…)` meta query, case-insensitive under the usual collation, over
            # products and variations; `search` is a LIKE on the title (class-wc-rest-products-controller.php)
            skus = ({s.casefold() for s in (query.get("sku") or "").split(",") if s} if "sku" in query else None)
            search = (query.get("search") or "").casefold()
            with self.lock:
                found = [self._answer(p) for p in self.products.values()
                         if (p["sku"].casefold() in skus if skus is not None else p["type"] != "variation")
                         and search in p["name"].casefold()]
            return self._page(sorted(found, key=lambda p: p["id"]), query)
        if match := re.fullmatch(r"products/(\d+)", route):
            return 200, self._answer(self._product(int(match.group(1)))), {}
        if match := re.fullmatch(r"products/(\d+)/variations", route):
            parent = self._product(int(match.group(1)))
            with self.lock:
                children = [self._answer(self.products[i]) for i in parent["variations"]]
            return self._page(children, query)
        if route == "settings/products/woocommerce_manage_stock":  # class-wc-rest-setting-options-controller.php
            return 200, {"id": "woocommerce_manage_stock", "label": "Manage stock", "type": "checkbox",
                         "default": "yes", "value": "yes" if self.stock_management else "no"}, {}
        if route == "webhooks":
            with self.lock:
                hooks = [{k: v for k, v in h.items() if k != "failure_count"} for h in self.webhooks.values()]
            return self._page(hooks, query)
        raise WooError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _post(self, route: str, payload: dict) -> tuple[int, object, dict]:
        if route == "products/batch":
            return 200, self._batch(payload, parent=None, path=route), {}
        if match := re.fullmatch(r"products/(\d+)/variations/batch", route):
            parent = self._product(int(match.group(1)))
            return 200, self._batch(payload, parent=parent, path=route), {}
        raise WooError(404, "rest_no_route", "No route was found matching the URL and request method.")

    # ---- order status and notes (what a shipment export writes) ----

    def _order(self, number: int) -> dict:
        with self.lock:
            order = self.orders.get(number)
        if order is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def _order_write(self, method: str, route: str, body: bytes) -> tuple[int, object, dict] | None:
        """`PUT orders/{id}` (update) and `POST orders/{id}/notes`; None for any other route."""
        update = re.fullmatch(r"orders/(\d+)", route)
        notes = re.fullmatch(r"orders/(\d+)/notes", route)
        if not (update and method == "PUT" or notes and method == "POST"):
            return None
        payload = json.loads(body or b"{}")
        if update:
            return 200, self._update_order(self._order(int(update.group(1))), payload), {}
        # class-wc-rest-order-notes-controller.php: `note` is a required string argument (WordPress checks
        # presence and type, not content), `customer_note` a boolean; an unknown order is
        # woocommerce_rest_order_invalid_id (create_item)
        if "note" not in payload:
            raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): note", ["note"])
        if not isinstance(payload["note"], str):
            raise invalid_param("note", "note is not of type string.")
        if payload.get("customer_note") not in (None, True, False, "true", "false", "1", "0", 1, 0, ""):
            raise invalid_param("customer_note", "customer_note is not of type boolean.")
        with self.lock:
            order = self.orders.get(int(notes.group(1)))
        if order is None:
            raise WooError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
        now = datetime.now(UTC).replace(microsecond=0)
        with self.lock:
            row = {"id": next(self._ids), "author": "system", "date_created": self._local(now),
                   "date_created_gmt": self._gmt(now), "note": payload["note"],
                   "customer_note": payload.get("customer_note") in (True, "true", "1", 1)}
            self.notes.setdefault(int(order["id"]), []).append(row)
            self.counters["order_notes"] += 1
        return 201, dict(row), {}

    def _update_order(self, order: dict, payload: dict) -> dict:
        status = payload.get("status")
        # a single PUT validates its arguments against the orders schema (class-wc-rest-orders-controller.php)
        if status is not None and status not in ORDER_STATUSES:
            raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
        if "customer_note" in payload and not isinstance(payload["customer_note"], str):
            raise invalid_param("customer_note", "customer_note is not of type string.")
        if "meta_data" in payload and not isinstance(payload["meta_data"], list):
            raise invalid_param("meta_data", "meta_data is not of type array.")
        now = datetime.now(UTC).replace(microsecond=0)
        with self.lock:
            changes = {k: v for k, v in payload.items() if k in ("status", "customer_note", "meta_data")}
            if status == "completed" and order.get("status") != "completed":
                changes.update(date_completed=self._local(now), date_completed_gmt=self._gmt(now))
            body = {**self.orders[int(order["id"])], **changes, "date_modified": self._local(now),
                    "date_modified_gmt": self._gmt(now)}
            self.orders[int(order["id"])] = body
            self.counters["order_updates"] += 1
            return dict(body)

    def order_notes(self, order_id: int) -> list[dict]:
        """The notes of an order, oldest first (tests)."""
        with self.lock:
            return [dict(n) for n in self.notes.get(int(order_id), [])]

    def _product(self, number: int) -> dict:
        with self.lock:
            product = self.products.get(number)
        if product is None or product["type"] == "variation":
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    def _page(self, rows: list, query: dict) -> tuple[int, object, dict]:
        per_page = _int_param(query, "per_page", 10)
        if not 1 <= per_page <= 100:
            raise invalid_param("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
        page = _int_param(query, "page", 1)
        if page < 1:
            raise invalid_param("page", "page must be greater than or equal to 1")
        total = len(rows)
        pages = math.ceil(total / per_page)
        # past the last page: WP_Query finds nothing and the controller answers an empty 200 with the real
        # totals (class-wc-rest-crud-controller.php get_objects/get_items)
        chunk = rows[(page - 1) * per_page:page * per_page]
        return 200, chunk, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}

    def _list_orders(self, query: dict) -> tuple[int, object, dict]:
        gmt = (query.get("dates_are_gmt") or "").lower() in ("1", "true", "yes")

        def bound(name: str) -> datetime | None:
            if not query.get(name):
                return None
            try:
                moment = _parse_date(query[name])
            except ValueError:
                raise invalid_param(name, f"Invalid date: {query[name]}") from None
            if moment.tzinfo is None:  # naive: GMT with dates_are_gmt, else the site's local time
                moment = moment.replace(tzinfo=UTC if gmt else timezone(self.site_offset))
            return moment

        after, before = bound("modified_after"), bound("modified_before")
        with self.lock:
            rows = []
            for order in self.orders.values():
                if order.get("status") == "trash":  # status "any" (the default) leaves trash out
                    continue
                modified = datetime.fromisoformat(order["date_modified_gmt"]).replace(tzinfo=UTC)
                if (after is None or modified > after) and (before is None or modified < before):
                    rows.append((modified, order))
        orderby = query.get("orderby") or "date"
        keys = {"modified": lambda r: (r[0], r[1]["id"]), "id": lambda r: r[1]["id"],
                "date": lambda r: (r[1]["date_created_gmt"], r[1]["id"])}
        if orderby not in keys:
            raise invalid_param("orderby", f"orderby is not one of {', '.join(keys)}.")
        rows.sort(key=keys[orderby], reverse=(query.get("order") or "desc") == "desc")
        return self._page([r[1] for r in rows], query)

    def _batch(self, payload: dict, parent: dict | None, path: str) -> dict:
        total = sum(len(payload.get(k) or []) for k in ("create", "update", "delete"))
        if total > BATCH_LIMIT:
            raise WooError(413, "woocommerce_rest_request_entity_too_large",
                           f"Unable to accept more than {BATCH_LIMIT} items for this request.")
        self.counters["variation_batch_calls" if parent else "batch_calls"] += 1
        self.counters["batch_items"] += total
        self.batches.append({"path": path, "size": total})
        answer: dict = {}
        with self.lock:
            if "create" in payload:
                answer["create"] = [self._create(item, parent) for item in payload["create"] or []]
            if "update" in payload:
                answer["update"] = [self._update(item, parent) for item in payload["update"] or []]
            if "delete" in payload:
                answer["delete"] = [self._delete(number, parent) for number in payload["delete"] or []]
        return answer

    def _item_error(self, number, code: str, message: str, status: int = 400) -> dict:
        return {"id": number, "error": {"code": code, "message": message, "data": {"status": status}}}

    def _create(self, item: dict, parent: dict | None) -> dict:
        sku = item.get("sku") or ""
        if sku and self.product_by_sku(sku) is not None:
            return self._item_error(0, "product_invalid_sku", "Invalid or duplicated SKU.")
        product = self._new_product(sku, None, kind="variation" if parent else item.get("type", "simple"),
                                    parent=parent["id"] if parent else 0)
        self.products[product["id"]] = product
        if parent:
            parent["variations"].append(product["id"])
        return self._update({**item, "id": product["id"]}, parent)

    def _update(self, item: dict, parent: dict | None) -> dict:
        number = int(item.get("id") or 0)
        product = self.products.get(number)
        if product is None or (parent is not None and product["type"] != "variation"):
            # class-wc-rest-crud-controller.php update_item: "woocommerce_rest_{post_type}_invalid_id", 400
            code = "woocommerce_rest_product_variation_invalid_id" if parent else "woocommerce_rest_product_invalid_id"
            return self._item_error(number, code, "Invalid ID.")
        if parent is None and product["type"] == "variation":
            # class-wc-rest-products-controller.php prepare_object_for_database: invalid_{post_type}_id
            return self._item_error(number, "woocommerce_rest_invalid_product_id",
                                    "To manipulate product variations you should use the "
                                    "/products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.", 404)
        if parent is not None and product["parent_id"] != parent["id"]:
            # the variations controller sets the parent from the URL: the variation moves, no error
            old = self.products.get(product["parent_id"])
            if old is not None and number in old["variations"]:
                old["variations"].remove(number)
            parent["variations"].append(number)
            product["parent_id"] = parent["id"]
        # only the fields the controller reads; anything else in the item is ignored without an error
        for field in ("name", "sku", "regular_price", "attributes", "description"):
            if field in item:
                product[field] = item[field]
        if isinstance(item.get("meta_data"), list):
            self._merge_meta(product, item["meta_data"])
        if "status" in item:  # batch items are not validated: an unknown post status becomes draft
            product["status"] = item["status"] if item["status"] in POST_STATUSES else "draft"
        if "regular_price" in item:  # no sale running in the emulator: the price is the regular price
            product["price"] = item["regular_price"]
        if parent is None:
            self._product_stock(product, item)
        else:
            self._variation_stock(product, item)
        return self._answer(product)

    def _merge_meta(self, product: dict, entries: list) -> None:
        """class-wc-rest-products-controller.php prepare_object_for_database: each meta_data entry is
        `update_meta_data(key, value, id)` (class-wc-data.php): the entry with that id, else the first with that
        key, is replaced; a key the product does not have is added; entries not sent stay."""
        meta = product.setdefault("meta_data", [])
        for entry in entries:
            if not isinstance(entry, dict) or "key" not in entry:
                continue
            found = next((m for m in meta if entry.get("id") and m.get("id") == entry["id"]), None) or \
                next((m for m in meta if m.get("key") == entry["key"]), None)
            if found is not None:
                found.update(key=entry["key"], value=entry.get("value"))
            else:
                meta.append({"id": next(self._ids), "key": entry["key"], "value": entry.get("value")})

    def _product_stock(self, product: dict, item: dict) -> None:
        """class-wc-rest-products-controller.php prepare_object_for_database, "Stock data"."""
        if not self.stock_management:
            return  # the shop-wide option is off: manage_stock and stock_quantity are skipped, no error
        if "manage_stock" in item:
            product["manage_stock"] = bool(item["manage_stock"])
        if product["type"] in ("grouped", "external") or not product["manage_stock"]:
            product["manage_stock"] = False  # grouped and external products never manage stock
            product["stock_quantity"] = None
            return
        if "stock_quantity" in item:
            self._set_quantity(product, item["stock_quantity"])

    def _variation_stock(self, variation: dict, item: dict) -> None:
        """class-wc-rest-product-variations-controller.php prepare_object_for_database, "Stock handling": no
        shop-wide check here; the answer still says manage_stock false while the option is off."""
        if "manage_stock" in item:
            variation["manage_stock"] = bool(item["manage_stock"])
        if not variation["manage_stock"]:
            variation["stock_quantity"] = None
        elif "stock_quantity" in item:
            self._set_quantity(variation, item["stock_quantity"])

    @staticmethod
    def _set_quantity(product: dict, value) -> None:
        product["stock_quantity"] = int(float(value))  # wc_stock_amount: batch items are not type-checked
        product["stock_status"] = "instock" if product["stock_quantity"] > 0 else "outofstock"

    def _delete(self, number, parent: dict | None) -> dict:
        product = self.products.pop(int(number), None)
        if product is None:
            return self._item_error(number, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        if parent and product["id"] in parent["variations"]:
            parent["variations"].remove(product["id"])
        return product


def _fault_body(status: int) -> dict:
    return {"code": "emulator_fault", "message": f"Injected {status}.", "data": {"status": status}}


def _retry_header(retry_after: float | None) -> dict:
    return {} if retry_after is None else {"Retry-After": str(retry_after)}


def _int_param(query: dict, name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None


def delivery_id(webhook_id: int, now: float) -> str:
    """class-wc-webhook.php get_new_delivery_id(): wp_hash(id . strtotime('now')), whole seconds."""
    return hashlib.md5(f"{webhook_id}{int(now)}".encode()).hexdigest()  # noqa: S324 - an id, not security


class _Handler(BaseHTTPRequestHandler):
    emulator: WooEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls

    def log_message(self, *args) -> None:
        pass

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        emu = self.emulator
        emu.counters["requests"] += 1
        if not path.startswith(PREFIX):
            status, answer, extra = 404, {"code": "rest_no_route", "message": "No route was found matching the "
                                          "URL and request method.", "data": {"status": 404}}, {}
        else:
            status, answer, extra = emu.handle(method, path, query, body, self.headers)
        # logged before answering, so a caller that got the answer sees it logged
        emu.requests.append({"method": method, "path": path, "query": query, "status": status, "at": time.time()})
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")


WooEmulator.handler = _Handler
