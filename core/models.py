"""Canonical models: the one language between the shops, the payment providers and Business Central.

Platform parsers produce these; flows and BC mappers consume them. Money is always Decimal (a float
is refused at the boundary), quantities are Decimal too (BC allows fractional quantities).
Amounts of an Order are all in `Order.currency`, which the parser chose from the shop's currency or
the presentment currency (config `currency_basis`); both originals are recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from core.errors import NeedsAttention

CENT = Decimal("0.01")
MAX_MAGNITUDE = 18  # |amount| < 10^18: BC's decimals stop far below; 1E+999999999 is an attack, not a price


def _decimal_not_float(value):
    if isinstance(value, float):
        raise ValueError("money and quantities must be given as strings, ints or Decimal, never float")
    return value


def _bounded(value: Decimal) -> Decimal:
    # pydantic already refuses NaN and Infinity; a finite but absurd exponent would hang or overflow later
    if value and not -MAX_MAGNITUDE <= value.adjusted() < MAX_MAGNITUDE:
        raise ValueError(f"{value} is out of range for an amount or quantity")
    return value


Money = Annotated[Decimal, BeforeValidator(_decimal_not_float), AfterValidator(_bounded)]
Quantity = Annotated[Decimal, BeforeValidator(_decimal_not_float), AfterValidator(_bounded)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Address(Model):
    name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    phone: str = ""
    email: str = ""


class CustomerKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Customer(Model):
    external_id: str = ""  # the shop's customer id ("" for guest checkouts)
    kind: CustomerKind = CustomerKind.PERSON
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""  # set for B2B orders (kind == company)
    company_external_id: str = ""  # the shop's B2B company id, when it has one
    vat_number: str = ""
    phone: str = ""

    @property
    def display_name(self) -> str:
        if self.kind is CustomerKind.COMPANY and self.company_name:
            return self.company_name
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email


class TaxLine(Model):
    title: str = ""
    rate: Decimal  # fraction: 0.25 for 25 %
    amount: Money


class OrderLine(Model):
    external_id: str
    sku: str = ""
    title: str = ""
    variant_title: str = ""
    product_id: str = ""
    variant_id: str = ""
    quantity: Quantity
    unit_price: Money  # before discounts; incl. tax when Order.prices_include_tax
    discount_amount: Money = Decimal(0)  # discounts allocated to this line, for all units
    tax_lines: list[TaxLine] = Field(default_factory=list)
    location_id: str = ""  # the shop location that fulfils the line, when known
    gift_card: bool = False  # a sold gift card (booked to a G/L account, not an item)
    requires_shipping: bool = True

    @property
    def tax_rate(self) -> Decimal:
        return sum((t.rate for t in self.tax_lines), Decimal(0))

    @property
    def net_amount(self) -> Decimal:
        """quantity × unit price − allocated discounts, in the order's tax basis."""
        return self.quantity * self.unit_price - self.discount_amount


class ShippingLine(Model):
    external_id: str = ""
    title: str = ""
    code: str = ""  # the shop's shipping method code, mapped by config [mappings.shipping_methods]
    price: Money  # incl. tax when Order.prices_include_tax
    discount_amount: Money = Decimal(0)
    tax_lines: list[TaxLine] = Field(default_factory=list)

    @property
    def tax_rate(self) -> Decimal:
        return sum((t.rate for t in self.tax_lines), Decimal(0))


class FeeLine(Model):
    """A charge that is neither an item nor shipping (WooCommerce fee lines, Shopify additional fees)."""

    external_id: str = ""
    title: str = ""
    amount: Money
    tax_lines: list[TaxLine] = Field(default_factory=list)


class Discount(Model):
    """A discount application: a code or automatic discount, and how much of it is not on any line."""

    code: str = ""
    title: str = ""
    amount: Money  # the total the discount took off the order
    unallocated_amount: Money = Decimal(0)  # the part not allocated to lines → BC invoice discount


class GiftCardPayment(Model):
    """A gift card used to pay (part of) the order: a payment, not a discount."""

    amount: Money
    reference: str = ""


class Totals(Model):
    """The shop's own totals, as the shop states them (used to reconcile the BC document)."""

    subtotal: Money = Decimal(0)
    discounts: Money = Decimal(0)
    shipping: Money = Decimal(0)
    tax: Money = Decimal(0)
    tips: Money = Decimal(0)
    total: Money


