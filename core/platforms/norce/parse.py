"""Norce Commerce orders → canonical Order, and loading the order behind a stored payload.

Two order shapes reach the parser (docs/platforms.md "Norce" says the same for operators):

- the Connect **OrderRequest** that Norce's Order Receiver POSTs to us (functions/norce_order_receiver.py)
  [V: N5, connect/orderservice schemas]: `ClientOrderRef` (the basket id, "usually the web order number"),
  `CurrencyCode`, `SellTo|BillTo|ShipTo {Company{Code,Name,VatNo}, Person{…, Address{…, Country ISO-2}}}`,
  `Items[] {LineNo, PartNo, Quantity, Type, TypeGroup, UnitPrice, UnitPriceOriginal, UnitVat, VatRate, …}`,
  `Payments[] {PaymentMethodCode, Amount, …}`, `Fees[]`, `Discounts[]`, `ShippingAdvice{DeliveryMethodCode}`;
- the order service **Order** that `GetOrderByBasket` answers (client.py) [V: N4, N4s]: `Id, QuotationId,
  OrderNo, OrderDate, Status, Currency, SellTo|BillTo|ShipTo {Company, Customer, Address}, OrderTotalIncVat,
  OrderTotalExVat, PaymentMethod, DeliveryMethod, Items[] {RowNumber, PartNo, Name, QtyOrdered, UnitPrice,
  UnitDiscount, RowAmount, VatRate, Type, UnitPriceIncVat, …}`.

Both describe one order the same way here, so a pushed order and the same order fetched after an event are
one binding and one fingerprint: the external id is the basket id (`ClientOrderRef` = `QuotationId`), a
line's id its row number (`LineNo` = `RowNumber` [U: assumed the same numbering]).

The VAT traps:
- Prices are **excluding VAT** in both shapes, so the Order has `prices_include_tax = False` and every line's
  VAT is computed from its net amount (BC does the same on an ex-VAT document).
- `VatRate` is a **percent** in Connect (25) and a **multiplier** in the order service (1.25 = 25 %). Each
  reader refuses the other's reading instead of guessing: a Connect rate that disagrees with the line's own
  `UnitVat`, or an order-service rate outside 1 ≤ rate < 2 (or disagreeing with `UnitPriceIncVat`), is a
  `malformed_payload` naming the line.
- Freight is an order item: `Type` "Freight" (usually with `TypeGroup` "Fee") becomes a shipping line; other
  `Fee`/`AddedFee` items become fee lines. The rare `Fees[]` (Type 0 shipping, 1 invoice) are read as ex-VAT
  amounts at their own `VatRate` percent [U: the sign and VAT basis of `Fees[].Amount`].
- The order service may give `Type` as a number: it is read by its position in Connect's enum (Undefined 0,
  ErpStandard 1, Refurbished 2, Freight 3, …) [U].
- Order service line discounts: `UnitDiscount` is taken per unit; whether `UnitPrice` is before or after it is
  decided per line by `RowAmount` (the reading that gives the row amount wins) [U: undocumented].

Totals: the order service's `OrderTotalIncVat` is the shop total. An OrderRequest has no total field: the sum
of its `Payments[].Amount` is the total (what the customer was charged, gift cards included); without payments
the lines' net + VAT. The BC document is checked against that total after creation, as for every platform.
An OrderRequest has no order date either [V: N5 field list]: its `created_at` is the time it is parsed (the
import, seconds after receipt). Norce creates an order only once checkout has reserved the payment, so an
order is `paid` unless its status is Cancelled [U: no payment state is documented on either shape].
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from core.config import Shop
from core.errors import NeedsAttention
from core.models import (
    CENT,
    Address,
    Customer,
    CustomerKind,
    Discount,
    FeeLine,
    Order,
    OrderLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.norce import webhooks
from core.platforms.payload import PARSE_ERRORS, guarded, loads, malformed, money, text, timestamp, with_client

PLATFORM = "norce"
ZERO = Decimal(0)
# Connect's OrderItem.Type enum, in its documented order; a numeric Type is read by this position [U]
ITEM_TYPES = ("Undefined", "ErpStandard", "Refurbished", "Freight", "Insurance", "GiftCertificate", "Bid",
              "Download", "Structure", "Invoice")
FEE_GROUPS = {"fee", "addedfee"}
VAT_TOLERANCE = Decimal("0.011")  # a unit VAT or inc-VAT price rounded to the cent by Norce


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------- shapes


def is_order_request(payload) -> bool:
    """The Connect OrderRequest the Order Receiver POSTs (no order-service fields)."""
    return (isinstance(payload, dict) and isinstance(payload.get("Items"), list) and "ClientOrderRef" in payload
            and "QuotationId" not in payload and "OrderTotalIncVat" not in payload)


def is_service_order(payload) -> bool:
    """The order service's Order (GetOrderByBasket / GetOrder)."""
    return isinstance(payload, dict) and isinstance(payload.get("Items"), list) and (
        "QuotationId" in payload or "OrderTotalIncVat" in payload)


