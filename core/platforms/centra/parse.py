"""Centra Integration API (GraphQL) orders → canonical Order, and loading an order behind an id-only webhook.

Input shapes accepted by `parse_order`: an order node (what `client.order()` / `orders_updated_between()`
yield), or a GraphQL answer wrapping one (`{"data": {"orders": [node]}}`, `{"data": {"order": node}}`,
`{"data": {"<mutation>": {"order": node}}}`). A webhook body (events with ids) is not an order: the worker
calls `load_order`, which fetches the order named by the webhook and parses that.

What to know (fields as selected by client.ORDER_FIELDS):
- `number` (integer) is the external id and the number people see; the webhook names orders by it.
- Amounts are in the order's currency (`grandTotal.currency.code`); `currency_basis` is accepted for a
  uniform signature (the base-currency view would need `conversionRate` and the base currency, not used).
- Prices include tax unless the order has `totals.taxAdded` (markets where tax is added on top): then
  prices are net and the added tax is the order's tax. [unverified against a live non-EU order]
  Orders with `totals.taxDeducted` (VAT removed for export) are taken as Centra states their lines; if
  they do not add up to `grandTotal`, the mapper reports `inconsistent_payload`.
- A line's price before discount is `unitOriginalPrice`, after discount `unitPrice`, and `lineValue` is
  what the line costs; the canonical line keeps the original price and carries the difference
  (round(quantity × original) − lineValue) as its discount. The tax rate is `taxPercent`.
- `discountsApplied[].value` is every discount taken off the order; what of it is not already on the lines
  (sum of line discounts) is an order-level discount (BC invoice discount). [unverified for vouchers that
  apply to shipping]
- Shipping is `totals.shipping`, handling `totals.handling` (a fee line), both at the highest line tax
  rate (Swedish/EU practice: the ancillary cost follows the main goods). [unverified per market]
- Lines with quantity 0 (fully cancelled, when the query includes them) are left out.
- Paid: a successful AUTHORIZATION/CAPTURE entry in `paymentHistory`, else status CONFIRMED, PROCESSING,
  SHIPPED or COMPLETED. Cancelled: status CANCELLED (at `updatedAt`).
- Wholesale orders (an `account`) are company customers; DTC orders are persons.

Customers (the customers flow; the contract is silent): a `customer` webhook event names the customer by id;
`load_customer` reads it with `customers(where: {id: [N]})` (client.customer) and `parse_customer` reads the
node (fields in client.CUSTOMER_FIELDS, the unverified ones marked there). A Centra `Customer` is the DTC
shopper; wholesale buyers are `Buyer`s of an `Account`, another type [V: api-documentation @cdb82b5~1
graphql-integration-api/01.authorization "Separation of Customer and Buyer"], so every customer read here is
a person. Its address is `billingAddress`, whose documented input has no company name.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.models import (
    CENT,
    Address,
    Customer,
    CustomerKind,
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
from core.platforms.centra import webhooks
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp, with_client

PLATFORM = "centra"
PAID_STATUSES = {"CONFIRMED", "PROCESSING", "SHIPPED", "COMPLETED"}
PAYMENT_ENTRY_TYPES = {"AUTHORIZATION", "CAPTURE"}
ZERO = Decimal(0)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _value(node, default: Decimal | None = ZERO) -> Decimal:
    """The amount of a MonetaryValue `{"value": …}` (or a bare number)."""
    if isinstance(node, dict):
        return money(node.get("value"), default)
    return money(node, default)


@guarded(PLATFORM, "order")
def unwrap(payload) -> dict | None:
    """The order node inside a GraphQL answer, or the payload itself when it is a node."""
    if not isinstance(payload, dict):
        return None
    data = payload.get("data") if isinstance(payload.get("data"), dict) else None
    if data is None:
        return payload
    for value in data.values():
        if isinstance(value, list):
            return value[0] if len(value) == 1 and isinstance(value[0], dict) else None
        if isinstance(value, dict):
            return value["order"] if isinstance(value.get("order"), dict) else value
    return None


@guarded(PLATFORM, "order")
def order_numbers(body) -> list[str]:
    """Every distinct order number named by a webhook body's order events, in the order sent."""
    return list(dict.fromkeys(text(e.get("id")) for e in webhooks.order_events(body)))