class Order(Model):
    platform: str
    shop: str
    external_id: str  # stable id in the shop (Shopify order id, WooCommerce order id)
    number: str  # what people see: "#1001", "1001"
    created_at: datetime
    updated_at: datetime | None = None
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    financial_status: str = ""  # the shop's word: paid, pending, processing, refunded, …
    paid: bool = False
    test: bool = False
    currency: str  # the currency of every amount on this model
    shop_currency: str = ""
    presentment_currency: str = ""
    prices_include_tax: bool = False
    customer: Customer = Field(default_factory=Customer)
    billing_address: Address = Field(default_factory=Address)
    shipping_address: Address = Field(default_factory=Address)
    lines: list[OrderLine]
    shipping_lines: list[ShippingLine] = Field(default_factory=list)
    fee_lines: list[FeeLine] = Field(default_factory=list)
    discounts: list[Discount] = Field(default_factory=list)
    tips: Money = Decimal(0)
    gift_card_payments: list[GiftCardPayment] = Field(default_factory=list)
    payment_gateways: list[str] = Field(default_factory=list)
    market: str = ""  # market / store view / sales channel key used by routing and dimensions
    channel: str = ""  # source_name for Shopify, created_via for WooCommerce
    country: str = ""  # shipping (else billing) country, for routing
    tags: list[str] = Field(default_factory=list)
    note: str = ""
    totals: Totals
    # the payload this order was parsed from, for [shops.field_rules] (core/sync/field_mapping.py); not part
    # of the canonical data, so never dumped
    raw: dict | None = Field(default=None, exclude=True, repr=False)

    @property
    def unallocated_discount(self) -> Decimal:
        return sum((d.unallocated_amount for d in self.discounts), Decimal(0))

    @model_validator(mode="after")
    def _nothing_negative(self) -> Order:
        """An order sells: a negative quantity or price would book a hidden refund into BC. Money going back
        comes as a refund document (Refund), which may be negative; an order like this needs a person."""
        negative = [f"line {line.external_id} ({line.sku or line.title}): quantity {line.quantity}, "
                    f"unit price {line.unit_price}" for line in self.lines if line.quantity < 0 or line.unit_price < 0]
        negative += [f"shipping {s.title or s.code}: {s.price}" for s in self.shipping_lines if s.price < 0]
        if self.totals.total < 0:
            negative.append(f"total {self.totals.total}")
        if negative:
            # not a ValueError: pydantic lets it through unchanged, so the parser's caller sees our own error
            raise NeedsAttention(
                f"{self.platform} order {self.number} ({self.external_id}) has negative amounts: "
                f"{'; '.join(negative)}.",
                resolution="check the order in the shop: correct it there (the shop then sends an update), or "
                "create the BC order by hand and mark this record handled; returns belong in a refund, "
                "not in negative order lines",
                code="negative_amounts",
            )
        return self


class RefundLine(Model):
    order_line_external_id: str = ""
    sku: str = ""
    quantity: Quantity
    amount: Money  # refunded for this line, in the refund's tax basis
    tax_amount: Money = Decimal(0)
    restock: bool = False
    location_id: str = ""  # the shop location the goods went back to (restocked lines), when known


class Refund(Model):
    platform: str
    shop: str
    external_id: str
    order_external_id: str
    created_at: datetime
    currency: str
    prices_include_tax: bool = False
    lines: list[RefundLine] = Field(default_factory=list)
    shipping_amount: Money = Decimal(0)
    adjustment_amount: Money = Decimal(0)  # refunds not tied to a line (goodwill, order adjustments)
    total: Money
    note: str = ""
    # the payload this refund was parsed from, for credit memo field rules (core/sync/field_mapping.py)
    raw: dict | None = Field(default=None, exclude=True, repr=False)


class StockLevel(Model):
    """What a shop should show for one SKU at one shop location."""

    sku: str
    location: str  # the shop location key ("" = the shop's only/total stock)
    quantity: int = Field(ge=0)  # never negative towards a shop


class ShipmentLine(Model):
    sku: str
    quantity: Quantity
    order_line_external_id: str = ""


class Shipment(Model):
    external_id: str  # BC posted shipment number
    shop: str
    order_external_id: str  # the shop order this ships (from externalDocumentNumber)
    shipped_at: date | datetime
    lines: list[ShipmentLine] = Field(default_factory=list)
    tracking_numbers: list[str] = Field(default_factory=list)
    carrier: str = ""
    tracking_url: str = ""


class PayoutLineKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    FEE = "fee"
    CHARGEBACK = "chargeback"
    ADJUSTMENT = "adjustment"
    PAYOUT = "payout"


class PayoutLine(Model):
    kind: PayoutLineKind
    reference: str = ""  # merchant reference: the shop order number, or BC invoice number
    psp_reference: str = ""
    gross: Money = Decimal(0)  # what the customer paid (+) or got back (−)
    fee: Money = Decimal(0)  # all PSP costs on this line, positive = cost
    net: Money  # gross − fee, as settled
    currency: str


class Payout(Model):
    psp: Literal["stripe", "adyen", "klarna"]
    payout_id: str  # Stripe po_…, Adyen batch number, Klarna payment_reference
    currency: str
    payout_date: date | None = None
    lines: list[PayoutLine]
    net_total: Money  # what reached the bank account

    @property
    def fees_total(self) -> Decimal:
        return sum((line.fee for line in self.lines), Decimal(0))
