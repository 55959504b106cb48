"""The flows Geins carries beyond orders, found by `core.platforms.part("geins", …)`.

Stock (`StockWriter`, contract §3.2): one absolute figure per SKU — Geins has no warehouses in this API.
`PUT /API/Product/Stock?productItemIdType=1` addresses items by article number (the SKU), so no look-up is
needed before writing: `discover` takes every SKU as its own target and Geins says per row what it did not
take. Rows it lists under `NotFound` are SKUs it does not have (reported once per SKU as unknown, looked up
again on the next full reconcile, never recorded as applied); rows under `Invalid` are failures retried next
run; only the rest is applied. `UpdateCount` is not used to decide [U: whether it counts unchanged values].
A shop with several mapped locations would send two figures for one SKU: those rows are refused here.

Shipments (`ShipmentWriter`, contract §3.3) and prices (`ProductWriter`, §3.4): see the classes. Refunds
(`new_refunds`, §3.5): the refunds of the orders changed in the window (parse.py explains what one refund is).

The results have the fields the flows read (core/sync/stock.py WriteResult, core/sync/shipments.py Pushed);
they are declared here because platforms do not import the flows (DESIGN "Which part may use which").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms.geins import client as geins_client
from core.platforms.geins.parse import refund_id
from core.platforms.payload import text

log = logging.getLogger("core.platforms.geins")

STOCK_TYPE_AVAILABLE = 0  # "Sets the actual count of items in warehouse" (1 Oversellable, 2 Static)
UNKNOWN_SKU = "UNKNOWN_SKU"  # core/sync/stock.py: the shop has no item with this SKU


@dataclass
class WriteResult:
    applied: list = field(default_factory=list)  # the flow's stock changes the shop took
    failed: list[tuple[object, str, str]] = field(default_factory=list)  # change, code, message
    calls: int = 0
    stale_resolved: int = 0


@dataclass
class ProductWriteResult:
    applied: list = field(default_factory=list)  # the flow's product changes the shop took
    failed: list[tuple[object, str]] = field(default_factory=list)  # change, reason
    gone: list[str] = field(default_factory=list)
    created: dict[str, dict] = field(default_factory=dict)
    calls: int = 0


@dataclass
class Pushed:
    message: str
    data: dict = field(default_factory=dict)
    attention: str = ""


class StockWriter:
    batch_size = geins_client.STOCK_BATCH

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"article_number": sku} for sku in skus}

    def write(self, changes, targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        by_sku: dict[str, list] = {}
        for change in changes:
            by_sku.setdefault(change.sku, []).append(change)
        rows, sent = [], {}
        for sku, group in by_sku.items():
            if len(group) > 1:
                result.failed.extend((c, "SEVERAL_LOCATIONS", "Geins keeps one stock figure per SKU; map one shop "
                                      "location (or none) in [shops.locations]") for c in group)
                continue
            article = (targets.get(sku) or {}).get("article_number") or sku
            rows.append({"Id": article, "Stock": group[0].quantity, "StockType": STOCK_TYPE_AVAILABLE})
            sent[article] = group[0]
        if not rows:
            return result
        answer = self.client.set_stock(rows)
        result.calls = 1
        refused: set[str] = set()
        for key, code, label in (("NotFound", UNKNOWN_SKU, "NotFound"), ("Invalid", "INVALID", "Invalid")):
            listed = answer.get(key) if isinstance(answer.get(key), list) else []
            for row in listed:
                article = text(row.get("Id")) if isinstance(row, dict) else text(row)
                change = sent.get(article)
                if change is None or article in refused:
                    continue
                refused.add(article)
                result.failed.append((change, code, f"Geins listed SKU {change.sku} (stock {change.quantity}) as "
                                      f"{label}: {text(answer.get('Message')) or 'no message'}"))
        result.applied.extend(change for article, change in sent.items() if article not in refused)
        count = answer.get("UpdateCount")
        if isinstance(count, int) and count != len(result.applied):
            log.info("Geins stock: UpdateCount %s for %s rows it did not refuse", count, len(result.applied))
        return result


class ShipmentWriter:
    """A posted BC shipment → the Geins order (contract §3.3):

    - the tracking number as the order's `ParcelNumber` (`PATCH /API/Order/{id}`; Geins keeps one, so the last
      shipment's number shows there), and an order comment naming the BC shipment, the carrier and the tracking
      URL (writing `TrackingUrl` itself is unverified [U], so it is not written);
    - once BC shipped everything, a parcel group over the rows still open marked as delivered (`MarkAsDelivered`,
      `SendDeliveryEmail` = shipments.notify_customer): the whole order (`OrderIds`) when none was shipped before;
    - a partial shipment: a parcel group over the open rows it ships in full (`OrderRowIds`, "partial"), always
      with the order in `OrderIds`: Geins requires OrderIds and reads OrderRowIds as a limit on the rows of the
      orders listed there (G1: sonora-agent-plugins references/shipping.md, ParcelGroupOptions). Geins ships
      whole rows, so a row BC shipped only part of stays open until the shipment that completes the order.

    Rows meet BC shipment lines on the BC item number, by the orders convention ([shops.items] maps an article
    number, item id or product id to "ITEM" or "ITEM:VARIANT"; otherwise the article number is the item number).
    Exactly once: the comment is written last; a retry finds the rows shipped (and the parcel number set) and
    links or adds only what is missing, never a second parcel group for the same rows.
    """

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = text(shipment.get("number"))
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Geins order {order_id}, which no longer exists in Geins.",
                resolution="Nothing to send; check the order in BC. Retry this record if the order comes back.",
                code="shop_order_missing")
        if text(order.get("Status")).lower() == "cancelled":
            raise NeedsAttention(
                f"BC shipment {number} belongs to Geins order {order_id}, which is cancelled in Geins.",
                resolution="Check why a cancelled order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        rows = [r for r in order.get("Rows") or [] if isinstance(r, dict)]
        open_rows = [r for r in rows if text(r.get("Status")).lower() not in CLOSED_ROW_STATUSES]
        parcels = {text(d.get("ParcelNumber")) for d in order.get("ShippingDetails") or [] if isinstance(d, dict)}
        if rows and not open_rows and (not tracking.known or tracking.number in parcels):
            return Pushed(f"Geins order {order_id} is already shipped" + (
                f" with parcel number {tracking.number}" if tracking.known else "") + "; linked.",
                {"recovered": True, "tracking": tracking.number})
        complete = fully_shipped()
        covered = open_rows if complete else _whole_rows(shop, shipment, open_rows)
        if not covered and not tracking.known:
            raise Skip(f"BC shipment {number} ships no whole open row of Geins order {order_id} and has no "
                       "tracking; nothing to send.")
        if tracking.known and tracking.number not in parcels:
            self.client.update_order(order_id, {"ParcelNumber": tracking.number})
        group = ""
        if covered:
            # the whole order when no row of it was shipped before; else exactly the rows still open
            whole = len(covered) == len([r for r in rows if text(r.get("Status")).lower() != "cancelled"])
            group = self.client.create_parcel_group(
                [int(text(order_id))], row_ids=[] if whole else [int(text(r["Id"])) for r in covered],
                mark_delivered=True, send_email=shop.shipments.notify_customer)
        self.client.add_comment(order_id, _comment(number, tracking, complete))
        state = (f"delivered (parcel group {group})" if group and complete else
                 f"{len(covered)} row(s) delivered (parcel group {group})" if group else "tracking added")
        return Pushed(f"Geins order {order_id} {state}"
                      + (f", parcel number {tracking.number}." if tracking.known else ", without tracking."),
                      {"tracking": tracking.number, "parcel_group": group, "completed": bool(group) and complete,
                       "rows": [text(r.get("Id")) for r in covered]})


CLOSED_ROW_STATUSES = ("shipped", "cancelled", "returned")
VARIANT_SEPARATOR = ":"  # [shops.items] "ITEM:VARIANT", as the orders flow reads it


def _item_number(shop: Shop, row: dict) -> str:
    for key in (text(row.get("ArticleNumber")), text(row.get("ItemId")), text(row.get("ProductId"))):
        if key and key in shop.items:
            return shop.items[key].partition(VARIANT_SEPARATOR)[0].strip().upper()
    return text(row.get("ArticleNumber")).upper()


def _whole_rows(shop: Shop, shipment: dict, open_rows: list[dict]) -> list[dict]:
    """The open rows this BC shipment ships in full, in the order's row order (each BC quantity used once)."""
    shipped: dict[str, float] = {}
    for line in shipment.get("salesShipmentLines") or []:
        if isinstance(line, dict) and line.get("lineType") == "Item":
            key = text(line.get("lineObjectNumber")).upper()
            shipped[key] = shipped.get(key, 0) + float(line.get("quantity") or 0)
    covered = []
    for row in open_rows:
        key, quantity = _item_number(shop, row), float(row.get("Quantity") or 0)
        if quantity > 0 and shipped.get(key, 0) >= quantity:
            shipped[key] -= quantity
            covered.append(row)
    return covered


