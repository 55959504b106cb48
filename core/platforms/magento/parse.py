"""Magento 2 / Adobe Commerce sales order and credit memo entities → canonical Order / Refund.

Accepted shapes: the REST entity (`GET /V1/orders/{id}`, an item of `GET /V1/orders`) and the Adobe I/O
Events CloudEvent that carries it in `data.value`.

What to know:
- Amounts are taken WITHOUT tax (`row_total`, `shipping_amount`, `subtotal`: Magento stores them net even
  when the catalog is entered with tax), with the order's `tax_amount` as the tax. So the canonical order
  always has `prices_include_tax = False`, and BC recomputes tax from the net lines at the mapped rates.
  This needs Magento's "Apply Customer Tax: After Discount" (the EU norm); with tax before discount BC's tax
  differs and the order comes out as total_mismatch.
- Discounts are per item (`discount_amount`, positive). When the discount was taken from prices with tax,
  Magento books its tax part as `discount_tax_compensation_amount`; the net discount is the difference.
  The order-level `discount_amount` (negative) minus the item and shipping discounts is unallocated (header
  discount in BC), normally zero. `shipping_discount_amount` is the shipping line's discount.
- Configurable products come as a parent row (carries price, tax, discount) and a child row (the chosen
  simple product, amounts 0); dynamic bundles the other way round. Each product is counted once: the
  parent when it carries an amount, else its children. The child gives the variant (product id, SKU).
- `currency_basis = "shop"` reads the `base_*` amounts (website base currency), `"presentment"` the order
  currency ones. A base amount missing from an order in another currency is an error, never a guess.
- Tax rate: the item's `tax_percent`; shipping's from `extension_attributes.item_applied_taxes` (type
  shipping), else derived from its amounts and snapped to an item rate when that explains the tax.
- Gift cards, store credit and reward points used to pay reduce Magento's `grand_total`; they are payments
  (`gift_card_payments`), and the order total is `grand_total` plus them. Gift wrapping is a fee line.
- B2B: only Adobe Commerce B2B's `extension_attributes.company_order_attributes` makes a company customer;
  a company name in the billing address does not. VAT id from `customer_taxvat` or the billing `vat_id`.
- Paid = state processing / complete / closed, or `total_paid` ≥ `grand_total`. Cancelled = state canceled.
- Dates (`created_at`, `updated_at`) are UTC without offset ("2023-08-16 08:40:19").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from core.models import (
    CENT,
    Address,
    Customer,
    CustomerKind,
    Discount,
    FeeLine,
    GiftCardPayment,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp

PLATFORM = "magento"
PAID_STATES = {"processing", "complete", "closed"}
UNIT_PRICE_PLACES = Decimal("0.00001")  # BC's default unit-amount rounding precision
ZERO = Decimal(0)
# base_* names Magento shortened to fit its column length
BASE_NAMES = {"shipping_discount_tax_compensation_amount": "base_shipping_discount_tax_compensation_amnt"}
PAYMENTS = (("gift_cards_amount", "gift card"), ("customer_balance_amount", "store credit"),
            ("reward_currency_amount", "reward points"))
WRAPPING = ("gw_price", "gw_items_price", "gw_card_price")
WRAPPING_TAX = ("gw_tax_amount", "gw_items_tax_amount", "gw_card_tax_amount")


class _Amounts:
    """Reads an amount in the chosen currency basis: `base_<field>` for "shop", `<field>` for "presentment"."""

    def __init__(self, entity: dict, basis: str):
        self.base = basis == "shop"
        base_currency = text(entity.get("base_currency_code")).upper()
        order_currency = text(entity.get("order_currency_code")).upper()
        self.same = not base_currency or not order_currency or base_currency == order_currency
        if self.base:
            self.currency = base_currency or order_currency
        else:
            self.currency = order_currency or base_currency
        self.base_currency, self.order_currency = base_currency, order_currency

    def get(self, node: dict, field: str) -> Decimal:
        if self.base:
            name = BASE_NAMES.get(field, f"base_{field}")
            if node.get(name) not in (None, ""):
                return money(node[name])
            plain = money(node.get(field))
            if plain and not self.same:
                raise ValueError(f"{name} is missing and the order currency differs from the base currency")
            return plain
        return money(node.get(field))


@guarded(PLATFORM, "order")
def unwrap(payload) -> dict:
    """The entity itself: a CloudEvent's `data.value`, else the payload."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), dict) and isinstance(
            payload["data"].get("value"), dict):
        return payload["data"]["value"]
    return payload