@guarded(PLATFORM, "order")
def needs_fetch(payload) -> str | None:
    """The order number to fetch when `payload` is an id-only webhook body; None when it is an order."""
    numbers = order_numbers(payload)
    return numbers[0] if numbers else None


@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    """The Order behind a stored payload: a webhook body (`payload=` form or JSON events) is resolved by
    fetching the order with the Integration API; an order node (stored by the reconcile run) is parsed as
    it is. `external_id` (the envelope's) chooses the order when a batched webhook names several."""
    body = webhooks.body_json(raw)
    if body is None:
        raise malformed(PLATFORM, "order", "the stored body is neither JSON nor a `payload=` form body")
    numbers = order_numbers(body)
    if not numbers:
        if isinstance(body, dict) and "events" in body:
            raise malformed(PLATFORM, "order", "the webhook names no order (only shipment/return/… events)")
        return parse_order(body, shop.key, shop.orders.currency_basis)
    number = external_id if external_id in numbers else numbers[0]
    if client_factory is None:
        from core.platforms.centra.client import client_for as client_factory
    node = with_client(client_factory, shop, lambda api: api.order(number))
    if node is None:
        raise NeedsAttention(
            f"Centra order {number} named by the webhook was not found with the Integration API.",
            resolution=f"check that the API token of shop {shop.key} may read orders of this store "
            "(Order:read) and that the order exists in Centra AMS; then retry this record",
            code="order_not_found")
    return parse_order(node, shop.key, shop.orders.currency_basis)


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop") -> Order:
    if isinstance(payload, dict) and webhooks.order_events(payload):
        raise malformed(PLATFORM, "order", "this is an id-only webhook body; load_order fetches the order it "
                        "names")
    node = unwrap(payload)
    if node is None:
        raise malformed(PLATFORM, "order", f"expected one order object, got {type(payload).__name__}")
    missing = [f for f in ("number", "lines", "createdAt") if node.get(f) in (None, "")]
    if not isinstance(node.get("grandTotal"), dict) or node["grandTotal"].get("value") in (None, ""):
        missing.append("grandTotal")
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)} (a GraphQL answer holds only the "
                        "fields its query selected; the client's ORDER_FIELDS selects all that are needed)")
    if not isinstance(node["lines"], list):
        raise malformed(PLATFORM, "order", "lines is not a list")
    try:
        return _order(node, shop).model_copy(update={"raw": node})  # field rules read the fetched order
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc


def _currency(node: dict) -> str:
    code = text(((node.get("grandTotal") or {}).get("currency") or {}).get("code"))
    for line in node.get("lines") or []:
        code = code or text((((line or {}).get("unitPrice") or {}).get("currency") or {}).get("code"))
    if not code:
        raise ValueError("no currency code on grandTotal or the lines")
    return code.upper()


def _address(node) -> Address:
    if not isinstance(node, dict):
        return Address()
    country = node.get("country") if isinstance(node.get("country"), dict) else {}
    state = node.get("state") if isinstance(node.get("state"), dict) else {}
    return Address(
        name=f"{text(node.get('firstName'))} {text(node.get('lastName'))}".strip(),
        company=text(node.get("companyName")),
        line1=text(node.get("address1")),
        line2=text(node.get("address2")),
        city=text(node.get("city")),
        state=text(node.get("stateOrProvince")) or text(state.get("name")),
        postal_code=text(node.get("zipCode")),
        country=text(country.get("code")).upper(),  # only the name selected → unknown, not guessed
        phone=text(node.get("phoneNumber")) or text(node.get("cellPhoneNumber")),
        email=text(node.get("email")),
    )


def _tax(amount: Decimal, rate: Decimal, includes_tax: bool) -> Decimal:
    if includes_tax:
        return _cents(amount - amount / (1 + rate))
    return _cents(amount * rate)


def _paid(node: dict) -> bool:
    history = node.get("paymentHistory")
    if isinstance(history, list) and history:
        return any(text(h.get("entryType")).upper() in PAYMENT_ENTRY_TYPES
                   and text(h.get("status")).upper() == "SUCCESS" for h in history if isinstance(h, dict))
    return text(node.get("status")).upper() in PAID_STATUSES


