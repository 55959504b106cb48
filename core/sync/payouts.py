"""Payouts PSP → BC, one fixed pipeline:

    load payload (a settlement file, or a notification → fetch the settlement) → parse → one payout →
    claim → resolve invoices, journals, clearing account → map (pure) → create missing lines → bind → post?

Exactly one booking per settlement, even when the same report is imported twice, a notification is
redelivered, two workers race, or a worker dies halfway:
- the binding row ("payout", source key, "psp:payout id") is the claim; a bound payout is skipped;
- every line carries a stable key in its `comment` (e.g. "ADYEN-380/SH-2001") and the payout's document
  number in `externalDocumentNumber`; the keys created so far are kept in the claim's data after every
  chunk, and before creating anything the journals are read for lines of this payout, so a retry after a
  partial failure or a lost BC answer creates only what is missing;
- lines are written with `$batch` in chunks of at most 100 independent operations (per-operation results).
Receiving a notification (verify → store raw → enqueue → 200) is `receive_notification`, like webhooks.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from core.bc import BatchOp, BcAmbiguousWriteError, BcError, BcPermanentError, BcRetryableError
from core.bc.odata import encode_query, odata_string
from core.config import Company, PayoutSource, Shop, read_setting
from core.errors import NeedsAttention, Retryable, Skip
from core.models import Payout
from core.payments import psp
from core.state import AlreadyClaimed, Envelope, SyncStatus, enqueue, names
from core.state.bindings import Binding
from core.sync import payout_mapping as mapping
from core.sync.context import Context
from core.sync.receive import Reply, max_body_bytes
from core.sync.runner import Outcome

log = logging.getLogger("core.sync.payouts")

FLOW = "payouts"
KIND = "payout"
CLAIM_LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
NOTIFICATION_TOPIC = "notification"
SETTLEMENT_TOPIC = "settlement"
CHUNK = 100  # BC's $batch limit
REFERENCES_PER_QUERY = 40  # `externalDocumentNumber in (…)` values per GET (keeps URLs short)
DATA_LIMIT = 30_000  # characters of created-line keys kept in the binding (Azure Tables: 32K chars a property)


# ------------------------------------------------------------------------------------------ receive


def receive_notification(ctx: Context, source_key: str, raw: bytes, headers: dict[str, str]) -> Reply:
    """A PSP notification: verify the signature on the raw bytes → store → enqueue settlements → 200."""
    if len(raw) > max_body_bytes():
        return Reply(413, "payload too large")
    source = ctx.config.payout_source(source_key)
    if source is None or not source.webhook_secret_setting:  # the same answer as a bad signature: no probing
        log.warning("payout notification refused with 401: no payout source %r with notifications configured",
                    source_key[:64])
        return Reply(401, "invalid signature")
    module = psp(source.psp)
    try:
        secret = read_setting(source.webhook_secret_setting)
    except NeedsAttention as exc:
        log.error("payout notification for source=%s refused: %s", source_key, exc)
        return Reply(503, "notification secret not configured")  # the PSP retries later
    if not module.verify_notification(raw, headers, secret):
        log.warning("payout notification for source=%s refused: signature missing, invalid or stale", source_key)
        return Reply(401, "invalid signature")
    ack = module.ACKNOWLEDGEMENT or "ok"
    fresh = [n for n in module.describe_notification(raw, headers)
             if n.is_settlement and not (n.event_id and ctx.deliveries.seen(source_key, n.event_id))]
    if not fresh:
        return Reply(200, ack)  # other events (authorisations, …) and duplicates: acknowledged, nothing to do
    ref = ctx.inbox.store(source_key, raw, headers, source=NOTIFICATION_TOPIC)
    for notification in fresh:
        key = f"{source.psp}:{notification.payout_id}"
        enqueue(ctx.storage, names.PAYOUTS_IMPORT, Envelope(
            flow=FLOW, shop=source_key, external_id=key, event_id=notification.event_id, payload_ref=ref,
            topic=NOTIFICATION_TOPIC))
        if notification.event_id:
            ctx.deliveries.remember(source_key, notification.event_id, ref)
        if ctx.synclog.get(FLOW, source_key, key) is None:
            ctx.synclog.record(FLOW, source_key, key, SyncStatus.RECEIVED, payload_ref=ref,
                               event_id=notification.event_id, topic=notification.event,
                               message=f"Received {notification.event}; queued for import.")
    return Reply(200, ack)


def queue_settlement(ctx: Context, source: PayoutSource, raw: bytes, *, source_tag: str = "cli",
                     queue: bool = True) -> list[Envelope]:
    """Store a settlement file and make one envelope per payout in it (parsed here, so a wrong file is
    refused at once); queue them unless the caller runs them itself (`queue=False`)."""
    payouts = psp(source.psp).parse_settlement(raw)
    ref = ctx.inbox.store(source.key, raw, {"content-type": "application/octet-stream"}, source=source_tag)
    envelopes = []
    for payout in payouts:
        key = mapping.payout_key(payout)
        envelope = Envelope(flow=FLOW, shop=source.key, external_id=key, payload_ref=ref, topic=SETTLEMENT_TOPIC,
                            source=source_tag)
        if queue:
            enqueue(ctx.storage, names.PAYOUTS_IMPORT, envelope)
        if ctx.synclog.get(FLOW, source.key, key) is None:
            ctx.synclog.record(FLOW, source.key, key, SyncStatus.RECEIVED, payload_ref=ref, topic=SETTLEMENT_TOPIC,
                               message=f"Settlement file imported ({source_tag}); queued.")
        envelopes.append(envelope)
    return envelopes


# ------------------------------------------------------------------------------------------- import


def import_payout(ctx: Context, envelope: Envelope) -> Outcome:
    source = _source(ctx, envelope.shop)
    module = psp(source.psp)
    raw, headers = ctx.inbox.load(envelope.payload_ref)
    if envelope.topic == NOTIFICATION_TOPIC:
        raw = _fetch_settlement(ctx, source, module, raw, headers, envelope.external_id)
    payouts = module.parse_settlement(raw)
    if not envelope.external_id and len(payouts) > 1:
        for payout in payouts:  # one record (and one retry unit) per payout
            enqueue(ctx.storage, names.PAYOUTS_IMPORT, envelope.model_copy(
                update={"external_id": mapping.payout_key(payout), "retries": 0}))
        return Outcome(f"The file holds {len(payouts)} payouts; queued each on its own: "
                       + ", ".join(p.payout_id for p in payouts) + ".")
    wanted = envelope.external_id or mapping.payout_key(payouts[0])
    payout = next((p for p in payouts if mapping.payout_key(p) == wanted), None)
    if payout is None:
        raise NeedsAttention(f"Payout {wanted} is not in the stored settlement {envelope.payload_ref}.",
                             resolution="Import the settlement report that contains this payout.",
                             code="payout_not_in_file")
    return book_payout(ctx, source, payout)


def _source(ctx: Context, key: str) -> PayoutSource:
    source = ctx.config.payout_source(key)
    if source is None:
        raise NeedsAttention(f"Payout source {key!r} is not in the integration config.",
                             resolution=f'add a [[payouts]] entry with key = "{key}" or delete this record',
                             code="unknown_payout_source")
    return source


def _fetch_settlement(ctx: Context, source: PayoutSource, module, raw: bytes, headers: dict, key: str) -> bytes:
    notification = next((n for n in module.describe_notification(raw, headers)
                         if f"{source.psp}:{n.payout_id}" == key), None)
    if notification is None:
        raise NeedsAttention(f"The stored notification announces no payout {key}.",
                             resolution="Import the settlement report by hand with `python -m core payouts import`.",
                             code="payout_not_in_notification")
    if not source.api_key_setting:
        raise NeedsAttention(
            f"Payout {key} was announced, but source {source.key} has no API key to read the settlement with.",
            resolution=f'set api_key_setting in [[payouts]] "{source.key}" (and the app setting it names), then '
                       "retry; or import the report file with `python -m core payouts import`",
            code="missing_setting")
    data = module.fetch_settlement(notification, read_setting(source.api_key_setting))
    ctx.inbox.store(source.key, data, {"content-type": "application/octet-stream"}, source="fetched")  # kept as read
    return data


def book_payout(ctx: Context, source: PayoutSource, payout: Payout) -> Outcome:
    company = ctx.config.company(source.company)
    shop = ctx.config.shop(source.shop)
    if shop is None:
        raise NeedsAttention(f'Payout source {source.key} names shop "{source.shop}", which is not configured.',
                             resolution=f'set shop in [[payouts]] "{source.key}" to a configured shop key',
                             code="invalid_config")
    key = mapping.payout_key(payout)
    try:
        claim = ctx.bindings.claim(KIND, source.key, key, WORKER, CLAIM_LEASE)
    except AlreadyClaimed as exc:
        if exc.binding.is_bound:
            raise Skip(f"Already booked in company {exc.binding.bc_company} as "
                       f"{exc.binding.data.get('lines', '?')} journal lines ({exc.binding.bc_number}).",
                       duplicate=True) from None
        raise Retryable(f"Another worker ({exc.binding.owner}) is booking this payout right now.",
                        duplicate=True) from None
    co = ctx.bc.company(company.bc_company_id)
    try:
        booking, journals = prepare_booking(co, company, source, shop, payout)
        if booking.problems:
            raise booking.as_needs_attention(payout, source)
        _create_lines(ctx, co, claim, booking, journals)
    except BaseException as exc:
        _give_back(ctx, claim)
        if isinstance(exc, BcError):
            raise _bc_error(exc, company) from exc
        raise
    claim.data = {**_compact(claim.data), "lines": len(booking.payments) + len(booking.fees)}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="customerPayments",
                      bc_id=journals.payment_journal_id, bc_number=booking.document_number)
    posted = _post(ctx, co, claim, source, booking, journals) if source.post else "Journals not posted (post = false)."
    return Outcome(_summary(payout, company, source, booking) + " " + posted, bc_company=company.key,
                   bc_document=f"customerPayments {source.payment_journal} {booking.document_number}",
                   external_id=key)


# ---- resolve ----

def prepare_booking(co, company: Company, source: PayoutSource, shop: Shop, payout: Payout):
    """Read what the booking needs from BC (journals, clearing account, the invoices) and map it. Only
    reads: also what `python -m core preview --document payout-journal --bc` shows."""
    numbers = mapping.invoice_numbers(payout, shop)
    wanted = sorted(set(numbers.values()))
    chunks = [wanted[i:i + REFERENCES_PER_QUERY] for i in range(0, len(wanted), REFERENCES_PER_QUERY)]
    ops = [BatchOp("GET", "customerPaymentJournals?" + encode_query([
        ("$filter", f"code eq {odata_string(source.payment_journal.upper())}"),
        ("$select", "id,code,balancingAccountNumber")]))]
    if source.fee_journal:
        ops.append(BatchOp("GET", "journals?" + encode_query([
            ("$filter", f"code eq {odata_string(source.fee_journal.upper())}"), ("$select", "id,code")])))
    for chunk in chunks:
        in_list = ",".join(odata_string(n) for n in chunk)
        ops.append(BatchOp("GET", "salesInvoices?" + encode_query([
            ("$filter", f"externalDocumentNumber in ({in_list})"),
            ("$select", "id,number,externalDocumentNumber,customerNumber,billToCustomerNumber,status,"
                        "remainingAmount")])))
        ops.append(BatchOp("GET", "salesOrders?" + encode_query([
            ("$filter", f"externalDocumentNumber in ({in_list})"), ("$select", "id,number,externalDocumentNumber")])))
    results = co.batch(ops)
    for result in results:
        if not result.ok:
            raise result.error
    rows = [(r.body or {}).get("value", []) for r in results]
    payment_journal = _one(rows[0], "customer payment journal", source.payment_journal, source,
                           "payment_journal", "Cash Receipt Journal batch")
    fee_journal = (_one(rows[1], "journal", source.fee_journal, source, "fee_journal", "General Journal batch")
                   if source.fee_journal else None)
    first_lookup = 2 if source.fee_journal else 1
    invoices: dict[str, list[mapping.InvoiceRef]] = {}
    open_orders: dict[str, str] = {}
    for n in range(len(chunks)):
        for row in rows[first_lookup + 2 * n]:
            invoices.setdefault(row["externalDocumentNumber"].upper(), []).append(mapping.InvoiceRef(
                id=row["id"], number=row["number"], external_document_number=row["externalDocumentNumber"],
                customer_number=row.get("customerNumber", ""), status=row.get("status", ""),
                remaining_amount=_decimal(row.get("remainingAmount", 0)),
                bill_to_customer_number=row.get("billToCustomerNumber", "")))
        for row in rows[first_lookup + 2 * n + 1]:
            open_orders[row["externalDocumentNumber"].upper()] = row["number"]
    clearing = payment_journal.get("balancingAccountNumber") or ""
    if not clearing:
        raise NeedsAttention(
            f"The customer payment journal {source.payment_journal} has no balancing account.",
            resolution=f"set the PSP clearing account as Bal. Account No. of journal batch {source.payment_journal} "
                       "in BC (Cash Receipt Journals), then retry this payout.",
            code="journal_without_balancing_account", details={"bc_company": company.key})
    clearing_type = mapping.GL_ACCOUNT if co.first("accounts", filter=f"number eq {odata_string(clearing)}",
                                                   select=["id", "number"]) else mapping.BANK_ACCOUNT
    journals = mapping.Journals(payment_journal_id=payment_journal["id"], clearing_account_number=clearing,
                                clearing_account_type=clearing_type,
                                fee_journal_id=fee_journal["id"] if fee_journal else "")
    posting_date = payout.payout_date or datetime.now(UTC).date()
    booking = mapping.build_booking(payout, company, source, numbers, invoices, journals, posting_date, open_orders)
    return booking, journals


def _one(rows: list[dict], what: str, code: str, source: PayoutSource, setting: str, bc_page: str) -> dict:
    if not rows:
        raise NeedsAttention(
            f"BC company has no {what} {code!r}.",
            resolution=f'create the {bc_page} "{code}" in BC, or set {setting} in [[payouts]] "{source.key}" to an '
                       "existing one, then retry this payout",
            code="journal_not_found", details={"bc_company": source.company})
    return rows[0]


def _decimal(value):
    from decimal import Decimal

    return Decimal(str(value))


# ---- write ----

def _created(claim: Binding) -> set[str]:
    return set(claim.data.get("created", []))


def _compact(data: dict) -> dict:
    """Keep the created keys while they fit in a Table property; beyond that the journal lookup suffices."""
    if len(json.dumps(data.get("created", []))) > DATA_LIMIT:
        return {**data, "created": [], "created_count": len(data.get("created", []))}
    return data


def _create_lines(ctx: Context, co, claim: Binding, booking: mapping.Booking, journals: mapping.Journals) -> None:
    payments_path = f"customerPaymentJournals({journals.payment_journal_id})/customerPayments"
    fees_path = f"journals({journals.fee_journal_id})/journalLines"
    done = _created(claim) | _in_journal(co, payments_path, booking.document_number)
    if booking.fees:
        done |= _in_journal(co, fees_path, booking.document_number)
    todo = [(payments_path, line) for line in booking.payments if line.key not in done]
    todo += [(fees_path, line) for line in booking.fees if line.key not in done]
    ours = {line.key for line in [*booking.payments, *booking.fees]}
    claim.data = {**claim.data, "created": sorted(_created(claim) | (done & ours)),
                  "document_number": booking.document_number}
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        results = co.batch([BatchOp("POST", path, line.body) for path, line in chunk])
        created = [line.key for (_, line), result in zip(chunk, results, strict=True) if result.ok]
        claim.data = _compact({**claim.data, "created": sorted(_created(claim) | set(created))})
        ctx.bindings.update(claim)  # progress survives a failure in a later chunk
        failed = [(line, result.error) for (_, line), result in zip(chunk, results, strict=True) if not result.ok]
        if failed:
            line, error = failed[0]
            log.warning("payout lines failed: %d of %d in this chunk, first %s: %s", len(failed), len(chunk),
                        line.key, error)
            raise error


def _in_journal(co, path: str, document_number: str) -> set[str]:
    """Keys (comments) of this payout's lines already in a journal: found after a lost answer or a crash."""
    rows = co.list(path, filter=f"externalDocumentNumber eq {odata_string(document_number)}",
                   select=["id", "comment"])
    return {row.get("comment", "") for row in rows if row.get("comment")}


