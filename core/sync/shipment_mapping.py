"""Shipments BC → shop, the pure part: tracking details, BC shipment lines → shop line items, note texts.

No I/O. The flow (core/sync/shipments.py) reads BC and the shop, passes the data in, and writes what
these functions return.

- BC's posted shipment lines carry the item number (`lineObjectNumber`) and the quantity, nothing else
  (no variant, no link to the shop line). A shop line's BC item number follows the orders convention
  ([shops.items] maps a variant id, a SKU or a product id to "ITEM" or "ITEM:VARIANT"; otherwise the SKU
  is the item number), so both sides meet on the BC item number.
- Shipped quantities are allocated to the shop's open line items in the order the shop lists them, never
  more than a line's remaining quantity. What cannot be placed is reported, not dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from core.config import ShipmentExport, Shop
from core.sync.order_mapping import VARIANT_SEPARATOR

ITEM_LINE_TYPES = ("Item",)
OPEN_STATUSES = ("OPEN", "IN_PROGRESS")


@dataclass(frozen=True)
class Tracking:
    company: str = ""  # carrier name as the shop knows it
    number: str = ""
    url: str = ""

    @property
    def known(self) -> bool:
        return bool(self.number)


@dataclass(frozen=True)
class OpenLine:
    """A shop line item that can still be fulfilled (Shopify: a fulfillment order line item)."""

    fulfillment_order_id: str
    line_item_id: str  # the fulfillment order line item id (what fulfillmentCreate takes)
    item_number: str  # BC item number this line maps to ("" = none)
    remaining: int
    location_id: str = ""


@dataclass
class Allocation:
    # fulfillment order id → [(fulfillment order line item id, quantity)], in the shop's order
    by_fulfillment_order: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)  # fulfillment order id → location id
    unplaced: dict[str, Decimal] = field(default_factory=dict)  # BC item number → quantity with no open shop line
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.by_fulfillment_order

    @property
    def quantity(self) -> int:
        return sum(q for lines in self.by_fulfillment_order.values() for _, q in lines)

    def groups_by_location(self) -> list[dict[str, list[tuple[str, int]]]]:
        """Fulfillment orders grouped by their assigned location: one fulfillment per location."""
        groups: dict[str, dict[str, list[tuple[str, int]]]] = {}
        for fo_id, lines in self.by_fulfillment_order.items():
            groups.setdefault(self.locations.get(fo_id, ""), {})[fo_id] = lines
        return list(groups.values())


def tracking_for(agent_code: str, tracking_no: str, options: ShipmentExport) -> Tracking:
    """Carrier name from [shops.shipments] carriers (else the BC shipping agent code), URL from tracking_urls.

    The URL template's `{tracking}` is replaced by the URL-encoded tracking number; without a number or a
    template there is no URL (the shop may build one itself from the carrier name).
    """
    agent = (agent_code or "").strip()
    number = (tracking_no or "").strip()
    company = options.carriers.get(agent) or options.carriers.get(agent.upper()) or agent
    template = options.tracking_urls.get(agent) or options.tracking_urls.get(agent.upper()) or ""
    url = template.replace("{tracking}", quote(number, safe="")) if number and template else ""
    return Tracking(company=company, number=number, url=url)


def shipped_quantities(lines: list[dict]) -> dict[str, Decimal]:
    """BC item number → quantity shipped, from salesShipmentLines (item lines with a quantity only)."""
    shipped: dict[str, Decimal] = {}
    for line in sorted(lines, key=lambda row: row.get("sequence") or 0):
        if line.get("lineType") not in ITEM_LINE_TYPES:
            continue
        quantity = Decimal(str(line.get("quantity") or 0))
        number = str(line.get("lineObjectNumber") or "").strip().upper()
        if quantity > 0 and number:
            shipped[number] = shipped.get(number, Decimal(0)) + quantity
    return shipped


def item_number_for(shop: Shop, *, variant_id: str = "", sku: str = "", product_id: str = "") -> str:
    """The BC item number of a shop line, by the orders convention (docs/orders.md)."""
    candidates = [c for c in (variant_id, _tail(variant_id), sku, product_id, _tail(product_id)) if c]
    mapped = next((shop.items[c] for c in candidates if c in shop.items), None)
    if mapped:
        return mapped.partition(VARIANT_SEPARATOR)[0].strip().upper()
    return (sku or "").strip().upper()


def _tail(gid: str) -> str:
    """`gid://shopify/ProductVariant/42` → "42" (the config may name either form)."""
    return gid.rsplit("/", 1)[-1] if gid and gid.startswith("gid://") else ""


def shopify_open_lines(shop: Shop, fulfillment_orders: list[dict]) -> list[OpenLine]:
    """Open fulfillment order line items with something left to fulfil, in the shop's order."""
    lines = []
    for fo in fulfillment_orders:
        if fo.get("status") not in OPEN_STATUSES:
            continue
        location = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id", "")
        for item in nodes(fo.get("lineItems")):
            remaining = int(item.get("remainingQuantity") or 0)
            if remaining <= 0:
                continue
            line_item = item.get("lineItem") or {}
            variant = (item.get("variant") or line_item.get("variant") or {}).get("id", "")
            product = (line_item.get("product") or {}).get("id", "")
            sku = item.get("sku") or line_item.get("sku") or ""
            lines.append(OpenLine(fulfillment_order_id=fo["id"], line_item_id=item["id"],
                                  item_number=item_number_for(shop, variant_id=variant, sku=sku, product_id=product),
                                  remaining=remaining, location_id=location))
    return lines


