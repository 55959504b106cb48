"""WooCommerce order and refund payloads (REST v3 / webhook bodies) → canonical Order / Refund.

What to know:
- WooCommerce stores line amounts WITHOUT tax (`subtotal` before coupons, `total` after, with
  `subtotal_tax` / `total_tax` beside them) even when the shop enters prices with tax. When the order
  says `prices_include_tax`, the canonical line is rebuilt with tax ((subtotal + subtotal_tax) / qty),
  so BC gets the price the customer saw; otherwise the net amounts are used as they are.
- Coupons are already spread over the lines (subtotal − total), so coupon_lines are recorded as
  discounts with nothing unallocated.
- Tax rates come from `tax_lines[].rate_percent`, joined to each line's `taxes[].id` (= rate_id).
- Paid = status processing / completed / refunded, or `date_paid_gmt` set. WooCommerce has no test
  flag. Cancelled = status cancelled (its modification time is taken as the cancellation time).
- The billing company alone does not make a B2B customer (core WooCommerce has no B2B signal);
  a VAT number from common VAT plugins' meta keys is recorded.
- The payload's `price` field is a float and is never used.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.models import (
    CENT,
    Address,
    Customer,
    Discount,
    FeeLine,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp

PLATFORM = "woocommerce"
PAID_STATUSES = {"processing", "completed", "refunded"}
UNIT_PRICE_PLACES = Decimal("0.00001")  # BC's default unit-amount rounding precision
VAT_META_KEYS = ("_billing_vat_number", "billing_vat_number", "_vat_number", "vat_number", "_billing_vat",
                 "billing_eu_vat_number", "_billing_eu_vat_number")


def _rates(order: dict) -> dict[str, tuple[str, Decimal]]:
    """rate_id → (label, rate as a fraction)."""
    rates = {}
    for line in order.get("tax_lines") or []:
        percent = line.get("rate_percent")
        rate = money(percent) / 100 if percent not in (None, "") else None
        if rate is None:
            continue  # WooCommerce < 3.7 has no rate_percent; the rate is derived from amounts below
        rates[text(line.get("rate_id"))] = (text(line.get("label")) or text(line.get("rate_code")), rate.normalize())
    return rates


def _tax_lines(node: dict, rates: dict, net: Decimal, field: str = "total") -> list[TaxLine]:
    tax_lines = []
    for tax in node.get("taxes") or []:
        amount = money(tax.get(field))
        rate_id = text(tax.get("id"))
        if rate_id in rates:
            label, rate = rates[rate_id]
        else:
            label, rate = f"rate {rate_id}", ((amount / net).quantize(Decimal("0.0001")) if net else Decimal(0))
        if amount == 0 and rate == 0 and rate_id not in rates:
            continue
        tax_lines.append(TaxLine(title=label, rate=rate, amount=amount))
    return tax_lines


def _unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    if not quantity:
        return amount
    unit = amount / quantity
    cents = unit.quantize(CENT, ROUND_HALF_UP)
    return cents if cents == unit else unit.quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP)


def _address(node, email: str = "") -> Address:
    if not isinstance(node, dict):
        return Address()
    return Address(
        name=f"{text(node.get('first_name'))} {text(node.get('last_name'))}".strip(),
        company=text(node.get("company")),
        line1=text(node.get("address_1")),
        line2=text(node.get("address_2")),
        city=text(node.get("city")),
        state=text(node.get("state")),
        postal_code=text(node.get("postcode")),
        country=text(node.get("country")).upper(),
        phone=text(node.get("phone")),
        email=text(node.get("email")) or email,
    )


def _meta(order: dict, keys) -> str:
    for item in order.get("meta_data") or []:
        if isinstance(item, dict) and item.get("key") in keys and text(item.get("value")):
            return text(item.get("value"))
    return ""


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop") -> Order:
    """`currency_basis` is accepted for a uniform signature: WooCommerce orders have one currency."""
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, "order", f"expected a JSON object, got {type(payload).__name__}")
    missing = [f for f in ("id", "line_items", "currency", "total") if payload.get(f) in (None, "")]
    if payload.get("date_created_gmt") in (None, "") and payload.get("date_created") in (None, ""):
        missing.append("date_created_gmt")
    if missing:
        hint = " (a deleted order's webhook carries only its id)" if set(payload) == {"id"} else ""
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)}{hint}")
    if not isinstance(payload["line_items"], list):
        raise malformed(PLATFORM, "order", "line_items is not a list")
    try:
        return _order(payload, shop)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc


def _order(order: dict, shop: str) -> Order:
    includes_tax = bool(order.get("prices_include_tax"))
    rates = _rates(order)
    lines = []
    for node in order["line_items"]:
        quantity = money(node.get("quantity"), None)
        subtotal, total = money(node.get("subtotal")), money(node.get("total"))
        subtotal_tax, total_tax = money(node.get("subtotal_tax")), money(node.get("total_tax"))
        if includes_tax:
            subtotal, total = subtotal + subtotal_tax, total + total_tax
        unit_price = _unit_price(subtotal, quantity)
        lines.append(OrderLine(
            external_id=text(node.get("id")),
            sku=text(node.get("sku")),
            title=text(node.get("name")),
            variant_title=_variation_title(node),
            product_id=text(node.get("product_id")),
            variant_id=text(node.get("variation_id")) if node.get("variation_id") not in (0, "0") else "",
            quantity=quantity,
            unit_price=unit_price,
            # BC's line amount is round(quantity × unit price); the discount is what brings it to `total`
            discount_amount=(quantity * unit_price).quantize(CENT, ROUND_HALF_UP) - total,
            tax_lines=_tax_lines(node, rates, money(node.get("total"))),
        ))
    shipping = []
    for node in order.get("shipping_lines") or []:
        price = money(node.get("total")) + (money(node.get("total_tax")) if includes_tax else 0)
        shipping.append(ShippingLine(
            external_id=text(node.get("id")),
            title=text(node.get("method_title")),
            code=text(node.get("method_id")) or text(node.get("method_title")),
            price=price,
            tax_lines=_tax_lines(node, rates, money(node.get("total"))),
        ))
    fees = []
    for node in order.get("fee_lines") or []:
        amount = money(node.get("total")) + (money(node.get("total_tax")) if includes_tax else 0)
        fees.append(FeeLine(
            external_id=text(node.get("id")),
            title=text(node.get("name")),
            amount=amount,
            tax_lines=_tax_lines(node, rates, money(node.get("total"))),
        ))
    discounts = [
        Discount(
            code=text(c.get("code")),
            title=text(c.get("code")),
            amount=money(c.get("discount")) + (money(c.get("discount_tax")) if includes_tax else 0),
        )
        for c in order.get("coupon_lines") or []
    ]
    status = text(order.get("status"))
    billing = _address(order.get("billing"))
    shipping_address = _address(order.get("shipping"), billing.email)
    customer_id = text(order.get("customer_id"))
    created_at = timestamp(order.get("date_created_gmt")) or timestamp(order.get("date_created"))
    modified_at = timestamp(order.get("date_modified_gmt")) or timestamp(order.get("date_modified"))
    paid_at = timestamp(order.get("date_paid_gmt")) or timestamp(order.get("date_paid"))
    tax_total = money(order.get("total_tax"))
    shipping_total = money(order.get("shipping_total")) + (money(order.get("shipping_tax")) if includes_tax else 0)
    discount_total = money(order.get("discount_total")) + (money(order.get("discount_tax")) if includes_tax else 0)
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=text(order["id"]),
        number=text(order.get("number")) or text(order["id"]),
        created_at=created_at,
        updated_at=modified_at,
        processed_at=paid_at,
        cancelled_at=modified_at if status == "cancelled" else None,
        financial_status=status,
        paid=status in PAID_STATUSES or paid_at is not None,
        currency=text(order["currency"]).upper(),
        shop_currency=text(order["currency"]).upper(),
        presentment_currency=text(order["currency"]).upper(),
        prices_include_tax=includes_tax,
        customer=Customer(
            external_id="" if customer_id in ("", "0") else customer_id,
            email=billing.email,
            first_name=text((order.get("billing") or {}).get("first_name")),
            last_name=text((order.get("billing") or {}).get("last_name")),
            company_name=billing.company,
            vat_number=_meta(order, VAT_META_KEYS),
            phone=billing.phone,
        ),
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=shipping,
        fee_lines=fees,
        discounts=discounts,
        payment_gateways=[text(order.get("payment_method"))] if text(order.get("payment_method")) else [],
        channel=text(order.get("created_via")),
        country=shipping_address.country or billing.country,
        note=text(order.get("customer_note")),
        totals=Totals(
            subtotal=sum((line.quantity * line.unit_price for line in lines), Decimal(0)),
            discounts=discount_total,
            shipping=shipping_total,
            tax=tax_total,
            total=money(order["total"]),
        ),
    )


def _variation_title(node: dict) -> str:
    """"Colour: Blue, Size: L" from a variation line's visible attribute meta."""
    parts = []
    for meta in node.get("meta_data") or []:
        if not isinstance(meta, dict) or text(meta.get("key")).startswith("_"):
            continue
        label = text(meta.get("display_key")) or text(meta.get("key"))
        value = meta.get("display_value", meta.get("value"))
        if isinstance(value, (str, int)) and label:
            parts.append(f"{label}: {text(value)}")
    return ", ".join(parts)