def _give_back(ctx: Context, claim: Binding) -> None:
    """Nothing written yet: release the claim. Lines written: keep the row (with its progress) and end the
    lease now, so the retry takes it over and creates only what is missing."""
    if not claim.data.get("created") and not claim.data.get("created_count"):
        ctx.bindings.release(claim)
        return
    claim.lease_until = datetime.now(UTC)
    try:
        ctx.bindings.update(claim)
    except Exception:  # noqa: BLE001 - the lease then simply runs out; the journal lookup still finds the lines
        log.exception("could not end the lease of payout claim %s", claim.external_id)


def _post(ctx: Context, co, claim: Binding, source: PayoutSource, booking: mapping.Booking,
          journals: mapping.Journals) -> str:
    """Post the fee journal, then the payment journal (BC posts every line of a journal batch)."""
    steps = []
    if booking.fees:
        steps.append(("journals", journals.fee_journal_id, source.fee_journal))
    if booking.refund_lines:
        held = (f"Payment journal {source.payment_journal} not posted: it holds {booking.refund_lines} refund/"
                "chargeback line(s), which the API can only create as positive payments.")
    else:
        held = ""
        steps.append(("journals", journals.payment_journal_id, source.payment_journal))
    posted = []
    for entity_set, journal_id, code in steps:
        try:
            co.action(entity_set, journal_id, "post")
        except BcError as exc:
            claim.data = {**claim.data, "posted": posted}
            ctx.bindings.update(claim)
            raise NeedsAttention(
                f"The lines of payout {booking.document_number} were created, but posting journal {code} failed: "
                f"{getattr(exc, 'message', exc)}" + (f" (already posted: {', '.join(posted)})" if posted else ""),
                resolution=f"Open journal batch {code} in BC, fix what BC names and post it by hand.",
                code="post_failed", details={"bc_company": source.company}) from exc
        posted.append(code)
    claim.data = {**claim.data, "posted": posted}
    ctx.bindings.update(claim)
    if held:
        raise NeedsAttention(
            f"Payout {booking.document_number} is booked{' and ' + ', '.join(posted) + ' posted' if posted else ''}. "
            + held,
            resolution=f"In BC's Cash Receipt Journal {source.payment_journal}, set Document Type = Refund on the "
                       "positive lines, apply each to its credit memo, then post the batch.",
            code="refunds_to_apply", details={"bc_company": source.company})
    return f"Posted {', '.join(posted)}."


