"""Magento 2 / Adobe Commerce parts of the flows beyond orders (found by core.platforms.part):

- `StockWriter` — MSI source items, absolute per SKU and source (`POST /V1/inventory/source-items`).
  A shop location in `[shops.locations]` is a Magento source code; without locations the total goes to the
  `default` source (single-source shops), or to `stock.default_location` when set. Magento validates the
  whole list and saves all or nothing, so a refusal is read back per item: its `errors` name the refused
  SKUs (those pairs fail, the rest is sent again); a refusal naming nothing ("Could not save Source Item")
  is split in halves until the refused pair is alone. Source codes are checked against the shop's sources
  first: a pair for a source Magento does not have is "not stocked there" (skipped until the next full
  reconcile), never a failed batch.
- `ShipmentWriter` — `POST /V1/order/{id}/ship` with items, tracks and a comment naming the BC shipment,
  exactly once: the order's shipments are read before posting, and after an answer that was lost, so a
  shipment whose comment (or tracking number) is already there is linked, not created again.
- `ProductWriter` — prices by `POST /V1/products/base-prices` (store 0, per-item errors read back), name and
  status by `PUT /V1/products/{sku}` with only those fields. Never descriptions, images, categories.
- `new_refunds` — credit memos created in a window (`GET /V1/creditmemos`, searchCriteria on created_at),
  the safety net for missed I/O Events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from decimal import Decimal

from core.config import Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms.magento.client import SourceItemsRefused
from core.platforms.magento.parse import priced_items
from core.platforms.payload import money, text

log = logging.getLogger("core.platforms.magento.flows")

DEFAULT_SOURCE = "default"  # every Magento store has it; single-source shops keep all stock there
# product types that keep source items (magento/inventory: source item management allowed per type)
STOCKED_TYPES = ("simple", "virtual", "downloadable", "giftcard")
REFUSAL_ROUNDS = 3
PRICE_BATCH = 100
GLOBAL_STORE = 0  # base prices at the default (global) scope
ENABLED, DISABLED = 1, 2  # Magento product status
# Magento's built-in carrier codes; any other carrier is "custom" with its name as the title
CARRIER_CODES = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl"}
CLOSED_STATES = ("canceled", "closed")


# ---------------------------------------------------------------------------------------------- stock

class StockWriter:
    """MSI source items, up to `batch_size` pairs a call (no documented limit; 100 keeps a refused call cheap
    to split)."""

    batch_size = 100

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id
        self._sources: dict[str, bool] | None = None
        self._missing: set[str] = set()

    def discover(self, skus: list[str]) -> dict[str, dict]:
        """SKUs Magento keeps stock for. Configurable, bundle and grouped products have no source items of
        their own (their simple children do), so they count as not in the shop for stock."""
        found = self.client.products_by_sku(skus)
        return {sku: {"product_id": product.get("id")} for sku, product in found.items()
                if text(product.get("type_id")) in STOCKED_TYPES}

    def source(self, change) -> str:
        return change.location or DEFAULT_SOURCE

    def write(self, changes: list, targets: dict[str, dict]):
        from core.sync.stock import WriteResult

        result = WriteResult()
        if self._sources is None:  # once per run: a source added in Magento is seen by the next run
            self._sources = self.client.source_codes()
        rows = []
        for change in changes:
            code = self.source(change)
            if code not in self._sources:
                if code not in self._missing:
                    self._missing.add(code)
                    log.warning("stock: Magento has no inventory source %r; its pairs are skipped until the next "
                                "full reconcile (add the source or correct [shops.locations])", code)
                result.failed.append((change, "INVALID_LOCATION",
                                      f"Magento has no inventory source {code!r} (Stores > Inventory > Sources)"))
                continue
            rows.append(change)
        self._send(rows, result, REFUSAL_ROUNDS)
        return result

    def _body(self, change) -> dict:
        # status follows the quantity: in stock (1) with something to sell, out of stock (0) at zero
        return {"sku": change.sku, "source_code": self.source(change), "quantity": change.quantity,
                "status": 1 if change.quantity > 0 else 0}

    def _send(self, rows: list, result, rounds: int) -> None:
        if not rows:
            return
        try:
            self.client.save_source_items([self._body(c) for c in rows])
            result.calls += 1
            result.applied.extend(rows)
            return
        except SourceItemsRefused as refused:
            result.calls += 1
            named = _refused_skus(refused.errors, {c.sku for c in rows})
            message = refused.message
        if named and rounds > 0:
            keep = []
            for change in rows:
                if change.sku in named:
                    code = "INVALID_INVENTORY_ITEM" if "not found" in named[change.sku] else "REJECTED"
                    result.failed.append((change, code, f"Magento refused SKU {change.sku}: {named[change.sku]}"))
                else:
                    keep.append(change)
            self._send(keep, result, rounds - 1)
            return
        if len(rows) == 1:
            result.failed.append((rows[0], "REJECTED", f"Magento refused SKU {rows[0].sku} at source "
                                                       f"{self.source(rows[0])!r}: {message}"))
            return
        half = len(rows) // 2  # the refusal names no item: find it by halves (all or nothing per call)
        self._send(rows[:half], result, rounds)
        self._send(rows[half:], result, rounds)


def _refused_skus(errors: list[dict], skus: set[str]) -> dict[str, str]:
    """SKU → Magento's message, for the errors whose parameters name one of the SKUs sent."""
    named: dict[str, str] = {}
    for error in errors:
        parameters = error.get("parameters")
        # named (%sku) or positional (%1) placeholders
        pairs = list(parameters.items()) if isinstance(parameters, dict) else list(
            enumerate(parameters, 1)) if isinstance(parameters, list) else []
        message = text(error.get("message"))
        for key, value in pairs:
            message = message.replace(f"%{key}", text(value))
        for _, value in pairs:
            if text(value) in skus:
                named.setdefault(text(value), message)
    return named


