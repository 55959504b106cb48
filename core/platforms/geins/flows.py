"""The flows Geins carries beyond orders, found by `core.platforms.part("geins", …)`.

Stock (`StockWriter`, contract §3.2): one absolute figure per SKU — Geins has no warehouses in this API.
`PUT /API/Product/Stock?productItemIdType=1` addresses items by article number (the SKU), so no look-up is
needed before writing: `discover` takes every SKU as its own target and Geins says per row what it did not
take. Rows it lists under `NotFound` are SKUs it does not have (reported once per SKU as unknown, looked up
again on the next full reconcile, never recorded as applied); rows under `Invalid` are failures retried next
run; only the rest is applied. `UpdateCount` is not used to decide [U: whether it counts unchanged values].
A shop with several mapped locations would send two figures for one SKU: those rows are refused here.

Shipments (`ShipmentWriter`, contract §3.3): see the class.

The results have the fields the flows read (core/sync/stock.py WriteResult, core/sync/shipments.py Pushed);
they are declared here because platforms do not import the flows (DESIGN "Which part may use which").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms.geins import client as geins_client
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
    """A posted BC shipment → the Geins order: the tracking number as the order's `ParcelNumber`
    (`PATCH /API/Order/{id}`), a comment naming the BC shipment, carrier and tracking URL (writing
    `TrackingUrl` itself is unverified, contract §3.3 [U]), and once BC shipped everything a parcel group
    over the whole order marked as delivered (`POST /API/Shipping/ParcelGroup`, `MarkAsDelivered`,
    `SendDeliveryEmail` = shipments.notify_customer). Partial shipments add tracking and the comment only:
    the parcel group is made for whole orders [U: which rows a partial parcel group would need].

    Exactly once: the comment is written last and names the BC shipment; a retry after a crash finds an order
    whose rows are all shipped with this ParcelNumber, or a shipped order, and links instead of writing again.
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
        status = text(order.get("Status")).lower()
        if status == "cancelled":
            raise NeedsAttention(
                f"BC shipment {number} belongs to Geins order {order_id}, which is cancelled in Geins.",
                resolution="Check why a cancelled order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        rows = [r for r in order.get("Rows") or [] if isinstance(r, dict)]
        open_rows = [r for r in rows if text(r.get("Status")).lower() not in ("shipped", "cancelled", "returned")]
        parcels = {text(d.get("ParcelNumber")) for d in order.get("ShippingDetails") or [] if isinstance(d, dict)}
        if rows and not open_rows and (not tracking.known or tracking.number in parcels):
            return Pushed(f"Geins order {order_id} is already shipped" + (
                f" with parcel number {tracking.number}" if tracking.known else "") + "; linked.",
                {"recovered": True, "tracking": tracking.number})
        complete = fully_shipped()
        if tracking.known and tracking.number not in parcels:
            self.client.update_order(order_id, {"ParcelNumber": tracking.number})
        group = ""
        if complete and open_rows:
            group = self.client.create_parcel_group([int(text(order_id))], mark_delivered=True,
                                                    send_email=shop.shipments.notify_customer)
        elif not open_rows and not tracking.known:
            raise Skip(f"Geins order {order_id} has nothing left to ship and BC shipment {number} has no tracking.")
        self.client.add_comment(order_id, _comment(number, tracking, complete))
        text_ = (f"Geins order {order_id} {'delivered (parcel group ' + group + ')' if group else 'partly shipped'}"
                 + (f", parcel number {tracking.number}." if tracking.known else ", without tracking."))
        return Pushed(text_, {"tracking": tracking.number, "parcel_group": group, "completed": bool(group)})


def _comment(number: str, tracking, complete: bool) -> str:
    parts = [f"Shipped (BC shipment {number})" + ("" if complete else ", partly") + "."]
    if tracking.company:
        parts.append(f"Carrier: {tracking.company}.")
    if tracking.known:
        parts.append(f"Tracking number: {tracking.number}.")
    if tracking.url:
        parts.append(f"Tracking: {tracking.url}")
    return " ".join(parts)