def _summary(payout: Payout, company: Company, source: PayoutSource, booking: mapping.Booking) -> str:
    applied = len(booking.payments) - booking.refund_lines
    parts = [f"Booked {payout.psp.capitalize()} payout {payout.payout_id} in {company.name or company.key}: "
             f"{applied} payment(s) {booking.received} applied to invoices"]
    if booking.refund_lines:
        parts.append(f"{booking.refund_lines} refund/chargeback line(s) {booking.paid_back} to apply to credit memos")
    if booking.fees:
        parts.append(f"fees {booking.fees_total} on {company.gl_accounts.psp_fees}")
    elif booking.unbooked_fees:
        parts.append(f"fees {booking.unbooked_fees} not booked (no fee_journal)")
    if booking.adjustments:
        parts.append(f"adjustments {booking.adjustments}")
    return ", ".join(parts) + f"; net {payout.net_total} = payout. Journal {source.payment_journal}."


def _bc_error(exc: BcError, company: Company) -> Exception:
    if isinstance(exc, BcAmbiguousWriteError):
        return Retryable(f"BC may or may not have created some lines ({exc}); the retry looks them up first.",
                         retry_after=10)
    if isinstance(exc, BcRetryableError):
        return Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after)
    if isinstance(exc, BcPermanentError):
        return NeedsAttention(
            f"Business Central refused a payout line: {exc.message} (code {exc.code}).",
            resolution=f"Fix what BC names in company {company.name or company.key} (journal setup, customer, "
                       "invoice), then retry this record: lines already created are not created again.",
            code="bc_rejected", details={"bc_company": company.key})
    return exc.to_bridge_error()
