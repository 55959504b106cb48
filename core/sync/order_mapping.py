"""Canonical Order → BC `salesOrders` deep-insert body. Pure: no I/O, everything resolved is passed in.

The orders pipeline (core/sync/orders.py) calls, in this order:

    should_import(order, shop_cfg)                      # raises Skip
    company = route(order, config)                      # raises NeedsAttention (no rule matches)
    number = external_document_number(order, shop_cfg)  # raises NeedsAttention (too long)
    keys = item_keys(order, shop_cfg)                   # what to look up in BC
    … look up customer, items, variants, locations in BC → Resolved …
    mapped = build_sales_order(order, company, shop_cfg, resolved)
    mapped.problems  → NeedsAttention (as_needs_attention) or POST mapped.body, then
    sales_document.complete_sales_order(…, mapped.discount, mapped.dimensions)

Rules (docs/orders.md says the same in the operator's words):
- Every shop line becomes a BC line, resolved or not, so the totals can always be compared.
- Item lines: `itemId` when BC's id is known, else `lineObjectNumber` = the item number.
- Shipping: lineType "Account" (gl_accounts.shipping_account) or "Item" (gl_accounts.shipping_item,
  a Service/Non-inventory item), never "Charge" (an item charge needs an assignment the API cannot make).
  Tips, sold gift cards and fee lines are "Account" lines to gl_accounts.tips / gift_cards / fees.
- Discounts: allocated discounts stay on their line (`discountAmount`); the unallocated rest of the
  order discount is BC's invoice discount (`mapped.discount`), the residual rule. It is not in the
  deep-insert body: APIV2SalesOrders applies a header discountAmount in OnInsertRecord, before any line
  exists, and BC refuses an invoice discount on a zero base; it is PATCHed after creation.
- Dimensions: the shop's dimension rules give `mapped.dimensions`, tried inside the deep insert and set
  after creation when BC refuses that (core/sync/orders.py `_insert_order`, core/sync/sales_document.py): a
  customer default dimension with the same code is already on the new document, and APIV2DimensionSetLines
  refuses to insert it a second time.
- Tax: each line's `taxCode` comes from company.tax_codes by the line's tax rate in percent. A company
  without tax_codes leaves taxCode out (BC uses the item's / account's own setup).
- Totals: `document_total()` predicts BC's total; a difference up to company.rounding_tolerance gets
  a rounding line (gl_accounts.rounding), a bigger one is a problem. A payload whose own parts do not
  add up to its total is reported as such ("inconsistent_payload"), never "fixed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.config import Company, Config, Shop
from core.errors import NeedsAttention, Skip
from core.models import CENT, Address, Order, OrderLine, TaxLine
from core.sync import field_mapping

EXTERNAL_DOCUMENT_NUMBER_MAX = 35  # Sales Header "External Document No." is Code[35]
ITEM_NUMBER_MAX = 20  # Item "No." is Code[20]
VARIANT_SEPARATOR = ":"  # [shops.items] value "ITEM:VARIANT" = BC item number and item variant code
ZERO = Decimal(0)

# Problems that do not stop the order from being created: the document itself is right, the missing
# mapping only matters later (payment method → customer payments / invoices).
NON_BLOCKING = frozenset({"payment_method_unmapped"})

# BC field lengths (Base App Sales Header / Sales Line; the API pages do not state them): "Sell-to Address"
# and "Ship-to Address" Text[100], "… Address 2" Text[50], "… City" Text[30], "… County" Text[30],
# "… Post Code" Code[20], "… Country/Region Code" Code[10], "Ship-to Name"/"Ship-to Contact" Text[100],
# "Sell-to Phone No." Text[30], "Sell-to E-Mail" Text[80], line Description Text[100].
# Longer text is cut here, never rejected by BC halfway.
_LENGTHS = {"name": 100, "address": 100, "address2": 50, "city": 30, "state": 30, "post": 20, "country": 10,
            "phone": 30, "email": 80, "description": 100}


# ---------------------------------------------------------------------------------------------- types


@dataclass(frozen=True)
class ResolvedItem:
    item_id: str | None  # BC item SystemId; None = not looked up (offline preview): lineObjectNumber is used
    item_number: str
    variant_id: str | None = None  # BC itemVariants id
    tax_code: str | None = None  # the item's own tax code, used when the line's rate is not in tax_codes


@dataclass(frozen=True)
class Resolved:
    """What the pipeline found in BC before mapping. An order line missing from `items` is unresolved."""

    customer_number: str | None = None
    customer_id: str | None = None
    items: dict[str, ResolvedItem] = field(default_factory=dict)  # order line external_id → item
    locations: dict[str, str] = field(default_factory=dict)  # shop location id → BC location id


@dataclass(frozen=True)
class Problem:
    code: str  # stable: unresolved_item, tax_code_unmapped, total_mismatch, inconsistent_payload, …
    message: str
    resolution: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "resolution": self.resolution}


@dataclass
class MappedOrder:
    body: dict  # the salesOrders deep-insert body (Decimals as Decimal; the BC client serializes them)
    problems: list[Problem]
    shop_total: Decimal  # the shop's total_price / total, in `currency_code`
    document_total: Decimal  # BC's total incl. tax as document_total() predicts it (after any rounding line)
    currency_code: str  # the document's currency, also when the body says "" (company currency)
    payment_method_code: str | None = None  # BC payment method for the gateway (salesOrders has no field)
    rounding: Decimal = ZERO  # the rounding line's amount, 0 when none was added
    external_document_number: str = ""
    rounding_tax_code: str | None = None  # company's 0 % tax code, for a rounding line added after read-back
    discount: Decimal = ZERO  # BC's invoice discount (header discountAmount), PATCHed after creation
    dimensions: list[dict] = field(default_factory=list)  # [{"code", "valueCode"}], set after creation
    field_rules: list[dict] = field(default_factory=list)  # what each [shops.field_rules] rule gave
    page_fields: dict[str, dict] = field(default_factory=dict)  # custom page → fields, written after creation


# ------------------------------------------------------------------------------------- skip and route


def should_import(order: Order, shop_cfg: Shop) -> None:
    """Raise Skip when the shop's settings say this order is not imported (yet)."""
    options = shop_cfg.orders
    if order.test and not options.import_test_orders:
        raise Skip(f"order {order.number} is a test order and shop {shop_cfg.key} has import_test_orders = false")
    if order.cancelled_at is not None:
        raise Skip(f"order {order.number} is cancelled ({order.cancelled_at:%Y-%m-%d})")
    if options.cutoff is not None and order.created_at.date() < options.cutoff:
        raise Skip(f"order {order.number} was created {order.created_at:%Y-%m-%d}, before the cutoff "
                   f"{options.cutoff:%Y-%m-%d} of shop {shop_cfg.key}")
    if options.import_on == "paid" and not order.paid:
        status = order.financial_status or "unknown"
        raise Skip(f"order {order.number} is not paid yet (status {status}); shop {shop_cfg.key} imports on "
                   "payment, the paid/updated webhook or the reconcile run brings it in later")


