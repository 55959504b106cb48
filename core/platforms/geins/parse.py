"""Geins orders → canonical Order, and loading the order behind an id-only webhook.

The webhook names an order by id only (webhooks.py); `load_order` fetches it with the Management API
(`client.order`) and parses it. A stored order (the reconcile stores what `orders_updated_between` read) is
parsed as it is. No genuine Geins order is published, so the shape read here is the documented model
`Order.Models.Order` [contract 3.1; G1 references/order.md; G2], PascalCase on the wire; the test fixtures
are built from it and say so.

Tax basis: Geins prices include VAT. `Rows[].UnitPrice` is "inc vat, inc row discount", `Rows[].Total` the
row total (the same basis), `Rows[].Discount` the "row discount sum inc VAT", `ShippingFee`/`PaymentFee`
inc VAT (their `…ExVat` twins give the tax). So every order is `prices_include_tax=True`. Amounts are in the
order's `Currency`; `CurrencyRate` (to SEK) is not applied, `currency_basis` is accepted for the uniform
signature only.

What each figure becomes (choices marked [U] where the documentation is silent):
- A row: quantity `Quantity`; unit price before discount = (Total + Discount) / Quantity, rounded up to the
  cent; its discount = quantity × that price − Total, so the line nets to `Total` exactly (to the cent).
  Tax rate `VATRate` (a fraction: 0.25 = 25 %), tax `VATTotal`. SKU = `ArticleNumber`.
  Rows with `Status` "cancelled" are left out [U: whether the order totals still count them].
- Order discount: `Discount` is the "total discount inc vat"; what of it is not on the rows (Discount − the
  rows' Discounts) is an order-level discount → BC invoice discount [U: read as including row discounts,
  because ItemValueIncVat is "excluding … discount" and OrderValueIncVat "after discount"].
- Shipping `ShippingFee`, payment fee `PaymentFee` (a fee line); the tax rate of each is read from the
  inc/ex VAT pair and snapped to a row's rate when it matches to the cent.
- The total BC must carry is `OrderValueIncVat` ("after discount but before balance"), else `OrderTotal`.
  `FromBalance` (paid from the customer's balance) is a payment, recorded as a gift card payment, not a
  discount [U: whether OrderTotal is before or after the balance].
- Paid: a payment detail with `Payed` true, or a status past payment (anything but pending-payment,
  cancelled, inactive) [U: Geins places an order once the PSP reserved the money].
  Cancelled: status "cancelled" (at UpdatedAt).
- Customer: `CustomerTypeId` 2 = company (billing `Company` is its name), else a person; e-mail
  `CustomerEmail`. Timestamps without an offset are read as UTC [U].

Refunds (`parse_refund`): Geins keeps refunds on the order, `Order.Refunds[] {Id, OrderRowId, ReturnId,
ArticleNumber, Total, Vat (a rate: 0.25), ItemId, CreatedAt, Reason, …}` [contract 3.5; G1 OrderRefund], one
entry per refunded row or amount. The refund webhook names only the refund id, and the documented refund read
needs the order id as well, so refunds arrive by the refunds reconcile (flows.new_refunds), which stores one
body per refund: `{"OrderId", "Currency", "Refunds": [the entries of one refund], "Rows": [the order's
rows]}`. A refund is the entries created together for one return (same ReturnId and CreatedAt second)
[U: Geins has no refund document id on the order]; its id is "<order id>-<lowest entry id>". Amounts include
VAT [U: "Total amount refunded"]. An entry on a row is a line (quantity = Total / the row's UnitPrice when that
is a whole number, else 1; not restocked: Geins does not say [U]); an entry on no row is an amount not tied to a
line (an adjustment).

Customers (the customers flow; the contract is silent, sources G4 = github geins-io/sonora-agent-plugins
@b51bab18 plugins/sonora/skills/mgmtapi/references/{user,webhook}.md, generated from the Management API spec,
and G2 docs/UserModelsReadUserProfile.md): a Customer webhook names the user by id only; `load_customer` reads
the profile (`GET /API/User/{id}`, client.user) and `parse_customer` reads `User.Models.Read.(Single)UserProfile`,
PascalCase: `UserId, Email, FirstName, LastName, PhoneNr, MobilePhoneNr, Company, UserTypeId (1 = Private,
2 = Company), Address, Address2, Address3, CareOf, Zip, City, State, Country, PersonalId, CreatedOn, UpdatedOn,
Active, Blacklisted, …`.
- `UserTypeId` 2 is a company customer (a B2B buyer) named `Company`; Geins has no company entity, so the
  user is its own company (no company id: each company user becomes one BC Company customer, matched by
  e-mail and type like every other).
- One address, the profile's own (Address/Address2/Address3/CareOf/Zip/City/State/Country). `Country` is
  "a country code or a country name" on write [G4]; only a two-letter code is taken [U: what a read returns
  for a name], anything else leaves the country empty rather than sending BC a name it refuses.
- `PersonalId` (a personal or organisation number) is not mapped: Geins does not say which it holds [U].
- Changed: `UpdatedOn`, else `CreatedOn`; without an offset read as UTC [U], as for orders.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from core.config import Shop
from core.errors import NeedsAttention, Skip
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
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp, with_client
from core.platforms.static_secret import id_only, json_object

PLATFORM = "geins"
NOT_PAID_STATUSES = {"pending-payment", "cancelled", "inactive"}
COMPANY_CUSTOMER_TYPE = "2"
ZERO = Decimal(0)


@guarded(PLATFORM, "order")
def needs_fetch(payload) -> str | None:
    """The Geins order id a webhook body names; None when it names none (or is an order itself)."""
    if not isinstance(payload, dict) or text(payload.get("entity")).lower() != "order":
        return None
    return text(payload.get("id")) or None


def _unwrap(payload) -> dict | None:
    if not isinstance(payload, dict):
        return None
    if "Id" not in payload and isinstance(payload.get("Resource"), dict):
        return payload["Resource"]
    return payload


@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    """The Order behind a stored payload: an id-only webhook body is resolved by fetching the order with the
    Management API; an order (stored by the reconcile run) is parsed as it is."""
    body = json_object(raw, PLATFORM)
    order_id = needs_fetch(body)
    if not order_id:
        if isinstance(_unwrap(body), dict) and "Rows" in _unwrap(body):
            return parse_order(body, shop.key, shop.orders.currency_basis)
        raise malformed(PLATFORM, "order", "the stored body names no order id and is no order")
    if client_factory is None:
        from core.platforms.geins.client import client_for as client_factory
    order = with_client(client_factory, shop, lambda api: api.order(order_id))
    if order is None:
        raise NeedsAttention(
            f"Geins order {order_id} named by the webhook was not found with the Management API.",
            resolution=f"check that the API user of shop {shop.key} belongs to the Geins account of this webhook "
                       "and that the order exists in Merchant Center; then retry this record",
            code="order_not_found")
    return parse_order(order, shop.key, shop.orders.currency_basis)


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop") -> Order:
    if needs_fetch(payload):
        raise id_only(PLATFORM)
    node = _unwrap(payload)
    if node is None:
        raise malformed(PLATFORM, "order", f"expected one order object, got {type(payload).__name__}")
    missing = [f for f in ("Id", "Rows", "CreatedAt", "Currency") if node.get(f) in (None, "")]
    if node.get("OrderValueIncVat") in (None, "") and node.get("OrderTotal") in (None, ""):
        missing.append("OrderValueIncVat/OrderTotal")
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)} (the order API's Order model)")
    if not isinstance(node["Rows"], list):
        raise malformed(PLATFORM, "order", "Rows is not a list")
    return _order(node, shop).model_copy(update={"raw": node})  # field rules read the fetched order


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _tax_from_gross(amount: Decimal, rate: Decimal) -> Decimal:
    return _cents(amount - amount / (1 + rate))


def _address(node) -> Address:
    if not isinstance(node, dict):
        return Address()
    lines = [text(node.get(f"AddressLine{n}")) for n in (1, 2, 3)]
    care_of = text(node.get("CareOf"))
    return Address(
        name=f"{text(node.get('FirstName'))} {text(node.get('LastName'))}".strip(),
        company=text(node.get("Company")),
        line1=lines[0],
        line2=", ".join(v for v in (f"c/o {care_of}" if care_of else "", lines[1], lines[2]) if v),
        city=text(node.get("City")),
        state=text(node.get("State")),
        postal_code=text(node.get("Zip")),
        country=text(node.get("Country")).upper(),
        phone=text(node.get("Phone")) or text(node.get("Mobile")),
        email=text(node.get("Email")),
    )


def _ancillary_rate(gross: Decimal, net, row_rates: list[Decimal]) -> Decimal:
    """The VAT rate of a fee from its inc/ex VAT pair: a row's rate when it explains the pair to the cent,
    else the pair's own ratio (rounded to 0.1 %); without the ex-VAT figure, the highest row rate."""
    if not gross:
        return ZERO
    if net in (None, ""):
        return max(row_rates, default=ZERO)
    net_amount = money(net)
    for rate in sorted(set(row_rates) | {ZERO}, reverse=True):
        if abs(_cents(net_amount * (1 + rate)) - gross) <= CENT:
            return rate
    if not net_amount:
        raise ValueError(f"a fee of {gross} inc VAT is 0 ex VAT")
    return ((gross / net_amount) - 1).quantize(Decimal("0.001"), ROUND_HALF_UP).normalize()