@guarded(PLATFORM, "order")
def basket_id(payload) -> str:
    """The basket id (external id) a payload names: ClientOrderRef, or QuotationId of a service order."""
    if not isinstance(payload, dict):
        return ""
    value = text(payload.get("QuotationId")) if is_service_order(payload) else text(payload.get("ClientOrderRef"))
    return value if value not in ("", "0") else ""


@guarded(PLATFORM, "order")
def needs_fetch(payload) -> str | None:
    """The order an id-only event names (its basket id, else its order id); None for an order body."""
    if not isinstance(payload, dict) or is_order_request(payload) or is_service_order(payload):
        return None
    if not ("OrderId" in payload or "ClientOrderRef" in payload):
        return None
    return webhooks.order_id(payload) or None


# ----------------------------------------------------------------------------------------------- fetch


@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    """The Order behind a stored payload: a pushed OrderRequest or a fetched order (reconcile) is parsed as it
    is; an id-only event is resolved by fetching the order: `GetOrderByBasket` with its ClientOrderRef, or
    `GetOrder` with its OrderId when it names no basket [U: GetOrder?id=]."""
    body = loads(raw, PLATFORM, "order")
    if is_order_request(body) or is_service_order(body):
        return parse_order(body, shop.key, shop.orders.currency_basis)
    if not isinstance(body, dict) or not needs_fetch(body):
        raise malformed(PLATFORM, "order", "the stored body is neither a Norce order nor an order event naming one")
    basket = text(body.get("ClientOrderRef"))
    order_no = text(body.get("OrderId"))
    if client_factory is None:
        from core.platforms.norce.client import client_for as client_factory
    if basket not in ("", "0"):
        node, named = with_client(client_factory, shop, lambda api: api.order(basket)), f"basket {basket}"
    else:
        node = with_client(client_factory, shop, lambda api: api.order_by_id(order_no))
        named = f"order id {order_no}"
    if node is None:
        raise NeedsAttention(
            f"The Norce order of {named} named by the event was not found with the order service.",
            resolution=f"check that the API client of shop {shop.key} may read orders of this application "
            "(ApplicationId in [shops.norce]) and that the order exists in Norce Admin; then retry this record",
            code="order_not_found")
    return parse_order(node, shop.key, shop.orders.currency_basis)


# ----------------------------------------------------------------------------------------------- parse


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop") -> Order:
    """An OrderRequest or an order-service Order → Order. Amounts are in the order's own currency (Norce gives
    no second currency), so `currency_basis` changes nothing."""
    if needs_fetch(payload):
        raise malformed(PLATFORM, "order", "this is an id-only webhook body; load_order fetches the order it names")
    try:
        # field rules read the order as fetched (or as the Order Receiver posted it)
        if is_order_request(payload):
            return _from_request(payload, shop).model_copy(update={"raw": payload})
        if is_service_order(payload):
            return _from_service(payload, shop).model_copy(update={"raw": payload})
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc
    raise malformed(PLATFORM, "order", "expected a Norce OrderRequest (ClientOrderRef, Items) or an order-service "
                    "Order (QuotationId, OrderTotalIncVat, Items)")


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(payload: dict, name: str) -> list[dict]:
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list")
    return [v for v in value if isinstance(v, dict)]


