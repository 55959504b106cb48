"""The WooCommerce REST API (v3), for the reconcile timer (changed orders) and the stock export.

    client = client_for(shop)                   # "consumer_key:consumer_secret" from shop.api_token_setting
    for order in client.orders_updated_between(since, until):
        ...                                     # the REST v3 order dict, the same shape as the webhook body
    client.set_stock([StockChange("woo-album", None, quantity=7)])

Orders: `GET /wp-json/wc/v3/orders?modified_after=…&modified_before=…&dates_are_gmt=true&orderby=modified
&order=asc&per_page=100`. WooCommerce pages by number, and a page number shifts when an order leaves the
window while we read; so after each full page the next request starts again from the last page's
`date_modified_gmt` (minus one second: the bounds are exclusive and whole seconds), skipping the ids already
yielded at that second, and only walks `page=2,3,…` while a whole page shares one second (a page past the
last one is an empty 200). Orders are filtered to since ≤ date_modified_gmt < until. Memory: one page plus
the ids of one second. Orders in `checkout-draft` (a Blocks checkout not yet placed, which no webhook
sends), `trash` and `auto-draft` are not yielded: they are not orders the shop took. The filter is ours,
not a `status` parameter, so orders in statuses a plugin registers still come through.

Stock shapes (the same names as the Shopify client):
- `StockChange(sku, location, quantity, previous)`: WooCommerce keeps one stock figure per product or
  variation, so `location` must be empty (None/"") or the same for every change of a SKU; `previous` is not
  used (no compare-and-swap in Woo; the last write wins).
- `inventory_targets(skus) -> {sku: WooStockTarget(product_id, variation_id, stock_quantity, manage_stock)}`
  from `GET products?sku=a,b,…` (a SKU search also returns variations, with `parent_id`). `variation_id` is
  None for simple products. Unknown or duplicated SKUs are left out. WooCommerce matches SKUs through a
  meta query whose collation ignores case, so `abc` finds `ABC`: we match the same way, keyed by the SKU
  asked for.
  From LISTING_MIN_SKUS SKUs on (a cold start, a large new range) the catalog is listed instead: `GET
  products?per_page=100&orderby=id&order=asc`, page by page, stopping once every SKU is found — 100 products
  a call against 50 SKUs a call, and a plain listing instead of a `_sku IN (…)` meta query. The listing holds
  no variations (they are another post type), so SKUs it did not find are then searched by SKU as before.
  WooCommerce keeps SKUs unique across products and variations (wc_product_has_unique_sku), so a SKU found
  on a listed product is taken as its only target. `product_listing()` yields that listing (the stock flow's
  cold start lists once per run and searches only what it did not find).
- `set_stock(changes) -> StockResult(applied, failed, calls, stale_resolved=0, attention)`: `POST
  products/batch {"update": [{"id", "manage_stock": true, "stock_quantity"}]}` for products and `POST
  products/{parent}/variations/batch` for variations, at most 100 objects per call (WooCommerce's default
  batch limit; more is a 413). Per-item errors in the answer go to `failed`. WooCommerce answers 200 even
  when it ignored the quantity, so each answer is read back: an item is `applied` only when it answers
  `manage_stock: true` and the quantity sent. With the shop-wide "Enable stock management" off (the
  option `woocommerce_manage_stock`, `GET settings/products/woocommerce_manage_stock`) the products
  controller skips both fields: `NeedsAttention(code="woo_stock_management_off")`. A product that still
  does not manage stock (grouped and external products never do; a plugin can refuse it) goes to
  `attention` with the setting to change.

Products and prices (BC → shop): `batch_products(create=[…], update=[…])` and `batch_variations(parent,
create=[…], update=[…])` send one `POST products/batch` / `products/{parent}/variations/batch` of at most 100
objects and return WooCommerce's answer (`{"create": [...], "update": [...]}`, per-item `error` in place);
SKU → ids comes from `inventory_targets`.

Refunds: `refunds(order_id)` (`GET orders/{id}/refunds`, every page) → the order's refunds, newest first, in
the REST v3 shape `parse.parse_refund` reads (line amounts negative, `_refunded_item_id` in the lines'
meta_data). WooCommerce has no refund listing across orders: a refund changes its order's
`date_modified_gmt`, so the refunds reconcile reads `orders_updated_between` and then each changed order's
refunds (the order's own `refunds` field lists only id, reason and total).

Shipments: `update_order(id, {"status": "completed"})` (`PUT orders/{id}`), `order_notes(id)` and
`add_order_note(id, note, customer_note=…)` (`GET`/`POST orders/{id}/notes`); core WooCommerce has no
tracking field, so carrier and tracking number go into a note.

Webhooks: `webhooks()` (`GET webhooks`, every page) → id, name, status (`active`, `paused`, `disabled`),
topic, delivery_url. WooCommerce sets `disabled` by itself after more than five failed deliveries in a
row (see webhooks.RECEIPT_FAILURES_DISABLE_WEBHOOK); `core.sync.webhook_health` reports it.

Auth: HTTP Basic with the consumer key and secret (over HTTPS in production). GET, PUT and stock batches
(absolute values: sending twice is harmless) are retried on HTTP 429, 5xx and transport errors with
back-off (Retry-After honoured), then `Retryable`. A POST that creates something (products and variations
in a batch's `create`, order notes) is not idempotent in WooCommerce: it is sent once per attempt, and
before sending it again after an unknown outcome (timeout, 5xx) we look for what the lost attempt made —
the SKU, the meta key `bc_bridge_item` (variable parents have no SKU; the products flow sets it), or the
note's exact text (it names the BC shipment) — and send only what is not there. 401/403 → NeedsAttention.
Credentials are never logged.

Error codes that mean "this id is not (or no longer) a target here" (`GONE_CODES`, from the products and
variations controllers): `woocommerce_rest_product_invalid_id` and
`woocommerce_rest_product_variation_invalid_id` (no such object), and `woocommerce_rest_invalid_product_id`
(a variation id sent to `products/batch`). The caller looks the SKU up again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from core.config import Shop
from core.errors import NeedsAttention, Retryable
from core.platforms import http as http_retry
from core.platforms.credentials import api_key_pair
from core.platforms.stock import StockChange, StockResult

log = logging.getLogger("core.platforms.woocommerce")

API_PREFIX = "/wp-json/wc/v3"
MAX_BATCH = 100
MAX_PAGE = 100
SKUS_PER_LOOKUP = 50
LISTING_MIN_SKUS = 500  # this many unknown SKUs: list the catalog (100 a call) rather than search 50 at a time
# statuses that are not orders the shop took (orders controller statuses; checkout-draft is the Blocks
# checkout's cart-in-progress, and no webhook ever sends one)
NOT_ORDERS = ("checkout-draft", "trash", "auto-draft")
GONE_CODES = ("woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id",
              "woocommerce_rest_invalid_product_id")
BRIDGE_ITEM_META = "bc_bridge_item"  # meta key the products flow sets on what it creates: found again by it
STOCK_OPTION = "WooCommerce > Settings > Products > Inventory > Enable stock management"
PRODUCT_STOCK_OPTION = "Product data > Inventory > Track stock quantity for this product (Manage stock?)"


def is_gone(code: str | None) -> bool:
    """True for the per-item error codes that mean the id no longer names this product or variation."""
    return str(code or "") in GONE_CODES



@dataclass(frozen=True)
class WooStockTarget:
    product_id: int
    variation_id: int | None
    stock_quantity: int | None
    manage_stock: bool




def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> WooClient:
    """A client for `shop`; `shop.api_token_setting` names the setting holding "consumer_key:consumer_secret"."""
    name, key, secret = api_key_pair(shop, settings, what='"<consumer key>:<consumer secret>"',
                                     how_to_get="WooCommerce > Settings > Advanced > REST API, read/write")
    return WooClient(shop.url, key, secret, credentials_setting=name, **options)


def _gmt(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _modified(order: dict) -> datetime:
    return datetime.fromisoformat(order["date_modified_gmt"]).replace(tzinfo=UTC)


class WooClient:
    def __init__(self, base_url: str, consumer_key: str, consumer_secret: str, *,
                 credentials_setting: str = "the API credentials setting", page_size: int = MAX_PAGE,
                 timeout: float = 30.0, max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.page_size = min(page_size, MAX_PAGE)
        self._setting = credentials_setting
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/") + API_PREFIX, transport=transport,
                                  auth=httpx.BasicAuth(consumer_key, consumer_secret),
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"Accept": "application/json"})

    is_gone = staticmethod(is_gone)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WooClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- HTTP with retries ----

    def _request(self, method: str, path: str, *, attempts: int | None = None, **kwargs) -> httpx.Response:
        response = http_retry.send(self._http, method, path, shop_name="WooCommerce",
                                   max_attempts=attempts or self._max_attempts, sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"WooCommerce refused the API credentials ({response.status_code} {_code(response)}).",
                resolution=f"check that {self._setting} holds \"<consumer key>:<consumer secret>\" of a "
                "Read/Write REST API key, and that the host passes the Authorization header to WordPress",
                code="shop_auth_failed")
        if response.status_code >= 400:
            raise NeedsAttention(
                f"WooCommerce answered {response.status_code} {_code(response)} to {method} {path}: "
                f"{response.text[:300]}",
                resolution="check the shop URL and the WooCommerce version (REST API v3 is needed); if it "
                "persists, report it with this message", code="shop_api_error")
        return response

    def _create(self, path: str, body: dict, find: Callable[[], object]):
        """POST `body` once per attempt; after an unknown outcome, `find()` first (what the lost attempt
        made, or None) and only send again when it finds nothing. Never a blind repeat of a POST."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._request("POST", path, attempts=1, json=body).json()
            except Retryable:
                if attempt == self._max_attempts:
                    raise
            self._sleep(http_retry.backoff(attempt))
            found = find()
            if found is not None:
                log.info("woocommerce: %s had been made by the attempt whose answer was lost", path)
                return found
        raise AssertionError("unreachable")

    # ---- orders ----

    def order(self, order_id: int | str) -> dict:
        return self._request("GET", f"/orders/{order_id}").json()

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order with since ≤ date_modified_gmt < until, oldest change first."""
        since_s, until_s = since.astimezone(UTC), until.astimezone(UTC)
        boundary = since_s.replace(microsecond=0)  # restart point: whole seconds, like Woo's dates
        # both bounds are exclusive and whole seconds: "before" is the first whole second not before `until`
        before = _gmt(until_s + timedelta(seconds=1) if until_s.microsecond else until_s)
        seen_at_boundary: set[int] = set()
        page = 1
        while True:
            params = {"modified_after": _gmt(boundary - timedelta(seconds=1)), "modified_before": before,
                      "dates_are_gmt": "true", "orderby": "modified", "order": "asc",
                      "per_page": self.page_size, "page": page}
            orders = self._request("GET", "/orders", params=params).json()
            for order in orders:
                modified = _modified(order)
                if modified < since_s or modified >= until_s or modified < boundary:
                    continue
                if modified == boundary and order["id"] in seen_at_boundary:
                    continue
                if order.get("status") in NOT_ORDERS:
                    continue
                yield order
            if len(orders) < self.page_size:
                return
            last = max(_modified(o) for o in orders)
            if last == boundary:  # a whole page within one second: walk the pages of this second
                seen_at_boundary.update(o["id"] for o in orders)
                page += 1
            else:
                boundary, page = last, 1
                seen_at_boundary = {o["id"] for o in orders if _modified(o) == last}

    # ---- refunds ----

    def refunds(self, order_id: int | str) -> list[dict]:
        """`GET orders/{id}/refunds`: every refund of the order (all pages), newest first."""
        found: list[dict] = []
        page = 1
        while True:
            response = self._request("GET", f"/orders/{order_id}/refunds",
                                     params={"per_page": self.page_size, "page": page})
            rows = response.json() or []
            found.extend(rows)
            if len(rows) < self.page_size or page >= int(response.headers.get("X-WP-TotalPages") or page):
                return found
            page += 1

    # ---- shipments (BC → shop): status and order notes ----

    def update_order(self, order_id: int | str, changes: dict) -> dict:
        """`PUT orders/{id}` with `changes` (e.g. {"status": "completed"}); returns the updated order."""
        return self._request("PUT", f"/orders/{order_id}", json=changes).json()

    def order_notes(self, order_id: int | str) -> list[dict]:
        """`GET orders/{id}/notes`: every note of the order (id, note, customer_note, date_created_gmt, …)."""
        return self._request("GET", f"/orders/{order_id}/notes").json()

    def add_order_note(self, order_id: int | str, note: str, *, customer_note: bool = False) -> dict:
        """`POST orders/{id}/notes`; a customer note is also e-mailed to the customer by WooCommerce, so a
        lost answer is followed by a look at the notes (same text) before the note is sent again."""
        def existing() -> dict | None:
            return next((n for n in self.order_notes(order_id) if n.get("note") == note), None)

        return self._create(f"/orders/{order_id}/notes", {"note": note, "customer_note": bool(customer_note)},
                            existing)

    # ---- webhooks ----

    def webhooks(self) -> list[dict]:
        """`GET webhooks` (every page): the shop's webhooks with their `status` and `delivery_url`."""
        found: list[dict] = []
        page = 1
        while True:
            response = self._request("GET", "/webhooks", params={"per_page": MAX_PAGE, "page": page})
            rows = response.json() or []
            found.extend(rows)
            if len(rows) < MAX_PAGE or page >= int(response.headers.get("X-WP-TotalPages") or page):
                return found
            page += 1

    def stock_management_enabled(self) -> bool | None:
        """The shop-wide option `woocommerce_manage_stock` ("yes"/"no"); None when the key may not read it."""
        try:
            answer = self._request("GET", "/settings/products/woocommerce_manage_stock").json()
        except NeedsAttention:
            return None
        return str(answer.get("value")) == "yes"

    # ---- stock ----

    def _lookup(self, skus: list[str]) -> dict[str, list[WooStockTarget]]:
        found: dict[str, list[WooStockTarget]] = {}
        for start in range(0, len(skus), SKUS_PER_LOOKUP):
            chunk = [s for s in skus[start:start + SKUS_PER_LOOKUP] if "," not in s]
            # WooCommerce's `_sku IN (…)` meta query compares under the database's case-insensitive
            # collation: "abc" finds "ABC". Match the same way; key the result by the SKU we asked for.
            wanted, page = {s.casefold(): s for s in chunk}, 1
            while chunk:
                response = self._request("GET", "/products", params={"sku": ",".join(chunk), "per_page": MAX_PAGE,
                                                                       "page": page})
                for product in response.json():
                    asked = wanted.get(str(product.get("sku") or "").casefold())
                    if asked is None:
                        continue
                    parent = int(product.get("parent_id") or 0)
                    found.setdefault(asked, []).append(WooStockTarget(
                        product_id=parent or int(product["id"]),
                        variation_id=int(product["id"]) if parent else None,
                        stock_quantity=product.get("stock_quantity"),
                        manage_stock=bool(product.get("manage_stock"))))
                if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                    break
                page += 1
        return found

    def inventory_targets(self, skus: Iterable[str]) -> dict[str, WooStockTarget]:
        wanted = list(dict.fromkeys(s for s in skus if s))
        listed = self._list_products(wanted) if len(wanted) >= LISTING_MIN_SKUS else {}
        found = self._lookup([s for s in wanted if s not in listed])
        found.update({sku: [target] for sku, target in listed.items()})
        return {sku: targets[0] for sku, targets in found.items() if len(targets) == 1}

    def _list_products(self, skus: list[str]) -> dict[str, WooStockTarget]:
        """Targets of `skus` on (parent or simple) products, read by listing the catalog 100 at a time; stops
        as soon as every SKU is found. Variations are not in this listing: the caller searches the rest."""
        wanted = {s.casefold(): s for s in skus}
        found: dict[str, WooStockTarget] = {}
        for sku, target in self.product_listing():
            asked = wanted.get(sku.casefold())
            if asked is not None:
                found[asked] = target
                if len(found) == len(wanted):
                    break
        return found

    def product_listing(self) -> Iterator[tuple[str, WooStockTarget]]:
        """(SKU, target) of every product with a SKU (simple products and variable parents, no variations),
        `GET products?per_page=100&orderby=id&order=asc` page by page; one page in memory at a time."""
        page = 1
        while True:
            response = self._request("GET", "/products", params={"per_page": MAX_PAGE, "page": page,
                                                                   "orderby": "id", "order": "asc"})
            for product in response.json():
                if product.get("sku"):
                    yield str(product["sku"]), WooStockTarget(
                        product_id=int(product["id"]), variation_id=None, stock_quantity=product.get("stock_quantity"),
                        manage_stock=bool(product.get("manage_stock")))
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                return
            page += 1

    def set_stock(self, changes: Iterable[StockChange], *, run_id: str | None = None) -> StockResult:
        """Absolute stock per SKU; `run_id` is accepted for symmetry with Shopify (Woo has no idempotency key)."""
        changes = list(changes)
        result = StockResult()
        found = self._lookup(list(dict.fromkeys(c.sku for c in changes if c.sku)))
        locations: dict[str, set] = {}
        for change in changes:
            locations.setdefault(change.sku, set()).add(change.location or "")
        products: list[tuple[StockChange, int]] = []
        variations: dict[int, list[tuple[StockChange, int]]] = {}
        for change in changes:
            targets = found.get(change.sku, [])
            if "," in change.sku or not targets:
                result.failed.append((change, f"no WooCommerce product or variation has SKU {change.sku!r}"))
            elif len(targets) > 1:
                result.failed.append((change, f"SKU {change.sku!r} is on {len(targets)} WooCommerce products"))
            elif len(locations[change.sku]) > 1:
                result.failed.append((change, "WooCommerce keeps one stock figure per SKU; sum the locations "
                                              "before exporting"))
            elif targets[0].variation_id is None:
                products.append((change, targets[0].product_id))
            else:
                variations.setdefault(targets[0].product_id, []).append((change, targets[0].variation_id))
        not_kept: list[tuple[StockChange, str]] = []
        for start in range(0, len(products), MAX_BATCH):
            self._batch("/products/batch", products[start:start + MAX_BATCH], result, not_kept)
        for parent, rows in variations.items():
            for start in range(0, len(rows), MAX_BATCH):
                self._batch(f"/products/{parent}/variations/batch", rows[start:start + MAX_BATCH], result,
                            not_kept)
        if not_kept:
            self._explain_not_kept(not_kept, result)
        return result

    def _batch(self, path: str, rows: list[tuple[StockChange, int]], result: StockResult,
               not_kept: list[tuple[StockChange, str]]) -> None:
        update = [{"id": target, "manage_stock": True, "stock_quantity": int(change.quantity)}
                  for change, target in rows]
        answer = self._request("POST", path, json={"update": update}).json()
        result.calls += 1
        outcomes = answer.get("update") or []
        for index, (change, target) in enumerate(rows):
            outcome = outcomes[index] if index < len(outcomes) else None
            if outcome is None:
                result.failed.append((change, "WooCommerce did not report this item"))
            elif "error" in outcome:
                error = outcome["error"] or {}
                result.failed.append((change, f"{error.get('code')}: {error.get('message')}"))
            elif outcome.get("manage_stock") is not True:
                # 200 without an error, but the controller ignored the quantity: read back, not trusted
                not_kept.append((change, f"WooCommerce {'variation' if 'variations' in path else 'product'} "
                                         f"{target} (SKU {change.sku}) does not manage stock "
                                         f"(answered manage_stock={outcome.get('manage_stock')!r})"))
            elif outcome.get("stock_quantity") != int(change.quantity):
                result.failed.append((change, f"WooCommerce kept stock_quantity={outcome.get('stock_quantity')!r} "
                                              f"after we sent {int(change.quantity)}"))
            else:
                result.applied.append(change)

    def _explain_not_kept(self, not_kept: list[tuple[StockChange, str]], result: StockResult) -> None:
        """Stock answered as not managed: the shop-wide switch (one answer for the whole shop) or the product."""
        if self.stock_management_enabled() is False:
            raise NeedsAttention(
                f"WooCommerce has stock management switched off for the whole shop: it answered {len(not_kept)} "
                "stock updates without keeping the quantity.",
                resolution=f"switch on {STOCK_OPTION} (the option woocommerce_manage_stock), or remove \"stock\" "
                "from this shop's flows if the shop is not meant to show stock",
                code="woo_stock_management_off")
        for change, reason in not_kept:
            result.attention.append((change, f"{reason}; switch on {PRODUCT_STOCK_OPTION} for it (grouped and "
                                              "external products cannot manage stock: give the SKU to a simple "
                                              "product or variation)"))


    # ---- products and prices ----

    def batch_products(self, *, create: list[dict] | None = None, update: list[dict] | None = None) -> dict:
        """One `POST products/batch` (≤ 100 objects in total); WooCommerce's answer, per-item errors in place."""
        return self._write_batch("/products/batch", create, update)

    def batch_variations(self, parent_id: int, *, create: list[dict] | None = None,
                         update: list[dict] | None = None) -> dict:
        """One `POST products/{parent}/variations/batch` (≤ 100 objects in total)."""
        return self._write_batch(f"/products/{int(parent_id)}/variations/batch", create, update)

    def _write_batch(self, path: str, create: list[dict] | None, update: list[dict] | None) -> dict:
        body = {k: v for k, v in (("create", create), ("update", update)) if v}
        if sum(len(v) for v in body.values()) > MAX_BATCH:
            raise ValueError(f"a WooCommerce batch holds at most {MAX_BATCH} objects")
        if not body:
            return {}
        if not create:  # updates carry absolute values: sending them twice is harmless
            return self._request("POST", path, json=body).json()
        made: dict[int, dict] = {}  # index in `create` → what an attempt whose answer was lost made
        for attempt in range(1, self._max_attempts + 1):
            rest = [row for i, row in enumerate(create) if i not in made]
            payload = {k: v for k, v in (("create", rest), ("update", update)) if v}
            try:
                answer = self._request("POST", path, attempts=1, json=payload).json() if payload else {}
                break
            except Retryable:
                if attempt == self._max_attempts:
                    raise
            self._sleep(http_retry.backoff(attempt))
            made.update(self._find_created(path, create, skip=made))
        fresh = iter(answer.get("create") or [])
        answer["create"] = [made[i] if i in made else next(fresh, {"id": 0, "error": {
            "code": "not_reported", "message": "WooCommerce did not report this item"}}) for i in range(len(create))]
        return answer

    def _find_created(self, path: str, rows: list[dict], skip: Mapping[int, dict]) -> dict[int, dict]:
        """The objects of `rows` (batch creates) that already exist: by SKU, else by our item meta key."""
        found: dict[int, dict] = {}
        by_sku = self._lookup([str(r["sku"]) for i, r in enumerate(rows) if i not in skip and r.get("sku")])
        for index, row in enumerate(rows):
            if index in skip:
                continue
            if row.get("sku"):
                targets = by_sku.get(str(row["sku"]), [])
                if len(targets) == 1:
                    target = targets[0]
                    found[index] = {"id": target.variation_id or target.product_id, "sku": row["sku"]}
                continue
            item = next((m.get("value") for m in row.get("meta_data") or [] if m.get("key") == BRIDGE_ITEM_META),
                        None)
            if item is None or "variations" in path:
                continue
            candidates = self._request("GET", "/products", params={"search": row.get("name", ""),
                                                                    "per_page": MAX_PAGE}).json()
            match = next((p for p in candidates if any(m.get("key") == BRIDGE_ITEM_META and m.get("value") == item
                                                       for m in p.get("meta_data") or [])), None)
            if match is not None:
                found[index] = match
        return found


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code") or "")
    except (ValueError, AttributeError):
        return ""