def route(order: Order, config: Config) -> Company:
    """The BC company of the first [[routing]] rule whose given fields all match (case-insensitive).
    `currency` is compared with the order's amounts currency (after currency_basis), `country` with
    the shipping (else billing) country."""
    values = {"shop": order.shop, "market": order.market, "currency": order.currency, "country": order.country}
    for rule in config.routing:
        if all(
            getattr(rule, name) is None or getattr(rule, name).casefold() == value.casefold()
            for name, value in values.items()
        ):
            company = next((c for c in config.companies if c.key == rule.company), None)
            if company is None:
                raise NeedsAttention(
                    f'The routing rule for shop "{order.shop}" names company "{rule.company}", which is not '
                    "in the config.",
                    resolution=f'add a [[companies]] entry with key = "{rule.company}" or fix the rule\'s '
                    "company; check with `python -m core check-config`",
                    code="no_route",
                )
            return company
    described = ", ".join(f'{k} = "{v}"' for k, v in values.items() if v)
    raise NeedsAttention(
        f"No [[routing]] rule matches order {order.number} ({described}), so no BC company is chosen.",
        resolution=f'add a [[routing]] rule, e.g. shop = "{order.shop}" with company = "<company key>" '
        "(optionally narrowed by market, currency or country); the first matching rule wins",
        code="no_route",
    )