def _item_type(item: dict) -> str:
    value = item.get("Type")
    if isinstance(value, int) and not isinstance(value, bool):
        return ITEM_TYPES[value] if 0 <= value < len(ITEM_TYPES) else ""
    return text(value)


def _percent_rate(item: dict, row: str) -> Decimal:
    """Connect's VatRate (a percent) as a fraction, checked against the line's own UnitVat."""
    percent = money(item.get("VatRate"))
    if not ZERO <= percent < 100:
        raise ValueError(f"{row}: VatRate {percent} is not a VAT percent")
    rate = (percent / 100).normalize() if percent else ZERO
    unit_vat = money(item.get("UnitVat"), None) if item.get("UnitVat") not in (None, "") else None
    if unit_vat is not None:
        # UnitVat is "VAT per item", before or after discount: either price must give it at this rate
        prices = {money(item.get("UnitPrice")), money(item.get("UnitPriceOriginal"), money(item.get("UnitPrice")))}
        if not any(abs(price * rate - unit_vat) <= VAT_TOLERANCE for price in prices):
            raise ValueError(
                f"{row}: VatRate {percent} (a percent in Connect) disagrees with UnitVat {unit_vat} on a unit "
                f"price of {min(prices)}; a multiplier (1.25) or a rate from another field would read as this")
    return rate


def _multiplier_rate(item: dict, row: str) -> Decimal:
    """The order service's VatRate (a multiplier: 1.25 = 25 %) as a fraction, checked against UnitPriceIncVat."""
    multiplier = money(item.get("VatRate"))
    if multiplier == 0:  # no rate given: no VAT
        return ZERO
    if not Decimal(1) <= multiplier < 2:
        raise ValueError(f"{row}: VatRate {multiplier} is not a multiplier (the order service gives 1.25 for 25 %; "
                         "a percent belongs to the Connect OrderRequest)")
    inc_vat = item.get("UnitPriceIncVat")
    if inc_vat not in (None, ""):
        unit = money(item.get("UnitPrice"))
        candidates = {unit, unit - money(item.get("UnitDiscount"))}
        if money(inc_vat) and not any(abs(p * multiplier - money(inc_vat)) <= VAT_TOLERANCE for p in candidates):
            raise ValueError(f"{row}: VatRate {multiplier} disagrees with UnitPriceIncVat {money(inc_vat)} on a unit "
                             f"price of {unit}")
    return (multiplier - 1).normalize()


def _tax(net: Decimal, rate: Decimal) -> list[TaxLine]:
    if not rate:
        return []
    return [TaxLine(title=f"VAT {(rate * 100).normalize():f}%", rate=rate, amount=_cents(net * rate))]


class _Lines:
    """Items sorted into goods, shipping and fee lines, with their ex-VAT net and VAT."""

    def __init__(self):
        self.lines: list[OrderLine] = []
        self.shipping: list[ShippingLine] = []
        self.fees: list[FeeLine] = []
        self._rows: set[str] = set()

    def row_id(self, number: str, index: int) -> str:
        """The row number as the line's id; a missing or repeated one gets its position instead (items are
        resolved per line id, so two lines must never share one)."""
        row = number if number and number not in self._rows else f"item-{index}"
        self._rows.add(row)
        return row

    def add(self, *, row: str, sku: str, title: str, kind: str, group: str, quantity: Decimal,
            original: Decimal, net: Decimal, rate: Decimal) -> None:
        if quantity == 0:
            return
        tax = _tax(net, rate)
        if kind.casefold() == "freight":
            self.shipping.append(ShippingLine(external_id=row, title=title or "Freight", code=sku or "freight",
                                              price=_cents(quantity * original),
                                              discount_amount=_cents(quantity * original) - net, tax_lines=tax))
        elif group.casefold() in FEE_GROUPS:
            self.fees.append(FeeLine(external_id=row, title=title or sku or "Fee", amount=net, tax_lines=tax))
        else:
            self.lines.append(OrderLine(external_id=row, sku=sku, title=title, quantity=quantity,
                                        unit_price=original, discount_amount=_cents(quantity * original) - net,
                                        tax_lines=tax, gift_card=kind.casefold() == "giftcertificate"))

    def net(self) -> Decimal:
        return (sum((ln.net_amount for ln in self.lines), ZERO)
                + sum((s.price - s.discount_amount for s in self.shipping), ZERO)
                + sum((f.amount for f in self.fees), ZERO))

    def tax(self) -> Decimal:
        return sum((t.amount for group in (self.lines, self.shipping, self.fees) for ln in group
                    for t in ln.tax_lines), ZERO)


