"""Stripe: a payout's balance transactions → one canonical Payout, and Stripe webhook events.

Two inputs, told apart by their first character:
- JSON: what `GET /v1/balance_transactions?payout=po_…&expand[]=data.source` returns (a list object, or
  its `data` array; `fetch_settlement` stores `{"payout": "po_…", "data": [...]}`). Amounts are in the
  currency's **minor units**; `amount` is gross, `fee` the Stripe fee, `net` = amount − fee. The payout's
  own transaction (type `payout`, amount −total) gives the payout id and total. The order reference is
  `metadata.order_id` of the expanded source (a charge; for a refund its charge's metadata, or its own).
- CSV: the itemized payout reconciliation report (`payout_reconciliation.itemized.5`), in **major units**,
  one or more payouts (`automatic_payout_id`); reference in `payment_metadata[order_id]`.

Kinds by reporting category: charge → sale, refund → refund, dispute → chargeback, dispute_reversal →
sale, fee → fee, payout → the payout itself, everything else → adjustment.

Notifications: `Stripe-Signature: t=<unix>,v1=<hex>` = HMAC-SHA256(signing secret, "<t>.<raw body>"),
accepted within 5 minutes of `t`. `payout.reconciliation_completed` says the payout's balance transactions
are final; the worker then fetches them with the secret API key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from core import untrusted
from core.errors import NeedsAttention, Retryable
from core.models import Payout, PayoutLine, PayoutLineKind
from core.payments.base import Notification, amount, csv_rows, header, minor_units, require_columns, unreadable
from core.untrusted import PARSE_ERRORS

PSP = "stripe"
ACKNOWLEDGEMENT = "ok"
TOLERANCE_S = 300
MAX_TIMESTAMP_DIGITS = 12
API = "https://api.stripe.com/v1"
REFERENCE_KEY = "order_id"
SETTLEMENT_EVENTS = frozenset({"payout.reconciliation_completed"})

KINDS = {"charge": PayoutLineKind.SALE, "payment": PayoutLineKind.SALE, "refund": PayoutLineKind.REFUND,
         "payment_refund": PayoutLineKind.REFUND, "dispute": PayoutLineKind.CHARGEBACK,
         "dispute_reversal": PayoutLineKind.SALE, "fee": PayoutLineKind.FEE, "stripe_fee": PayoutLineKind.FEE,
         "tax": PayoutLineKind.FEE, "payout": PayoutLineKind.PAYOUT}
CSV_COLUMNS = ("automatic_payout_id", "balance_transaction_id", "currency", "gross", "fee", "net",
               "reporting_category")


def parse_settlement(raw: bytes) -> list[Payout]:
    start = raw.lstrip()[:1]
    if start in (b"{", b"["):
        try:
            body = untrusted.loads(raw)
        except untrusted.UnreadableJson as exc:
            raise unreadable(exc.reason) from None
        try:
            return [_from_balance_transactions(body)]
        except PARSE_ERRORS as exc:
            raise unreadable(f"{type(exc).__name__}: {exc}") from exc
    try:
        return _from_itemized_csv(raw)
    except PARSE_ERRORS as exc:
        raise unreadable(f"{type(exc).__name__}: {exc}") from exc


# ------------------------------------------------------------------------------------- JSON (API)


def _from_balance_transactions(body) -> Payout:
    payout_id = ""
    if isinstance(body, dict):
        payout_id = str(body.get("payout") or "")
        transactions = body.get("data")
    else:
        transactions = body
    if not isinstance(transactions, list) or not all(isinstance(t, dict) for t in transactions):
        raise unreadable("expected Stripe balance transactions (a list, or an object with a `data` list)")
    if not transactions:
        raise unreadable("the payout has no balance transactions")
    currency = str(transactions[0].get("currency", "")).upper()
    lines: list[PayoutLine] = []
    paid_out: Decimal | None = None
    payout_day: date | None = None
    for txn in transactions:
        where = f"balance transaction {txn.get('id', '?')}"
        if str(txn.get("currency", "")).upper() != currency:
            raise unreadable(f"{where}: currency {txn.get('currency')} differs from the payout's {currency}")
        gross = minor_units(txn.get("amount", 0), currency, where)
        fee = minor_units(txn.get("fee", 0), currency, where)
        net = minor_units(txn.get("net", 0), currency, where)
        if gross - fee != net:
            raise unreadable(f"{where}: amount − fee ≠ net ({gross} − {fee} ≠ {net})")
        category = str(txn.get("reporting_category") or txn.get("type") or "")
        kind = KINDS.get(category, KINDS.get(str(txn.get("type") or ""), PayoutLineKind.ADJUSTMENT))
        source = txn.get("source")
        if kind is PayoutLineKind.PAYOUT:
            payout_id = payout_id or (source.get("id") if isinstance(source, dict) else str(source or ""))
            paid_out = (paid_out or Decimal(0)) - net
            payout_day = _day(source.get("arrival_date") if isinstance(source, dict) else None) or _day(
                txn.get("created"))
            continue
        if kind is PayoutLineKind.FEE:
            fee, gross = fee - gross, Decimal(0)  # a fee transaction: its (negative) amount is the cost
        lines.append(PayoutLine(kind=kind, reference=_reference(source), psp_reference=str(txn.get("id", "")),
                                gross=gross, fee=fee, net=net, currency=currency))
    if not payout_id:
        raise unreadable("cannot tell which payout these transactions belong to (no `payout` transaction); "
                         "export them with the payout id")
    total = sum((line.net for line in lines), Decimal(0))
    return Payout(psp=PSP, payout_id=payout_id, currency=currency, payout_date=payout_day, lines=lines,
                  net_total=total if paid_out is None else paid_out)


def _reference(source) -> str:
    """metadata.order_id of the expanded source, else of a refund's (expanded) charge."""
    if not isinstance(source, dict):
        return ""
    for candidate in (source, source.get("charge"), source.get("payment_intent")):
        if isinstance(candidate, dict):
            value = (candidate.get("metadata") or {}).get(REFERENCE_KEY)
            if value:
                return str(value)
    return ""