@guarded(PLATFORM, "order")
def entity_id(entity: dict) -> str:
    """The order's entity id. Event bodies subscribed with a field list may leave out `entity_id`; then the
    ids the order's children carry (payment `parent_id`, items' `order_id`) name it."""
    for key in ("entity_id", "id"):
        if text(entity.get(key)):
            return text(entity[key])
    payment = entity.get("payment") if isinstance(entity.get("payment"), dict) else {}
    if text(payment.get("parent_id")):
        return text(payment["parent_id"])
    for item in entity.get("items") or []:
        if isinstance(item, dict) and text(item.get("order_id")):
            return text(item["order_id"])
    return ""


# ------------------------------------------------------------------------------------------- items


def _parent_id(item: dict) -> str:
    nested = item.get("parent_item") if isinstance(item.get("parent_item"), dict) else {}
    return text(item.get("parent_item_id")) or text(nested.get("item_id"))


def _priced(item: dict) -> bool:
    return any(money(item.get(f)) for f in ("row_total", "price", "base_row_total", "base_price"))


@guarded(PLATFORM, "order")
def priced_items(items: list) -> list[tuple[dict, dict | None]]:
    """(row that carries the amounts, the child that names the variant or None), each product once."""
    rows = [i for i in items if isinstance(i, dict)]
    by_id = {text(i.get("item_id")): i for i in rows if text(i.get("item_id"))}
    children: dict[str, list[dict]] = {}
    for row in rows:
        if _parent_id(row):
            children.setdefault(_parent_id(row), []).append(row)
    out: list[tuple[dict, dict | None]] = []
    nested_parents: set[str] = set()
    for row in rows:
        parent_id = _parent_id(row)
        if parent_id:
            parent = by_id.get(parent_id) or row.get("parent_item")
            if isinstance(parent, dict) and _priced(parent):
                if parent_id not in by_id and parent_id not in nested_parents:
                    nested_parents.add(parent_id)  # the parent only appears nested in its child
                    out.append((parent, row))
                continue
            out.append((row, None))
            continue
        kids = children.get(text(row.get("item_id")), [])
        if kids and not _priced(row):
            continue  # a dynamic bundle: its children carry the amounts
        out.append((row, kids[0] if len(kids) == 1 else None))
    return out


def _unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    if not quantity:
        return amount
    unit = amount / quantity
    cents = unit.quantize(CENT, ROUND_HALF_UP)
    return cents if cents == unit else unit.quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP)


def _rate(percent, tax: Decimal, base: Decimal) -> Decimal:
    if percent not in (None, ""):
        return (money(percent) / 100).normalize()
    if tax and base:
        return (tax / base).quantize(Decimal("0.0001"))
    return ZERO


def _options(row: dict) -> str:
    options = row.get("product_options") if isinstance(row.get("product_options"), dict) else {}
    parts = []
    for option in options.get("attributes_info") or []:
        if isinstance(option, dict) and text(option.get("label")):
            parts.append(f"{text(option['label'])}: {text(option.get('value'))}")
    return ", ".join(parts)


def _line(row: dict, child: dict | None, amounts: _Amounts) -> OrderLine:
    quantity = money(row.get("qty_ordered"), None)
    row_total = amounts.get(row, "row_total")
    discount = amounts.get(row, "discount_amount") - amounts.get(row, "discount_tax_compensation_amount")
    net = row_total - discount
    unit_price = _unit_price(row_total, quantity)
    tax = amounts.get(row, "tax_amount")
    virtual = text(row.get("is_virtual")).lower() in ("1", "true")
    return OrderLine(
        external_id=text(row.get("item_id")) or text(row.get("id")),
        sku=text((child or {}).get("sku")) or text(row.get("sku")),
        title=text(row.get("name")),
        variant_title=_options(row),
        product_id=text(row.get("product_id")),
        variant_id=text((child or {}).get("product_id")),
        quantity=quantity,
        unit_price=unit_price,
        # BC's line amount is round(quantity × unit price); the discount is what brings it to the net row
        discount_amount=(quantity * unit_price).quantize(CENT, ROUND_HALF_UP) - net,
        tax_lines=[TaxLine(rate=_rate(row.get("tax_percent"), tax, net), amount=tax)],
        gift_card=text(row.get("product_type")) == "giftcard",
        requires_shipping=not virtual,
    )


# ----------------------------------------------------------------------------------------- shipping