def _tax_lines(amount: Decimal, rate: Decimal, stated=None) -> list[TaxLine]:
    if not rate or not amount:
        return []
    tax = money(stated) if stated not in (None, "") else _tax_from_gross(amount, rate)
    return [TaxLine(title=f"VAT {(rate * 100).normalize():f}%", rate=rate, amount=tax)]


def _order(node: dict, shop: str) -> Order:
    lines: list[OrderLine] = []
    row_discounts = ZERO
    for row in node["Rows"]:
        if not isinstance(row, dict):
            raise ValueError("an order row is not an object")
        if text(row.get("Status")).lower() == "cancelled":
            continue
        quantity = money(row.get("Quantity"), None)
        if quantity == 0:
            continue
        total = money(row.get("Total"), None)
        discount = money(row.get("Discount"))
        if discount < 0:  # documented as the "row discount sum": a negative one would be a hidden surcharge
            raise ValueError(f"row {text(row.get('Id'))} has a negative Discount {discount}")
        original = ((total + discount) / quantity).quantize(CENT, ROUND_CEILING) if quantity > 0 else total
        row_discounts += discount
        rate = money(row.get("VATRate")).normalize()
        lines.append(OrderLine(
            external_id=text(row.get("Id")),
            sku=text(row.get("ArticleNumber")),
            title=text(row.get("Name")) or text(row.get("ProductName")),
            variant_title=text(row.get("Variant")),
            product_id=text(row.get("ProductId")),
            variant_id=text(row.get("ItemId")),
            quantity=quantity,
            unit_price=original,
            discount_amount=quantity * original - total,
            tax_lines=_tax_lines(total, rate, row.get("VATTotal")),
        ))
    rates = [ln.tax_rate for ln in lines]

    shipping_fee = money(node.get("ShippingFee"))
    details = [d for d in node.get("ShippingDetails") or [] if isinstance(d, dict)]
    method = details[0] if details else {}
    shipping_lines = []
    if shipping_fee or method:
        rate = _ancillary_rate(shipping_fee, node.get("ShippingFeeExVat"), rates)
        shipping_lines.append(ShippingLine(
            external_id=text(method.get("Id")) or text(method.get("ShippingId")),
            title=text(method.get("Name")) or "Shipping",
            code=text(method.get("Name")) or text(method.get("ShippingId")) or "shipping",
            price=shipping_fee,
            tax_lines=_tax_lines(shipping_fee, rate),
        ))
    payment_fee = money(node.get("PaymentFee"))
    fee_lines = []
    if payment_fee:
        rate = _ancillary_rate(payment_fee, node.get("PaymentFeeExVat"), rates)
        fee_lines.append(FeeLine(title="Payment fee", amount=payment_fee, tax_lines=_tax_lines(payment_fee, rate)))

    order_discount = abs(money(node.get("Discount")))
    unallocated = max(ZERO, order_discount - row_discounts)
    discounts = []
    if order_discount:
        code = text(node.get("CampaignCode"))
        names = [text(n) for n in node.get("CampaignNames") or [] if text(n)]
        discounts.append(Discount(code=code, title=", ".join(names) or code or "Discount", amount=order_discount,
                                  unallocated_amount=unallocated))

    balance = money(node.get("FromBalance"))
    payments = [d for d in node.get("PaymentDetails") or [] if isinstance(d, dict)]
    status = text(node.get("Status")).lower()
    created_at = timestamp(node["CreatedAt"])
    updated_at = timestamp(node.get("UpdatedAt"))
    billing = _address(node.get("BillingAddress"))
    shipping_address = _address(node.get("ShippingAddress"))
    company = text(node.get("CustomerTypeId")) == COMPANY_CUSTOMER_TYPE
    customer = Customer(
        external_id=text(node.get("CustomerId")) if text(node.get("CustomerId")) not in ("", "0") else "",
        kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
        email=text(node.get("CustomerEmail")) or billing.email or shipping_address.email,
        first_name=text((node.get("BillingAddress") or {}).get("FirstName")),
        last_name=text((node.get("BillingAddress") or {}).get("LastName")),
        company_name=billing.company if company else "",
        phone=billing.phone,
    )
    total = money(node.get("OrderValueIncVat"), None) if node.get("OrderValueIncVat") not in (None, "") \
        else money(node.get("OrderTotal"), None)
    currency = text(node["Currency"]).upper()
    gateway = text(payments[0].get("Name")) if payments else ""
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=text(node["Id"]),
        number=text(node["Id"]),
        created_at=created_at,
        updated_at=updated_at,
        cancelled_at=(updated_at or created_at) if status == "cancelled" else None,
        financial_status=status,
        paid=any(p.get("Payed") is True for p in payments) or (bool(status) and status not in NOT_PAID_STATUSES),
        currency=currency,
        presentment_currency=currency,
        prices_include_tax=True,
        customer=customer,
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=shipping_lines,
        fee_lines=fee_lines,
        discounts=discounts,
        gift_card_payments=[GiftCardPayment(amount=balance, reference="balance")] if balance > 0 else [],
        payment_gateways=[gateway] if gateway else [],
        market=text(node.get("MarketName")) or text(node.get("MarketId")),
        channel="geins",
        country=shipping_address.country or billing.country,
        note=text(node.get("Message")),
        totals=Totals(
            subtotal=sum((ln.quantity * ln.unit_price for ln in lines), ZERO),
            discounts=order_discount,
            shipping=shipping_fee,
            tax=money(node.get("VATTotal")) if node.get("VATTotal") not in (None, "")
            else sum((t.amount for ln in lines for t in ln.tax_lines), ZERO),
            total=total,
        ),
    )


