"""What the payment-provider modules share: how a notification is described, amounts, headers, CSV rows.

Each provider module (adyen.py, stripe.py, klarna.py) offers the same functions:

    parse_settlement(raw: bytes) -> list[Payout]           # a settlement file / API answer → canonical payouts
    verify_notification(raw, headers, secret, now=None) -> bool   # signature on the raw bytes, constant time
    describe_notification(raw, headers) -> list[Notification]     # what a verified notification announces
    fetch_settlement(notification, api_key, http=None) -> bytes   # the settlement data it points at
    ACKNOWLEDGEMENT: str                                    # the body the provider expects with the 200
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.errors import NeedsAttention
from core.untrusted import MAX_EXPONENT, MAX_NUMBER_CHARS


@dataclass(frozen=True)
class Notification:
    """One event of a provider notification. `payout_id` set = a settlement is ready to import."""

    event_id: str  # the provider's identity of the event (dedupe key)
    event: str  # REPORT_AVAILABLE, payout.reconciliation_completed, …
    payout_id: str = ""  # Adyen batch number / Stripe po_… ; "" = nothing to import
    location: str = ""  # where the settlement data is (Adyen report download URL)

    @property
    def is_settlement(self) -> bool:
        return bool(self.payout_id)


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, case-insensitively; "" when missing."""
    lowered = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == lowered), "")


def amount(text: str | None, where: str) -> Decimal:
    """A major-unit amount from a report cell ("31.45", "", "1,234.50"); empty = 0."""
    value = (text or "").strip()
    # "1,234.50" (thousands separator) or "31,45" (decimal comma, e.g. semicolon-separated exports)
    value = value.replace(",", "") if "." in value else value.replace(",", ".")
    if not value:
        return Decimal(0)
    return _strict(value, where, "an amount")


def _strict(literal: str, where: str, what: str) -> Decimal:
    """Decimal(literal), refusing what no report holds: NaN, Infinity, 40+ characters, |value| ≥ 10^18."""
    try:
        value = Decimal(literal) if len(literal) <= MAX_NUMBER_CHARS else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or (value and not -MAX_EXPONENT <= value.adjusted() < MAX_EXPONENT):
        raise unreadable(f"{where}: {literal[:40]!r} is not {what}") from None
    return value


def minor_units(value: int | str, currency: str, where: str) -> Decimal:
    """An amount in the currency's smallest unit (Stripe, Klarna) → major units, exactly."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise unreadable(f"{where}: a {type(value).__name__} is not an amount in minor units")
    minor = _strict(str(value).strip(), where, "an amount in minor units")
    if minor != minor.to_integral_value():
        raise unreadable(f"{where}: {value!r} has decimals but should be in minor units")
    return minor.scaleb(-decimals(currency))


# ISO 4217 currencies without minor units, as the providers treat them (Stripe "zero-decimal currencies").
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                          "VND", "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def decimals(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def csv_rows(raw: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of a CSV report (UTF-8, BOM tolerated), keyed by header; surrounding blanks stripped."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        if not reader.fieldnames:
            raise unreadable("the file is empty")
        for row in reader:
            # restkey (None) holds the extra cells of a row longer than the header: a list, not a cell
            cleaned = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)
                       and not isinstance(v, list)}
            if any(cleaned.values()):
                rows.append(cleaned)
    except csv.Error as exc:  # a cell over the csv module's size limit, a NUL byte, …
        raise unreadable(f"line {reader.line_num}: {exc}") from None
    return rows


def require_columns(rows: list[dict[str, str]], columns: tuple[str, ...], report: str) -> None:
    present = set(rows[0]) if rows else set()
    missing = [c for c in columns if c not in present]
    if missing:
        raise unreadable(f"this is not a {report}: column(s) {', '.join(missing)} missing")


def unreadable(detail: str) -> NeedsAttention:
    if len(detail) > 500:  # the detail may quote a hostile cell; the stored file keeps all of it
        detail = detail[:500] + "…"
    return NeedsAttention(
        f"The settlement file cannot be read: {detail}.",
        resolution="Check that the file is the provider's settlement report in the documented format "
                   "(docs/payouts.md lists the formats), then import it again.",
        code="unreadable_settlement",
    )