def _comment(number: str, tracking, complete: bool) -> str:
    parts = [f"Shipped (BC shipment {number})" + ("" if complete else ", partly") + "."]
    if tracking.company:
        parts.append(f"Carrier: {tracking.company}.")
    if tracking.known:
        parts.append(f"Tracking number: {tracking.number}.")
    if tracking.url:
        parts.append(f"Tracking: {tracking.url}")
    return " ".join(parts)


class ProductWriter:
    """Prices BC → one Geins price list (`PUT /API/PriceList/Price?productIdType=1`, contract §3.4).

    - Where: the price list `[shops.products] shop_price_list` (the ordinary list of market M has the id
      M × 1000000, the sale list M × 1000000 + 1; campaign lists, + 2, are ignored by Geins and refused here).
      Its definition (`GET /API/PriceList/List`) gives the currency sent with each price and its VAT basis:
      a list managed ex VAT takes only `pricesIncVat=false` (G1), so `prices_include_tax` must match it.
    - What: one price per product, `ProductId` = the BC item number read as the Geins product's article
      number [U: that the Geins products carry the BC item number]. Geins prices products, not items: an item
      whose variants have different prices is refused (a person decides), never averaged.
    - Titles, status and category are Geins' own (localized texts): they are not written, and an item leaving
      the published set is not deactivated in Geins. Creating products (`create_missing`) is not built.
    - Rows Geins lists under `NotFound` or `Invalid` are failures for that product (retried next run); only
      the rest is applied. `UpdateCount` is not used to decide [U: a 200 "proves nothing" per G1].
    """

    batch = 1000  # [U] no limit is documented; sibling batch calls allow 10,000

    def __init__(self, client):
        self.client = client
        self._list: tuple[int, str] | None = None

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"article_number": sku} for sku in skus}

    def _price_list(self) -> tuple[int, str]:
        if self._list is not None:
            return self._list
        list_id = self.client.price_list
        where = "shop_price_list in [shops.products] of the Geins shop"
        if list_id is None:
            raise NeedsAttention("No Geins price list is configured for the prices from BC.",
                                 resolution=f"set {where} to the id of the price list BC prices go to (the ordinary "
                                            "list of market 1 is 1000000; Merchant Center lists the custom ones)",
                                 code="geins_price_list_missing")
        if list_id >= 1_000_000 and list_id % 1_000_000 == 2:
            raise NeedsAttention(f"Geins price list {list_id} is a campaign list; Geins ignores prices written to it.",
                                 resolution=f"set {where} to the ordinary ({list_id - 2}) or sale list, or a "
                                            "custom list", code="geins_price_list_missing")
        definition = next((d for d in self.client.price_lists() if text(d.get("Id")) == str(list_id)), None)
        if definition is None:
            raise NeedsAttention(f"Geins has no price list {list_id}.",
                                 resolution=f"check {where} against the price lists in Merchant Center",
                                 code="geins_price_list_missing")
        ex_vat = definition.get("ExVat")
        if isinstance(ex_vat, bool) and ex_vat == self.client.prices_include_tax:
            basis = "excluding" if ex_vat else "including"
            raise NeedsAttention(
                f"Geins price list {list_id} is managed {basis} VAT, but the shop is set to send prices "
                f"{'including' if self.client.prices_include_tax else 'excluding'} VAT; Geins refuses that.",
                resolution=f"set prices_include_tax = {'false' if ex_vat else 'true'} in [shops.products] of the "
                           "Geins shop (or use a price list with the other VAT basis)",
                code="geins_price_basis_mismatch")
        self._list = (list_id, text(definition.get("Currency")).upper())
        return self._list

    def update(self, changes, targets: dict[str, dict]) -> ProductWriteResult:
        result = ProductWriteResult()
        list_id, currency = self._price_list()
        rows, owners = [], {}
        for change in changes:
            if not change.variants:  # titles/status only: Geins keeps its own
                result.applied.append(change)
                continue
            prices = sorted({v.price for v in change.product.variants})
            if len(prices) != 1:
                result.failed.append((change, f"Geins keeps one price per product, but BC item {change.item} has "
                                              f"variant prices {', '.join(str(p) for p in prices)}"))
                continue
            row = {"PriceListId": list_id, "ProductId": change.item, "Price": float(prices[0]), "StaggeredCount": 1}
            if currency:
                row["Currency"] = currency
            rows.append(row)
            owners[change.item] = change
        for start in range(0, len(rows), self.batch):
            chunk = rows[start:start + self.batch]
            answer = self.client.set_prices(chunk, include_vat=self.client.prices_include_tax)
            result.calls += 1
            refused: dict[str, str] = {}
            for key in ("NotFound", "Invalid"):
                for row in answer.get(key) if isinstance(answer.get(key), list) else []:
                    product = text(row.get("ProductId")) if isinstance(row, dict) else text(row)
                    if product in owners and product not in refused:
                        refused[product] = (f"Geins listed the price of product {product} on list {list_id} as "
                                            f"{key}: {text(answer.get('Message')) or 'no message'}")
            for row in chunk:
                change = owners[row["ProductId"]]
                if row["ProductId"] in refused:
                    result.failed.append((change, refused[row["ProductId"]]))
                else:
                    result.applied.append(change)
        return result

    def create(self, products) -> ProductWriteResult:
        return ProductWriteResult(failed=[(p, "creating products in Geins is not built: create the product in "
                                              "Merchant Center with the BC item number as article number")
                                          for p in products])