def _order(node: dict, shop: str) -> Order:
    totals = node.get("totals") or {}
    tax_added = _value(totals.get("taxAdded"))
    includes_tax = tax_added == 0
    lines: list[OrderLine] = []
    for line in node["lines"]:
        quantity = money(line.get("quantity"), None)
        if quantity == 0:
            continue
        unit_price = _value(line.get("unitPrice"), None)
        original = _value(line.get("unitOriginalPrice"), unit_price)
        line_value = _value(line.get("lineValue"), quantity * unit_price)
        rate = (money(line.get("taxPercent")) / 100).normalize()
        product = line.get("product") or {}
        variant = line.get("productVariant") or {}
        size = line.get("productSize") or {}
        variant_title = " / ".join(v for v in (text(variant.get("name")), text(size.get("description"))) if v)
        lines.append(OrderLine(
            external_id=text(line.get("id")),
            sku=text(size.get("SKU")) or text(line.get("sku")),
            title=text(product.get("name")) or text(line.get("productName")),
            variant_title=variant_title,
            product_id=text(product.get("id")),
            variant_id=text(variant.get("id")),
            quantity=quantity,
            unit_price=original,
            discount_amount=_cents(quantity * original) - line_value,
            tax_lines=[TaxLine(title=f"VAT {text(line.get('taxPercent'))}%", rate=rate,
                               amount=_tax(line_value, rate, includes_tax))] if rate else [],
        ))
    ancillary_rate = max((ln.tax_rate for ln in lines), default=ZERO)

    def ancillary_tax(amount: Decimal) -> list[TaxLine]:
        if not ancillary_rate or not amount:
            return []
        return [TaxLine(title="VAT", rate=ancillary_rate, amount=_tax(amount, ancillary_rate, includes_tax))]

    shipping_value = _value(totals.get("shipping"))
    option = ((node.get("shippingPriceGroup") or {}).get("shippingOption") or {})
    shipping_lines = []
    if shipping_value or option:
        shipping_lines.append(ShippingLine(
            external_id=text(option.get("id")),
            title=text(option.get("name")) or "Shipping",
            code=text(option.get("uri")) or text(option.get("name")) or "shipping",
            price=shipping_value,
            tax_lines=ancillary_tax(shipping_value),
        ))
    handling = _value(totals.get("handling"))
    fee_lines = [FeeLine(title="Handling", amount=handling, tax_lines=ancillary_tax(handling))] if handling else []

    line_discounts = sum((ln.discount_amount for ln in lines), ZERO)
    applied = [d for d in node.get("discountsApplied") or [] if isinstance(d, dict)]
    remaining = max(ZERO, sum((abs(_value(d.get("value"))) for d in applied), ZERO) - line_discounts)
    discounts = []
    # Centra does not say which applied discount sits on the lines; the order-level rest is recorded on
    # the last ones (vouchers come after line campaigns), which only matters for display: BC gets the sum.
    for entry in reversed(applied):
        amount = abs(_value(entry.get("value")))
        if not amount:
            continue
        info = entry.get("discount") or {}
        unallocated = min(amount, remaining)
        remaining -= unallocated
        discounts.insert(0, Discount(code=text(info.get("code")),
                                     title=text(info.get("name")) or text(info.get("code")),
                                     amount=amount, unallocated_amount=unallocated))

    status = text(node.get("status")).upper()
    created_at = timestamp(node["createdAt"])
    updated_at = timestamp(node.get("updatedAt"))
    billing = _address(node.get("billingAddress"))
    shipping_address = _address(node.get("shippingAddress"))
    account = node.get("account") if isinstance(node.get("account"), dict) else None
    person = (node.get("buyer") if account else node.get("customer")) or {}
    customer = Customer(
        external_id=text(person.get("id")),
        kind=CustomerKind.COMPANY if account else CustomerKind.PERSON,
        email=text(person.get("email")) or billing.email or shipping_address.email,
        first_name=text(person.get("firstName")),
        last_name=text(person.get("lastName")),
        company_name=text((account or {}).get("name")) or billing.company,
        company_external_id=text((account or {}).get("id")),
        vat_number=text((node.get("billingAddress") or {}).get("vatNumber")),
        phone=billing.phone,
    )
    tax_total = tax_added if not includes_tax else (
        _value(totals.get("taxIncluded")) if totals.get("taxIncluded") is not None
        else sum((t.amount for ln in lines for t in ln.tax_lines), ZERO))
    market = node.get("market") or {}
    payment = node.get("paymentMethod") or {}
    gateway = text(payment.get("plugin")) or text(payment.get("uri"))
    currency = _currency(node)
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=text(node["number"]),
        number=text(node["number"]),
        created_at=created_at,
        updated_at=updated_at,
        cancelled_at=(updated_at or created_at) if status == "CANCELLED" else None,
        financial_status=status.lower(),
        paid=_paid(node),
        currency=currency,
        presentment_currency=currency,
        prices_include_tax=includes_tax,
        customer=customer,
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=shipping_lines,
        fee_lines=fee_lines,
        discounts=discounts,
        payment_gateways=[gateway] if gateway else [],
        market=text(market.get("name")) or text(market.get("id")),
        channel="wholesale" if account else "dtc",
        country=shipping_address.country or billing.country,
        note=text(node.get("purchaseOrderNumber")),
        totals=Totals(
            subtotal=sum((ln.quantity * ln.unit_price for ln in lines), ZERO),
            discounts=sum((d.amount for d in discounts), ZERO) or line_discounts,
            shipping=shipping_value,
            tax=tax_total,
            total=_value(node["grandTotal"], None),
        ),
    )


