"""Adyen: the Settlement details report (CSV) → one canonical Payout per batch, and Adyen notifications.

Report rows (docs.adyen.com, settlement details report; a real batch is in the corpus):
- `Settled`: a captured payment. Net Credit (NC) is what Adyen keeps for us; the costs are Commission +
  Markup + Scheme Fees + Interchange (NC), so gross (NC) = net + costs (= Gross Credit (GC) × Exchange Rate).
- `Refunded`, `Chargeback`, `SecondChargeback`: money back to the shopper (Net Debit), costs as above.
- `ChargebackReversed`, `RefundedReversed`: the money comes back → treated like a payment.
- `Fee`, `MiscCosts`, `PaymentCost`, `InvoiceDeduction`, …: costs without a shopper reference.
- `MerchantPayout`: the transfer to the bank (Net Debit) — the payout's net total, not a line.
- anything else (`DepositCorrection`, `Balancetransfer`, …): an adjustment, net as given.
`Merchant Reference` is the shop's order number; `Batch Number` is the payout id. Amounts are booked in
the Net Currency (NC), the currency of the payout.

Notifications: Adyen signs each NotificationRequestItem: base64(HMAC-SHA256(signing string, hex-decoded
HMAC key)), signing string = pspReference:originalReference:merchantAccountCode:merchantReference:
value:currency:eventCode:success. `REPORT_AVAILABLE` for a settlement_detail_report carries the download
URL in `reason`; the report is downloaded with the report user's API key (X-API-Key). Adyen expects the
body "[accepted]" with the 200.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from core import untrusted
from core.errors import NeedsAttention, Retryable
from core.models import Payout, PayoutLine, PayoutLineKind
from core.payments.base import Notification, amount, csv_rows, require_columns, unreadable
from core.untrusted import PARSE_ERRORS

PSP = "adyen"
ACKNOWLEDGEMENT = "[accepted]"
COLUMNS = ("Merchant Reference", "Psp Reference", "Type", "Net Currency", "Net Debit (NC)", "Net Credit (NC)",
           "Batch Number")
COST_COLUMNS = ("Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)")

PAYMENT_TYPES = {"Settled": PayoutLineKind.SALE, "ChargebackReversed": PayoutLineKind.SALE,
                 "RefundedReversed": PayoutLineKind.SALE, "SecondChargebackReversed": PayoutLineKind.SALE,
                 "Refunded": PayoutLineKind.REFUND, "Chargeback": PayoutLineKind.CHARGEBACK,
                 "SecondChargeback": PayoutLineKind.CHARGEBACK}
COST_TYPES = frozenset({"Fee", "MiscCosts", "PaymentCost", "InvoiceDeduction", "Commission", "SchemeFee",
                        "HandlingFee"})
PAYOUT_TYPE = "MerchantPayout"
REPORT_NAME = re.compile(r"settlement_detail_report_batch_(\d+)", re.IGNORECASE)


# ------------------------------------------------------------------------------------------- report


def parse_settlement(raw: bytes) -> list[Payout]:
    rows = csv_rows(raw)
    require_columns(rows, COLUMNS, "Adyen settlement details report")
    batches: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        batches.setdefault(row["Batch Number"], []).append(row)
    try:
        return [_payout(batch, batch_rows) for batch, batch_rows in batches.items()]
    except PARSE_ERRORS as exc:  # e.g. a value the Payout model refuses
        raise unreadable(f"{type(exc).__name__}: {exc}") from exc


def _payout(batch: str, rows: list[dict[str, str]]) -> Payout:
    if not batch:
        raise unreadable("rows without a Batch Number (is this a settlement details report?)")
    lines: list[PayoutLine] = []
    paid_out: Decimal | None = None
    payout_day: date | None = None
    currency = next((r["Net Currency"] for r in rows if r["Net Currency"]), "")
    for n, row in enumerate(rows, start=1):
        reference = row["Psp Reference"] or row.get("Modification Reference", "")
        where = f"batch {batch}, row {n} ({row['Type']} {reference})"
        if row["Net Currency"] and row["Net Currency"] != currency:
            raise unreadable(f"{where}: net currency {row['Net Currency']} differs from the batch's {currency}")
        net = amount(row["Net Credit (NC)"], where) - amount(row["Net Debit (NC)"], where)
        if row["Type"] == PAYOUT_TYPE:
            paid_out = (paid_out or Decimal(0)) - net
            payout_day = _day(row.get("Creation Date", "")) or payout_day
            continue
        costs = sum((amount(row.get(c), where) for c in COST_COLUMNS), Decimal(0))
        if row["Type"] in PAYMENT_TYPES:
            kind, fee, gross = PAYMENT_TYPES[row["Type"]], costs, net + costs
        elif row["Type"] in COST_TYPES:
            kind, fee, gross = PayoutLineKind.FEE, -net, Decimal(0)
        else:
            kind, fee, gross = PayoutLineKind.ADJUSTMENT, Decimal(0), net
        lines.append(PayoutLine(kind=kind, reference=row["Merchant Reference"], psp_reference=row["Psp Reference"],
                                gross=gross, fee=fee, net=net, currency=currency))
    total = sum((line.net for line in lines), Decimal(0))
    # No MerchantPayout row: the batch's balance was carried forward; what it settled is still its net.
    return Payout(psp=PSP, payout_id=batch, currency=currency, payout_date=payout_day, lines=lines,
                  net_total=total if paid_out is None else paid_out)


def gross_in_gross_currency(row: Mapping[str, str]) -> Decimal:
    """Gross Credit − Gross Debit (GC): what the shopper paid, in the payment's currency."""
    return amount(row.get("Gross Credit (GC)"), "gross") - amount(row.get("Gross Debit (GC)"), "gross")


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip()[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------- notifications


def signing_string(item: Mapping) -> str:
    value = item.get("amount") if isinstance(item.get("amount"), Mapping) else {}
    parts = [item.get("pspReference"), item.get("originalReference"), item.get("merchantAccountCode"),
             item.get("merchantReference"), value.get("value"), value.get("currency"), item.get("eventCode"),
             item.get("success")]
    # Adyen's fields are strings, numbers and booleans; a list or object where one belongs cannot be signed
    # by Adyen, so it must not be turned into text that could happen to match
    return ":".join("" if p is None else _scalar(p) for p in parts)


def _scalar(value) -> str:
    if isinstance(value, list | dict):
        raise ValueError("not a scalar")
    if isinstance(value, bool):  # Adyen sends "true"/"false" strings; a JSON boolean prints like Java's
        return "true" if value else "false"
    return str(value)


def item_signature(item: Mapping, hex_key: str) -> str:
    key = binascii.unhexlify(hex_key)
    return base64.b64encode(hmac.new(key, signing_string(item).encode("utf-8"), hashlib.sha256).digest()).decode()


def verify_notification(raw: bytes, headers: Mapping[str, str], secret: str, now: datetime | None = None) -> bool:
    """Every item carries a valid additionalData.hmacSignature made with `secret` (the hex HMAC key)."""
    items = _items(raw)
    if not secret or not items:
        return False
    try:
        binascii.unhexlify(secret)
    except (binascii.Error, ValueError):
        return False
    for item in items:
        additional = item.get("additionalData")
        given = additional.get("hmacSignature") if isinstance(additional, dict) else None
        if not isinstance(given, str) or not given:
            return False
        try:
            expected = item_signature(item, secret)
        except ValueError:  # a field that is no scalar: Adyen did not sign this
            return False
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode()):
            return False
    return True