def external_document_number(order: Order, shop_cfg: Shop) -> str:
    """The BC externalDocumentNumber from the shop's template: uppercased, at most 35 characters."""
    template = shop_cfg.orders.external_document_number
    try:
        value = template.format(prefix=shop_cfg.orders.prefix, number=order.number,
                                id=order.external_id, shop=shop_cfg.key)
    except (KeyError, IndexError, ValueError) as exc:
        raise NeedsAttention(
            f'The external_document_number template "{template}" of shop {shop_cfg.key} is not usable ({exc}).',
            resolution="use only {prefix}, {number}, {id} and {shop} in [shops.orders] external_document_number",
            code="invalid_config",
        ) from None
    value = value.strip().upper()
    if len(value) > EXTERNAL_DOCUMENT_NUMBER_MAX:
        raise NeedsAttention(
            f'The external document number "{value}" of order {order.number} has {len(value)} characters; '
            f"BC allows {EXTERNAL_DOCUMENT_NUMBER_MAX}.",
            resolution=f"shorten prefix or external_document_number in [shops.orders] of shop {shop_cfg.key} "
            "(e.g. use {number} rather than {id})",
            code="external_document_number_too_long",
        )
    return value


# ------------------------------------------------------------------------------------------- items


def item_keys(order: Order, shop_cfg: Shop) -> dict[str, tuple[str, str | None]]:
    """What to look up in BC for each item line: line external_id → (item number, variant code or None).

    Convention (docs/orders.md): [shops.items] maps a shop variant id, else a SKU, else a product id
    (products without variants, e.g. WooCommerce simple products), to "ITEM" or
    "ITEM:VARIANT" (BC item number, optionally a BC item variant code); without a mapping the SKU
    itself is the BC item number. Lines with neither a mapping nor a SKU, and sold gift cards
    (booked to a G/L account), are left out: there is nothing to look up.
    """
    keys: dict[str, tuple[str, str | None]] = {}
    for line in order.lines:
        if line.gift_card:
            continue
        mapped = (shop_cfg.items.get(line.variant_id) if line.variant_id else None) or (
            shop_cfg.items.get(line.sku) if line.sku else None) or (
            shop_cfg.items.get(line.product_id) if line.product_id else None)
        if mapped:
            number, _, variant = mapped.partition(VARIANT_SEPARATOR)
            keys[line.external_id] = (number.strip().upper(), variant.strip().upper() or None)
        elif line.sku:
            keys[line.external_id] = (line.sku.strip().upper(), None)
    return keys


# -------------------------------------------------------------------------------------------- totals


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def tax_rates(company: Company) -> dict[str, Decimal]:
    """taxCode → rate in percent, from company.tax_codes (the first rate given for a code wins)."""
    rates: dict[str, Decimal] = {}
    for percent, code in company.tax_codes.items():
        rates.setdefault(code, Decimal(percent))
    return rates


def document_total(body: dict, tax_rates: dict[str, Decimal], prices_include_tax: bool,
                   discount: Decimal = ZERO) -> Decimal:
    """BC's total incl. tax for a salesOrders body with invoice discount `discount`, computed the way BC does it:

    1. line amount = round(quantity × unitPrice, 0.01) − line discountAmount (Comment lines count 0);
    2. the invoice discount is spread over the lines in proportion to their
       amounts, each share rounded to 0.01, the last line taking the remainder;
    3. tax per line on (line amount − share), rounded to 0.01: excl. tax = base × rate; incl. tax =
       base − base / (1 + rate); a line without taxCode has rate 0, `tax_rates` is taxCode → percent;
    4. the total is the sum of the lines incl. tax.
    Rounding is half away from zero (BC's "nearest"). BC itself rounds tax per tax identifier with a
    carried remainder, so a cent can differ on many-line orders: the read-back check after creation
    compares BC's own totals.
    """
    lines = [line for line in body.get("salesOrderLines", []) if line.get("lineType") != "Comment"]
    amounts = [
        _cents(Decimal(line.get("quantity", 0)) * Decimal(line.get("unitPrice", 0)))
        - Decimal(line.get("discountAmount", 0))
        for line in lines
    ]
    shares = _spread(discount, amounts)
    total = ZERO
    for line, amount, share in zip(lines, amounts, shares, strict=True):
        code = line.get("taxCode")
        if code and code not in tax_rates:
            raise ValueError(f'taxCode "{code}" has no rate: add it to the tax_rates passed in')
        rate = tax_rates.get(code, ZERO) / 100 if code else ZERO
        base = amount - share
        if prices_include_tax:
            total += base
        else:
            total += base + _cents(base * rate)
    return total