def refund_id(order_id, entries: list[dict]) -> str:
    """The id of one Geins refund (a group of Order.Refunds entries): "<order id>-<lowest entry id>"."""
    ids = sorted(int(text(e.get("Id"))) for e in entries if text(e.get("Id")).isdigit())
    if not ids:
        raise ValueError("no refund entry has a numeric Id")
    return f"{text(order_id)}-{ids[0]}"


@guarded(PLATFORM, "refund")
def parse_refund(payload: dict, shop: str, currency_basis: str = "shop", order_external_id: str = "") -> Refund:
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, "refund", f"expected one refund body, got {type(payload).__name__}")
    entries = payload.get("Refunds")
    order_id = text(payload.get("OrderId")) or order_external_id
    missing = [name for name, value in (("OrderId", order_id), ("Currency", text(payload.get("Currency"))))
               if not value]
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        missing.append("Refunds")
    if missing:
        raise malformed(PLATFORM, "refund", f"missing {', '.join(missing)} (the body the refunds reconcile stores)")
    rows = {text(r.get("Id")): r for r in payload.get("Rows") or [] if isinstance(r, dict)}
    lines, adjustment, created = [], ZERO, []
    for entry in entries:
        total = money(entry.get("Total"), None)
        if total < 0:  # money back is a positive "Total amount refunded"; a negative one is not a refund
            raise ValueError(f"refund entry {text(entry.get('Id'))} has a negative Total {total}")
        created.append(timestamp(entry.get("CreatedAt")))
        row = rows.get(text(entry.get("OrderRowId")))
        if row is None:
            adjustment += total
            continue
        rate = money(entry.get("Vat")) if entry.get("Vat") not in (None, "") else money(row.get("VATRate"))
        unit = money(row.get("UnitPrice"))
        units = (total / unit) if unit > 0 else ZERO
        quantity = units if units >= 1 and units == units.to_integral_value() else Decimal(1)
        lines.append(RefundLine(order_line_external_id=text(row.get("Id")),
                                sku=text(entry.get("ArticleNumber")) or text(row.get("ArticleNumber")),
                                quantity=quantity, amount=total, tax_amount=_tax_from_gross(total, rate) if rate
                                else ZERO))
    when = [c for c in created if c is not None]
    if not when:
        raise malformed(PLATFORM, "refund", "no refund entry has a CreatedAt")
    reasons = sorted({text(e.get("Reason")) for e in entries if text(e.get("Reason"))})
    return Refund(
        platform=PLATFORM, shop=shop, external_id=refund_id(order_id, entries), order_external_id=order_id,
        created_at=min(when), currency=text(payload["Currency"]).upper(), prices_include_tax=True, lines=lines,
        adjustment_amount=adjustment, total=sum((ln.amount for ln in lines), ZERO) + adjustment,
        note="; ".join(reasons),
    )