@guarded(PLATFORM, "refund")
def parse_refund(payload: dict, shop: str, order_external_id: str = "", currency: str = "",
                 prices_include_tax: bool = False) -> Refund:
    """A refund from GET /orders/{id}/refunds/{rid}. The refund body does not carry its order's id or
    currency: pass them, or the order id is read from `_links.up`. WooCommerce refund amounts are
    positive in `amount` and negative on the lines; the canonical Refund has them positive."""
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, "refund", f"expected a JSON object, got {type(payload).__name__}")
    missing = [f for f in ("id", "amount") if payload.get(f) in (None, "")]
    if payload.get("date_created_gmt") in (None, "") and payload.get("date_created") in (None, ""):
        missing.append("date_created_gmt")
    order_id = order_external_id or _order_id_from_links(payload)
    if not order_id:
        missing.append("the order id (_links.up)")
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)}")
    try:
        lines = [
            RefundLine(
                order_line_external_id=text(_meta_value(node, "_refunded_item_id")) or text(node.get("id")),
                sku=text(node.get("sku")),
                quantity=abs(money(node.get("quantity"), None)),
                amount=abs(money(node.get("total"))),
                tax_amount=abs(money(node.get("total_tax"))),
                restock=False,
            )
            for node in payload.get("line_items") or []
        ]
        total = money(payload.get("amount"), None)
        return Refund(
            platform=PLATFORM,
            shop=shop,
            external_id=text(payload["id"]),
            order_external_id=order_id,
            created_at=timestamp(payload.get("date_created_gmt")) or timestamp(payload.get("date_created")),
            currency=currency.upper(),
            prices_include_tax=prices_include_tax,
            lines=lines,
            adjustment_amount=total - sum((line.amount + line.tax_amount for line in lines), Decimal(0)),
            total=total,
            note=text(payload.get("reason")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "refund", f"{type(exc).__name__}: {exc}") from exc


def _meta_value(node: dict, key: str):
    for meta in node.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == key:
            return meta.get("value")
    return None


def _order_id_from_links(payload: dict) -> str:
    for link in (payload.get("_links") or {}).get("up") or []:
        href = text(link.get("href")).rstrip("/")
        tail = href.rsplit("/orders/", 1)[-1] if "/orders/" in href else ""
        if tail.isdigit():
            return tail
    return ""


# ---- customers (customer.created, customer.updated; GET /customers/{id}) ----

@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A WooCommerce customer → Customer. Always a person: core WooCommerce has no B2B signal (a billing
    company name alone is not one, as for orders); a VAT number from common VAT plugins' meta is kept."""
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, "customer", f"expected a JSON object, got {type(payload).__name__}")
    if payload.get("id") in (None, "", 0):
        raise malformed(PLATFORM, "customer", "missing id (a deleted customer's webhook carries only its id)")
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    try:
        return Customer(
            external_id=text(payload["id"]),
            email=text(payload.get("email")) or text(billing.get("email")),
            first_name=text(payload.get("first_name")) or text(billing.get("first_name")),
            last_name=text(payload.get("last_name")) or text(billing.get("last_name")),
            company_name=text(billing.get("company")),
            vat_number=_meta(payload, VAT_META_KEYS),
            phone=text(billing.get("phone")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"{type(exc).__name__}: {exc}") from exc


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """Billing first (it is the customer's address of record), then shipping when it is a different one."""
    if not isinstance(payload, dict):
        return []
    email = text(payload.get("email"))
    found = [_address(payload.get(k), email) for k in ("billing", "shipping") if isinstance(payload.get(k), dict)]
    found = [a for a in found if a.line1 or a.city or a.postal_code]
    if len(found) == 2 and found[0].model_dump(exclude={"email", "phone"}) == found[1].model_dump(
            exclude={"email", "phone"}):
        found = found[:1]
    return found


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When the shop last changed the customer (orders stale redeliveries of customer.updated)."""
    if not isinstance(payload, dict):
        return None
    try:
        return timestamp(payload.get("date_modified_gmt")) or timestamp(payload.get("date_modified"))
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"date_modified: {exc}") from exc