# ---------------------------------------------------------------------------------------------- shipments

class ShipmentWriter:
    """`POST /V1/order/{id}/ship`, once per BC shipment; the comment "BC shipment <no>" is the marker."""

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking, fully_shipped: Callable[[], bool]):
        from core.sync import shipment_mapping as mapping
        from core.sync.shipments import Pushed

        number = text(shipment.get("number"))
        marker = mapping.note_marker(number)
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Magento order {order_id}, which no longer exists in the shop.",
                resolution="Nothing to send; check the order in BC. Retry this record if the order comes back.",
                code="shop_order_missing")
        name = text(order.get("increment_id")) or order_id
        found = self._already_shipped(order_id, marker, tracking)
        if found:
            return Pushed(f"Magento order {name} already has shipment {found} for {marker}; linked.",
                          {"shipment": found, "tracking": tracking.number, "recovered": True})
        if text(order.get("state")) in CLOSED_STATES:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Magento order {name}, which is {order.get('state')} in the shop.",
                resolution="Check why a cancelled/closed order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        shipped = mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        if not shipped:
            raise Skip(f"BC shipment {number} has no item lines to ship.")
        open_lines = open_order_lines(shop, order)
        if not open_lines:
            raise Skip(f"Magento order {name} has nothing left to ship (shipped there already).")
        allocation = mapping.allocate(shipped, open_lines)
        if allocation.empty:
            raise NeedsAttention(
                f"BC shipment {number} matches no open item of Magento order {name}: "
                + "; ".join(allocation.problems) + ".",
                resolution=f'map the shop SKUs to these BC items in [shops.items] of shop "{shop.key}" and retry, '
                           "or ship the order in Magento by hand",
                code="shipment_unmatched")
        body = ship_body(allocation, tracking, marker, notify=shop.shipments.notify_customer,
                         source=shipment_source(shop))
        try:
            shipment_id = self.client.ship(order_id, body)
        except Retryable:
            # the answer may be lost after Magento created it: look before the next run posts again
            found = self._already_shipped(order_id, marker, tracking)
            if not found:
                raise
            shipment_id = found
        text_ = f"Shipped {allocation.quantity} item(s) of Magento order {name} (shipment {shipment_id})"
        text_ += f" with {tracking.company} tracking {tracking.number}." if tracking.known else " without tracking."
        data = {"shipment": shipment_id, "tracking": tracking.number}
        if allocation.problems:
            return Pushed(text_, data, attention="Not placed: " + "; ".join(allocation.problems) + ".")
        return Pushed(text_, data)

    def _already_shipped(self, order_id: str, marker: str, tracking) -> str:
        """The id of a shipment of the order that is this BC shipment's (its comment, else its tracking
        number), "" when there is none."""
        for existing in self.client.shipments_of(order_id):
            comments = [text(c.get("comment")) for c in existing.get("comments") or [] if isinstance(c, dict)]
            numbers = [text(t.get("track_number")) for t in existing.get("tracks") or [] if isinstance(t, dict)]
            if any(marker in c for c in comments) or (tracking.known and tracking.number in numbers):
                return text(existing.get("entity_id"))
        return ""


def open_order_lines(shop: Shop, order: dict) -> list:
    """The order's items that still have something to ship, as the allocation's open lines. The row Magento
    ships is the one that carries the amounts (a configurable's parent); the child names the variant."""
    from core.sync import shipment_mapping as mapping

    lines = []
    for row, child in priced_items(order.get("items") or []):
        if text(row.get("is_virtual")).lower() in ("1", "true") or text(row.get("product_type")) == "virtual":
            continue
        remaining = money(row.get("qty_ordered")) - sum(
            (money(row.get(f)) for f in ("qty_shipped", "qty_canceled", "qty_refunded")), Decimal(0))
        if remaining <= 0:
            continue
        variant = child or {}
        lines.append(mapping.OpenLine(
            fulfillment_order_id=text(order.get("entity_id")), line_item_id=text(row.get("item_id")),
            item_number=mapping.item_number_for(shop, variant_id=text(variant.get("product_id")),
                                                sku=text(variant.get("sku")) or text(row.get("sku")),
                                                product_id=text(row.get("product_id"))),
            remaining=int(remaining)))
    return lines