def nodes(connection) -> list[dict]:
    if isinstance(connection, list):
        return connection
    return list((connection or {}).get("nodes") or [])


def allocate(shipped: dict[str, Decimal], open_lines: list[OpenLine]) -> Allocation:
    """Place each BC item's shipped quantity on the open shop lines of that item (first come, first filled).

    A quantity that is not a whole number cannot be fulfilled in a shop and is reported; so is what is left
    when the shop has no (or not enough) open quantity of that item.
    """
    allocation = Allocation()
    left = {line.line_item_id: line.remaining for line in open_lines}
    for number, quantity in shipped.items():
        if quantity != quantity.to_integral_value():
            allocation.problems.append(f"item {number}: shipped quantity {quantity} is not a whole number")
            allocation.unplaced[number] = quantity
            continue
        wanted = int(quantity)
        for line in open_lines:
            if wanted == 0:
                break
            if line.item_number != number or left[line.line_item_id] == 0:
                continue
            take = min(wanted, left[line.line_item_id])
            left[line.line_item_id] -= take
            wanted -= take
            rows = allocation.by_fulfillment_order.setdefault(line.fulfillment_order_id, [])
            existing = next((i for i, (li, _) in enumerate(rows) if li == line.line_item_id), None)
            if existing is None:
                rows.append((line.line_item_id, take))
            else:
                rows[existing] = (line.line_item_id, rows[existing][1] + take)
            allocation.locations[line.fulfillment_order_id] = line.location_id
        if wanted:
            allocation.unplaced[number] = Decimal(wanted)
            allocation.problems.append(
                f"item {number}: {wanted} of {int(quantity)} shipped have no open line in the shop"
                if wanted != int(quantity) else f"item {number}: no open line in the shop for {wanted} shipped")
    return allocation


def note_marker(shipment_number: str) -> str:
    """The text that identifies our note for a BC shipment (so a retry never posts it twice)."""
    return f"BC shipment {shipment_number}"


def shipment_note(shipment_number: str, tracking: Tracking, *, complete: bool) -> str:
    """The order note written to shops without a tracking field (WooCommerce)."""
    head = "Shipped" if complete else "Partly shipped"
    parts = [f"{head} ({note_marker(shipment_number)})."]
    if tracking.known:
        parts.append(f"Carrier: {tracking.company}." if tracking.company else "")
        parts.append(f"Tracking number: {tracking.number}.")
        if tracking.url:
            parts.append(f"Track your parcel: {tracking.url}")
    elif tracking.company:
        parts.append(f"Carrier: {tracking.company}.")
    return " ".join(p for p in parts if p)