def _spread(discount: Decimal, amounts: list[Decimal]) -> list[Decimal]:
    base = sum((a for a in amounts if a > 0), ZERO)
    if not discount or not base:
        return [ZERO] * len(amounts)
    shares, running, allocated = [], ZERO, ZERO
    for amount in amounts:
        if amount > 0:
            running += amount
            share = _cents(discount * running / base) - allocated
            allocated += share
        else:
            share = ZERO
        shares.append(share)
    return shares


def reconcile(shop_total: Decimal, document_total: Decimal, tolerance: Decimal) -> Decimal | None:
    """The difference shop − document when it is within `tolerance` (a rounding line fixes it), None when
    there is none; raises NeedsAttention("total_mismatch") when it is bigger than the tolerance."""
    difference = shop_total - document_total
    if difference == 0:
        return None
    if abs(difference) <= tolerance:
        return difference
    raise NeedsAttention(
        f"The BC document would total {document_total} but the shop's total is {shop_total} "
        f"(difference {difference}, more than the rounding tolerance {tolerance}).",
        resolution="check the problems listed with it (unmapped tax rates, missing G/L accounts); if the tax "
        "setup in BC gives other rates than the shop, align company.tax_codes with BC's VAT posting setup",
        code="total_mismatch",
    )


def rounding_line(difference: Decimal, company: Company) -> dict:
    """The Account line that carries a rounding difference (tax rate 0 when company.tax_codes has one)."""
    line = {
        "lineType": "Account",
        "lineObjectNumber": company.gl_accounts.rounding,
        "description": "Rounding difference to the shop total",
        "quantity": Decimal(1),
        "unitPrice": difference,
    }
    zero_code = _tax_code(ZERO, company)
    if zero_code:
        line["taxCode"] = zero_code
    return line


def settle_totals(body: dict, problems: list[Problem], shop_total: Decimal, rates: dict[str, Decimal],
                  company: Company, prices_include_tax: bool, discount: Decimal = ZERO) -> tuple[Decimal, Decimal]:
    """Compare the body (with invoice discount `discount`) with the shop total; within tolerance append a
    rounding line, else add a "total_mismatch" problem. Returns (document total after that, rounding amount)."""
    total = document_total(body, rates, prices_include_tax, discount)
    try:
        difference = reconcile(shop_total, total, company.rounding_tolerance)
    except NeedsAttention as exc:
        problems.append(Problem(exc.code, exc.message, exc.resolution))
        return total, ZERO
    if difference is None:
        return total, ZERO
    if not company.gl_accounts.rounding:
        problems.append(Problem(
            "total_mismatch",
            f"The BC document would total {total}, the shop total is {shop_total} (rounding difference "
            f"{difference}) and company {_company_name(company)} has no rounding account.",
            f'set gl_accounts.rounding in [[companies]] "{company.key}" to a G/L account for rounding',
        ))
        return total, ZERO
    body["salesOrderLines"].append(rounding_line(difference, company))
    return document_total(body, rates, prices_include_tax, discount), difference


def payload_total(order: Order) -> Decimal:
    """What the shop's own parts add up to: lines − discounts + shipping + fees + tips (+ tax when prices
    exclude it). Compared with the shop's stated total to tell an inconsistent payload from a mapping
    difference."""
    total = sum((line.net_amount for line in order.lines), ZERO)
    total += sum((s.price - s.discount_amount for s in order.shipping_lines), ZERO)
    total += sum((f.amount for f in order.fee_lines), ZERO)
    total += order.tips - order.unallocated_discount
    if not order.prices_include_tax:
        total += order.totals.tax
    return total


# ---------------------------------------------------------------------------------------------- body


def _company_name(company: Company) -> str:
    return company.name or company.key


def _percent(tax_lines: list[TaxLine]) -> Decimal:
    return sum((t.rate for t in tax_lines), ZERO) * 100


def _tax_code(percent: Decimal, company: Company) -> str | None:
    for key, code in company.tax_codes.items():
        if abs(Decimal(key) - percent) < Decimal("0.005"):
            return code
    return None


def _format_percent(percent: Decimal) -> str:
    text = f"{percent.quantize(Decimal('0.001')).normalize():f}"
    return text


def _placeholder(line: OrderLine) -> str:
    if line.sku:
        return line.sku.strip().upper()[:ITEM_NUMBER_MAX]
    words = re.sub(r"[^A-Z0-9]+", "-", line.title.upper()).strip("-")
    return (words[:ITEM_NUMBER_MAX].strip("-")) or "UNKNOWN-ITEM"


