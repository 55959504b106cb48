"""Brink orders → canonical Order: from the newer events that carry the whole order, or fetched for the legacy
id-only webhook.

Two kinds of body reach the orders flow (webhooks.describe tells them apart):
- the Post Purchase API's events `OrderCreated` / `OrderUpdated` (EventBridge envelope
  `{id, source: "brink.external.v1", "detail-type", time, detail: {metadata, data: <Order>}}`, contract 2.1
  [V: B3]). They carry the full order: parsed from the body, no fetch. `data.version` is "always incrementing
  on new changes" [V: B3]: `order_version` hands it to the orders flow, which never lets an older version
  rewrite what BC holds.
- the legacy webhook `{"service": "order", "state": …, "orderId"}` [V: B5], an id only: `load_order` fetches the
  order with `client.BrinkClient.order` (the GET path is unverified, see client.py); with no API key
  configured it says so (order_fetch_unsupported) and the raw webhook is kept for replay.

Our reading of the Order, field by field (what the contract verifies, and what we chose where it is silent):
- [V] `id` (external id), `reference` (the number people see), `date`, `currencyCode`, `countryCode`,
  `isTaxIncludedInPrice` (the tax basis: prices incl. tax when true, else net with tax added on top),
  `isTaxExempt`, `billingAddress`, `shippingAddress`, `orderLines`, `shippingFees`, `payment`,
  `totals{subTotal, discountTotal, shippingTotal, taxTotal, grandTotal, giftCardTotal, bonusTotal}` (integers).
- [U] amounts are minor units (cents; 0 decimals for the zero-decimal currencies in ZERO_DECIMAL). Brink's
  verified price body (contract 2.4, `basePriceAmount: 5000`) uses minor units, so the orders are read alike.
- [U] an order line is `{id, productVariantId, productParentId, name, quantity, salePriceAmount (unit price
  paid before order discounts, in the order's tax basis), discountAmount (the line's discount, all units),
  taxPercentage, taxPercentageDecimals (percent = taxPercentage / 10^decimals), totalTaxAmount}`; a shipping fee
  is `{id, name, salePriceAmount, discountAmount, taxPercentage, taxPercentageDecimals, totalTaxAmount}`. The SKU
  is `productVariantId` (Brink's variant ids are the merchant's own ids).
- [U] an address is `{givenName, familyName, email, telephoneNumber, streetAddress, houseNumberOrName, postalCode,
  city, region, country}`; the payment provider is `payment.providerName`.
- Totals are checked, not trusted blindly: Σ(lines) + Σ(shipping) (+ taxTotal when prices are net) must equal
  `grandTotal`, or `grandTotal + giftCardTotal + bonusTotal` (a grand total after gift cards and bonus, which
  are then payments, not discounts). Anything else is refused (inconsistent_payload) before BC is touched.
- Paid: Brink creates the order once checkout succeeded; the newer events count as paid. A legacy
  `waiting` webhook is not paid; its `canceled` state cancels the order (the state is in the authenticated
  body). The newer events carry no cancellation the contract names [U].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.models import (
    CENT,
    Address,
    Customer,
    CustomerKind,
    GiftCardPayment,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp, with_client
from core.platforms.static_secret import fetch_unsupported, id_only, json_object

PLATFORM = "brink"
SOURCE = "brink.external.v1"
ORDER_EVENTS = ("OrderCreated", "OrderUpdated")
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF",
                "XOF", "XPF"}
ZERO = Decimal(0)
VERSION_DIGITS = 20  # versions are compared as zero-padded text by the orders flow


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# ---- which body is this? ----

def event_type(payload) -> str:
    """The `detail-type` of a newer Brink event ("" when the body is not one)."""
    if not isinstance(payload, dict) or text(payload.get("source")) != SOURCE:
        return ""
    return text(payload.get("detail-type"))


def event_data(payload) -> dict | None:
    """`detail.data` of a newer Brink event (None when the body is not one or has no data object)."""
    if not event_type(payload):
        return None
    detail = payload.get("detail")
    data = detail.get("data") if isinstance(detail, dict) else None
    return data if isinstance(data, dict) else None


def order_data(payload) -> dict | None:
    """The Order object of an OrderCreated/OrderUpdated event, or a bare Order (as the order API answers)."""
    if event_type(payload):
        return event_data(payload) if event_type(payload) in ORDER_EVENTS else None
    if isinstance(payload, dict) and "orderLines" in payload and "totals" in payload:
        return payload
    return None


@guarded(PLATFORM, "order")
def needs_fetch(payload) -> str | None:
    """The Brink order id a legacy (id-only) webhook body names; None when it names none."""
    if not isinstance(payload, dict) or text(payload.get("service")).lower() != "order":
        return None
    return text(payload.get("orderId")) or None


def version(data: dict) -> int | None:
    """`version` of an Order as a non-negative integer, None when absent or not one."""
    value = data.get("version")
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = int(text(value))
    except ValueError:
        return None
    return number if 0 <= number < 10 ** VERSION_DIGITS else None


def order_version(order: Order) -> str:
    """The shop version the orders flow compares (core/sync/orders.py `_version`): Brink's `version`,
    zero-padded so that text order is number order; "" when the order carries none."""
    number = version(order.raw) if isinstance(order.raw, dict) else None
    return "" if number is None else f"{number:0{VERSION_DIGITS}d}"


# ---- the order ----

@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop", *, paid: bool = True,
                cancelled_at: datetime | None = None) -> Order:
    """An Order from an OrderCreated/OrderUpdated event or a bare Brink Order. `currency_basis` is accepted for
    the uniform signature: a Brink order has one currency (`currencyCode`)."""
    if needs_fetch(payload):
        raise id_only(PLATFORM)
    if event_type(payload) and event_type(payload) not in ORDER_EVENTS:
        raise malformed(PLATFORM, "order", f"a {event_type(payload)} event does not carry an order")
    data = order_data(payload)
    if data is None:
        raise malformed(PLATFORM, "order", "expected an OrderCreated/OrderUpdated event or a Brink Order object")
    missing = [f for f in ("id", "date", "currencyCode", "orderLines", "totals") if data.get(f) in (None, "")]
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)}")
    if not isinstance(data["orderLines"], list) or not isinstance(data["totals"], dict):
        raise malformed(PLATFORM, "order", "orderLines is not a list or totals is not an object")
    if not isinstance(data.get("isTaxIncludedInPrice"), bool):
        # the tax basis decides every amount: never guessed
        raise malformed(PLATFORM, "order", "isTaxIncludedInPrice is missing (the tax basis of the prices)")
    try:
        order = _order(data, shop, paid=paid, cancelled_at=cancelled_at)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc
    return order.model_copy(update={"raw": data})


def _minor(currency: str) -> Callable[[object], Decimal]:
    divisor = Decimal(1) if currency in ZERO_DECIMAL else Decimal(100)

    def amount(value, default: Decimal | None = ZERO) -> Decimal:
        raw = money(value, default)
        if raw != raw.to_integral_value():
            raise ValueError(f"{value!r} is not an amount in minor units (an integer)")
        return (raw / divisor).quantize(Decimal(1) / divisor)  # 19900 → 199.00
    return amount


def _rate(row: dict) -> Decimal:
    """Tax rate as a fraction from taxPercentage / 10^taxPercentageDecimals percent (our reading, [U])."""
    percentage = money(row.get("taxPercentage"))
    decimals = int(money(row.get("taxPercentageDecimals")))
    if not 0 <= decimals <= 6:
        raise ValueError(f"taxPercentageDecimals {decimals} is out of range")
    percent = percentage / Decimal(10) ** decimals
    if not 0 <= percent <= 100:
        raise ValueError(f"a tax rate of {percent} % is not a rate")
    return (percent / 100).normalize()


def _tax(row: dict, base: Decimal, rate: Decimal, includes_tax: bool, amount) -> Decimal:
    if row.get("totalTaxAmount") not in (None, ""):
        return amount(row.get("totalTaxAmount"))
    return _cents(base - base / (1 + rate)) if includes_tax else _cents(base * rate)


def _tax_lines(row: dict, base: Decimal, includes_tax: bool, exempt: bool, amount) -> list[TaxLine]:
    rate = ZERO if exempt else _rate(row)
    if not rate:
        return [TaxLine(title="VAT 0%", rate=ZERO, amount=ZERO)]
    percent = (rate * 100).normalize()
    return [TaxLine(title=f"VAT {percent:f}%", rate=rate, amount=_tax(row, base, rate, includes_tax, amount))]


def _address(node) -> Address:
    if not isinstance(node, dict):
        return Address()
    street = " ".join(v for v in (text(node.get("streetAddress")), text(node.get("houseNumberOrName"))) if v)
    return Address(
        name=f"{text(node.get('givenName'))} {text(node.get('familyName'))}".strip(),
        company=text(node.get("companyName")),
        line1=street,
        line2=text(node.get("streetAddress2")),
        city=text(node.get("city")),
        state=text(node.get("region")),
        postal_code=text(node.get("postalCode")),
        country=text(node.get("country")).upper(),
        phone=text(node.get("telephoneNumber")) or text(node.get("phone")),
        email=text(node.get("email")),
    )


def _order(data: dict, shop: str, *, paid: bool, cancelled_at: datetime | None) -> Order:
    currency = text(data["currencyCode"]).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"currencyCode {currency!r} is not an ISO 4217 code")
    amount = _minor(currency)
    includes_tax = data["isTaxIncludedInPrice"]
    exempt = data.get("isTaxExempt") is True
    lines: list[OrderLine] = []
    for index, row in enumerate(data["orderLines"]):
        if not isinstance(row, dict):
            raise ValueError(f"order line {index} is not an object")
        quantity = money(row.get("quantity"), None)
        if quantity == 0:
            continue  # a line removed by an order-lines modification
        unit = amount(row.get("salePriceAmount"), None)
        discount = amount(row.get("discountAmount"))
        base = quantity * unit - discount
        sku = text(row.get("productVariantId"))
        lines.append(OrderLine(
            external_id=text(row.get("id")) or str(index), sku=sku, title=text(row.get("name")) or sku,
            product_id=text(row.get("productParentId")), variant_id=sku, quantity=quantity, unit_price=unit,
            discount_amount=discount, tax_lines=_tax_lines(row, base, includes_tax, exempt, amount)))
    if not lines:
        raise ValueError("the order has no lines with a quantity")
    shipping_lines = []
    for index, fee in enumerate(data.get("shippingFees") or []):
        if not isinstance(fee, dict):
            raise ValueError(f"shipping fee {index} is not an object")
        price, discount = amount(fee.get("salePriceAmount")), amount(fee.get("discountAmount"))
        name = text(fee.get("name")) or "Shipping"
        shipping_lines.append(ShippingLine(
            external_id=text(fee.get("id")), title=name, code=name, price=price, discount_amount=discount,
            tax_lines=_tax_lines(fee, price - discount, includes_tax, exempt, amount)))
    totals = data["totals"]
    grand = amount(totals.get("grandTotal"), None)
    tax_total = amount(totals.get("taxTotal"))
    gift_cards, bonus = amount(totals.get("giftCardTotal")), amount(totals.get("bonusTotal"))
    goods = sum((ln.net_amount for ln in lines), ZERO)
    shipping = sum((s.price - s.discount_amount for s in shipping_lines), ZERO)
    value = goods + shipping + (ZERO if includes_tax else tax_total)
    if value not in (grand, grand + gift_cards + bonus):
        raise NeedsAttention(
            f"Brink order {text(data.get('reference')) or text(data['id'])}: its lines and shipping come to "
            f"{value} {currency} (prices {'incl.' if includes_tax else 'excl.'} tax"
            f"{'' if includes_tax else f', plus tax {tax_total}'}), but its grandTotal is {grand}.",
            resolution="check the order in Brink (the raw event is kept); if Brink's amounts are right, the "
                       "order lines use fields this version does not read (see docs/platforms.md, Brink) — "
                       "create the BC order by hand and report the event",
            code="inconsistent_payload")
    payments = []
    if gift_cards:
        payments.append(GiftCardPayment(amount=gift_cards, reference="giftCardTotal"))
    if bonus:
        payments.append(GiftCardPayment(amount=bonus, reference="bonusTotal"))
    billing, shipping_address = _address(data.get("billingAddress")), _address(data.get("shippingAddress"))
    created = timestamp(data["date"])
    payment = data.get("payment") if isinstance(data.get("payment"), dict) else {}
    gateway = text(payment.get("providerName"))
    b2b = text(data.get("channelType")).upper() == "B2B"
    customer = Customer(
        kind=CustomerKind.COMPANY if b2b and billing.company else CustomerKind.PERSON,
        email=billing.email or shipping_address.email,
        first_name=text((data.get("billingAddress") or {}).get("givenName")),
        last_name=text((data.get("billingAddress") or {}).get("familyName")),
        company_name=billing.company, phone=billing.phone)
    return Order(
        platform=PLATFORM, shop=shop, external_id=text(data["id"]),
        number=text(data.get("reference")) or text(data["id"]),
        created_at=created, cancelled_at=cancelled_at,
        financial_status="paid" if paid else "waiting", paid=paid,
        currency=currency, shop_currency=currency, presentment_currency=currency,
        prices_include_tax=includes_tax, customer=customer,
        billing_address=billing, shipping_address=shipping_address,
        lines=lines, shipping_lines=shipping_lines, gift_card_payments=payments,
        payment_gateways=[gateway] if gateway else [],
        market=text(data.get("storeGroupId")), channel=text(data.get("channelType")).lower(),
        country=text(data.get("countryCode")).upper() or shipping_address.country or billing.country,
        totals=Totals(
            subtotal=sum((ln.quantity * ln.unit_price for ln in lines), ZERO),
            discounts=sum((ln.discount_amount for ln in lines), ZERO)
            + sum((s.discount_amount for s in shipping_lines), ZERO),
            shipping=shipping, tax=tax_total, total=value))


# ---- the orders flow's entry point ----

@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    """The Order behind a stored body: an OrderCreated/OrderUpdated event (or a bare Order stored by a fetch) is
    parsed as it is; a legacy id-only webhook is fetched with the order API (client.py)."""
    body = json_object(raw, PLATFORM)
    if order_data(body) is not None or event_type(body):
        return parse_order(body, shop.key, shop.orders.currency_basis)
    order_id = needs_fetch(body)
    if not order_id:
        raise malformed(PLATFORM, "order", "the body is neither a Brink order event nor a webhook naming an order")
    state = text(body.get("state")).lower()
    if client_factory is None:
        if not shop.api_token_setting:
            raise fetch_unsupported("Brink", order_id, shop.key)
        from core.platforms.brink.client import client_for as client_factory
    data = with_client(client_factory, shop, lambda api: api.order(order_id))
    if data is None:
        raise NeedsAttention(
            f"Brink order {order_id} named by the webhook was not found with the order API.",
            resolution=f"check that the API key of shop {shop.key} may read orders and that the order exists in "
                       "Brink; then retry this record",
            code="order_not_found")
    return parse_order(data, shop.key, shop.orders.currency_basis, paid=state != "waiting",
                       cancelled_at=datetime.now(UTC) if state == "canceled" else None)


# ---- refunds (OrderRefunded events) ----
#
# Verified (contract 2.5 [V: B3]; docs.eu-west-1.demo.brinkcommerce.io/domains/Order/events/OrderRefunded/): the
# OrderRefunded event has the same EventBridge envelope as the order events and its data requires `id` ("The refund
# id"), `orderId`, `orderReference`, `paymentProvider`, `orderLines`, `shippingFees`, `giftCards`, `gifts`,
# `created`, `updated`, `completed`, `restarts`, `revision`; `OrderRefundedFailed` carries the same ids and `failed`.
# Unverified (contract 2.5 [U]): the fields INSIDE a refund's orderLines and shippingFees entries, and the currency
# and tax basis (the event names none). REFUND_FIELDS is our reading, in one place so it is corrected there once
# Brink publishes the shape (docs/platforms.md, Brink, says the same).

REFUND_EVENT, REFUND_FAILED_EVENT = "OrderRefunded", "OrderRefundedFailed"
REFUND_EVENTS = (REFUND_EVENT, REFUND_FAILED_EVENT)


@dataclass(frozen=True)
class RefundFields:
    """Names read from an OrderRefunded event's data. A refund line is read as a copy of the order line it refunds
    (the same `id` as in the order's orderLines, the fields `_order` reads) with the refunded `quantity`; a refund
    fee likewise names the order's shipping fee by `id`. When a row carries the price field, its amounts are used
    (minor units, the order's tax basis, as `_order` reads them); when it does not, the amounts are derived from the
    original order line / fee (unit price × quantity less the line discount's share)."""
    refund_id: str = "id"                     # [V: B3]
    order_id: str = "orderId"                 # [V: B3]
    completed: str = "completed"              # [V: B3] when the refund went through; `created` is the fallback
    created: str = "created"                  # [V: B3]
    lines: str = "orderLines"                 # [V: B3]
    fees: str = "shippingFees"                # [V: B3]
    line_id: str = "id"                       # [U] the refunded order line's id (as `_order` reads order lines)
    quantity: str = "quantity"                # [U] units refunded
    unit_price: str = "salePriceAmount"       # [U] optional: unit price in minor units, order's tax basis
    discount: str = "discountAmount"          # [U] optional: the refunded units' discount, minor units
    tax: str = "totalTaxAmount"               # [U] optional: the row's tax, minor units
    fee_id: str = "id"                        # [U] the refunded shipping fee's id (as in the order's shippingFees)


REFUND_FIELDS = RefundFields()


def _refund_data(payload) -> dict:
    kind = event_type(payload)
    if kind not in REFUND_EVENTS:
        raise malformed(PLATFORM, "refund", "expected an OrderRefunded event (EventBridge envelope, source "
                        f"{SOURCE}), got {kind or type(payload).__name__}")
    data = event_data(payload)
    if data is None:
        raise malformed(PLATFORM, "refund", "the event has no detail.data object")
    f = REFUND_FIELDS
    missing = [name for name in (f.refund_id, f.order_id) if not text(data.get(name))]
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)}")
    if kind == REFUND_FAILED_EVENT:
        raise Skip(f"Brink refund {text(data[f.refund_id])} of order {text(data[f.order_id])} failed "
                   "(OrderRefundedFailed): no money went back, so there is nothing to credit in BC. Brink sends "
                   "OrderRefunded if the refund is made again; that one is imported.")
    return data


@guarded(PLATFORM, "refund")
def refund_order_id(payload) -> str:
    """The Brink order an OrderRefunded event refunds."""
    return text(_refund_data(payload)[REFUND_FIELDS.order_id])


@guarded(PLATFORM, "refund")
def parse_refund(payload, shop: str, currency_basis: str = "shop", *, order: Order | None = None) -> Refund:
    """A Refund from an OrderRefunded event, priced with the `order` it refunds (as imported): the event names no
    currency or tax basis, and its rows may name order lines without amounts (REFUND_FIELDS)."""
    data = _refund_data(payload)
    f = REFUND_FIELDS
    refund_id, order_id = text(data[f.refund_id]), text(data[f.order_id])
    if order is None or order.external_id != order_id:
        raise NeedsAttention(
            f"Brink refund {refund_id} refunds order {order_id}, which this integration has not received: the "
            "refund event names no currency, tax basis or prices, so it is priced from the order as imported.",
            resolution=f"import order {order_id} first (replay its OrderCreated/OrderUpdated event from Brink), "
                       "then retry this refund; or create the credit memo by hand and mark this record done",
            code="order_not_imported", details={"external_id": refund_id})
    for name in (f.lines, f.fees):
        if not isinstance(data.get(name) or [], list):
            raise malformed(PLATFORM, "refund", f"{name} is not a list")
    created = timestamp(data.get(f.completed)) or timestamp(data.get(f.created)) or timestamp(payload.get("time"))
    if created is None:
        raise malformed(PLATFORM, "refund", f"no {f.completed}, {f.created} or event time")
    try:
        return _refund(data, shop, order, created)
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "refund", f"{type(exc).__name__}: {exc}") from exc