def carrier_code(carrier: str) -> str:
    """Magento's carrier code for a carrier name: a built-in carrier when the name is one, else "custom"."""
    return CARRIER_CODES.get(carrier.strip().lower(), "custom")


def shipment_source(shop: Shop) -> str:
    """The MSI source a shipment deducts from: the shop's only mapped source (or stock.default_location);
    "" with several, where BC's shipment does not say which source it left from, and Magento decides."""
    if len(shop.locations) == 1:
        return next(iter(shop.locations))
    return shop.stock.default_location if not shop.locations else ""


def ship_body(allocation, tracking, marker: str, *, notify: bool, source: str = "") -> dict:
    items = [{"order_item_id": int(item_id), "qty": quantity}
             for lines in allocation.by_fulfillment_order.values() for item_id, quantity in lines]
    body: dict = {"items": items, "notify": notify, "appendComment": False,
                  "comment": {"comment": f"{marker}.", "is_visible_on_front": 0}}
    if source:  # MSI: the source the goods left from (devdocs rest/tutorials/inventory/create-shipment)
        body["arguments"] = {"extension_attributes": {"source_code": source}}
    if tracking.known:
        body["tracks"] = [{"track_number": tracking.number, "title": tracking.company or "Carrier",
                           "carrier_code": carrier_code(tracking.company)}]
    return body


# ---------------------------------------------------------------------------------------------- products

class ProductWriter:
    """Base prices (per-item errors read back) and name/status per SKU; creating products is not built."""

    def __init__(self, client):
        self.client = client

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"product_id": p.get("id"), "type": text(p.get("type_id"))}
                for sku, p in self.client.products_by_sku(skus).items()}

    def update(self, changes: list, targets: dict[str, dict]):
        from core.sync.products import WriteResult, _fatal

        result = WriteResult()
        failed: dict[int, str] = {}
        owners: dict[str, object] = {}
        prices = []
        for change in changes:
            for variant in change.variants:
                if variant.sku in targets:
                    owners[variant.sku] = change
                    prices.append({"sku": variant.sku, "price": float(variant.price), "store_id": GLOBAL_STORE})
        for start in range(0, len(prices), PRICE_BATCH):
            chunk = prices[start:start + PRICE_BATCH]
            try:
                errors = self.client.update_base_prices(chunk)
                result.calls += 1
            except (Retryable, NeedsAttention) as exc:
                if isinstance(exc, NeedsAttention) and _fatal(exc):
                    raise
                for row in chunk:
                    failed[id(owners[row["sku"]])] = exc.message
                continue
            for sku, message in _refused_skus(errors, {row["sku"] for row in chunk}).items():
                failed[id(owners[sku])] = f"Magento refused the price of {sku}: {message}"
                if "exist" in message:
                    result.gone.append(sku)
        for change in changes:
            if not change.fields or id(change) in failed:
                continue
            fields = product_fields(change)
            if not fields:
                continue
            for sku in (s for s in change.product.skus if s in targets):
                try:
                    saved = self.client.update_product(sku, fields)
                    result.calls += 1
                except (Retryable, NeedsAttention) as exc:
                    if isinstance(exc, NeedsAttention) and _fatal(exc):
                        raise
                    failed[id(change)] = exc.message
                    break
                if saved is None:
                    failed[id(change)] = f"Magento has no product {sku} any more"
                    result.gone.append(sku)
                    break
        for change in changes:
            if id(change) in failed:
                result.failed.append((change, failed[id(change)]))
            else:
                result.applied.append(change)
        return result

    def create(self, products: list):
        from core.sync import product_mapping as mapping
        from core.sync.products import WriteResult

        result = WriteResult()
        for product in products:
            result.failed.append((mapping.ProductChange(product, product.fields(), product.variants),
                                  f"Item {product.item} is not in Magento and creating Magento products is not built "
                                  "(attribute set, website and visibility are the shop's decisions): create it in "
                                  "Magento with its SKU, or set create_missing = false"))
        return result


def product_fields(change) -> dict:
    """Only what BC owns: the name (a product of one SKU; variants keep their own names in Magento) and the
    status. Never description, images, categories or URL keys."""
    from core.sync import product_mapping as mapping

    fields: dict = {}
    if change.fields.get("title") and not change.product.has_options:
        fields["name"] = change.fields["title"]
    if "status" in change.fields:
        fields["status"] = ENABLED if change.fields["status"] == mapping.ACTIVE else DISABLED
    return fields


# ---------------------------------------------------------------------------------------------- refunds

def new_refunds(client, shop: Shop, since, until) -> Iterator:
    """Credit memos created in [since, until): each one the delivery its I/O Event would have been."""
    from core.sync.refunds import RefundDelivery

    for memo in client.creditmemos_created_between(since, until):
        memo_id = text(memo.get("entity_id"))
        if memo_id:
            yield RefundDelivery(memo_id, memo, (memo_id,), "observer.sales_order_creditmemo_save_commit_after")
