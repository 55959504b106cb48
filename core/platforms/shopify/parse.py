"""Shopify order and refund payloads (webhook bodies, REST resources) → canonical Order / Refund.

What to know:
- Amounts come from the `*_set` fields in the chosen basis: `shop_money` (the shop's currency, default)
  or `presentment_money` (what the customer saw). Orders from before 2017 have no `*_set`: the plain
  fields (shop currency) are used and the order stays in the shop currency whatever the basis.
- Ids come from `admin_graphql_api_id` when present: JSON re-serializers round numbers above 2^53.
- Discounts: each line's `discount_allocations` become its discount; shipping lines' allocations stay
  on the shipping line. What `total_discounts` has beyond all allocations is the unallocated order
  discount (BC's invoice discount). Applications with allocation method "across", "each" or "one"
  all end up as allocations in the payload, so only the residual needs the header.
- Gift cards: a line with `gift_card: true` is a sold gift card (a liability, not an item). Paying
  with a gift card is a payment (`gateway` "gift_card" transactions), never a discount.
- B2B: the customer is a company only on an explicit B2B signal: the order's `company` (id /
  location_id), `company_location_id`, or a `purchasing_entity` that names a company. A billing
  address company name alone (common on consumer orders) keeps the customer a person; the name is
  still recorded in `Customer.company_name`.
- `Order.number` is the shop's `order_number` (1001) without the shop's name prefix/suffix ("#1001").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from core.models import (
    Address,
    Customer,
    CustomerKind,
    Discount,
    GiftCardPayment,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.payload import PARSE_ERRORS, gid_tail, guarded, malformed, money, text, timestamp

PLATFORM = "shopify"
PAID_STATUSES = {"paid", "partially_refunded", "refunded"}
GIFT_CARD_GATEWAY = "gift_card"


def _unwrap(payload, key: str) -> dict:
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, key, f"expected a JSON object, got {type(payload).__name__}")
    if set(payload) == {key} and isinstance(payload[key], dict):
        return payload[key]  # REST Admin API resource {"order": {...}}
    return payload


def _id(node: dict) -> str:
    return gid_tail(node.get("admin_graphql_api_id")) or text(node.get("id"))


class _Amounts:
    """Reads an amount in the chosen basis: `<field>_set` first, the plain field for old payloads."""

    def __init__(self, order: dict, basis: Literal["shop", "presentment"]):
        has_sets = isinstance(order.get("total_price_set"), dict)
        self.key = "presentment_money" if basis == "presentment" and has_sets else "shop_money"
        self.has_sets = has_sets
        shop_currency = text(order.get("currency")).upper()
        presentment = text(order.get("presentment_currency")).upper() or shop_currency
        self.currency = presentment if self.key == "presentment_money" else shop_currency

    def get(self, node: dict, field: str, default: Decimal = Decimal(0)) -> Decimal:
        money_set = node.get(f"{field}_set")
        if isinstance(money_set, dict) and isinstance(money_set.get(self.key), dict):
            return money(money_set[self.key].get("amount"), default)
        if self.key == "presentment_money" and isinstance(money_set, dict):
            raise ValueError(f"{field}_set has no presentment_money")
        return money(node.get(field), default)


def _rate(value) -> Decimal:
    # Shopify sends rates as JSON numbers (0.06); via str so 0.06 stays 0.06
    return money(value).normalize() if value not in (None, "") else Decimal(0)


def _tax_lines(node: dict, amounts: _Amounts) -> list[TaxLine]:
    return [
        TaxLine(title=text(t.get("title")), rate=_rate(t.get("rate")), amount=amounts.get(t, "price"))
        for t in node.get("tax_lines") or []
    ]


def _allocations(node: dict, amounts: _Amounts) -> Decimal:
    total = Decimal(0)
    for alloc in node.get("discount_allocations") or []:
        total += amounts.get(alloc, "amount")
    return total


def _address(node, email: str = "") -> Address:
    if not isinstance(node, dict):
        return Address(email=email)
    name = text(node.get("name")) or f"{text(node.get('first_name'))} {text(node.get('last_name'))}".strip()
    return Address(
        name=name,
        company=text(node.get("company")),
        line1=text(node.get("address1")),
        line2=text(node.get("address2")),
        city=text(node.get("city")),
        state=text(node.get("province_code")) or text(node.get("province")),
        postal_code=text(node.get("zip")),
        country=text(node.get("country_code")).upper(),
        phone=text(node.get("phone")),
        email=email,
    )


def _b2b_company(order: dict) -> tuple[bool, str]:
    """(is B2B, the shop's company id) from Shopify's explicit B2B fields only."""
    company = order.get("company")
    if isinstance(company, dict) and (company.get("id") or company.get("location_id")):
        return True, gid_tail(company.get("id")) or text(company.get("id"))
    if order.get("company_location_id"):
        return True, ""
    entity = order.get("purchasing_entity")
    if isinstance(entity, dict) and isinstance(entity.get("company"), dict):
        return True, gid_tail(entity["company"].get("id")) or text(entity["company"].get("id"))
    return False, ""


def _customer(order: dict, billing: Address, shipping: Address, email: str) -> Customer:
    node = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    is_b2b, company_id = _b2b_company(order)
    company = order.get("company") if isinstance(order.get("company"), dict) else {}
    company_name = text(company.get("name")) or billing.company or shipping.company
    first = text(node.get("first_name")) or text((order.get("billing_address") or {}).get("first_name"))
    last = text(node.get("last_name")) or text((order.get("billing_address") or {}).get("last_name"))
    return Customer(
        external_id=_id(node) if node else "",
        kind=CustomerKind.COMPANY if is_b2b else CustomerKind.PERSON,
        email=email,
        first_name=first,
        last_name=last,
        company_name=company_name,
        company_external_id=company_id,
        phone=text(node.get("phone")) or text(order.get("phone")) or billing.phone,
    )


def _line(node: dict, amounts: _Amounts, order_tax_lines: list[TaxLine] | None) -> OrderLine:
    tax_lines = _tax_lines(node, amounts)
    if "tax_lines" not in node and order_tax_lines:
        # very old REST orders carry taxes on the order only; the order's rates apply to each line
        tax_lines = [TaxLine(title=t.title, rate=t.rate, amount=Decimal(0)) for t in order_tax_lines]
    discount = _allocations(node, amounts)
    if "discount_allocations" not in node:
        discount = amounts.get(node, "total_discount")
    return OrderLine(
        external_id=_id(node),
        sku=text(node.get("sku")),
        title=text(node.get("title")) or text(node.get("name")),
        variant_title=text(node.get("variant_title")),
        product_id=text(node.get("product_id")),
        variant_id=text(node.get("variant_id")),
        quantity=money(node.get("quantity"), None),
        unit_price=amounts.get(node, "price"),
        discount_amount=discount,
        tax_lines=tax_lines,
        location_id=text(node.get("location_id")),
        gift_card=bool(node.get("gift_card")),
        requires_shipping=node.get("requires_shipping") is not False,
    )


def _shipping_line(node: dict, amounts: _Amounts) -> ShippingLine:
    return ShippingLine(
        external_id=_id(node),
        title=text(node.get("title")),
        code=text(node.get("code")) or text(node.get("title")),
        price=amounts.get(node, "price"),
        discount_amount=_allocations(node, amounts),
        tax_lines=_tax_lines(node, amounts),
    )


def _discounts(order: dict, lines: list[OrderLine], shipping: list[ShippingLine], amounts: _Amounts,
               line_nodes: list[dict], shipping_nodes: list[dict]) -> list[Discount]:
    applications = order.get("discount_applications") or []
    allocated: dict[int, Decimal] = {}
    for node in [*line_nodes, *shipping_nodes]:
        for alloc in node.get("discount_allocations") or []:
            index = alloc.get("discount_application_index")
            if isinstance(index, int):
                allocated[index] = allocated.get(index, Decimal(0)) + amounts.get(alloc, "amount")
    codes = [text(c.get("code")) for c in order.get("discount_codes") or []]
    discounts = []
    for index, app in enumerate(applications):
        code = text(app.get("code")) if app.get("type") == "discount_code" else ""
        discounts.append(Discount(
            code=code,
            title=text(app.get("title")) or text(app.get("description")) or code,
            amount=allocated.get(index, Decimal(0)),
        ))
    # residual rule: what the shop took off beyond every allocation is an order-level discount
    total_discounts = amounts.get(order, "total_discounts")
    allocated_total = sum((line.discount_amount for line in lines), Decimal(0)) + sum(
        (s.discount_amount for s in shipping), Decimal(0))
    residual = total_discounts - allocated_total
    if residual > 0:
        discounts.append(Discount(
            code=", ".join(c for c in codes if c),
            title="order discount not allocated to lines",
            amount=residual,
            unallocated_amount=residual,
        ))
    return discounts


def _gift_card_payments(order: dict, amounts: _Amounts) -> list[GiftCardPayment]:
    payments = []
    for tx in order.get("transactions") or []:
        if not isinstance(tx, dict) or text(tx.get("gateway")) != GIFT_CARD_GATEWAY:
            continue
        if text(tx.get("kind")) not in ("sale", "capture") or text(tx.get("status")) not in ("success", ""):
            continue
        receipt = tx.get("receipt") if isinstance(tx.get("receipt"), dict) else {}
        payments.append(GiftCardPayment(
            amount=amounts.get(tx, "amount"),
            reference=text(receipt.get("gift_card_last_characters")) or text(receipt.get("gift_card_id")),
        ))
    return payments


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop") -> Order:
    order = _unwrap(payload, "order")
    missing = [f for f in ("id", "created_at", "line_items", "currency") if order.get(f) in (None, "")]
    if "total_price" not in order and "total_price_set" not in order:
        missing.append("total_price")
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)}")
    if not isinstance(order["line_items"], list):
        raise malformed(PLATFORM, "order", "line_items is not a list")
    try:
        return _order(order, shop, currency_basis)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc


def _order(order: dict, shop: str, currency_basis: Literal["shop", "presentment"]) -> Order:
    amounts = _Amounts(order, currency_basis)
    email = text(order.get("email")) or text(order.get("contact_email")) or text(
        (order.get("customer") or {}).get("email"))
    billing = _address(order.get("billing_address"), email)
    shipping_address = _address(order.get("shipping_address"), email)
    order_tax_lines = _tax_lines(order, amounts)
    line_nodes = [n for n in order["line_items"] if isinstance(n, dict)]
    lines = [_line(n, amounts, order_tax_lines) for n in line_nodes]
    shipping_nodes = [n for n in order.get("shipping_lines") or [] if isinstance(n, dict)
                      and not n.get("is_removed")]
    shipping = [_shipping_line(n, amounts) for n in shipping_nodes]
    discounts = _discounts(order, lines, shipping, amounts, line_nodes, shipping_nodes)
    financial_status = text(order.get("financial_status"))
    gateways = [text(g) for g in order.get("payment_gateway_names") or [] if text(g)]
    if not gateways and text(order.get("gateway")):
        gateways = [text(order.get("gateway"))]
    # tips are reported in the shop currency only
    tips = money(order.get("total_tip_received")) if amounts.key == "shop_money" else Decimal(0)
    number = text(order.get("order_number")) or text(order.get("name")).lstrip("#")
    tags = [t.strip() for t in text(order.get("tags")).split(",") if t.strip()]
    total_shipping = (amounts.get(order, "total_shipping_price") if "total_shipping_price_set" in order
                      else sum((s.price for s in shipping), Decimal(0)))
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=_id(order),
        number=number,
        created_at=timestamp(order["created_at"]),
        updated_at=timestamp(order.get("updated_at")),
        processed_at=timestamp(order.get("processed_at")),
        cancelled_at=timestamp(order.get("cancelled_at")),
        financial_status=financial_status,
        paid=financial_status in PAID_STATUSES,
        test=bool(order.get("test")),
        currency=amounts.currency,
        shop_currency=text(order.get("currency")).upper(),
        presentment_currency=text(order.get("presentment_currency")).upper(),
        prices_include_tax=bool(order.get("taxes_included")),
        customer=_customer(order, billing, shipping_address, email),
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=shipping,
        discounts=discounts,
        tips=tips,
        gift_card_payments=_gift_card_payments(order, amounts),
        payment_gateways=gateways,
        channel=text(order.get("source_name")),
        country=shipping_address.country or billing.country,
        tags=tags,
        note=text(order.get("note")),
        totals=Totals(
            subtotal=amounts.get(order, "subtotal_price"),
            discounts=amounts.get(order, "total_discounts"),
            shipping=total_shipping,
            tax=amounts.get(order, "total_tax"),
            tips=tips,
            total=amounts.get(order, "total_price"),
        ),
    )


RESTOCKED = ("return", "cancel", "legacy_restock")  # refund_line_items restock_type values that restock


@guarded(PLATFORM, "refund")
def parse_refund(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop",
                 prices_include_tax: bool = False) -> Refund:
    """A refunds/create body (or REST {"refund": …}) → Refund. Best effort: line amounts from
    `subtotal_set` (else price × quantity − the line's discount share), the total from the successful
    refund transactions (else the sum of the parts)."""
    refund = _unwrap(payload, "refund")
    missing = [f for f in ("id", "order_id", "created_at") if refund.get(f) in (None, "")]
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)}")
    try:
        return _refund(refund, shop, currency_basis, prices_include_tax)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "refund", f"{type(exc).__name__}: {exc}") from exc


def _refund(refund: dict, shop: str, basis: Literal["shop", "presentment"], prices_include_tax: bool) -> Refund:
    amounts = _Amounts({"total_price_set": {}}, basis)  # refunds always carry *_set amounts
    currency = ""
    lines = []
    for item in refund.get("refund_line_items") or []:
        line_item = item.get("line_item") or {}
        quantity = money(item.get("quantity"), None)
        if "subtotal_set" in item or "subtotal" in item:
            amount = amounts.get(item, "subtotal")
        else:
            ordered = money(line_item.get("quantity"), Decimal(1)) or Decimal(1)
            discount = amounts.get(line_item, "total_discount")
            amount = amounts.get(line_item, "price") * quantity - discount * quantity / ordered
        if "total_tax_set" in item or "total_tax" in item:
            tax = amounts.get(item, "total_tax")
        else:
            tax = sum((t.amount for t in _tax_lines(line_item, amounts)), Decimal(0))
            ordered = money(line_item.get("quantity"), Decimal(1)) or Decimal(1)
            tax = tax * quantity / ordered
        price_set = line_item.get("price_set") or {}
        currency = currency or text((price_set.get(amounts.key) or {}).get("currency_code"))
        lines.append(RefundLine(
            order_line_external_id=_id(line_item) or text(item.get("line_item_id")),
            sku=text(line_item.get("sku")),
            quantity=quantity,
            amount=amount.quantize(Decimal("0.01")),
            tax_amount=tax.quantize(Decimal("0.01")),
            # "cancel" (an unfulfilled line cancelled) puts the goods back in stock just as "return" does
            restock=text(item.get("restock_type")) in RESTOCKED or (
                "restock_type" not in item and bool(refund.get("restock"))),
            location_id=text(item.get("location_id")),
        ))
    shipping = Decimal(0)
    for node in refund.get("refund_shipping_lines") or []:
        shipping += amounts.get(node, "subtotal_amount")
    adjustment = Decimal(0)
    for adj in refund.get("order_adjustments") or []:
        value = -amounts.get(adj, "amount")  # adjustments are negative on the order
        if text(adj.get("kind")) == "shipping_refund":
            shipping += value
        else:
            adjustment += value
    transactions = [t for t in refund.get("transactions") or []
                    if text(t.get("kind")) == "refund" and text(t.get("status")) in ("success", "")]
    if transactions:
        total = sum((money(t.get("amount")) for t in transactions), Decimal(0))
        currency = currency or text(transactions[0].get("currency"))
    else:
        total = sum((line.amount + line.tax_amount for line in lines), Decimal(0)) + shipping + adjustment
    return Refund(
        platform=PLATFORM,
        shop=shop,
        external_id=_id(refund),
        order_external_id=text(refund.get("order_id")),
        created_at=timestamp(refund["created_at"]),
        currency=currency.upper(),
        prices_include_tax=prices_include_tax,
        lines=lines,
        shipping_amount=shipping,
        adjustment_amount=adjustment,
        total=total,
        note=text(refund.get("note")),
    )


# ---- customers (customers/create, customers/update; REST {"customer": …}) ----

def _customer_company(node: dict) -> dict:
    """The B2B company a customer buys for, from explicit B2B fields only: `company` (as on company_contacts/*
    bodies), or `company_contact_profiles` / `companyContactProfiles` (a customer read with its B2B profiles).
    A `company` text on an address is not B2B (the same rule as orders)."""
    company = node.get("company")
    if isinstance(company, dict) and (company.get("id") or company.get("admin_graphql_api_id")):
        return company
    for key in ("company_contact_profiles", "companyContactProfiles"):
        for profile in node.get(key) or []:
            if isinstance(profile, dict) and isinstance(profile.get("company"), dict):
                return profile["company"]
    return {}


@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A Shopify customer body → Customer (kind company only on an explicit B2B signal)."""
    node = _unwrap(payload, "customer")
    if node.get("id") in (None, "") and not node.get("admin_graphql_api_id"):
        raise malformed(PLATFORM, "customer", "missing id")
    company = _customer_company(node)
    default = node.get("default_address") if isinstance(node.get("default_address"), dict) else {}
    try:
        return Customer(
            external_id=_id(node),
            kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
            email=text(node.get("email")),
            first_name=text(node.get("first_name")) or text(default.get("first_name")),
            last_name=text(node.get("last_name")) or text(default.get("last_name")),
            company_name=text(company.get("name")) or text(default.get("company")),
            company_external_id=gid_tail(company.get("admin_graphql_api_id")) or gid_tail(company.get("id"))
            or text(company.get("id")),
            vat_number=text(company.get("tax_registration_id")),
            phone=text(node.get("phone")) or text(default.get("phone")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"{type(exc).__name__}: {exc}") from exc


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """The customer's addresses, the default one first (empty list when there is none)."""
    node = _unwrap(payload, "customer")
    email = text(node.get("email"))
    default = node.get("default_address") if isinstance(node.get("default_address"), dict) else None
    others = [a for a in node.get("addresses") or [] if isinstance(a, dict)]
    if default is None:
        default = next((a for a in others if a.get("default")), others[0] if others else None)
    ordered = [default] if default else []
    ordered += [a for a in others if a is not default and (a.get("id") is None or a.get("id") != default.get("id"))]
    return [_address(a, email) for a in ordered]


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When the shop last changed the customer (orders stale redeliveries of customers/update)."""
    customer = _unwrap(payload, "customer")
    try:
        return timestamp(customer.get("updated_at"))
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"updated_at: {exc}") from exc