def describe_notification(raw: bytes, headers: Mapping[str, str]) -> list[Notification]:
    described = []
    for item in _items(raw):
        event = _text(item.get("eventCode"))
        psp_reference = _text(item.get("pspReference"))
        match = REPORT_NAME.search(psp_reference) if event == "REPORT_AVAILABLE" else None
        location = _text(item.get("reason")) if match else ""
        # `reason` is not part of Adyen's signing string: only a URL naming the signed report file is followed
        if location and not urlsplit(location).path.endswith("/" + psp_reference):
            location = ""
        described.append(Notification(
            event_id=f"{event}:{psp_reference}:{_text(item.get('success'))}", event=event,
            payout_id=match.group(1) if match else "", location=location,
        ))
    return described


def _text(value) -> str:
    return "" if value is None or isinstance(value, list | dict) else str(value)


def _items(raw: bytes) -> list[dict]:
    """The NotificationRequestItems of a body; [] when it is not a readable notification (bounded JSON:
    this runs before the signature is known, on whatever an anonymous caller posts)."""
    try:
        body = untrusted.loads(raw)
    except untrusted.UnreadableJson:
        return []
    items = body.get("notificationItems") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    found = [i.get("NotificationRequestItem") for i in items if isinstance(i, dict)]
    return [i for i in found if isinstance(i, dict)]


def fetch_settlement(notification: Notification, api_key: str, http=None) -> bytes:
    """Download the report named by a REPORT_AVAILABLE notification (only from an adyen.com host: the API
    key is never sent anywhere else)."""
    import httpx

    host = urlsplit(notification.location).hostname or ""
    if urlsplit(notification.location).scheme != "https" or not (host == "adyen.com" or host.endswith(".adyen.com")):
        raise NeedsAttention(
            f"The report URL {notification.location!r} is not an https adyen.com address; it was not downloaded.",
            resolution="Download the settlement details report in the Adyen Customer Area and import it with "
                       "`python -m core payouts import --source <key> <file>`.",
            code="untrusted_report_url",
        )
    client = http or httpx.Client(timeout=60)
    try:
        response = client.get(notification.location, headers={"X-API-Key": api_key})
    except httpx.HTTPError as exc:
        raise Retryable(f"Downloading the Adyen report failed: {exc}", retry_after=60) from exc
    finally:
        if http is None:
            client.close()
    if response.status_code in (429, 500, 502, 503, 504):
        raise Retryable(f"Adyen answered {response.status_code} to the report download.", retry_after=60)
    if response.status_code != 200:
        raise NeedsAttention(
            f"Adyen refused the report download with HTTP {response.status_code}.",
            resolution="Check that the API key setting of this payout source belongs to the Adyen report user "
                       "(role 'Merchant Report Download via API'), then retry this record.",
            code="report_download_refused",
        )
    return response.content