def _cut(value: str, kind: str) -> str:
    return value[: _LENGTHS[kind]]


def _address_fields(prefix: str, address: Address) -> dict:
    fields = {
        f"{prefix}AddressLine1": _cut(address.line1, "address"),
        f"{prefix}AddressLine2": _cut(address.line2, "address2"),
        f"{prefix}City": _cut(address.city, "city"),
        f"{prefix}State": _cut(address.state, "state"),
        f"{prefix}PostCode": _cut(address.postal_code, "post"),
        f"{prefix}Country": _cut(address.country, "country"),
    }
    return fields


def _has_address(address: Address) -> bool:
    return bool(address.line1 or address.city or address.postal_code)


class _Builder:
    def __init__(self, order: Order, company: Company, shop_cfg: Shop, resolved: Resolved):
        self.order, self.company, self.shop, self.resolved = order, company, shop_cfg, resolved
        self.problems: list[Problem] = []
        self.rates = tax_rates(company)
        self._reported: set[str] = set()

    def problem(self, code: str, message: str, resolution: str, once: str = "") -> None:
        if once:
            if once in self._reported:
                return
            self._reported.add(once)
        self.problems.append(Problem(code, message, resolution))

    def tax_code(self, tax_lines: list[TaxLine], what: str, item_tax_code: str | None = None) -> str | None:
        percent = _percent(tax_lines)
        code = _tax_code(percent, self.company)
        if code:
            return code
        if item_tax_code:
            self.rates.setdefault(item_tax_code, percent)
            return item_tax_code
        if not self.company.tax_codes:
            return None
        shown = _format_percent(percent)
        self.problem(
            "tax_code_unmapped",
            f"The tax rate {shown} % ({what}) has no BC tax code in company {_company_name(self.company)}.",
            f'add "{shown}" = "<VAT product posting group>" to tax_codes of [[companies]] "{self.company.key}"',
            once=f"tax:{shown}",
        )
        return None

    def account(self, setting: str, what: str) -> str:
        number = getattr(self.company.gl_accounts, setting)
        if not number:
            self.problem(
                "gl_account_missing",
                f"Order {self.order.number} has {what} but company {_company_name(self.company)} has no "
                f"gl_accounts.{setting}.",
                f'set gl_accounts.{setting} in [[companies]] "{self.company.key}" to the G/L account for {what}',
                once=f"gl:{setting}",
            )
        return number

    # lines ---------------------------------------------------------------------------------------

    def item_line(self, line: OrderLine) -> dict:
        item = self.resolved.items.get(line.external_id)
        body: dict = {"lineType": "Item"}
        if item is None:
            body["lineObjectNumber"] = _placeholder(line)
            self.unresolved(line)
        elif item.item_id:
            body["itemId"] = item.item_id
        else:
            body["lineObjectNumber"] = item.item_number
        if item is not None and item.variant_id:
            body["itemVariantId"] = item.variant_id
        location = self.resolved.locations.get(line.location_id) if line.location_id else None
        if location:
            body["locationId"] = location
        description = line.title + (f" - {line.variant_title}" if line.variant_title else "")
        body.update({
            "description": _cut(description, "description"),
            "quantity": line.quantity,
            "unitPrice": line.unit_price,
            "discountAmount": line.discount_amount,
        })
        code = self.tax_code(line.tax_lines, f'line "{line.title}"', item.tax_code if item else None)
        if code:
            body["taxCode"] = code
        return body

    def unresolved(self, line: OrderLine) -> None:
        where = f'[shops.items] of shop "{self.shop.key}"'
        variant = line.variant_id or "<variant id>"
        name = _company_name(self.company)
        if line.sku:
            message = (f'Order line "{line.title}" (SKU {line.sku}, variant {line.variant_id or "-"}) has no item '
                       f"in BC company {name}.")
            resolution = f"create item {line.sku.upper()} in BC company {name}, or map variant {variant} in {where}"
        else:
            message = (f'Order line "{line.title}" (variant {line.variant_id or "-"}) has no SKU and no mapping, '
                       f"so no BC item can be found in company {name}.")
            resolution = (f"set a SKU (= the BC item number) on the product variant in the shop, or map variant "
                          f"{variant} in {where}")
        if len(line.sku) > ITEM_NUMBER_MAX:
            message += f" The SKU is longer than BC's {ITEM_NUMBER_MAX}-character item numbers."
            resolution = f"map variant {variant} to a BC item number in {where}"
        self.problems.append(Problem("unresolved_item", message, resolution))

    def account_line(self, kind: str, setting: str, number: str, description: str, amount: Decimal,
                     tax_lines: list[TaxLine], discount: Decimal = ZERO) -> dict:
        body = {
            "lineType": kind,
            "lineObjectNumber": number,
            "description": _cut(description, "description"),
            "quantity": Decimal(1),
            "unitPrice": amount,
        }
        if discount:
            body["discountAmount"] = discount
        code = self.tax_code(tax_lines, setting)
        if code:
            body["taxCode"] = code
        return body

    def shipping_target(self) -> tuple[str, str]:
        gl, prefer = self.company.gl_accounts, self.shop.orders.shipping_as
        if prefer == "item" and gl.shipping_item:
            return "Item", gl.shipping_item
        if gl.shipping_account:
            return "Account", gl.shipping_account
        if gl.shipping_item:
            return "Item", gl.shipping_item
        self.account("shipping_account", "shipping")
        return "Account", ""

    def lines(self) -> list[dict]:
        order, out = self.order, []
        for line in order.lines:
            if line.gift_card:
                out.append(self.account_line(
                    "Account", "gift card", self.account("gift_cards", "a sold gift card"),
                    f"Gift card: {line.title}", line.unit_price, line.tax_lines, line.discount_amount,
                ) | {"quantity": line.quantity})
            else:
                out.append(self.item_line(line))
        for shipping in order.shipping_lines:
            if not shipping.price and not shipping.discount_amount:
                continue  # free shipping adds nothing to the document
            kind, number = self.shipping_target()
            out.append(self.account_line(kind, "shipping", number, shipping.title or "Shipping", shipping.price,
                                         shipping.tax_lines, shipping.discount_amount))
        for fee in order.fee_lines:
            out.append(self.account_line("Account", "fee", self.account("fees", "a fee line"),
                                         fee.title or "Fee", fee.amount, fee.tax_lines))
        if order.tips:
            out.append(self.account_line("Account", "tip", self.account("tips", "a tip"), "Tip",
                                         order.tips, []))
        return out

    # header --------------------------------------------------------------------------------------

    def header(self, number: str) -> dict:
        order, company = self.order, self.company
        body: dict = {"externalDocumentNumber": number, "orderDate": order.created_at.date().isoformat()}
        if self.resolved.customer_id:
            body["customerId"] = self.resolved.customer_id
        elif self.resolved.customer_number:
            body["customerNumber"] = self.resolved.customer_number
        else:
            self.problem(
                "customer_unresolved",
                f"Order {order.number} has no BC customer ({order.customer.email or 'guest, no email'}).",
                f'set default_customers in [[companies]] "{company.key}" (e.g. "*" = "<customer no.>") or '
                "let the customer strategy create the customer",
            )
        body["currencyCode"] = "" if order.currency.upper() == company.currency.upper() else order.currency.upper()
        body["pricesIncludeTax"] = order.prices_include_tax
        sell_to = order.billing_address if _has_address(order.billing_address) else order.shipping_address
        ship_to = order.shipping_address if _has_address(order.shipping_address) else order.billing_address
        if _has_address(sell_to):
            body.update(_address_fields("sellTo", sell_to))
        if _has_address(ship_to):
            body["shipToName"] = _cut(ship_to.company or ship_to.name, "name")
            body["shipToContact"] = _cut(ship_to.name, "name")
            body.update(_address_fields("shipTo", ship_to))
        phone = order.customer.phone or order.billing_address.phone or order.shipping_address.phone
        if phone:
            body["phoneNumber"] = _cut(phone, "phone")
        email = order.customer.email or order.billing_address.email
        if email:
            body["email"] = _cut(email, "email")
        return body

    def dimensions(self) -> list[dict]:
        chosen: dict[str, str] = {}
        for rule in self.shop.dimensions:
            if rule.market is not None and rule.market.casefold() != self.order.market.casefold():
                continue
            if rule.channel is not None and rule.channel.casefold() != self.order.channel.casefold():
                continue
            chosen.setdefault(rule.code.upper(), rule.value.upper())
        return [{"code": code, "valueCode": value} for code, value in chosen.items()]

    def payment_method(self) -> str | None:
        gateways = [g for g in self.order.payment_gateways if g.lower() not in ("gift_card", "")]
        methods = {k.lower(): v for k, v in self.company.payment_methods.items()}
        for gateway in gateways:
            if gateway.lower() in methods:
                return methods[gateway.lower()]
        if gateways:
            shown = ", ".join(f'"{g}"' for g in gateways)
            self.problem(
                "payment_method_unmapped",
                f"The payment gateway {shown} of order {self.order.number} has no BC payment method in company "
                f"{_company_name(self.company)}.",
                f'map "{gateways[0]}" to a BC payment method code in payment_methods of [[companies]] '
                f'"{self.company.key}"',
            )
        return None


