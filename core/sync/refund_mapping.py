"""Canonical Refund → BC `salesCreditMemos` deep-insert body, linked to the posted invoice. Pure: no I/O.

The refunds pipeline (core/sync/refunds.py) calls, in this order:

    should_import(refund)                                   # raises Skip (nothing was refunded)
    invoice = choose_invoice(invoices, refund, shop, order) # the posted invoice the memo applies to
    number = credit_memo_number(order_ext_no, refund, shop) # raises NeedsAttention (too long)
    mapped = build_credit_memo(refund, invoice, company, shop, order=…, number=…, currency_code=…)
    mapped.problems → NeedsAttention, or POST mapped.header; then, with the memo's own pricesIncludeTax,
    build_credit_memo(…, prices_include_tax=memo["pricesIncludeTax"]).lines → POST the lines

Rules (docs/refunds.md says the same in the operator's words):
- Tax basis: `pricesIncludeTax` is read-only on APIV2SalesCreditMemos (BC answers a read-only error);
  a new memo takes "Prices Including VAT" from its (bill-to) customer, which the customers API does not
  show, and which can differ from the invoice's (the order set its own). So the header is created first
  and the lines are priced in the basis BC gave the memo; without it (preview) the invoice's basis is
  assumed and said so.
- The memo is built from the posted invoice, not from the shop alone: each refunded line becomes a
  line of the same type and number as the invoice line it refunds (item, variant copied),
  `quantity` = refunded quantity, `unitPrice` = refunded amount / quantity in the memo's tax basis,
  `taxCode` from the order line's tax rate through company.tax_codes (the order's own rule,
  order_mapping), else from the invoice line's taxPercent.
- Stock: an Item line returns its goods to inventory when the memo is posted, so a refunded item is an
  Item line exactly when the shop restocked it — at the BC location the shop restocked to (its
  [shops.locations] mapping), else the invoice line's location. A refunded item not restocked is an
  Account line to gl_accounts.refund_adjustments (falling back to gl_accounts.fees) at the item's tax
  rate: the money is credited, no goods come back.
- Refunded shipping is a line of the same type and number as the invoice's shipping line (Account or
  Item, as the order used), with its tax rate.
- Amounts not tied to a line (goodwill, order adjustments, WooCommerce amount-only refunds) are one
  Account line to gl_accounts.refund_adjustments (falling back to gl_accounts.fees) at the 0 % tax code
  (docs/refunds.md "Things to know").
- Totals: the shop's own parts must add up to the refund total ("inconsistent_payload" otherwise,
  never "fixed"); BC's predicted total must match it to the cent, a difference within
  company.rounding_tolerance gets a rounding line — exactly order_mapping.settle_totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.bc.odata import enum_value
from core.config import Company, Shop
from core.errors import NeedsAttention, Skip
from core.models import CENT, Order, OrderLine, Refund, RefundLine
from core.sync import field_mapping, order_mapping
from core.sync.order_mapping import Problem

EXTERNAL_DOCUMENT_NUMBER_MAX = order_mapping.EXTERNAL_DOCUMENT_NUMBER_MAX
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
UNIT_PRICE = Decimal("0.00001")  # BC's default unit-amount rounding precision
ZERO = Decimal(0)


@dataclass
class MappedCreditMemo:
    body: dict  # the salesCreditMemos header with its salesCreditMemoLines (what the document will hold)
    problems: list[Problem]
    shop_total: Decimal  # the refund's total (money back to the customer), in `currency_code`
    document_total: Decimal  # BC's total incl. tax as predicted (after any rounding line)
    currency_code: str  # the document's currency, also when the body says "" (company currency)
    rounding: Decimal = ZERO
    external_document_number: str = ""
    rounding_tax_code: str | None = None
    notes: list[str] = field(default_factory=list)  # told to the operator in the outcome (restock etc.)
    prices_include_tax: bool = False  # the tax basis the lines are priced in

    @property
    def header(self) -> dict:
        """The body to create the memo with: everything but its lines (priced once BC gave the basis)."""
        return {k: v for k, v in self.body.items() if k != "salesCreditMemoLines"}

    @property
    def lines(self) -> list[dict]:
        return self.body["salesCreditMemoLines"]


# ------------------------------------------------------------------------------------ skip and number


def should_import(refund: Refund) -> None:
    """Raise Skip when there is nothing to credit: a refund that moved no money (restock only, exchange,
    store credit on account) would otherwise become a memo whose lines cancel out."""
    if refund.total == 0:
        raise Skip(f"Refund {refund.external_id} of order {refund.order_external_id} refunded no money "
                   "(restock only or exchange); there is nothing to credit in BC.")


def credit_memo_number(order_number: str, refund: Refund, shop_cfg: Shop) -> str:
    """The memo's externalDocumentNumber: "<order's external document no.>-R<refund id>", else (too long)
    "<prefix>R<refund id>"; uppercase, at most 35 characters. Built from ids only, so every delivery,
    replay and worker computes the same number and finds the memo a crashed worker created."""
    from core.platforms import part

    reference = part(refund.platform, "refund_reference")  # a platform whose refund ids are too long (Brink's UUIDs)
    ref = reference(refund.external_id) if reference is not None else refund.external_id
    for candidate in (f"{order_number}-R{ref}", f"{shop_cfg.orders.prefix}R{ref}"):
        value = candidate.strip().upper()
        if value and len(value) <= EXTERNAL_DOCUMENT_NUMBER_MAX:
            return value
    raise NeedsAttention(
        f'Refund {refund.external_id} gives no external document number of at most {EXTERNAL_DOCUMENT_NUMBER_MAX} '
        f'characters ("{order_number}-R{refund.external_id}").',
        resolution=f"shorten prefix in [shops.orders] of shop {shop_cfg.key}, or create the credit memo by hand "
                   "and mark this record done",
        code="external_document_number_too_long",
    )


# ----------------------------------------------------------------------------------------- invoice


def _item_number(refund_line: RefundLine, order: Order | None, shop_cfg: Shop) -> str:
    """The BC item number the refunded line was invoiced as: the order's own item key when the order is
    known (variant/SKU/product mapping of [shops.items]), else the SKU through [shops.items]."""
    if order is not None:
        keys = order_mapping.item_keys(order, shop_cfg)
        if refund_line.order_line_external_id in keys:
            return keys[refund_line.order_line_external_id][0]
    mapped = shop_cfg.items.get(refund_line.sku) if refund_line.sku else None
    if mapped:
        return mapped.partition(order_mapping.VARIANT_SEPARATOR)[0].strip().upper()
    return refund_line.sku.strip().upper()


def _lines(invoice: dict) -> list[dict]:
    return sorted(invoice.get("salesInvoiceLines") or [], key=lambda line: line.get("sequence", 0))


def choose_invoice(invoices: list[dict], refund: Refund, shop_cfg: Shop, order: Order | None = None) -> dict:
    """The posted invoice the memo applies to. One invoice: that one. Several (partial shipments): the one
    holding most of the refunded items, the latest of equals."""
    if len(invoices) == 1:
        return invoices[0]
    wanted = {_item_number(line, order, shop_cfg) for line in refund.lines}

    def score(invoice: dict) -> tuple[int, str]:
        numbers = {str(line.get("lineObjectNumber", "")).upper() for line in _lines(invoice)}
        return len(wanted & numbers), str(invoice.get("number", ""))

    return max(invoices, key=score)


# ---------------------------------------------------------------------------------------------- body


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _guid(value) -> str:
    return value if value and value != EMPTY_GUID else ""


def _shipping_target(company: Company, shop_cfg: Shop) -> tuple[str, str]:
    """Where the order mapping books shipping (shipping_as, then shipping_account / shipping_item)."""
    gl = company.gl_accounts
    if shop_cfg.orders.shipping_as == "item" and gl.shipping_item:
        return "Item", gl.shipping_item
    if gl.shipping_account:
        return "Account", gl.shipping_account
    if gl.shipping_item:
        return "Item", gl.shipping_item
    return "Account", ""


class _Builder:
    def __init__(self, refund: Refund, invoice: dict, company: Company, shop_cfg: Shop, order: Order | None,
                 include_tax: bool, locations: dict[str, str]):
        self.refund, self.invoice, self.company, self.shop, self.order = refund, invoice, company, shop_cfg, order
        self.include_tax = include_tax
        self.locations = locations
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.rates = order_mapping.tax_rates(company)
        self.invoice_lines = _lines(invoice)
        self._used: set[int] = set()
        self._reported: set[str] = set()

    def problem(self, code: str, message: str, resolution: str, once: str = "") -> None:
        if once and once in self._reported:
            return
        self._reported.add(once)
        self.problems.append(Problem(code, message, resolution))

    # the order line and the invoice line a refund line refunds ----------------------------------

    def order_line(self, line: RefundLine) -> tuple[int, OrderLine] | None:
        if self.order is None or not line.order_line_external_id:
            return None
        for index, order_line in enumerate(self.order.lines):
            if order_line.external_id == line.order_line_external_id:
                return index, order_line
        return None

    def invoice_line(self, line: RefundLine) -> dict | None:
        number = _item_number(line, self.order, self.shop)
        found = self.order_line(line)
        if found is not None:
            # the order mapping writes one BC line per order line, in order: the same position on the
            # invoice is the line, unless someone edited the document in BC (then match by number)
            index, order_line = found
            if index < len(self.invoice_lines):
                candidate = self.invoice_lines[index]
                same_item = str(candidate.get("lineObjectNumber", "")).upper() == number and number
                if same_item or (order_line.gift_card and candidate.get("lineType") == "Account"):
                    self._used.add(index)
                    return candidate
        matches = [i for i, inv in enumerate(self.invoice_lines)
                   if number and str(inv.get("lineObjectNumber", "")).upper() == number
                   and inv.get("lineType") in ("Item", "Account")]
        unused = [i for i in matches if i not in self._used] or matches
        if not unused:
            return None
        self._used.add(unused[0])
        return self.invoice_lines[unused[0]]

    # tax -----------------------------------------------------------------------------------------

    def tax_code(self, percent: Decimal | None, what: str) -> str | None:
        if percent is None or not self.company.tax_codes:
            return None  # no tax_codes: BC uses the item's / account's own setup, as the order did
        code = order_mapping._tax_code(percent, self.company)
        if code:
            return code
        shown = order_mapping._format_percent(percent)
        self.problem(
            "tax_code_unmapped",
            f"The tax rate {shown} % ({what}) has no BC tax code in company {self.company.name or self.company.key}.",
            f'add "{shown}" = "<VAT product posting group>" to tax_codes of [[companies]] "{self.company.key}"',
            once=f"tax:{shown}",
        )
        return None

    def line_percent(self, line: RefundLine, invoice_line: dict) -> Decimal | None:
        found = self.order_line(line)
        if found is not None:
            return order_mapping._percent(found[1].tax_lines)
        if invoice_line.get("taxPercent") is not None:
            return Decimal(str(invoice_line["taxPercent"]))
        return None

    # amounts in the memo's tax basis ---------------------------------------------------------------

    def line_amount(self, line: RefundLine) -> Decimal:
        if self.refund.prices_include_tax == self.include_tax:
            return line.amount
        return line.amount + line.tax_amount if self.include_tax else line.amount - line.tax_amount

    def gross(self, line: RefundLine) -> Decimal:
        return line.amount if self.refund.prices_include_tax else line.amount + line.tax_amount

    def shipping_amount(self, percent: Decimal) -> Decimal:
        amount, rate = self.refund.shipping_amount, percent / 100
        if self.refund.prices_include_tax == self.include_tax:
            return amount
        return _cents(amount * (1 + rate)) if self.include_tax else _cents(amount / (1 + rate))

    def shipping_gross(self, percent: Decimal) -> Decimal:
        amount = self.refund.shipping_amount
        return amount if self.refund.prices_include_tax else _cents(amount * (1 + percent / 100))

    # lines -----------------------------------------------------------------------------------------

    def refund_line(self, line: RefundLine) -> dict | None:
        if line.quantity == 0 and line.amount == 0:
            return None
        invoice_line = self.invoice_line(line)
        if invoice_line is None:
            self.problem(
                "refund_line_not_invoiced",
                f"Refunded line {line.sku or line.order_line_external_id or '(no SKU)'} of refund "
                f"{self.refund.external_id} is not on invoice {self.invoice.get('number')}.",
                f"create the credit memo for invoice {self.invoice.get('number')} by hand (or map the SKU in "
                f'[shops.items] of shop "{self.shop.key}" if BC knows the item under another number), then '
                "retry or mark this record done",
            )
            return None
        quantity = line.quantity if line.quantity > 0 else Decimal(1)
        description = invoice_line.get("description") or line.sku or "Refunded item"
        line_type = enum_value(invoice_line.get("lineType")) or "Item"
        if line_type == "Item" and line.restock:
            body: dict = {"lineType": "Item"}
            if _guid(invoice_line.get("itemId")):
                body["itemId"] = invoice_line["itemId"]
            else:
                body["lineObjectNumber"] = invoice_line.get("lineObjectNumber", "")
            if _guid(invoice_line.get("itemVariantId")):
                body["itemVariantId"] = invoice_line["itemVariantId"]
            location = self.locations.get(line.location_id) if line.location_id else None
            location = location or _guid(invoice_line.get("locationId"))
            if location:
                body["locationId"] = location
        elif line_type == "Item":
            # not restocked: an Item line would put the goods back into inventory when the memo is posted
            body = {"lineType": "Account", "lineObjectNumber": self.not_restocked_account(line)}
            description = f"{description} (not restocked)"
            self.notes.append(f"{line.sku or description}: refunded without restock in the shop")
        else:
            body = {"lineType": line_type, "lineObjectNumber": invoice_line.get("lineObjectNumber", "")}
        amount = self.line_amount(line)
        body.update({
            "description": description[:100],
            "quantity": quantity,
            "unitPrice": (amount / quantity).quantize(UNIT_PRICE, ROUND_HALF_UP).normalize(),
        })
        code = self.tax_code(self.line_percent(line, invoice_line), f'refunded line "{description}"')
        if code:
            body["taxCode"] = code
        return body

    def not_restocked_account(self, line: RefundLine) -> str:
        account = self.company.gl_accounts.refund_adjustments or self.company.gl_accounts.fees
        if not account:
            self.problem(
                "gl_account_missing",
                f"Refund {self.refund.external_id} credits {line.sku or 'an item'} that the shop did not restock, "
                f"but company {self.company.name or self.company.key} has no gl_accounts.refund_adjustments to book "
                "it to (an item line would put the goods back into BC's inventory).",
                f'set gl_accounts.refund_adjustments in [[companies]] "{self.company.key}" to the G/L account for '
                "refunds without returned goods",
                once="gl:refund_adjustments",
            )
        return account

    def shipping_source(self) -> dict | None:
        gl = self.company.gl_accounts
        numbers = {n.upper() for n in (gl.shipping_account, gl.shipping_item) if n}
        return next((inv for inv in self.invoice_lines
                     if str(inv.get("lineObjectNumber", "")).upper() in numbers), None)

    def shipping_percent(self, source: dict | None) -> Decimal:
        if self.order is not None and self.order.shipping_lines:
            return order_mapping._percent(self.order.shipping_lines[0].tax_lines)
        if source is not None and source.get("taxPercent") is not None:
            return Decimal(str(source["taxPercent"]))
        return ZERO

    def shipping_line(self) -> dict | None:
        if not self.refund.shipping_amount:
            return None
        source = self.shipping_source()
        if source is not None:
            kind, number = enum_value(source.get("lineType")) or "Account", source.get("lineObjectNumber", "")
        else:  # the order had no shipping line (free shipping): the order's rule decides the target
            kind, number = _shipping_target(self.company, self.shop)
            if not number:
                self.problem("gl_account_missing",
                             f"Refund {self.refund.external_id} refunds shipping but company "
                             f"{self.company.name or self.company.key} has no gl_accounts.shipping_account.",
                             f'set gl_accounts.shipping_account in [[companies]] "{self.company.key}"')
        percent = self.shipping_percent(source)
        body = {"lineType": kind, "lineObjectNumber": number, "description": "Refunded shipping",
                "quantity": Decimal(1), "unitPrice": self.shipping_amount(percent)}
        code = self.tax_code(percent, "refunded shipping")
        if code:
            body["taxCode"] = code
        return body

    def adjustment_line(self) -> dict | None:
        amount = self.refund.adjustment_amount
        if not amount:
            return None
        account = self.company.gl_accounts.refund_adjustments or self.company.gl_accounts.fees
        if not account:
            self.problem(
                "gl_account_missing",
                f"Refund {self.refund.external_id} has {amount} not tied to a line (goodwill or an order "
                f"adjustment) but company {self.company.name or self.company.key} has no "
                "gl_accounts.refund_adjustments.",
                f'set gl_accounts.refund_adjustments in [[companies]] "{self.company.key}" to the G/L account for '
                "refund adjustments",
                once="gl:refund_adjustments",
            )
        body = {"lineType": "Account", "lineObjectNumber": account,
                "description": (f"Refund adjustment: {self.refund.note}" if self.refund.note
                                else "Refund adjustment")[:100],
                "quantity": Decimal(1), "unitPrice": amount}
        zero = order_mapping._tax_code(ZERO, self.company)
        if zero:
            body["taxCode"] = zero
        return body

    def lines(self) -> list[dict]:
        out = [body for body in (self.refund_line(line) for line in self.refund.lines) if body]
        for extra in (self.shipping_line(), self.adjustment_line()):
            if extra:
                out.append(extra)
        return out

    def payload_total(self) -> Decimal:
        """What the refund's own parts add up to (in money back to the customer)."""
        total = sum((self.gross(line) for line in self.refund.lines), ZERO)
        total += self.shipping_gross(self.shipping_percent(self.shipping_source()))
        return total + self.refund.adjustment_amount


