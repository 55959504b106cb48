"""Canonical Payout → BC journal lines. Pure: no I/O; what was found in BC is passed in.

The payouts pipeline (core/sync/payouts.py) calls, in this order:

    numbers = invoice_numbers(payout, shop)          # merchant reference → externalDocumentNumber
    … look the invoices up in BC (one $batch), read the journals and the clearing account …
    booking = build_booking(payout, company, source, numbers, invoices, journals, posting_date)
    booking.problems → NeedsAttention; else create booking.payments + booking.fees (each line has a `key`)

Rules (docs/payouts.md says the same in the operator's words):
- Payments: one customerPayments line per invoice, amount = −(gross received for that order) — BC
  wants a customer receipt negative — `appliesToInvoiceNumber` = the posted invoice whose
  externalDocumentNumber is the shop's document number for the order (same template as orders).
  No customer is sent: APIV2CustomerPayments fills the invoice's bill-to customer (the one its ledger
  entry is on) when appliesToInvoiceNumber names a posted invoice; the invoice's sell-to customer would
  be wrong wherever bill-to differs, and posting would fail.
- Refunds and chargebacks: one line per order with the *positive* amount paid back, for the invoice's
  bill-to customer, not applied (the standard API can apply payments to invoices only): a person sets Document
  Type "Refund" and applies it to the credit memo before posting.
- Fees: one journalLines line, accountType "G/L Account" (the AL enum name, as BC's docs write it on
  POST; BC answers it XML-encoded, "G_x002F_L_x0020_Account": read with core.bc.odata.enum_value),
  account gl_accounts.psp_fees, amount = the
  payout's fees, balancing account = the PSP clearing account (the payment journal's balancing account).
  Adjustments (reserves, corrections) are a second line on the same account, described as such.
- Reconciliation: what the lines move on the clearing account (payments − refunds − fees + adjustments)
  must equal the payout's net to the cent; otherwise nothing is booked (NeedsAttention names the difference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.bc.odata import enum_value
from core.config import Company, PayoutSource, Shop
from core.errors import NeedsAttention
from core.models import Payout, PayoutLine, PayoutLineKind

EXTERNAL_DOCUMENT_NUMBER_MAX = 35  # Gen. Journal Line / Sales Header "External Document No." is Code[35]
DESCRIPTION_MAX = 100
ZERO = Decimal(0)
APPLICABLE = ("Open", "Paid")  # posted invoices a payment can be applied to; Draft is not posted yet
PAID_BACK = (PayoutLineKind.REFUND, PayoutLineKind.CHARGEBACK)
# Gen. Journal Account Type members we write (accountType / balanceAccountType of journalLines)
GL_ACCOUNT = "G/L Account"
BANK_ACCOUNT = "Bank Account"


@dataclass(frozen=True)
class InvoiceRef:
    """A BC salesInvoice as found by its externalDocumentNumber."""

    id: str
    number: str
    external_document_number: str
    customer_number: str  # sell-to (customerNumber)
    status: str
    remaining_amount: Decimal
    bill_to_customer_number: str = ""  # billToCustomerNumber: the customer the invoice's ledger entry is on

    @property
    def ledger_customer(self) -> str:
        """The customer a payment or refund of this invoice belongs to: bill-to, else sell-to (as
        APIV2CustomerPayments fills it)."""
        return self.bill_to_customer_number or self.customer_number


@dataclass(frozen=True)
class Journals:
    payment_journal_id: str
    clearing_account_number: str  # the payment journal's balancing account = the PSP clearing account
    clearing_account_type: str = GL_ACCOUNT  # or BANK_ACCOUNT
    fee_journal_id: str = ""  # "" = fees are not booked (no fee_journal in the source)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    resolution: str


@dataclass(frozen=True)
class Line:
    """One journal line to create. `key` (also written to the line's `comment`) identifies it across retries."""

    key: str
    body: dict


@dataclass
class Booking:
    document_number: str
    payments: list[Line] = field(default_factory=list)  # customerPayments (payment journal)
    fees: list[Line] = field(default_factory=list)  # journalLines (fee journal)
    problems: list[Problem] = field(default_factory=list)
    received: Decimal = ZERO
    paid_back: Decimal = ZERO
    fees_total: Decimal = ZERO
    adjustments: Decimal = ZERO
    unbooked_fees: Decimal = ZERO

    @property
    def refund_lines(self) -> int:
        return sum(1 for line in self.payments if line.body["amount"] > 0)

    def as_needs_attention(self, payout: Payout, source: PayoutSource) -> NeedsAttention:
        return NeedsAttention(
            f"{payout.psp.capitalize()} payout {payout.payout_id} was not booked: "
            + " ".join(p.message for p in self.problems),
            resolution=" ".join(p.resolution for p in self.problems),
            code=self.problems[0].code,
            details={"bc_company": source.company, "external_id": payout_key(payout),
                     "problems": [p.code for p in self.problems]},
        )


# ------------------------------------------------------------------------------------ references


def payout_key(payout: Payout) -> str:
    """The payout's identity in bindings and the sync log: psp:payout id."""
    return f"{payout.psp}:{payout.payout_id}"


def payout_document_number(payout: Payout) -> str:
    """externalDocumentNumber of every line of this payout: what the bank statement shows, e.g. ADYEN-380."""
    return f"{payout.psp}-{payout.payout_id}".upper()[:EXTERNAL_DOCUMENT_NUMBER_MAX]


def external_document_number(reference: str, shop: Shop) -> str:
    """The BC externalDocumentNumber the orders flow gave the order whose shop number is `reference`
    (the same template, uppercased; a leading "#" of Shopify-style names is dropped)."""
    template = shop.orders.external_document_number
    if "{id}" in template:
        raise NeedsAttention(
            f'Shop {shop.key} numbers BC documents with the shop\'s internal order id ("{template}"), which '
            "settlement reports do not contain.",
            resolution=f"use {{prefix}}{{number}} in [shops.orders] external_document_number of shop {shop.key}, or "
                       "book this payout by hand",
            code="invalid_config",
        )
    number = reference.strip().lstrip("#")
    try:
        value = template.format(prefix=shop.orders.prefix, number=number, shop=shop.key)
    except (KeyError, IndexError, ValueError) as exc:
        raise NeedsAttention(
            f'The external_document_number template "{template}" of shop {shop.key} is not usable ({exc}).',
            resolution="use only {prefix}, {number} and {shop} in [shops.orders] external_document_number",
            code="invalid_config",
        ) from None
    return value.strip().upper()


def invoice_numbers(payout: Payout, shop: Shop) -> dict[str, str]:
    """Merchant reference → the externalDocumentNumber to look up, for every line that needs an invoice."""
    return {line.reference: external_document_number(line.reference, shop)
            for line in payout.lines if _needs_invoice(line) and line.reference.strip()}


def _needs_invoice(line: PayoutLine) -> bool:
    return line.kind is PayoutLineKind.SALE or line.kind in PAID_BACK


def choose_invoice(candidates: list[InvoiceRef], amount: Decimal) -> InvoiceRef | None:
    """The posted invoice a payment of `amount` belongs to: the only open one, else the open one whose
    remaining amount equals it, else the only posted one."""
    posted = [i for i in candidates if enum_value(i.status) in APPLICABLE]
    open_ = [i for i in posted if enum_value(i.status) == "Open"]
    if len(open_) == 1:
        return open_[0]
    exact = [i for i in open_ if i.remaining_amount == amount]
    if len(exact) == 1:
        return exact[0]
    return posted[0] if len(posted) == 1 else None


# ------------------------------------------------------------------------------------------ booking


def build_booking(payout: Payout, company: Company, source: PayoutSource, numbers: dict[str, str],
                  invoices: dict[str, list[InvoiceRef]], journals: Journals, posting_date: date,
                  open_orders: dict[str, str] | None = None) -> Booking:
    """The journal lines for one payout, or the problems that stop it from being booked.

    `numbers`: reference → externalDocumentNumber (invoice_numbers); `invoices`: externalDocumentNumber →
    the salesInvoices found; `open_orders`: externalDocumentNumber → BC sales order number, for references
    that are still orders (not invoiced yet), to say so.
    """
    booking = Booking(document_number=payout_document_number(payout))
    problems = booking.problems
    label = f"{payout.psp.capitalize()} {payout.payout_id}"
    if payout.currency.upper() != company.currency.upper():
        problems.append(Problem(
            "foreign_currency",
            f"The payout is in {payout.currency}, company {company.key} books in {company.currency}; BC's "
            "customerPayments API has no currency field.",
            f"Book this payout by hand in BC, or settle {payout.currency} in a company whose currency it is.",
        ))
    lines_net = sum((line.net for line in payout.lines), ZERO)
    if lines_net != payout.net_total:
        problems.append(Problem(
            "inconsistent_settlement",
            f"The settlement's lines add up to {lines_net} but it pays out {payout.net_total} "
            f"(difference {payout.net_total - lines_net}).",
            "Check the report with the provider (a row may be missing); import the complete report.",
        ))

    per_invoice: dict[str, tuple[Decimal, list[str]]] = {}  # externalDocumentNumber → (gross, psp references)
    per_refund: dict[str, tuple[Decimal, list[str], PayoutLineKind]] = {}
    unreferenced: list[str] = []
    for line in payout.lines:
        if line.kind in (PayoutLineKind.FEE, PayoutLineKind.PAYOUT):
            booking.fees_total += line.fee
            continue
        if line.kind is PayoutLineKind.ADJUSTMENT:
            booking.adjustments += line.net
            continue
        booking.fees_total += line.fee
        if not line.reference.strip():
            unreferenced.append(line.psp_reference or f"{line.kind} {line.gross}")
            continue
        ext_no = numbers[line.reference]
        if line.kind is PayoutLineKind.SALE:
            gross, refs = per_invoice.get(ext_no, (ZERO, []))
            per_invoice[ext_no] = (gross + line.gross, refs + [line.psp_reference])
        else:
            gross, refs, _ = per_refund.get(ext_no, (ZERO, [], line.kind))
            per_refund[ext_no] = (gross - line.gross, refs + [line.psp_reference], line.kind)
    if unreferenced:
        problems.append(Problem(
            "missing_reference",
            f"{len(unreferenced)} payment(s) carry no order reference ({', '.join(unreferenced[:10])}).",
            "Book these by hand in the payment journal (find the order by the PSP reference in the provider's "
            "dashboard), then import the rest; make the shop send the order number as the merchant reference.",
        ))

    unknown, not_invoiced, unusable = [], [], []
    chosen: dict[str, InvoiceRef] = {}
    for ext_no, (gross, _refs) in [*per_invoice.items(), *((k, v[:2]) for k, v in per_refund.items())]:
        if ext_no in chosen:
            continue
        candidates = invoices.get(ext_no, [])
        invoice = choose_invoice(candidates, gross)
        if invoice is not None:
            chosen[ext_no] = invoice
        elif not candidates:
            (not_invoiced if open_orders and ext_no in open_orders else unknown).append(ext_no)
        else:
            unusable.append(f"{ext_no} ({', '.join(f'{i.number} {i.status}' for i in candidates)})")
    if unknown:
        problems.append(Problem(
            "unknown_reference",
            f"No BC invoice has the external document number of {len(unknown)} order(s): {', '.join(unknown[:20])}"
            + (" …" if len(unknown) > 20 else "") + ".",
            f"Import those orders (they may have failed or been booked under another number: check the orders sync "
            f"log of shop {source.shop}), ship and invoice them, then retry this payout.",
        ))
    if not_invoiced:
        problems.append(Problem(
            "not_invoiced",
            f"{len(not_invoiced)} order(s) are BC sales orders but not invoiced yet: "
            + ", ".join(f"{n} (order {open_orders[n]})" for n in not_invoiced[:20]) + ".",
            "Ship and invoice those sales orders in BC, then retry this payout.",
        ))
    if unusable:
        problems.append(Problem(
            "invoice_not_applicable",
            f"No single posted invoice to apply the payment to for: {'; '.join(unusable[:20])}.",
            "Post the draft invoice (or resolve which of several invoices was paid) in BC, then retry this payout.",
        ))

    for ext_no, (gross, refs) in per_invoice.items():
        booking.received += gross
        invoice = chosen.get(ext_no)
        if invoice is None or gross == 0:
            continue
        booking.payments.append(Line(f"{booking.document_number}/{ext_no}", {
            "journalId": journals.payment_journal_id,
            # no customer: BC takes the invoice's bill-to customer from appliesToInvoiceNumber
            "postingDate": posting_date.isoformat(),
            "externalDocumentNumber": booking.document_number,
            "amount": -gross,
            "appliesToInvoiceNumber": invoice.number,
            "description": f"{label} {ext_no} {' '.join(r for r in refs if r)}"[:DESCRIPTION_MAX],
            "comment": f"{booking.document_number}/{ext_no}",
        }))
    for ext_no, (paid_back, _refs, kind) in per_refund.items():
        booking.paid_back += paid_back
        invoice = chosen.get(ext_no)
        if invoice is None or paid_back == 0:
            continue
        what = "Refund" if kind is PayoutLineKind.REFUND else "Chargeback"
        booking.payments.append(Line(f"{booking.document_number}/{what.upper()}/{ext_no}", {
            "journalId": journals.payment_journal_id,
            "customerNumber": invoice.ledger_customer,
            "postingDate": posting_date.isoformat(),
            "externalDocumentNumber": booking.document_number,
            "amount": paid_back,
            "description": f"{what} {ext_no} (invoice {invoice.number}): set type Refund, apply to credit memo"[
                :DESCRIPTION_MAX],
            "comment": f"{booking.document_number}/{what.upper()}/{ext_no}",
        }))

    _fee_lines(booking, payout, company, source, journals, posting_date, label)
    # what the lines move on the clearing account (each line's balancing entry is the opposite of its amount)
    moved = -sum((line.body["amount"] for line in [*booking.payments, *booking.fees]), ZERO)
    expected = payout.net_total + booking.unbooked_fees
    if not problems and moved != expected:
        problems.append(Problem(
            "net_mismatch",
            f"Payments {booking.received} − refunds {booking.paid_back} − fees {booking.fees_total} + adjustments "
            f"{booking.adjustments} = {moved}, but the payout is {payout.net_total}"
            + (f" plus {booking.unbooked_fees} fees not booked" if booking.unbooked_fees else "")
            + f" (difference {expected - moved}).",
            "Check the settlement report against the provider's dashboard; book the difference by hand if it is "
            "right, then retry.",
        ))
    if problems:
        booking.payments, booking.fees = [], []
    return booking


def _fee_lines(booking: Booking, payout: Payout, company: Company, source: PayoutSource, journals: Journals,
               posting_date: date, label: str) -> None:
    if not journals.fee_journal_id:
        booking.unbooked_fees = booking.fees_total - booking.adjustments
        return
    account = company.gl_accounts.psp_fees
    if not account and (booking.fees_total or booking.adjustments):
        booking.problems.append(Problem(
            "psp_fee_account_missing",
            f"Company {company.key} has no G/L account for payment provider fees.",
            f'set psp_fees = "<G/L account no.>" in [companies.gl_accounts] of company {company.key}, or leave '
            f'fee_journal empty in [[payouts]] "{source.key}" to book fees by hand',
        ))
        return
    common = {"journalId": journals.fee_journal_id, "accountType": GL_ACCOUNT, "accountNumber": account,
              "postingDate": posting_date.isoformat(), "externalDocumentNumber": booking.document_number,
              "balanceAccountType": journals.clearing_account_type,
              "balancingAccountNumber": journals.clearing_account_number}
    if booking.fees_total:
        key = f"{booking.document_number}/FEES"
        booking.fees.append(Line(key, {**common, "amount": booking.fees_total, "description":
                                       f"{label} payment provider fees"[:DESCRIPTION_MAX], "comment": key}))
    if booking.adjustments:
        key = f"{booking.document_number}/ADJUSTMENTS"
        booking.fees.append(Line(key, {**common, "amount": -booking.adjustments, "description":
                                       f"{label} adjustments (reserves, corrections)"[:DESCRIPTION_MAX],
                                       "comment": key}))
