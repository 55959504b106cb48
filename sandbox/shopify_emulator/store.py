"""The emulated shop's data: orders and customers (REST/webhook shape), variants with inventory items,
locations, levels.

Orders are kept as the REST body (`{"order": …}` without the wrapper) next to their `updated_at` as an aware
datetime, so the GraphQL search and the REST read answer from the same record. `make_order` builds a
plausible order in the webhook shape (money as strings, `*_set` presentment/shop money, tax lines,
`admin_graphql_api_id`), from SKUs, quantities and prices.

Ids: orders and line items count up from large numbers like Shopify's; GraphQL ids are
`gid://shopify/<Type>/<n>`. Inventory levels hold the `available` and `on_hand` quantities per
(inventory item, location); an item is stocked only at the locations it has a level for.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def gid_number(value: str | int, kind: str) -> str:
    """The numeric tail of a gid, or the value itself when it is already numeric."""
    text = str(value)
    prefix = f"gid://shopify/{kind}/"
    return text[len(prefix):] if text.startswith(prefix) else text


def parse_time(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def utc_text(moment: datetime) -> str:
    """GraphQL DateTime: UTC with a Z, whole seconds (as Shopify answers)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _money_set(value: Decimal, currency: str) -> dict:
    amount = _money(value)
    return {"shop_money": {"amount": amount, "currency_code": currency},
            "presentment_money": {"amount": amount, "currency_code": currency}}


@dataclass
class Variant:
    number: int
    product_number: int
    sku: str
    inventory_item_number: int
    title: str = "Default Title"
    price: str = "0.00"  # Money, as Shopify answers it ("199.00")

    @property
    def id(self) -> str:
        return gid("ProductVariant", self.number)

    @property
    def inventory_item_id(self) -> str:
        return gid("InventoryItem", self.inventory_item_number)