def build_credit_memo(refund: Refund, invoice: dict, company: Company, shop_cfg: Shop, *, number: str,
                      currency_code: str | None = None, order: Order | None = None,
                      prices_include_tax: bool | None = None,
                      locations: dict[str, str] | None = None) -> MappedCreditMemo:
    """The salesCreditMemos header and lines for `refund`, applied to the posted `invoice` (with its
    salesInvoiceLines), with every problem found on the way. `currency_code` is the currencyCode the
    order was created with ("" = company currency; None = taken from the invoice). `prices_include_tax`
    is the basis BC gave the memo (its customer's "Prices Including VAT"); None = assume the invoice's.
    `locations`: shop location id → BC location id, for restocked lines."""
    include_tax = bool(invoice.get("pricesIncludeTax")) if prices_include_tax is None else prices_include_tax
    builder = _Builder(refund, invoice, company, shop_cfg, order, include_tax, locations or {})
    invoice_currency = str(invoice.get("currencyCode") or company.currency).upper()
    if currency_code is None:
        currency_code = "" if invoice_currency == company.currency.upper() else invoice_currency
    document_currency = (currency_code or company.currency).upper()
    if refund.currency and refund.currency.upper() != document_currency:
        builder.problem(
            "currency_mismatch",
            f"Refund {refund.external_id} is in {refund.currency.upper()} but invoice {invoice.get('number')} "
            f"is in {document_currency}.",
            f"set currency_basis in [shops.orders] of shop {shop_cfg.key} to the basis the order was imported "
            "with (refunds use the same), or create the credit memo by hand",
        )
    body: dict = {
        "externalDocumentNumber": number,
        "creditMemoDate": refund.created_at.date().isoformat(),
        "customerNumber": invoice.get("customerNumber", ""),
        "invoiceId": invoice["id"],
        "invoiceNumber": invoice.get("number", ""),
        "currencyCode": currency_code,
    }
    lines = builder.lines()
    fields = field_mapping.map_refund_fields(refund, shop_cfg, company)  # [[shops.field_rules]] for memos
    body.update(fields.header)
    lines += fields.charges + fields.comments
    builder.problems += [Problem(p.code, p.message, p.resolution) for p in fields.problems]
    body["salesCreditMemoLines"] = lines
    shop_total = refund.total
    expected = builder.payload_total() + fields.charges_total  # a mapped refunded fee is a known part
    rates = builder.rates
    problems = builder.problems
    rounding = ZERO
    if abs(expected - shop_total) > company.rounding_tolerance:
        total = order_mapping.document_total({"salesOrderLines": lines}, rates, builder.include_tax)
        problems.append(Problem(
            "inconsistent_payload",
            f"The shop's own figures for refund {refund.external_id} do not add up: refunded lines, shipping "
            f"and adjustments make {expected}, but the money refunded is {shop_total} (BC credit memo: {total}); "
            f"{shop_total - expected} is unexplained.",
            f"if the shop refunded an amount the bridge does not know (a fee of {shop_total - expected}), book it "
            'with a field rule with document = "credit_memo" and target = "charge" in [[shops.field_rules]] of '
            f'shop "{shop_cfg.key}" (docs/field-mapping.md) and replay; otherwise check the refund in the shop (a '
            "partial refund of returned items should carry a refund discrepancy adjustment), then replay it, or "
            "create the credit memo by hand; do not post it as it is",
        ))
    elif any(p.code == "refund_line_not_invoiced" for p in problems):
        # a missing line already explains the difference: no second problem about the total
        total = order_mapping.document_total({"salesOrderLines": lines}, rates, builder.include_tax)
    else:
        wrapper = {"salesOrderLines": lines}
        total, rounding = order_mapping.settle_totals(wrapper, problems, shop_total, rates, company,
                                                      builder.include_tax)
        body["salesCreditMemoLines"] = wrapper["salesOrderLines"]
    return MappedCreditMemo(
        body=body, problems=problems, shop_total=shop_total, document_total=total,
        currency_code=document_currency, rounding=rounding, external_document_number=number,
        rounding_tax_code=order_mapping._tax_code(ZERO, company), notes=builder.notes,
        prices_include_tax=include_tax,
    )