# ---- customers (Customer webhook → user profile) ----

PRIVATE_USER_TYPE, COMPANY_USER_TYPE = "1", "2"  # UserTypeId [G4]


def _webhook_customer(payload) -> tuple[str, str] | None:
    """(user id, action) of a Customer webhook body; None for anything else (a profile, an order, …)."""
    if not isinstance(payload, dict) or text(payload.get("entity")).lower() != "customer":
        return None
    return text(payload.get("id")), text(payload.get("action")).lower()


def _profile(payload) -> dict:
    node = payload
    if isinstance(node, dict) and "UserId" not in node and isinstance(node.get("Resource"), dict):
        node = node["Resource"]  # the envelope GET /API/User/{id} answers [G4]
    if not isinstance(node, dict):
        raise malformed(PLATFORM, "customer", f"expected one user profile object, got {type(payload).__name__}")
    if _webhook_customer(node) is not None:
        raise malformed(PLATFORM, "customer", "this is an id-only Customer webhook body; load_customer reads the "
                        "profile it names")
    if text(node.get("UserId")) in ("", "0"):
        raise malformed(PLATFORM, "customer", "missing UserId (the Management API's UserProfile model)")
    return node


@guarded(PLATFORM, "customer")
def load_customer(payload, shop: Shop, client_factory: Callable | None = None, external_id: str = ""):
    """The user profile behind a stored body: a Customer webhook names the user by id only, so the profile is
    read with the Management API; a profile is returned as it is for parse_customer."""
    named = _webhook_customer(payload)
    if named is None:
        return payload
    user_id, action = named
    if not user_id:
        raise malformed(PLATFORM, "customer", "the Customer webhook names no user id")
    if client_factory is None:
        from core.platforms.geins.client import client_for as client_factory
    profile = with_client(client_factory, shop, lambda api: api.user(user_id))
    if profile is None and action == "delete":
        raise Skip(f"Geins user {user_id} was deleted; there is nothing to import.")
    if profile is None:
        raise NeedsAttention(
            f"Geins user {user_id} named by the Customer webhook was not found with the Management API.",
            resolution=f"check that the API user of shop {shop.key} belongs to the Geins account of this webhook "
                       "and that the customer exists in Merchant Center; then retry this record",
            code="customer_not_found")
    return profile