def build_sales_order(order: Order, company: Company, shop_cfg: Shop, resolved: Resolved) -> MappedOrder:
    """The salesOrders deep-insert body for `order` in `company`, with every problem found on the way."""
    builder = _Builder(order, company, shop_cfg, resolved)
    try:
        number = external_document_number(order, shop_cfg)
    except NeedsAttention as exc:
        builder.problem(exc.code, exc.message, exc.resolution)
        number = shop_cfg.orders.prefix.upper() + order.number.upper()
    body = builder.header(number)
    body["salesOrderLines"] = builder.lines()
    fields = field_mapping.map_fields(order, shop_cfg, company)  # custom fields and charge lines (fees)
    fields.apply(body)
    builder.problems += [Problem(p.code, p.message, p.resolution) for p in fields.problems]
    _discounts_at_bc_precision(body)
    discount = max(ZERO, _cents(order.unallocated_discount))  # BC precision, never negative
    payment_method_code = builder.payment_method()
    problems = builder.problems
    shop_total = order.totals.total
    expected = payload_total(order) + fields.charges_total  # a mapped fee is one of the order's known parts
    rounding = ZERO
    if abs(expected - shop_total) > company.rounding_tolerance:
        total = document_total(body, builder.rates, order.prices_include_tax, discount)
        problems.append(Problem(
            "inconsistent_payload",
            f"The shop's own figures for order {order.number} do not add up: lines, discounts, shipping, fees, "
            f"tips and tax make {expected}, but the order total is {shop_total} (BC document: {total}); "
            f"{shop_total - expected} is unexplained.",
            f"if the shop adds an amount the bridge does not know (an extension's fee of {shop_total - expected}), "
            f'book it with a field rule with target = "charge" in [[shops.field_rules]] of shop "{shop_cfg.key}" '
            "(docs/field-mapping.md) and replay; otherwise correct the order in the shop (or re-fetch it: webhook "
            "samples and edited orders can be inconsistent), then replay it; do not post it as it is",
        ))
    else:
        total, rounding = settle_totals(body, problems, shop_total, builder.rates, company,
                                        order.prices_include_tax, discount)
    return MappedOrder(
        body=body,
        problems=problems,
        shop_total=shop_total,
        document_total=total,
        currency_code=order.currency.upper(),
        payment_method_code=payment_method_code,
        rounding=rounding,
        external_document_number=number,
        rounding_tax_code=_tax_code(ZERO, company),
        discount=discount,
        dimensions=builder.dimensions(),
        field_rules=fields.applied,
        page_fields=fields.pages,
    )


def _discounts_at_bc_precision(body: dict) -> None:
    """BC keeps amounts at the currency's precision and refuses negative discounts; shops that round tax
    at the subtotal (WooCommerce) give fractions of a cent, either sign. What this moves (less than a cent
    a line) is carried by the rounding line, within the company's tolerance."""
    for holder in (body, *body["salesOrderLines"]):
        if "discountAmount" in holder:
            holder["discountAmount"] = max(ZERO, _cents(Decimal(holder["discountAmount"])))


def as_needs_attention(order: Order, problems: list[Problem]) -> NeedsAttention:
    """One NeedsAttention for all problems of an order (the code of the first, every resolution listed)."""
    if len(problems) == 1:
        p = problems[0]
        return NeedsAttention(p.message, p.resolution, code=p.code, details={"problems": [p.as_dict()]})
    message = f"Order {order.number} has {len(problems)} problems: " + " ".join(
        f"({i}) {p.message}" for i, p in enumerate(problems, 1))
    resolution = " ".join(f"({i}) {p.resolution}" for i, p in enumerate(problems, 1))
    return NeedsAttention(message, resolution, code=problems[0].code,
                          details={"problems": [p.as_dict() for p in problems]})