def _shipping_rate(order: dict, base: Decimal, tax: Decimal, item_rates: set[Decimal]) -> Decimal:
    extension = order.get("extension_attributes") if isinstance(order.get("extension_attributes"), dict) else {}
    for applied in extension.get("item_applied_taxes") or []:
        if isinstance(applied, dict) and text(applied.get("type")) == "shipping":
            percents = [money(t.get("percent")) for t in applied.get("applied_taxes") or [] if isinstance(t, dict)]
            if percents:
                return (sum(percents, ZERO) / 100).normalize()
    if not tax or not base:
        return ZERO
    for rate in sorted(item_rates):
        if abs((base * rate).quantize(CENT, ROUND_HALF_UP) - tax) <= CENT:
            return rate
    return (tax / base).quantize(Decimal("0.0001"))


def _shipping(order: dict, amounts: _Amounts, item_rates: set[Decimal]) -> list[ShippingLine]:
    price = amounts.get(order, "shipping_amount")
    discount = (amounts.get(order, "shipping_discount_amount")
                - amounts.get(order, "shipping_discount_tax_compensation_amount"))
    tax = amounts.get(order, "shipping_tax_amount")
    method = text(order.get("shipping_method")) or _assignment(order).get("method", "")
    if not (price or discount or tax or method):
        return []
    return [ShippingLine(
        title=text(order.get("shipping_description")) or text(method),
        code=text(method),
        price=price,
        discount_amount=discount,
        tax_lines=[TaxLine(rate=_shipping_rate(order, price - discount, tax, item_rates), amount=tax)],
    )]


def _assignment(order: dict) -> dict:
    """REST: extension_attributes.shipping_assignments[0].shipping → {"address", "method"}."""
    extension = order.get("extension_attributes") if isinstance(order.get("extension_attributes"), dict) else {}
    for assignment in extension.get("shipping_assignments") or []:
        shipping = assignment.get("shipping") if isinstance(assignment, dict) else None
        if isinstance(shipping, dict):
            return shipping
    return {}


# ------------------------------------------------------------------------------------ people, places


def _address(node, email: str = "") -> Address:
    if not isinstance(node, dict):
        return Address()
    street = node.get("street")
    lines = [text(s) for s in street] if isinstance(street, list) else text(street).split("\n")
    lines = [line.strip() for line in lines if line and line.strip()]
    return Address(
        name=f"{text(node.get('firstname'))} {text(node.get('lastname'))}".strip(),
        company=text(node.get("company")),
        line1=lines[0] if lines else "",
        line2=", ".join(lines[1:]),
        city=text(node.get("city")),
        state=text(node.get("region_code")) or text(node.get("region")),
        postal_code=text(node.get("postcode")),
        country=text(node.get("country_id")).upper(),
        phone=text(node.get("telephone")),
        email=text(node.get("email")) or email,
    )


def _addresses(order: dict) -> tuple[dict | None, dict | None]:
    billing, shipping = order.get("billing_address"), _assignment(order).get("address")
    for node in order.get("addresses") or []:  # I/O Events bodies list both with address_type
        if isinstance(node, dict) and text(node.get("address_type")) == "billing" and not billing:
            billing = node
        if isinstance(node, dict) and text(node.get("address_type")) == "shipping" and not shipping:
            shipping = node
    return billing, shipping


def _customer(order: dict, billing: Address) -> Customer:
    extension = order.get("extension_attributes") if isinstance(order.get("extension_attributes"), dict) else {}
    company = extension.get("company_order_attributes")
    company = company if isinstance(company, dict) else {}
    is_b2b = bool(text(company.get("company_id")))
    guest = text(order.get("customer_is_guest")).lower() in ("1", "true")
    billing_node = order.get("billing_address") if isinstance(order.get("billing_address"), dict) else {}
    return Customer(
        external_id="" if guest else text(order.get("customer_id")),
        kind=CustomerKind.COMPANY if is_b2b else CustomerKind.PERSON,
        email=text(order.get("customer_email")) or billing.email,
        first_name=text(order.get("customer_firstname")),
        last_name=text(order.get("customer_lastname")),
        company_name=text(company.get("company_name")) or billing.company,
        company_external_id=text(company.get("company_id")),
        vat_number=text(order.get("customer_taxvat")) or text(billing_node.get("vat_id")),
        phone=billing.phone,
    )


# ------------------------------------------------------------------------------------------- order


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop") -> Order:
    order = unwrap(payload)
    if not isinstance(order, dict):
        raise malformed(PLATFORM, "order", f"expected a JSON object, got {type(order).__name__}")
    missing = [f for f in ("increment_id", "created_at", "items", "grand_total") if order.get(f) in (None, "")]
    if not entity_id(order):
        missing.insert(0, "entity_id")
    if not text(order.get("order_currency_code")) and not text(order.get("base_currency_code")):
        missing.append("order_currency_code")
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)}")
    if not isinstance(order["items"], list):
        raise malformed(PLATFORM, "order", "items is not a list")
    try:
        return _order(order, shop, currency_basis)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc


def _order(order: dict, shop: str, basis: str) -> Order:
    amounts = _Amounts(order, basis)
    pairs = priced_items(order["items"])
    lines = [_line(row, child, amounts) for row, child in pairs]
    item_rates = {line.tax_rate for line in lines if line.tax_rate}
    shipping = _shipping(order, amounts, item_rates)
    billing_node, shipping_node = _addresses(order)
    email = text(order.get("customer_email"))
    billing = _address(billing_node, email)
    shipping_address = _address(shipping_node, email)

    order_discount = abs(amounts.get(order, "discount_amount"))
    allocated = sum((amounts.get(row, "discount_amount") for row, _ in pairs), ZERO) + amounts.get(
        order, "shipping_discount_amount")
    unallocated = order_discount - allocated if order_discount - allocated > 0 else ZERO
    discounts = []
    if order_discount:
        code = text(order.get("coupon_code"))
        discounts.append(Discount(code=code, title=text(order.get("discount_description")) or code or "discount",
                                  amount=order_discount, unallocated_amount=unallocated))

    fees = []
    wrapping = sum((amounts.get(order, f) for f in WRAPPING), ZERO)
    if wrapping:
        wrapping_tax = sum((amounts.get(order, f) for f in WRAPPING_TAX), ZERO)
        fees.append(FeeLine(title="Gift wrapping", amount=wrapping,
                            tax_lines=[TaxLine(rate=_shipping_rate({}, wrapping, wrapping_tax, item_rates),
                                               amount=wrapping_tax)]))
    payments = [GiftCardPayment(amount=amounts.get(order, field), reference=label)
                for field, label in PAYMENTS if amounts.get(order, field)]

    state = text(order.get("state"))
    grand_total = amounts.get(order, "grand_total")
    paid_total = amounts.get(order, "total_paid")
    updated_at = timestamp(order.get("updated_at"))
    payment = order.get("payment") if isinstance(order.get("payment"), dict) else {}
    method = text(payment.get("method"))
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=entity_id(order),
        number=text(order["increment_id"]),
        created_at=timestamp(order["created_at"]),
        updated_at=updated_at,
        cancelled_at=(updated_at or timestamp(order["created_at"])) if state == "canceled" else None,
        financial_status=text(order.get("status")) or state,
        paid=state in PAID_STATES or (grand_total > 0 and paid_total >= grand_total),
        currency=amounts.currency,
        shop_currency=amounts.base_currency,
        presentment_currency=amounts.order_currency,
        prices_include_tax=False,
        customer=_customer(order, billing),
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=shipping,
        fee_lines=fees,
        discounts=discounts,
        gift_card_payments=payments,
        payment_gateways=[method] if method else [],
        market=text(order.get("store_id")),
        country=shipping_address.country or billing.country,
        note=text(order.get("customer_note")),
        totals=Totals(
            subtotal=amounts.get(order, "subtotal"),
            discounts=order_discount,
            shipping=amounts.get(order, "shipping_amount"),
            tax=amounts.get(order, "tax_amount"),
            # paid with gift cards / store credit / points is still sold: the order's value is before them
            total=grand_total + sum((p.amount for p in payments), ZERO),
        ),
    )


# ------------------------------------------------------------------------------------------ refund


@guarded(PLATFORM, "refund")
def parse_refund(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop") -> Refund:
    """A credit memo (REST `GET /V1/creditmemo/{id}`, or the I/O Events body of
    observer.sales_order_creditmemo_save_commit_after) → Refund, net amounts like the order."""
    memo = unwrap(payload)
    if not isinstance(memo, dict):
        raise malformed(PLATFORM, "refund", f"expected a JSON object, got {type(memo).__name__}")
    missing = [f for f in ("entity_id", "order_id", "created_at", "grand_total") if memo.get(f) in (None, "")]
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)}")
    try:
        return _refund(memo, shop, currency_basis)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "refund", f"{type(exc).__name__}: {exc}") from exc


