"""Klarna: the settlement report (CSV, semicolon-separated) → one canonical Payout per payment_reference.

Columns follow Klarna's Settlements API transaction fields: `type`, `amount`, `currency_code`,
`merchant_reference1` (the shop's order number, set at capture), `payment_reference` (the reference on the
bank statement = the payout id), `capture_id`, `refund_id`, `payout_date` / `sale_date`.
Amounts: an integer is in minor units (as in Klarna's API and files: 2000 = 20.00); a value with a decimal
separator ("20.00", "20,00") is in major units. Amounts are given positive; the sign comes from the type,
as in Klarna's settlement formula:

    total = + sale − return − reversal + reversal_merchant_protection − fee + fee_correction + commission
            − commission_reversal − tax − charge + credit − repay − holdback + release + fee_refund

Kinds: SALE, REVERSAL_MERCHANT_PROTECTION → sale; RETURN → refund; REVERSAL → chargeback; FEE, FEE_CORRECTION,
FEE_REFUND, COMMISSION, COMMISSION_REVERSAL, TAX, CHARGE → fee; the rest (HOLDBACK, RELEASE, CREDIT, REPAY,
CORRECTION — CORRECTION keeps the sign it is given) → adjustment.

Klarna sends no settlement notifications: reports are imported with `python -m core payouts import`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from core.errors import NeedsAttention
from core.models import Payout, PayoutLine, PayoutLineKind
from core.payments.base import Notification, amount, csv_rows, minor_units, require_columns, unreadable
from core.untrusted import PARSE_ERRORS

PSP = "klarna"
ACKNOWLEDGEMENT = ""
COLUMNS = ("type", "amount", "currency_code", "merchant_reference1", "payment_reference")

SIGNS: dict[str, tuple[int, PayoutLineKind]] = {
    "SALE": (+1, PayoutLineKind.SALE),
    "REVERSAL_MERCHANT_PROTECTION": (+1, PayoutLineKind.SALE),
    "RETURN": (-1, PayoutLineKind.REFUND),
    "REVERSAL": (-1, PayoutLineKind.CHARGEBACK),
    "FEE": (-1, PayoutLineKind.FEE),
    "FEE_CORRECTION": (+1, PayoutLineKind.FEE),
    "FEE_REFUND": (+1, PayoutLineKind.FEE),
    "COMMISSION": (+1, PayoutLineKind.FEE),
    "COMMISSION_REVERSAL": (-1, PayoutLineKind.FEE),
    "TAX": (-1, PayoutLineKind.FEE),
    "CHARGE": (-1, PayoutLineKind.FEE),
    "CREDIT": (+1, PayoutLineKind.ADJUSTMENT),
    "REPAY": (-1, PayoutLineKind.ADJUSTMENT),
    "HOLDBACK": (-1, PayoutLineKind.ADJUSTMENT),
    "RELEASE": (+1, PayoutLineKind.ADJUSTMENT),
    "CORRECTION": (0, PayoutLineKind.ADJUSTMENT),  # 0 = signed as given
}


def parse_settlement(raw: bytes) -> list[Payout]:
    rows = csv_rows(raw, delimiter=";")
    require_columns(rows, COLUMNS, "Klarna settlement report (semicolon-separated)")
    payouts: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if not row["payment_reference"]:
            raise unreadable(f"a {row['type']} row ({row.get('capture_id', '')}) has no payment_reference")
        payouts.setdefault(row["payment_reference"], []).append(row)
    try:
        return [_payout(reference, payout_rows) for reference, payout_rows in payouts.items()]
    except PARSE_ERRORS as exc:  # e.g. a value the Payout model refuses
        raise unreadable(f"{type(exc).__name__}: {exc}") from exc


def _payout(payment_reference: str, rows: list[dict[str, str]]) -> Payout:
    currency = rows[0]["currency_code"].upper()
    lines = []
    for n, row in enumerate(rows, start=1):
        where = f"payment_reference {payment_reference}, row {n} ({row['type']})"
        if row["currency_code"].upper() != currency:
            raise unreadable(f"{where}: currency {row['currency_code']} differs from the payout's {currency}")
        kind_name = row["type"].strip().upper()
        if kind_name not in SIGNS:
            raise unreadable(f"{where}: unknown transaction type {row['type']!r}")
        sign, kind = SIGNS[kind_name]
        value = _amount(row["amount"], currency, where)
        net = value if sign == 0 else sign * abs(value)
        if kind is PayoutLineKind.FEE:
            gross, fee = Decimal(0), -net
        else:
            gross, fee = net, Decimal(0)
        lines.append(PayoutLine(kind=kind, reference=row["merchant_reference1"],
                                psp_reference=row.get("capture_id") or row.get("refund_id") or "",
                                gross=gross, fee=fee, net=net, currency=currency))
    day = next((d for d in (_day(r.get("payout_date", "")) for r in rows) if d), None)
    return Payout(psp=PSP, payout_id=payment_reference, currency=currency, payout_date=day, lines=lines,
                  net_total=sum((line.net for line in lines), Decimal(0)))


def _amount(text: str, currency: str, where: str) -> Decimal:
    stripped = text.strip()
    if "." in stripped or "," in stripped:
        return amount(stripped, where)
    return minor_units(stripped, currency, where)


def _day(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date() if text.strip() else None
    except ValueError:
        return None


def verify_notification(raw: bytes, headers: Mapping[str, str], secret: str, now=None) -> bool:
    return False  # Klarna has no signed settlement notifications


def describe_notification(raw: bytes, headers: Mapping[str, str]) -> list[Notification]:
    return []


def fetch_settlement(notification: Notification, api_key: str, http=None) -> bytes:
    raise NeedsAttention(
        "Klarna settlements are not announced by notifications.",
        resolution="Download the settlement report (CSV) in the Klarna Merchant Portal and import it with "
                   "`python -m core payouts import --source <key> <file>`.",
        code="not_supported",
    )