def _request_address(part: dict) -> Address:
    person = _dict(part.get("Person"))
    company = _dict(part.get("Company"))
    address = _dict(person.get("Address"))
    return Address(
        name=f"{text(person.get('FirstName'))} {text(person.get('LastName'))}".strip(),
        company=text(company.get("Name")),
        line1=text(address.get("Line1")),
        line2=" ".join(v for v in (text(address.get("CareOf")), text(address.get("Line2")), text(address.get("Box")))
                       if v),
        city=text(address.get("City")),
        state=text(address.get("Region")),
        postal_code=text(address.get("ZipCode")),
        country=text(address.get("Country")).upper()[:2],
        phone=text(person.get("CellPhone")) or text(person.get("WorkPhone")) or text(person.get("PrivatePhone")),
        email=text(person.get("Email")),
    )


def _from_request(payload: dict, shop: str) -> Order:
    basket = basket_id(payload)
    currency = text(payload.get("CurrencyCode")).upper()
    missing = [name for name, value in (("ClientOrderRef", basket), ("CurrencyCode", currency)) if not value]
    if missing:
        raise malformed(PLATFORM, "order", f"the OrderRequest has no {', '.join(missing)}")
    sorted_items = _Lines()
    for index, item in enumerate(_list(payload, "Items"), start=1):
        row = sorted_items.row_id(text(item.get("LineNo")), index)
        quantity = money(item.get("Quantity"), None)
        unit = money(item.get("UnitPrice"), None)
        original = money(item.get("UnitPriceOriginal"), unit)
        original = max(original, unit)  # "before discounts": never below the sale price
        sorted_items.add(row=row, sku=text(item.get("PartNo")) or text(item.get("ErpPartNo")),
                         title=text(item.get("Description")), kind=_item_type(item), group=text(item.get("TypeGroup")),
                         quantity=quantity, original=original, net=_cents(quantity * unit),
                         rate=_percent_rate(item, f"line {row}"))
    for index, fee in enumerate(_list(payload, "Fees"), start=1):
        amount = money(fee.get("Amount"))
        percent = money(fee.get("VatRate"))
        if not amount:
            continue
        if not ZERO <= percent < 100:
            raise ValueError(f"fee {index}: VatRate {percent} is not a VAT percent")
        rate = (percent / 100).normalize() if percent else ZERO
        if text(fee.get("Type")) == "0":
            sorted_items.shipping.append(ShippingLine(external_id=f"fee-{index}", title=text(fee.get("Description"))
                                                      or "Shipping", code="fee-shipping", price=amount,
                                                      tax_lines=_tax(amount, rate)))
        else:
            sorted_items.fees.append(FeeLine(external_id=f"fee-{index}", title=text(fee.get("Description")) or "Fee",
                                             amount=amount, tax_lines=_tax(amount, rate)))
    if not sorted_items.lines and not sorted_items.shipping and not sorted_items.fees:
        raise malformed(PLATFORM, "order", "the OrderRequest has no items")

    order_discounts = [d for d in _list(payload, "Discounts") if money(d.get("Amount"))]
    discounts = [Discount(code=text(d.get("Code")), title=text(d.get("Type")) or text(d.get("Code")),
                          amount=abs(money(d.get("Amount"))), unallocated_amount=abs(money(d.get("Amount"))))
                 for d in order_discounts]
    unallocated = sum((d.amount for d in discounts), ZERO)
    rate_for_discount = max((ln.tax_rate for ln in sorted_items.lines), default=ZERO)
    payments = _list(payload, "Payments")
    paid_total = sum((money(p.get("Amount")) for p in payments), ZERO)
    computed = sorted_items.net() + sorted_items.tax() - _cents(unallocated * (1 + rate_for_discount))
    sell_to, bill_to, ship_to = (_dict(payload.get(n)) for n in ("SellTo", "BillTo", "ShipTo"))
    buyer = sell_to or bill_to
    company = _dict(buyer.get("Company")) or _dict(bill_to.get("Company"))
    person = _dict(buyer.get("Person")) or _dict(bill_to.get("Person"))
    billing = _request_address(bill_to or sell_to)
    shipping_address = _request_address(ship_to or bill_to or sell_to)
    delivery = _dict(payload.get("ShippingAdvice"))
    for line in sorted_items.shipping:  # the delivery method names the shipping for shipping_methods
        line.code = text(delivery.get("DeliveryMethodCode")) or line.code
    gateways = list(dict.fromkeys(text(p.get("PaymentMethodCode")) or text(p.get("PaymentCode")) for p in payments))
    line_discounts = sum((ln.discount_amount for ln in sorted_items.lines), ZERO)
    return Order(
        platform=PLATFORM, shop=shop, external_id=basket, number=basket,
        created_at=datetime.now(UTC), financial_status="reserved" if payments else "",
        paid=True, currency=currency, presentment_currency=currency, prices_include_tax=False,
        customer=_customer(company, person, text(company.get("Code")), text(company.get("VatNo")),
                           text(person.get("CustomerCode"))),
        billing_address=billing, shipping_address=shipping_address,
        lines=sorted_items.lines, shipping_lines=sorted_items.shipping, fee_lines=sorted_items.fees,
        discounts=discounts, payment_gateways=[g for g in gateways if g],
        channel="web", country=shipping_address.country or billing.country,
        tags=["DoHold"] if payload.get("DoHold") is True else [],
        note=" · ".join(v for v in (text(payload.get("CustomerOrderRef")), text(payload.get("CustomerOrderComment")))
                        if v),
        totals=Totals(subtotal=sum((ln.quantity * ln.unit_price for ln in sorted_items.lines), ZERO),
                      discounts=line_discounts + unallocated,
                      shipping=sum((s.price - s.discount_amount for s in sorted_items.shipping), ZERO),
                      tax=sorted_items.tax(), total=paid_total if payments else computed),
    )