# ---------------------------------------------------------------------------------------------- refunds

def _return_node(payload) -> dict | None:
    """A return of the Order API: itself, `{"return": {...}}` (update-return) or a one-return listing."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("return"), dict):
        return payload["return"]
    if isinstance(payload.get("returns"), list):
        rows = payload["returns"]
        return rows[0] if len(rows) == 1 and isinstance(rows[0], dict) else None
    return payload


@guarded(PLATFORM, "refund")
def parse_refund(payload, shop: str, currency_basis: str = "shop") -> Refund:
    """A completed return of the Order API (REST `GET returns`, contract 4.5) → Refund.

    - Money back = Σ quantity × price (the unit price "as seen on shipment", tax included: the corpus rows
      are 25 % / 20 % VAT inclusive) + shippingCost + handlingCost − returnCost − voucherValue − taxDeduction.
      The last four are one adjustment (handling, the customer's return fee, the voucher share, export VAT
      removed) [unverified: signs as Centra's create-return describes them].
    - `taxValue` (the return's VAT) is spread over lines and shipping by their amounts, to the cent.
    - A line's SKU is sku + variantSku + sizeSku (Centra builds the full SKU from the three parts);
      restocked = `returnToStock`. The order is `orderId`, the order number (its shipment is "<number>-1").
    - Only a completed return is a refund: a pending one raises Skip (the reconcile reads it again).
    - `date` has no zone (the installation's): read as UTC [unverified].
    """
    node = _return_node(payload)
    if node is None:
        raise malformed(PLATFORM, "refund", f"expected one return object, got {type(payload).__name__}")
    missing = [f for f in ("returnId", "orderId", "date", "currency", "products") if node.get(f) in (None, "")]
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)} (an Order API return)")
    if not isinstance(node["products"], list):
        raise malformed(PLATFORM, "refund", "products is not a list")
    if node.get("completed") is False:
        raise Skip(f"Centra return {text(node['returnId'])} of order {text(node['orderId'])} is not completed yet "
                   "(no money refunded); it is read again once it is.")
    try:
        return _refund(node, shop)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "refund", f"{type(exc).__name__}: {exc}") from exc


def _refund(node: dict, shop: str) -> Refund:
    restock = bool(node.get("returnToStock"))
    rows = []
    for row in node["products"]:
        if not isinstance(row, dict):
            raise ValueError("a product row is not an object")
        quantity = money(row.get("quantity"), None)
        amount = _cents(quantity * money(row.get("price"), None))
        sku = "".join(text(row.get(k)) for k in ("sku", "variantSku", "sizeSku"))
        rows.append((row, quantity, amount, sku))
    shipping = money(node.get("shippingCost"))
    adjustment = (money(node.get("handlingCost")) - money(node.get("returnCost")) - abs(money(node.get("voucherValue")))
                  - money(node.get("taxDeduction")))
    tax_total = money(node.get("taxValue"))
    taxable = sum((amount for _, _, amount, _ in rows), ZERO) + shipping
    shares, left = [], tax_total
    for _, _, amount, _ in rows:
        share = _cents(tax_total * amount / taxable) if taxable else ZERO
        shares.append(share)
        left -= share
    lines = [RefundLine(order_line_external_id=text(row.get("orderLineId")), sku=sku, quantity=quantity,
                        amount=amount, tax_amount=share, restock=restock and quantity > 0)
             for (row, quantity, amount, sku), share in zip(rows, shares, strict=True)]
    if lines and not shipping:  # the cent left by rounding stays on the goods
        lines[-1] = lines[-1].model_copy(update={"tax_amount": lines[-1].tax_amount + left})
    total = sum((line.amount for line in lines), ZERO) + shipping + adjustment
    return Refund(
        platform=PLATFORM, shop=shop, external_id=text(node["returnId"]), order_external_id=text(node["orderId"]),
        created_at=timestamp(node["date"]), currency=text(node["currency"]).upper(), prices_include_tax=True,
        lines=lines, shipping_amount=shipping, adjustment_amount=adjustment, total=total,
        note=text(node.get("comment")),
    )


# ---- customers (customer webhook event → Customer node) ----

def _customer_node(payload) -> dict:
    node = payload
    if isinstance(node, dict) and isinstance(node.get("data"), dict):
        found = node["data"].get("customers")
        node = found[0] if isinstance(found, list) and found else node["data"].get("customer")
    if not isinstance(node, dict):
        raise malformed(PLATFORM, "customer", f"expected one customer node, got {type(payload).__name__}")
    if webhooks.customer_events(node) or isinstance(node.get("events"), list):
        raise malformed(PLATFORM, "customer", "this is an id-only webhook body; load_customer reads the "
                        "customer it names")
    if not text(node.get("id")):
        raise malformed(PLATFORM, "customer", "missing id")
    return node


@guarded(PLATFORM, "customer")
def customer_body(raw: bytes):
    """The stored customer payload as JSON: the webhook's form body (`payload=<JSON>`) or a plain JSON body;
    import_customer reads Centra's stored payloads with this instead of a plain JSON decode."""
    body = webhooks.body_json(raw)
    if body is None:
        raise malformed(PLATFORM, "customer", "the stored body is neither JSON nor the webhook's payload= form")
    return body


@guarded(PLATFORM, "customer")
def load_customer(payload, shop: Shop, client_factory: Callable | None = None, external_id: str = ""):
    """The customer behind a stored body: a webhook's `customer` event (the envelope's id when it is one of
    them, else the first) is read with the Integration API; a customer node is returned as it is."""
    events = webhooks.customer_events(payload)
    if not events:
        return payload
    event = next((e for e in events if text(e.get("id")) == external_id), events[0])
    customer_id, action = text(event.get("id")), text(event.get("action")).lower()
    if client_factory is None:
        from core.platforms.centra.client import client_for as client_factory
    node = with_client(client_factory, shop, lambda api: api.customer(customer_id))
    if node is None and "delete" in action:
        raise Skip(f"Centra customer {customer_id} was deleted; there is nothing to import.")
    if node is None:
        raise NeedsAttention(
            f"Centra customer {customer_id} named by the webhook was not found with the Integration API.",
            resolution=f"check that the Integration API token of shop {shop.key} has Customer:read and that the "
                       "customer exists (AMS → Retail → Customers); then retry this record",
            code="customer_not_found")
    return node


@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A Centra (DTC) customer node → a person Customer."""
    node = _customer_node(payload)
    billing = node.get("billingAddress") if isinstance(node.get("billingAddress"), dict) else {}
    return Customer(
        external_id=text(node["id"]),
        kind=CustomerKind.PERSON,
        email=text(node.get("email")) or text(billing.get("email")),
        first_name=text(node.get("firstName")) or text(billing.get("firstName")),
        last_name=text(node.get("lastName")) or text(billing.get("lastName")),
        vat_number=text(billing.get("vatNumber")),
        phone=text(billing.get("phoneNumber")) or text(billing.get("cellPhoneNumber")),
    )


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """The billing address, when it has a street, city or zip code."""
    node = _customer_node(payload)
    address = _address(node.get("billingAddress"))
    if not address.email:
        address = address.model_copy(update={"email": text(node.get("email"))})
    return [address] if address.line1 or address.city or address.postal_code else []


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When Centra last changed the customer: `updatedAt`, else `createdAt`."""
    node = _customer_node(payload)
    return timestamp(node.get("updatedAt")) or timestamp(node.get("createdAt"))