@dataclass
class ShopData:
    """Everything the emulator answers from. Guarded by `lock` (the server is threaded)."""

    timezone_offset: timedelta = timedelta(hours=1)
    currency: str = "EUR"
    lock: threading.RLock = field(default_factory=threading.RLock)
    orders: dict[int, dict] = field(default_factory=dict)
    order_updated: dict[int, datetime] = field(default_factory=dict)
    # customers as the REST body (the customers/* webhook shape) and their updated_at
    customers: dict[int, dict] = field(default_factory=dict)
    customer_updated: dict[int, datetime] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)  # gid → name
    variants: list[Variant] = field(default_factory=list)
    levels: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (item gid, location gid)
    items: set[str] = field(default_factory=set)  # inventory item gids
    # order number → its fulfillment orders / fulfillments (created on first use, see fulfillment_orders_of)
    fulfillment_orders: dict[int, list[dict]] = field(default_factory=dict)
    fulfillments: dict[int, list[dict]] = field(default_factory=dict)
    # product number → {"title", "status" (ACTIVE/DRAFT/ARCHIVED), "productType", "descriptionHtml", "options"}
    products: dict[int, dict] = field(default_factory=dict)
    # B2B (companies.py): company number → {"name", "externalId", "note", "locations": [location numbers]};
    # company location number → {"company", "name", "phone", "externalId", "billingAddress", "shippingAddress",
    # "buyerExperienceConfiguration": {"checkoutToDraft", "paymentTermsTemplateId", "editableShippingAddress"}}
    companies: dict[int, dict] = field(default_factory=dict)
    company_locations: dict[int, dict] = field(default_factory=dict)
    # owner gid → (namespace, key) → {"id", "type", "value"} (metafields.py)
    metafields: dict[str, dict[tuple[str, str], dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(5_000_000_000_001))

    def next_id(self) -> int:
        return next(self._ids)

    # ---- orders ----

    def local_text(self, moment: datetime) -> str:
        """REST timestamps carry the shop's UTC offset ("2026-03-01T10:00:00+01:00")."""
        return moment.astimezone(timezone(self.timezone_offset)).isoformat(timespec="seconds")

    def add_order(self, order: dict) -> dict:
        """Store a REST-shaped order; fills `id`, `admin_graphql_api_id`, `updated_at`, `created_at` if absent."""
        with self.lock:
            body = dict(order)
            number = int(body.get("id") or self.next_id())
            body["id"] = number
            body.setdefault("admin_graphql_api_id", gid("Order", number))
            updated = parse_time(body.get("updated_at") or datetime.now(UTC)).replace(microsecond=0)
            body["updated_at"] = self.local_text(updated)
            body.setdefault("created_at", body["updated_at"])
            self.orders[number] = body
            self.order_updated[number] = updated
            return body

    def touch_order(self, order_id: int, updated_at: datetime, **changes) -> dict:
        with self.lock:
            body = {**self.orders[int(order_id)], **changes, "updated_at": self.local_text(updated_at)}
            self.orders[int(order_id)] = body
            self.order_updated[int(order_id)] = parse_time(updated_at).replace(microsecond=0)
            return body

    def make_order(self, lines: list[tuple[str, int, str]], updated_at: datetime, *, number: int | None = None,
                   tax_rate: str = "0.25", shipping: str = "4.90", financial_status: str = "paid",
                   email: str = "customer@example.com", cancelled: bool = False) -> dict:
        """A webhook-shaped order from (sku, quantity, unit price incl. tax) lines; not stored."""
        cur = self.currency
        rate = Decimal(tax_rate)
        order_id = self.next_id()
        seq = number if number is not None else 1000 + len(self.orders) + 1
        line_items, line_total, tax_total = [], Decimal(0), Decimal(0)
        for sku, quantity, price in lines:
            variant = self.variant_by_sku(sku)
            gross = Decimal(price) * quantity
            tax = (gross * rate / (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            line_id = self.next_id()
            line_items.append({
                "id": line_id, "admin_graphql_api_id": gid("LineItem", line_id),
                "variant_id": variant.number if variant else None,
                "product_id": variant.product_number if variant else None,
                "sku": sku, "title": f"Product {sku}", "name": f"Product {sku}", "variant_title": None,
                "quantity": quantity, "current_quantity": quantity, "fulfillable_quantity": quantity,
                "price": _money(Decimal(price)), "price_set": _money_set(Decimal(price), cur),
                "total_discount": "0.00", "total_discount_set": _money_set(Decimal(0), cur),
                "discount_allocations": [], "duties": [], "properties": [], "gift_card": False, "taxable": True,
                "requires_shipping": True, "fulfillment_status": None, "fulfillment_service": "manual",
                "grams": 500, "vendor": "bridge-demo", "product_exists": variant is not None,
                "tax_lines": [{"title": "VAT", "rate": float(rate), "price": _money(tax),
                               "price_set": _money_set(tax, cur), "channel_liable": False}],
            })
            line_total += gross
            tax_total += tax
        ship = Decimal(shipping)
        ship_tax = (ship * rate / (1 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        tax_total += ship_tax
        total = line_total + ship
        address = {"first_name": "Test", "last_name": "Person", "name": "Test Person", "company": None,
                   "address1": "Storgatan 1", "address2": None, "city": "Stockholm", "zip": "11122",
                   "province": None, "province_code": None, "country": "Sweden", "country_code": "SE",
                   "phone": "+15555550100", "latitude": None, "longitude": None}
        created = self.local_text(updated_at)
        return {
            "id": order_id, "admin_graphql_api_id": gid("Order", order_id),
            "name": f"#{seq}", "number": seq - 1000, "order_number": seq,
            "email": email, "contact_email": email, "phone": None,
            "created_at": created, "processed_at": created, "updated_at": created,
            "cancelled_at": created if cancelled else None, "cancel_reason": "customer" if cancelled else None,
            "closed_at": None, "test": False, "confirmed": True,
            "currency": cur, "presentment_currency": cur, "taxes_included": True, "tax_exempt": False,
            "financial_status": "voided" if cancelled else financial_status, "fulfillment_status": None,
            "source_name": "web", "tags": "", "note": None, "note_attributes": [],
            "payment_gateway_names": ["shopify_payments"], "discount_codes": [], "discount_applications": [],
            "total_price": _money(total), "total_price_set": _money_set(total, cur),
            "current_total_price": _money(total), "current_total_price_set": _money_set(total, cur),
            "subtotal_price": _money(line_total), "subtotal_price_set": _money_set(line_total, cur),
            "current_subtotal_price": _money(line_total),
            "current_subtotal_price_set": _money_set(line_total, cur),
            "total_line_items_price": _money(line_total),
            "total_line_items_price_set": _money_set(line_total, cur),
            "total_tax": _money(tax_total), "total_tax_set": _money_set(tax_total, cur),
            "current_total_tax": _money(tax_total), "current_total_tax_set": _money_set(tax_total, cur),
            "total_discounts": "0.00", "total_discounts_set": _money_set(Decimal(0), cur),
            "current_total_discounts": "0.00", "current_total_discounts_set": _money_set(Decimal(0), cur),
            "total_shipping_price_set": _money_set(ship, cur), "total_tip_received": "0.00",
            "total_outstanding": "0.00", "total_weight": 500 * sum(q for _, q, _ in lines),
            "tax_lines": [{"title": "VAT", "rate": float(rate), "price": _money(tax_total),
                           "price_set": _money_set(tax_total, cur), "channel_liable": False}],
            "customer": {"id": 7_000_001, "admin_graphql_api_id": gid("Customer", 7_000_001), "email": email,
                         "first_name": "Test", "last_name": "Person", "currency": cur, "tax_exempt": False},
            "billing_address": address, "shipping_address": address,
            "line_items": line_items,
            "shipping_lines": [{"id": self.next_id(), "title": "Standard", "code": "Standard", "source": "shopify",
                                "price": _money(ship), "price_set": _money_set(ship, cur),
                                "discounted_price": _money(ship), "discounted_price_set": _money_set(ship, cur),
                                "discount_allocations": [], "is_removed": False,
                                "tax_lines": [{"title": "VAT", "rate": float(rate), "price": _money(ship_tax),
                                               "price_set": _money_set(ship_tax, cur), "channel_liable": False}]}],
            "fulfillments": [], "refunds": [], "returns": [],
        }

    def orders_in(self, since: datetime | None, until: datetime | None, *, since_inclusive: bool = True,
                  until_inclusive: bool = False) -> list[tuple[datetime, int]]:
        def inside(moment: datetime) -> bool:
            if since is not None and (moment < since or (moment == since and not since_inclusive)):
                return False
            return until is None or moment < until or (moment == until and until_inclusive)

        with self.lock:
            return [(moment, number) for number, moment in self.order_updated.items() if inside(moment)]

    # ---- customers ----

    def add_customer(self, customer: dict) -> dict:
        """Store a REST-shaped customer (`updated_at` kept as given, else now)."""
        with self.lock:
            body = dict(customer)
            number = int(body.get("id") or self.next_id())
            body["id"] = number
            body.setdefault("admin_graphql_api_id", gid("Customer", number))
            updated = parse_time(body.get("updated_at") or datetime.now(UTC)).replace(microsecond=0)
            body["updated_at"] = self.local_text(updated)
            body.setdefault("created_at", body["updated_at"])
            self.customers[number] = body
            self.customer_updated[number] = updated
            return body

    def customers_in(self, since: datetime | None, until: datetime | None, *, since_inclusive: bool = True,
                     until_inclusive: bool = False) -> list[tuple[datetime, int]]:
        with self.lock:
            return [(moment, number) for number, moment in self.customer_updated.items()
                    if _inside(moment, since, until, since_inclusive, until_inclusive)]

    # ---- fulfillment orders and fulfillments ----

    def fulfillment_orders_of(self, order_number: int) -> list[dict]:
        """The order's fulfillment orders; the first call creates one OPEN fulfillment order at the first
        location, holding every line item that requires shipping (as Shopify does when an order is paid)."""
        with self.lock:
            number = int(order_number)
            if number not in self.fulfillment_orders:
                order = self.orders[number]
                location = next(iter(self.locations), "")
                lines = []
                for item in order.get("line_items") or []:
                    if item.get("requires_shipping") is False or item.get("gift_card"):
                        continue
                    quantity = int(item.get("fulfillable_quantity", item.get("quantity")) or 0)
                    lines.append({
                        "id": gid("FulfillmentOrderLineItem", self.next_id()),
                        "line_item_id": item.get("admin_graphql_api_id") or gid("LineItem", item["id"]),
                        "rest_line_item_id": item["id"], "sku": item.get("sku") or "",
                        "variant_id": gid("ProductVariant", item["variant_id"]) if item.get("variant_id") else None,
                        "product_id": gid("Product", item["product_id"]) if item.get("product_id") else None,
                        "total": quantity, "remaining": quantity})
                self.fulfillment_orders[number] = [{
                    "id": gid("FulfillmentOrder", self.next_id()), "order_number": number,
                    "status": "OPEN" if any(li["remaining"] for li in lines) else "CLOSED",
                    "location": location, "line_items": lines}]
            return self.fulfillment_orders[number]

    def split_fulfillment_order(self, order_number: int, skus: list[str], location: str) -> dict:
        """Move the lines with these SKUs to a new fulfillment order at `location` (a multi-location shop)."""
        with self.lock:
            orders = self.fulfillment_orders_of(order_number)
            moved = [li for fo in orders for li in fo["line_items"] if li["sku"] in skus]
            for fo in orders:
                fo["line_items"] = [li for li in fo["line_items"] if li["sku"] not in skus]
            new = {"id": gid("FulfillmentOrder", self.next_id()), "order_number": int(order_number),
                   "status": "OPEN", "location": self.location_id(location), "line_items": moved}
            orders.append(new)
            return new

    def fulfillment_order(self, fo_id: str) -> dict | None:
        with self.lock:
            return next((fo for orders in self.fulfillment_orders.values() for fo in orders if fo["id"] == fo_id),
                        None)

    # ---- catalogue and inventory ----

    def add_location(self, name: str, number: int | None = None) -> str:
        with self.lock:
            location = gid("Location", number or self.next_id())
            self.locations[location] = name
            return location

    def location_id(self, value: str | int) -> str:
        return gid("Location", gid_number(value, "Location"))

    def add_variant(self, sku: str, quantities: dict[str, int] | None = None) -> Variant:
        """A product with one variant and its inventory item, stocked at the given locations (gid or number)."""
        with self.lock:
            variant = Variant(number=self.next_id(), product_number=self.next_id(), sku=sku,
                              inventory_item_number=self.next_id())
            self.variants.append(variant)
            self.items.add(variant.inventory_item_id)
            self.products[variant.product_number] = {
                "title": f"Product {sku}", "status": "ACTIVE", "productType": "", "options": ["Title"],
                "descriptionHtml": f"<p>Shop text for {sku}</p>"}
            for location, quantity in (quantities or {}).items():
                self.levels[(variant.inventory_item_id, self.location_id(location))] = {
                    "available": int(quantity), "on_hand": int(quantity)}
            return variant

    def add_product(self, title: str, variants: list[tuple[str, str, str]], *, status: str = "ACTIVE",
                    product_type: str = "", option: str = "Title", description: str = "") -> int:
        """A product with variants (sku, option value, price), each with an inventory item stocked nowhere;
        returns the product number."""
        with self.lock:
            product_number = self.next_id()
            self.products[product_number] = {"title": title, "status": status, "productType": product_type,
                                             "options": [option], "descriptionHtml": description}
            for sku, value, price in variants:
                variant = Variant(number=self.next_id(), product_number=product_number, sku=sku,
                                  inventory_item_number=self.next_id(), title=value, price=price)
                self.variants.append(variant)
                self.items.add(variant.inventory_item_id)
            return product_number

    def variants_of(self, product_number: int) -> list[Variant]:
        with self.lock:
            # variants are only ever appended: an index rebuilt when the list grew keeps a 50,000-product bulk
            # mutation from scanning every variant once per line
            index = self.__dict__.get("_by_product")
            if index is None or index[0] != len(self.variants):
                by_product: dict[int, list[Variant]] = {}
                for variant in self.variants:
                    by_product.setdefault(variant.product_number, []).append(variant)
                index = self.__dict__["_by_product"] = (len(self.variants), by_product)
            return list(index[1].get(product_number, ()))

    def variant_by_sku(self, sku: str) -> Variant | None:
        with self.lock:
            return next((v for v in self.variants if v.sku == sku), None)

    def item_id(self, value: str | int) -> str:
        """An inventory item gid from a gid, a number, or a SKU."""
        text = str(value)
        if text.startswith("gid://shopify/InventoryItem/") or text.isdigit():
            return gid("InventoryItem", gid_number(text, "InventoryItem"))
        variant = self.variant_by_sku(text)
        if variant is None:
            raise KeyError(f"no variant with SKU {text!r}")
        return variant.inventory_item_id

    def item_exists(self, item: str) -> bool:
        return item in self.items

    def levels_of(self, item: str) -> list[tuple[str, dict[str, int]]]:
        with self.lock:
            return [(loc, self.levels[(item, loc)]) for loc in self.locations if (item, loc) in self.levels]


def _inside(moment: datetime, since: datetime | None, until: datetime | None, since_inclusive: bool,
            until_inclusive: bool) -> bool:
    if since is not None and (moment < since or (moment == since and not since_inclusive)):
        return False
    return until is None or moment < until or (moment == until and until_inclusive)