def _customer(company: dict, person: dict, company_code: str, vat_number: str, customer_code: str) -> Customer:
    is_company = bool(text(company.get("Name")))
    return Customer(
        external_id=customer_code,
        kind=CustomerKind.COMPANY if is_company else CustomerKind.PERSON,
        email=text(person.get("Email")),
        first_name=text(person.get("FirstName")),
        last_name=text(person.get("LastName")),
        company_name=text(company.get("Name")),
        company_external_id=company_code,
        vat_number=vat_number,
        phone=text(person.get("CellPhone")) or text(person.get("Phone")) or text(person.get("WorkPhone")),
    )


def _service_address(part: dict) -> Address:
    customer = _dict(part.get("Customer"))
    company = _dict(part.get("Company"))
    address = _dict(part.get("Address"))
    code = text(address.get("CountryCode")).upper()
    return Address(
        name=f"{text(customer.get('FirstName'))} {text(customer.get('LastName'))}".strip(),
        company=text(company.get("Name")),
        line1=text(address.get("Line1")),
        line2=" ".join(v for v in (text(address.get("CareOf")), text(address.get("Line2"))) if v),
        city=text(address.get("City")),
        state=text(address.get("Region")),
        postal_code=text(address.get("ZipCode")),
        country=code if len(code) == 2 else "",  # CountryCode may be 3 letters; Country is a name, not guessed
        phone=(text(address.get("ShippingPhoneNumber")) or text(customer.get("CellPhone"))
               or text(customer.get("Phone"))),
        email=text(customer.get("Email")),
    )