def _share(part: Decimal, whole: Decimal, amount: Decimal) -> Decimal:
    return _cents(amount * part / whole) if whole else ZERO


def _priced(row: dict, quantity: Decimal, rate: Decimal, includes_tax: bool, amount) -> tuple[Decimal, Decimal]:
    """(amount, tax) of a refund row that carries its own prices (REFUND_FIELDS.unit_price)."""
    f = REFUND_FIELDS
    base = quantity * amount(row.get(f.unit_price), None) - amount(row.get(f.discount))
    if row.get(f.tax) not in (None, ""):
        return base, amount(row.get(f.tax))
    return base, _tax_of(base, rate, includes_tax)


def _tax_of(base: Decimal, rate: Decimal, includes_tax: bool) -> Decimal:
    return _cents(base - base / (1 + rate)) if includes_tax else _cents(base * rate)


def _refund(data: dict, shop: str, order: Order, created: datetime) -> Refund:
    f = REFUND_FIELDS
    refund_id = text(data[f.refund_id])
    includes_tax, amount = order.prices_include_tax, _minor(order.currency)
    by_id = {line.external_id: line for line in order.lines}
    lines, refunded = [], {}
    for index, row in enumerate(data.get(f.lines) or []):
        if not isinstance(row, dict):
            raise ValueError(f"refund line {index} is not an object")
        line_id, quantity = text(row.get(f.line_id)), money(row.get(f.quantity), None)
        original = by_id.get(line_id)
        if original is None:
            raise _inconsistent(refund_id, order, f"names order line {line_id!r}, which the order does not have")
        if quantity <= 0 or quantity != quantity.to_integral_value():
            raise ValueError(f"refund line {line_id} has quantity {quantity}")
        refunded[line_id] = refunded.get(line_id, ZERO) + quantity
        if refunded[line_id] > original.quantity:
            raise _inconsistent(refund_id, order, f"refunds {refunded[line_id]} of line {line_id}, which has "
                                f"{original.quantity}")
        rate = sum((t.rate for t in original.tax_lines), ZERO)
        if row.get(f.unit_price) not in (None, ""):
            value, tax = _priced(row, quantity, rate, includes_tax, amount)
        else:  # derived: the order line's unit price × quantity, less its discount's share
            value = quantity * original.unit_price - _share(quantity, original.quantity, original.discount_amount)
            tax = _tax_of(value, rate, includes_tax)
        lines.append(RefundLine(order_line_external_id=line_id, sku=original.sku, quantity=quantity, amount=value,
                                tax_amount=tax))
    fees = {fee.external_id: fee for fee in order.shipping_lines}
    shipping, shipping_tax = ZERO, ZERO
    for index, row in enumerate(data.get(f.fees) or []):
        if not isinstance(row, dict):
            raise ValueError(f"refund shipping fee {index} is not an object")
        fee = fees.get(text(row.get(f.fee_id)))
        if fee is None:
            raise _inconsistent(refund_id, order, f"names shipping fee {text(row.get(f.fee_id))!r}, which the "
                                "order does not have")
        rate = sum((t.rate for t in fee.tax_lines), ZERO)
        if row.get(f.unit_price) not in (None, ""):
            value, tax = _priced(row, Decimal(1), rate, includes_tax, amount)
        else:  # a fee is refunded whole
            value, tax = fee.price - fee.discount_amount, sum((t.amount for t in fee.tax_lines), ZERO)
        shipping, shipping_tax = shipping + value, shipping_tax + tax
    if not lines and not shipping:
        raise Skip(f"Brink refund {refund_id} of order {order.external_id} refunds no order line or shipping fee "
                   "(gift cards or vouchers only); nothing to credit in BC.")
    goods = sum((ln.amount + (ZERO if includes_tax else ln.tax_amount) for ln in lines), ZERO)
    return Refund(
        platform=PLATFORM, shop=shop, external_id=refund_id, order_external_id=order.external_id,
        created_at=created, currency=order.currency, prices_include_tax=includes_tax, lines=lines,
        shipping_amount=shipping, total=goods + shipping + (ZERO if includes_tax else shipping_tax),
        note=f"Brink refund of order {text(data.get('orderReference')) or order.number}")


def _inconsistent(refund_id: str, order: Order, what: str) -> NeedsAttention:
    return NeedsAttention(
        f"Brink refund {refund_id} of order {order.number} {what}.",
        resolution="check the refund in Brink (the raw event is kept); if Brink's refund is right, its rows use "
                   "fields this version reads differently (REFUND_FIELDS, see docs/platforms.md, Brink) — create "
                   "the credit memo by hand and report the event",
        code="inconsistent_payload", details={"external_id": refund_id})


def load_refund(raw_payload, shop: Shop, original_order: Callable[[str], Order | None]) -> Refund:
    """The refunds flow's entry point: the event's order, as imported (`original_order(order id)`, the stored
    order event), prices the refund."""
    return parse_refund(raw_payload, shop.key, shop.orders.currency_basis,
                        order=original_order(refund_order_id(raw_payload)))