@dataclass
class RefundDelivery:
    """What the refunds flow queues (the fields of core/sync/refunds.py RefundDelivery)."""
    external_id: str
    payload: dict
    refund_ids: tuple[str, ...]
    topic: str


def refund_groups(order: dict) -> list[list[dict]]:
    """The order's Refunds entries grouped into refunds: one return (ReturnId) created at one moment (the
    CreatedAt second); entries without a ReturnId group by their CreatedAt alone."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for entry in order.get("Refunds") or []:
        if not isinstance(entry, dict) or not text(entry.get("Id")).isdigit():
            continue
        created = text(entry.get("CreatedAt"))[:19]
        groups.setdefault((text(entry.get("ReturnId")), created), []).append(entry)
    return list(groups.values())


def new_refunds(client, shop: Shop, since: datetime, until: datetime) -> Iterator[RefundDelivery]:
    """Every refund of the orders Geins lists as changed in [since, until) (a refund changes its order [U]);
    each refund is its own delivery, stored as parse.parse_refund reads it. The refunds flow skips those already
    in BC. They are not filtered again by their own CreatedAt: a Geins time without an offset read in the wrong
    zone [U] would drop a refund for good, while an extra delivery of a bound refund costs nothing."""
    for order in client.orders_updated_between(since, until):
        for entries in refund_groups(order):
            key = refund_id(order.get("Id"), entries)
            payload = {"OrderId": order.get("Id"), "Currency": order.get("Currency"), "Refunds": entries,
                       "Rows": order.get("Rows") or []}
            yield RefundDelivery(key, payload, (key,), "refund.create")