def _code(value) -> str:
    """A payment/delivery method: a code string, or an object with Code (the shape is [U])."""
    return text(_dict(value).get("Code")) or text(_dict(value).get("Name")) if isinstance(value, dict) else text(value)


def _from_service(payload: dict, shop: str) -> Order:
    basket = basket_id(payload)
    currency = _code(payload.get("Currency")).upper()
    total = payload.get("OrderTotalIncVat")
    required = (("QuotationId", basket), ("Currency", currency), ("OrderTotalIncVat", text(total)),
                ("OrderDate", text(payload.get("OrderDate"))))
    missing = [name for name, value in required if not value]
    if missing:
        raise malformed(PLATFORM, "order", f"the order-service Order has no {', '.join(missing)}")
    sorted_items = _Lines()
    for index, item in enumerate(_list(payload, "Items"), start=1):
        row = sorted_items.row_id(text(item.get("RowNumber")), index)
        quantity = money(item.get("QtyOrdered"), None)
        unit = money(item.get("UnitPrice"), None)
        unit_discount = money(item.get("UnitDiscount"))
        row_amount = money(item.get("RowAmount"), None) if item.get("RowAmount") not in (None, "") else None
        # UnitPrice before the discount unless RowAmount says the discount is already taken off [U]
        before = _cents(quantity * (unit - unit_discount))
        if row_amount is not None and unit_discount and abs(row_amount - _cents(quantity * unit)) < abs(
                row_amount - before):
            original, net = unit + unit_discount, _cents(quantity * unit)
        else:
            original, net = unit, before
        sorted_items.add(row=row, sku=text(item.get("PartNo")), title=text(item.get("Name")), kind=_item_type(item),
                         group="", quantity=quantity, original=original, net=net,
                         rate=_multiplier_rate(item, f"row {row}"))
    if not sorted_items.lines and not sorted_items.shipping:
        raise malformed(PLATFORM, "order", "the order-service Order has no items")
    total_inc = money(total, None)
    total_ex = money(payload.get("OrderTotalExVat"), None) if payload.get("OrderTotalExVat") not in (None, "") else None
    sell_to, bill_to, ship_to = (_dict(payload.get(n)) for n in ("SellTo", "BillTo", "ShipTo"))
    buyer = sell_to or bill_to
    company = _dict(buyer.get("Company"))
    person = _dict(buyer.get("Customer"))
    billing = _service_address(bill_to or sell_to)
    shipping_address = _service_address(ship_to or bill_to or sell_to)
    delivery_code = _code(payload.get("DeliveryMethod"))
    for line in sorted_items.shipping:
        line.code = delivery_code or line.code
    status = _code(payload.get("Status"))
    created = timestamp(payload["OrderDate"])
    cancelled = status.casefold() in ("cancelled", "canceled", "6")
    gateway = _code(payload.get("PaymentMethod"))
    return Order(
        platform=PLATFORM, shop=shop, external_id=basket, number=text(payload.get("OrderNo")) or basket,
        created_at=created, cancelled_at=datetime.now(UTC) if cancelled else None,
        financial_status=status.lower(), paid=not cancelled, currency=currency, presentment_currency=currency,
        prices_include_tax=False,
        customer=_customer(company, person, text(company.get("No")), text(company.get("OrgNo")),
                           text(person.get("No")) or text(person.get("Id"))),
        billing_address=billing, shipping_address=shipping_address,
        lines=sorted_items.lines, shipping_lines=sorted_items.shipping, fee_lines=sorted_items.fees,
        payment_gateways=[gateway] if gateway else [],
        channel=text(payload.get("Source")).lower() or "web", country=shipping_address.country or billing.country,
        totals=Totals(subtotal=sum((ln.quantity * ln.unit_price for ln in sorted_items.lines), ZERO),
                      discounts=sum((ln.discount_amount for ln in sorted_items.lines), ZERO),
                      shipping=sum((s.price - s.discount_amount for s in sorted_items.shipping), ZERO),
                      tax=total_inc - total_ex if total_ex is not None else sorted_items.tax(), total=total_inc),
    )