def _refund(memo: dict, shop: str, basis: str) -> Refund:
    amounts = _Amounts(memo, basis)
    lines = []
    for row in memo.get("items") or []:
        if not isinstance(row, dict):
            continue
        quantity = money(row.get("qty"))
        row_total = amounts.get(row, "row_total")
        if not quantity or not (row_total or amounts.get(row, "tax_amount")):
            continue  # not refunded, or the zero-amount child row of a configurable product
        discount = amounts.get(row, "discount_amount") - amounts.get(row, "discount_tax_compensation_amount")
        lines.append(RefundLine(
            order_line_external_id=text(row.get("order_item_id")),
            sku=text(row.get("sku")),
            quantity=quantity,
            amount=row_total - discount,
            tax_amount=amounts.get(row, "tax_amount"),
        ))
    adjustment = amounts.get(memo, "adjustment_positive") - amounts.get(memo, "adjustment_negative")
    return Refund(
        platform=PLATFORM,
        shop=shop,
        external_id=text(memo["entity_id"]),
        order_external_id=text(memo["order_id"]),
        created_at=timestamp(memo["created_at"]),
        currency=amounts.currency,
        prices_include_tax=False,
        lines=lines,
        shipping_amount=amounts.get(memo, "shipping_amount"),
        adjustment_amount=adjustment,
        total=amounts.get(memo, "grand_total"),
        note=text(memo.get("customer_note")),
    )


# ----------------------------------------------------------------------------------------- customer


@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A customer (REST `GET /V1/customers/{id}`, or the I/O Events body of
    observer.customer_save_commit_after with the entity in `data.value`) → Customer.

    B2B only through Adobe Commerce B2B's `extension_attributes.company_attributes.company_id` (a company
    name in an address alone is not one, as for orders); the company name is then the default billing
    address's `company`. VAT id: the customer's `taxvat`, else the default billing address's `vat_id`."""
    customer = unwrap(payload)
    if not isinstance(customer, dict):
        raise malformed(PLATFORM, "customer", f"expected a JSON object, got {type(customer).__name__}")
    if not text(customer.get("id")) and not text(customer.get("entity_id")):
        raise malformed(PLATFORM, "customer", "missing id")
    extension = customer.get("extension_attributes") if isinstance(customer.get("extension_attributes"),
                                                                    dict) else {}
    company = extension.get("company_attributes") if isinstance(extension.get("company_attributes"), dict) else {}
    company_id = text(company.get("company_id"))
    is_b2b = company_id not in ("", "0")
    billing = _default_address(customer, "billing")
    try:
        return Customer(
            external_id=text(customer.get("id")) or text(customer.get("entity_id")),
            kind=CustomerKind.COMPANY if is_b2b else CustomerKind.PERSON,
            email=text(customer.get("email")),
            first_name=text(customer.get("firstname")),
            last_name=text(customer.get("lastname")),
            company_name=text(billing.get("company")) if is_b2b else "",
            company_external_id=company_id if is_b2b else "",
            vat_number=text(customer.get("taxvat")) or text(billing.get("vat_id")),
            phone=text(billing.get("telephone")) or text(company.get("telephone")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"{type(exc).__name__}: {exc}") from exc


def _flag(value) -> bool:
    return value is True or text(value).lower() in ("1", "true")


def _default_address(customer: dict, kind: str) -> dict:
    """The customer's default billing/shipping address: the address flagged `default_<kind>`, else the one
    whose id the customer's `default_<kind>` names."""
    addresses = [a for a in customer.get("addresses") or [] if isinstance(a, dict)]
    for address in addresses:
        if _flag(address.get(f"default_{kind}")):
            return address
    wanted = text(customer.get(f"default_{kind}"))
    return next((a for a in addresses if wanted and text(a.get("id")) == wanted), {})


def _customer_address(node: dict, email: str) -> Address:
    region = node.get("region")
    flat = dict(node)
    if isinstance(region, dict):  # the customer address carries region as an object, the order address flat
        flat["region_code"], flat["region"] = text(region.get("region_code")), text(region.get("region"))
    return _address(flat, email)


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """Default billing first (the customer's address of record), then default shipping when it is another
    one, then none: other saved addresses are the customer's address book, not BC's business."""
    customer = unwrap(payload)
    if not isinstance(customer, dict):
        return []
    email = text(customer.get("email"))
    found = []
    for kind in ("billing", "shipping"):
        node = _default_address(customer, kind)
        if node and all(node is not other for other in found):
            found.append(node)
    if not found:
        found = [a for a in customer.get("addresses") or [] if isinstance(a, dict)][:1]
    addresses = [_customer_address(node, email) for node in found]
    return [a for a in addresses if a.line1 or a.city or a.postal_code]


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When the shop last changed the customer (orders stale redeliveries)."""
    customer = unwrap(payload)
    if not isinstance(customer, dict):
        return None
    try:
        return timestamp(customer.get("updated_at")) or timestamp(customer.get("created_at"))
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"updated_at: {exc}") from exc