def _country(value) -> str:
    code = text(value).strip()
    return code.upper() if len(code) == 2 and code.isascii() and code.isalpha() else ""


@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A Geins user profile → Customer; UserTypeId 2 (Company) is a company customer named by `Company`."""
    node = _profile(payload)
    try:
        company = text(node.get("UserTypeId")) == COMPANY_USER_TYPE
        return Customer(
            external_id=text(node["UserId"]),
            kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
            email=text(node.get("Email")),
            first_name=text(node.get("FirstName")),
            last_name=text(node.get("LastName")),
            company_name=text(node.get("Company")) if company else "",
            phone=text(node.get("PhoneNr")) or text(node.get("MobilePhoneNr")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"{type(exc).__name__}: {exc}") from exc


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """The profile's one address; none when it has no street, city or zip."""
    node = _profile(payload)
    care_of = text(node.get("CareOf"))
    address = Address(
        name=f"{text(node.get('FirstName'))} {text(node.get('LastName'))}".strip(),
        company=text(node.get("Company")),
        line1=text(node.get("Address")),
        line2=", ".join(v for v in (f"c/o {care_of}" if care_of else "", text(node.get("Address2")),
                                    text(node.get("Address3"))) if v),
        city=text(node.get("City")),
        state=text(node.get("State")),
        postal_code=text(node.get("Zip")),
        country=_country(node.get("Country")),
        phone=text(node.get("PhoneNr")) or text(node.get("MobilePhoneNr")),
        email=text(node.get("Email")),
    )
    return [address] if address.line1 or address.city or address.postal_code else []


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When Geins last changed the profile: `UpdatedOn`, else `CreatedOn` (naive → UTC [U])."""
    node = _profile(payload)
    return timestamp(node.get("UpdatedOn")) or timestamp(node.get("CreatedOn"))