def _day(value) -> date | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, UTC).date()
    return None


# ------------------------------------------------------------------------------------- CSV (report)


def _from_itemized_csv(raw: bytes) -> list[Payout]:
    rows = csv_rows(raw)
    require_columns(rows, CSV_COLUMNS, "Stripe itemized payout reconciliation report")
    payouts: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if not row["automatic_payout_id"]:
            raise unreadable(f"balance transaction {row['balance_transaction_id']} has no automatic_payout_id")
        payouts.setdefault(row["automatic_payout_id"], []).append(row)
    result = []
    for payout_id, payout_rows in payouts.items():
        currency = payout_rows[0]["currency"].upper()
        lines = []
        for row in payout_rows:
            where = f"balance transaction {row['balance_transaction_id']}"
            if row["currency"].upper() != currency:
                raise unreadable(f"{where}: currency {row['currency']} differs from the payout's {currency}")
            gross, fee, net = (amount(row[c], where) for c in ("gross", "fee", "net"))
            if gross - fee != net:
                raise unreadable(f"{where}: gross − fee ≠ net ({gross} − {fee} ≠ {net})")
            kind = KINDS.get(row["reporting_category"], PayoutLineKind.ADJUSTMENT)
            if kind is PayoutLineKind.PAYOUT:
                continue
            if kind is PayoutLineKind.FEE:
                fee, gross = fee - gross, Decimal(0)
            reference = row.get(f"payment_metadata[{REFERENCE_KEY}]") or row.get(
                f"refund_metadata[{REFERENCE_KEY}]") or ""
            lines.append(PayoutLine(kind=kind, reference=reference, psp_reference=row["balance_transaction_id"],
                                    gross=gross, fee=fee, net=net, currency=currency))
        effective = row_day(payout_rows[0].get("automatic_payout_effective_at", ""))
        result.append(Payout(psp=PSP, payout_id=payout_id, currency=currency, payout_date=effective, lines=lines,
                             net_total=sum((line.net for line in lines), Decimal(0))))
    return result


def row_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


# ------------------------------------------------------------------------------------- notifications


def signature_header(raw: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature value Stripe would send (for tests and the sandbox)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_notification(raw: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> bool:
    if not secret:
        return False
    timestamp, signatures = None, []
    for part in header(headers, "Stripe-Signature").split(","):
        key, _, value = part.strip().partition("=")
        # a unix time has 10 digits; 400 of them would overflow the comparison with the clock
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_S:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    # any() over all candidates: every comparison is constant-time, and the loop does not stop early
    return any([hmac.compare_digest(expected.encode(), s.encode("utf-8", "replace")) for s in signatures])


def describe_notification(raw: bytes, headers: Mapping[str, str]) -> list[Notification]:
    try:
        event = untrusted.loads(raw)
    except untrusted.UnreadableJson:
        return []  # nothing to import; the endpoint records what it could not read
    if not isinstance(event, dict):
        return []
    kind = _text(event.get("type"))
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    obj = data.get("object") if isinstance(data.get("object"), dict) else {}
    payout_id = _text(obj.get("id")) if kind in SETTLEMENT_EVENTS and obj.get("object") == "payout" else ""
    return [Notification(event_id=_text(event.get("id")), event=kind, payout_id=payout_id)]


def _text(value) -> str:
    """An id or name from an event: strings and numbers only (a list or object is no id)."""
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def fetch_settlement(notification: Notification, api_key: str, http=None) -> bytes:
    """All balance transactions of the payout (auto-paginated, sources expanded), as stored JSON."""
    import httpx

    client = http or httpx.Client(timeout=60)
    transactions: list[dict] = []
    params: dict[str, str] = {"payout": notification.payout_id, "limit": "100",
                                          "expand[]": "data.source"}
    try:
        while True:
            try:
                response = client.get(f"{API}/balance_transactions", params=params,
                                      headers={"Authorization": f"Bearer {api_key}"})
            except httpx.HTTPError as exc:
                raise Retryable(f"Reading the Stripe payout failed: {exc}", retry_after=60) from exc
            if response.status_code == 429 or response.status_code >= 500:
                raise Retryable(f"Stripe answered {response.status_code}.", retry_after=60)
            if response.status_code != 200:
                raise NeedsAttention(
                    f"Stripe refused to list the balance transactions of payout {notification.payout_id} "
                    f"(HTTP {response.status_code}).",
                    resolution="Check that the API key setting of this payout source holds a secret or restricted "
                               "key with read access to balance transactions, then retry this record.",
                    code="psp_refused",
                )
            page = response.json()
            transactions += page.get("data") or []
            if not page.get("has_more") or not transactions:
                break
            params["starting_after"] = transactions[-1]["id"]
    finally:
        if http is None:
            client.close()
    return json.dumps({"payout": notification.payout_id, "data": transactions}).encode()
