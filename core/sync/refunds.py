"""Refunds shop → BC credit memos linked to the posted invoice, one fixed pipeline (as orders.py):

    load payload → parse → skip? → order binding → posted invoice? → claim → resolve → map (pure) → write once
    → reconcile → post (optional) → bind

- The order must be in BC (its binding) and invoiced: BC applies a credit memo to a posted invoice
  (invoiceId + invoiceNumber set Applies-to). The invoice is found by the order's externalDocumentNumber
  (shipAndInvoice keeps it), status not Draft. Not invoiced yet: shop.refunds.before_invoice decides —
  "wait" (Retryable with the longest delay, until MAX_RETRIES) or "needs_attention" (reduce the open
  sales order instead).
- Exactly one credit memo per shop refund: the refund's own binding (kind "refund") is the claim, and
  BC is searched by the memo's externalDocumentNumber before creating (a crashed worker's memo is
  found and linked, never duplicated). A create whose answer was lost is retried starting with that lookup.
- The memo is created in two steps (core/sync/sales_document.py): the header, whose answer says the tax
  basis BC gave it (its customer's "Prices Including VAT"; the field is read-only), then all lines priced
  in that basis in one all-or-nothing $batch. Lines refused → the header is deleted again; a draft found
  without lines (a worker died in between) is completed, not linked as it is.
- WooCommerce has no refund topic: `action.woocommerce_order_refunded` sends only the order id, so the
  order's refunds are read from the shop (best effort, docs/refunds.md); a full refund body works too.
  Such a delivery is the order's record: every refund of it is reported there.
- The reconcile timer (`reconcile_refunds`) is the safety net for missed webhooks: refunds created in the
  cursor's window (read through the orders changed in it) without a bound refund binding are stored and
  queued on refunds-import exactly as their webhook would have been.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core import untrusted
from core.bc import BcAmbiguousWriteError, BcError, BcPermanentError, BcRetryableError
from core.bc.odata import odata_string
from core.config import Company, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.models import Order, Refund
from core.platforms import part, platform, stored_order
from core.platforms.payload import timestamp
from core.state import AlreadyClaimed, Binding, Envelope, SyncStatus, enqueue, names
from core.sync import refund_mapping as mapping
from core.sync.context import Context
from core.sync.runner import MAX_DELAY_S, MAX_RETRIES, Outcome, reconcile_shops
from core.sync.sales_document import add_lines, discard
from core.sync.totals import settle_bc_total

log = logging.getLogger("core.sync.refunds")

CLAIM_LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
ORDER_PENDING_RETRY_S = 30  # the order itself is being imported right now
INVOICE_FIELDS = ("id,number,externalDocumentNumber,status,customerId,customerNumber,currencyCode,pricesIncludeTax,"
                  "totalAmountIncludingTax,orderNumber")


def import_refund(ctx: Context, envelope: Envelope) -> Outcome:
    shop = _shop(ctx, envelope.shop)
    raw, _headers = ctx.inbox.load(envelope.payload_ref)
    try:
        payload = untrusted.loads(raw)  # bounded depth, strict numbers
    except untrusted.UnreadableJson as exc:
        raise NeedsAttention(
            f"The stored payload {envelope.payload_ref} is not valid JSON ({exc}).",
            resolution="Check what the shop sent (the raw payload is kept); create the credit memo by hand if the "
                       "refund is real.",
            code="malformed_payload",
        ) from exc
    refunds = _parse(shop, payload, ctx)
    if not refunds:
        raise Skip("The order has no refunds in the shop (yet); nothing to credit.")
    if len(refunds) == 1 and not _names_order_only(shop, payload):
        return import_one_refund(ctx, shop, refunds[0], retries=envelope.retries)
    # a delivery naming an order (WooCommerce action): its record is the order's, whatever each refund did
    return _import_several(ctx, shop, refunds, envelope)


def import_one_refund(ctx: Context, shop: Shop, refund: Refund, *, retries: int = 0) -> Outcome:
    mapping.should_import(refund)
    existing = ctx.bindings.get("refund", shop.key, refund.external_id)
    if existing is not None and existing.is_bound:
        return _already_imported(ctx, shop, existing)
    order_binding = _order_binding(ctx, shop, refund)
    company = ctx.config.company(order_binding.bc_company)
    co = ctx.bc.company(company.bc_company_id)
    order = _original_order(ctx, shop, refund.order_external_id)
    try:
        invoices = _posted_invoices(co, order_binding)
        if not invoices:
            _not_invoiced(co, shop, refund, order_binding, retries)
        refund = in_document_basis(shop, refund, invoices[0], company)
        invoice = mapping.choose_invoice(invoices, refund, shop, order)
    except BcError as exc:
        raise _bc_error(exc, company) from exc
    order_number = order_binding.data.get("external_document_number") or invoice.get("externalDocumentNumber", "")
    number = mapping.credit_memo_number(order_number, refund, shop)
    return _write_once(ctx, shop, company, co, refund, invoice, order, order_binding, number)


# ---- parse ----

def _parse(shop: Shop, payload, ctx: Context | None = None) -> list[Refund]:
    adapter = platform(shop.platform).parse
    if shop.platform == "woocommerce":
        return _woo_refunds(shop, payload)
    if hasattr(adapter, "load_refund"):  # a refund priced from its order as imported (Brink: rows name lines only)
        refund = adapter.load_refund(payload, shop,
                                     lambda order_id: None if ctx is None else _original_order(ctx, shop, order_id))
        return [refund.model_copy(update={"raw": payload})]
    refund = adapter.parse_refund(payload, shop.key, shop.orders.currency_basis)
    return [refund.model_copy(update={"raw": payload})]  # credit memo field rules read it


def _is_woo_refund_body(payload) -> bool:
    return isinstance(payload, dict) and "amount" in payload and "id" in payload


def _names_order_only(shop: Shop, payload) -> bool:
    """True for a delivery that names an order, not a refund (`action.woocommerce_order_refunded`)."""
    return shop.platform == "woocommerce" and not _is_woo_refund_body(payload)


def _woo_refunds(shop: Shop, payload) -> list[Refund]:
    """A refund body (REST shape) as it is; `{"action": "woocommerce_order_refunded", "arg": <order id>}`
    → the order's refunds, read from the shop (the action body names only the order)."""
    parse = platform("woocommerce").parse
    if _is_woo_refund_body(payload):
        return [parse.parse_refund(payload, shop.key).model_copy(update={"raw": payload})]
    arg = payload.get("arg") if isinstance(payload, dict) else None
    order_id = str(arg.get("id") if isinstance(arg, dict) else arg or "")
    if not order_id.isdigit():
        raise NeedsAttention(
            "The WooCommerce refund delivery names no order id (expected the body of "
            'action.woocommerce_order_refunded: {"action": …, "arg": <order id>}).',
            resolution="check the webhook's topic in WooCommerce > Settings > Advanced > Webhooks; create the "
                       "credit memo by hand if a refund is missing",
            code="malformed_payload",
        )
    client = platform("woocommerce").client.client_for(shop)
    try:
        rows = client.refunds(order_id)
    finally:
        client.close()
    return [parse.parse_refund(row, shop.key, order_external_id=order_id).model_copy(update={"raw": row})
            for row in rows or []]


def in_document_basis(shop: Shop, refund: Refund, invoice: dict, company: Company) -> Refund:
    """Label the refund's amounts: Shopify refund subtotals follow the order's tax basis (the invoice's
    pricesIncludeTax); WooCommerce refund lines are always net and its refunds carry no currency."""
    if shop.platform == "shopify":
        return refund.model_copy(update={"prices_include_tax": bool(invoice.get("pricesIncludeTax"))})
    if shop.platform == "woocommerce" and not refund.currency:
        return refund.model_copy(update={"currency": str(invoice.get("currencyCode") or company.currency).upper()})
    return refund


def _import_several(ctx: Context, shop: Shop, refunds: list[Refund], envelope: Envelope) -> Outcome:
    """One delivery naming several refunds (WooCommerce action): each refund on its own, all reported."""
    done, failures = [], []
    for refund in refunds:
        try:
            outcome = import_one_refund(ctx, shop, refund, retries=envelope.retries)
            done.append(f"refund {refund.external_id}: {outcome.message}")
        except Skip as exc:
            done.append(f"refund {refund.external_id}: {exc.reason}")
        except NeedsAttention as exc:
            failures.append((refund, exc))
    if failures:
        refund, first = failures[0]
        raise NeedsAttention(
            " ".join(f"Refund {r.external_id}: {e.message}" for r, e in failures) + (
                f" Done: {' '.join(done)}" if done else ""),
            resolution=" ".join(e.resolution for _, e in failures),
            # the record is the delivery's (the order id for a WooCommerce action), not the first refund's
            code=first.code, details={k: v for k, v in first.details.items() if k != "external_id"},
        )
    return Outcome(" ".join(done), external_id=envelope.external_id)


# ---- the order and its invoice ----

def _order_binding(ctx: Context, shop: Shop, refund: Refund) -> Binding:
    binding = ctx.bindings.get("order", shop.key, refund.order_external_id)
    if binding is not None and binding.state == "cancelled":
        raise Skip(f"Order {refund.order_external_id} was cancelled before BC invoiced it (its BC order "
                   f"{binding.bc_number} was deleted); there is nothing to credit.")
    if binding is not None and binding.is_bound:
        return binding
    if binding is not None:
        raise Retryable(f"Order {refund.order_external_id} is being imported right now; the refund follows it.",
                        retry_after=ORDER_PENDING_RETRY_S)
    record = ctx.synclog.get("orders", shop.key, refund.order_external_id)
    if record is not None and record.status is SyncStatus.SKIPPED:
        raise Skip(f"Order {refund.order_external_id} was not imported ({record.message}); its refund is not "
                   "either.")
    if record is not None and record.status is SyncStatus.RECEIVED:
        raise Retryable(f"Order {refund.order_external_id} is queued for import; the refund follows it.",
                        retry_after=ORDER_PENDING_RETRY_S)
    state = f" (it {record.status}: {record.message})" if record is not None else ""
    raise NeedsAttention(
        f"Refund {refund.external_id} belongs to order {refund.order_external_id}, which is not in BC{state}.",
        resolution=(f"fix and retry order {refund.order_external_id} first (python -m core retry orders "
                    f"{shop.key} {refund.order_external_id}), then retry this refund"
                    if record is not None else
                    f"import order {refund.order_external_id} (backfill or a replay from the shop), or create "
                    "the credit memo by hand; then retry this refund"),
        code="order_not_imported", details={"external_id": refund.external_id},
    )


def _posted_invoices(co, order_binding: Binding) -> list[dict]:
    """The order's posted invoices (with lines): by its externalDocumentNumber, else by order number."""
    expand = ["salesInvoiceLines"]
    if order_binding.bc_entity == "salesInvoices":
        invoice = co.get("salesInvoices", order_binding.bc_id, expand=expand)
        return [invoice] if invoice.get("status") != "Draft" else []
    ext_no = order_binding.data.get("external_document_number")
    filter_ = (f"externalDocumentNumber eq {odata_string(ext_no)}" if ext_no
               else f"orderNumber eq {odata_string(order_binding.bc_number)}")
    found = list(co.list("salesInvoices", filter=f"{filter_} and status ne 'Draft'", expand=expand))
    return sorted(found, key=lambda invoice: str(invoice.get("number", "")))


def _not_invoiced(co, shop: Shop, refund: Refund, order_binding: Binding, retries: int) -> None:
    """Raise what the policy says for a refund whose order BC has not invoiced yet."""
    open_order = None
    if order_binding.bc_entity == "salesOrders":
        try:
            open_order = co.get("salesOrders", order_binding.bc_id, select=["id", "number", "status"])
        except BcPermanentError as exc:
            if exc.status != 404:
                raise
    where = (f"BC sales order {order_binding.bc_number} is still open (not shipped and invoiced)"
             if open_order is not None else
             f"BC has no posted invoice for it and its {order_binding.bc_entity} {order_binding.bc_number} is gone")
    amounts = ", ".join(f"{line.sku or line.order_line_external_id} × {line.quantity}" for line in refund.lines)
    what = f"Refund {refund.external_id} ({refund.total} {refund.currency}{'; ' + amounts if amounts else ''})"
    if open_order is None:
        raise NeedsAttention(
            f"{what} of order {refund.order_external_id}: {where}.",
            resolution="find the order's documents in BC (posted invoice under another external document no.?) "
                       "and create the credit memo by hand, then mark this record done",
            code="invoice_not_found", details={"external_id": refund.external_id},
        )
    if shop.refunds.before_invoice == "wait" and retries < MAX_RETRIES:
        raise Retryable(f"{what}: waiting for BC to invoice order {order_binding.bc_number} before crediting it.",
                        retry_after=MAX_DELAY_S)
    waited = " (waited for the invoice as long as retries allow)" if shop.refunds.before_invoice == "wait" else ""
    raise NeedsAttention(
        f"{what} of order {refund.order_external_id}: {where}{waited}.",
        resolution=f"reduce sales order {order_binding.bc_number} in BC by the refunded quantities and amounts "
                   "before shipping and invoicing it (no credit memo is needed then) and mark this record done; or "
                   "retry this record once BC has invoiced the order, to get a credit memo",
        code="not_invoiced", details={"external_id": refund.external_id},
    )


def _original_order(ctx: Context, shop: Shop, order_external_id: str) -> Order | None:
    """The order as imported (its stored payload), for line → item and tax rates. Best effort: None when
    the payload is gone (pruned) or unreadable; the mapping then matches by SKU and invoice line."""
    record = ctx.synclog.get("orders", shop.key, order_external_id)
    if record is None or not record.payload_ref:
        return None
    try:
        raw, _ = ctx.inbox.load(record.payload_ref)
        return stored_order(shop, raw, order_external_id)  # id-only platforms: fetched from the shop
    except Exception:  # noqa: BLE001 - an optional hint; the invoice is the source of truth
        log.info("refund_order_payload_unavailable shop=%s order=%s", shop.key, order_external_id)
        return None


# ---- write once ----

def _write_once(ctx: Context, shop: Shop, company: Company, co, refund: Refund, invoice: dict, order: Order | None,
                order_binding: Binding, number: str) -> Outcome:
    try:
        claim = ctx.bindings.claim("refund", shop.key, refund.external_id, WORKER, CLAIM_LEASE)
    except AlreadyClaimed as exc:
        if exc.binding.is_bound:
            return _already_imported(ctx, shop, exc.binding)
        raise Retryable(f"Another worker ({exc.binding.owner}) is importing this refund right now.",
                        duplicate=True) from None
    locations: dict[str, str] = {}

    def build(prices_include_tax: bool | None) -> mapping.MappedCreditMemo:
        mapped = mapping.build_credit_memo(refund, invoice, company, shop, number=number, order=order,
                                           currency_code=order_binding.data.get("currency_code"),
                                           prices_include_tax=prices_include_tax, locations=locations)
        if mapped.problems:
            raise _problems(refund, company, mapped.problems)
        return mapped

    try:
        locations.update(_restock_locations(co, shop, refund))
        found = co.first("salesCreditMemos", filter=f"externalDocumentNumber eq {odata_string(number)}",
                         select=["id", "number", "status", "pricesIncludeTax"])
        if found is not None and not _is_empty_draft(co, found):
            claim.data = {**claim.data, "external_document_number": number, "invoice_number": invoice.get("number"),
                          "posted": found.get("status") != "Draft"}
            ctx.bindings.bind(claim, bc_company=company.key, bc_entity="salesCreditMemos", bc_id=found["id"],
                              bc_number=found.get("number", ""))
            return Outcome(f"Already in BC as credit memo {found.get('number')} (found by {number}); linked.",
                           bc_company=company.key, bc_document=f"salesCreditMemos {found.get('number')}",
                           external_id=refund.external_id)
        # problems that do not depend on the tax basis stop us before anything is written
        header = found or co.create("salesCreditMemos", build(None).header)
        try:
            mapped = build(bool(header.get("pricesIncludeTax")))
        except NeedsAttention:
            discard(co, "salesCreditMemos", header)
            raise
        created = add_lines(co, "salesCreditMemos", header, "salesCreditMemoLines", mapped.lines)
    except BcAmbiguousWriteError as exc:
        ctx.bindings.release(claim)
        raise Retryable(f"BC may or may not have created the credit memo ({exc}); will look it up and retry.",
                        retry_after=10) from exc
    except BcError as exc:
        ctx.bindings.release(claim)
        raise _bc_error(exc, company) from exc
    except BaseException:
        ctx.bindings.release(claim)
        raise
    claim.data = {**claim.data, "external_document_number": number, "invoice_number": invoice.get("number"),
                  "posted": False}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="salesCreditMemos", bc_id=created["id"],
                      bc_number=created.get("number", ""))
    try:
        note = _reconcile_totals(co, company, created, mapped)
        posted = ""
        if shop.refunds.post_credit_memo:
            # only a memo whose totals matched is ever posted by us, also on a later retry
            claim.data = {**claim.data, "totals_ok": True}
            ctx.bindings.update(claim)
            posted = _post(ctx, shop, company, co, claim)
    except BcError as exc:
        raise _bc_error(exc, company, created=created.get("number")) from exc
    restock = f" Not restocked in the shop: {'; '.join(mapped.notes)}." if mapped.notes else ""
    return Outcome(
        f"Created credit memo {created.get('number')} ({number}) for invoice {invoice.get('number')} in "
        f"{company.name or company.key}. {note}{posted}{restock}",
        bc_company=company.key, bc_document=f"salesCreditMemos {claim.bc_number or created.get('number')}",
        external_id=refund.external_id,
    )


def _problems(refund: Refund, company: Company, problems: list) -> NeedsAttention:
    return NeedsAttention(
        " ".join(p.message for p in problems), resolution=" ".join(p.resolution for p in problems),
        code=problems[0].code,
        details={"external_id": refund.external_id, "bc_company": company.key,
                 "problems": [p.as_dict() for p in problems]},
    )


def _is_empty_draft(co, memo: dict) -> bool:
    """A draft memo without lines: its header was created, its lines not (a worker died in between)."""
    if memo.get("status") != "Draft":
        return False
    lines = co.list(f"salesCreditMemos({memo['id']})/salesCreditMemoLines", select=["id"], top=1, page_size=1)
    return next(iter(lines), None) is None


def _restock_locations(co, shop: Shop, refund: Refund) -> dict[str, str]:
    """Shop location id → BC location id for the locations restocked lines went back to ([shops.locations],
    its first BC location code). Unmapped locations are left out: the invoice line's location is used."""
    found: dict[str, str] = {}
    for shop_location in {line.location_id for line in refund.lines if line.restock and line.location_id}:
        codes = shop.locations.get(shop_location) or []
        if codes:
            location = co.first("locations", filter=f"code eq {odata_string(codes[0].upper())}", select=["id", "code"])
            if location is not None:
                found[shop_location] = location["id"]
    return found


def _reconcile_totals(co, company: Company, created: dict, mapped: mapping.MappedCreditMemo) -> str:
    return settle_bc_total(
        co, company, document=created, lines_path=f"salesCreditMemos({created['id']})/salesCreditMemoLines",
        shop_total=mapped.shop_total, rounding_tax_code=mapped.rounding_tax_code,
        what=f"Credit memo {created.get('number')} (draft)", against="the money refunded",
        resolution="Correct the draft credit memo in BC (tax codes, prices) before posting it; adjust [companies] "
                   "tax_codes or rounding_tolerance if the mapping is wrong.",
    )


def _post(ctx: Context, shop: Shop, company: Company, co, binding: Binding) -> str:
    """Post the draft memo (shop.refunds.post_credit_memo); BC gives the posted memo a new number."""
    co.action("salesCreditMemos", binding.bc_id, "post")
    posted = co.get("salesCreditMemos", binding.bc_id, select=["id", "number", "status"])
    binding.bc_number = posted.get("number", binding.bc_number)
    binding.data = {**binding.data, "posted": True}
    ctx.bindings.update(binding)
    return f" Posted as {binding.bc_number}."


def _already_imported(ctx: Context, shop: Shop, binding: Binding) -> Outcome:
    """A delivery or replay of a refund already in BC: finish posting if that was left undone, else skip."""
    if shop.refunds.post_credit_memo and binding.data.get("totals_ok") and not binding.data.get("posted"):
        company = ctx.config.company(binding.bc_company)
        co = ctx.bc.company(company.bc_company_id)
        try:
            memo = co.get("salesCreditMemos", binding.bc_id, select=["id", "number", "status"])
            if memo.get("status") == "Draft":
                note = _post(ctx, shop, company, co, binding)
                return Outcome(f"Credit memo of refund {binding.external_id} was a draft.{note}",
                               bc_company=company.key, bc_document=f"salesCreditMemos {binding.bc_number}",
                               external_id=binding.external_id)
        except BcError as exc:
            raise _bc_error(exc, company, created=binding.bc_number) from exc
    raise Skip(f"Already imported as {binding.bc_entity} {binding.bc_number} in company {binding.bc_company}.",
               duplicate=True)


def _bc_error(exc: BcError, company: Company, created: str | None = None) -> Exception:
    if isinstance(exc, BcRetryableError):
        return Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after)
    if isinstance(exc, BcPermanentError):
        state = (f"Credit memo {created} was created but BC refused the next step" if created
                 else "Business Central refused the credit memo")
        return NeedsAttention(
            f"{state}: {exc.message} (code {exc.code}).",
            resolution=(f"Fix what BC names in company {company.name or company.key} (or the mapping that produced "
                        "it), then retry this record" + (f"; or post credit memo {created} by hand" if created else "")
                        + "."),
            code="bc_rejected", details={"bc_company": company.key},
        )
    return Retryable(f"Business Central error: {exc}")


def _shop(ctx: Context, key: str) -> Shop:
    shop = ctx.config.shop(key)
    if shop is None:
        raise NeedsAttention(f"Shop {key!r} is not in the integration config.",
                             resolution=f'add a [[shops]] entry with key = "{key}" or delete this record',
                             code="unknown_shop")
    return shop


# ---- reconcile: the safety net for missed refund webhooks ----

@dataclass(frozen=True)
class RefundDelivery:
    """What one refund webhook would have brought: the record's id, its body, and the refunds it names."""
    external_id: str
    payload: dict
    refund_ids: tuple[str, ...]
    topic: str


def reconcile_refunds(ctx: Context, now: datetime | None = None) -> int:
    """Queue refunds created since each shop's cursor that BC does not have (no bound refund binding);
    advance a shop's cursor only after its whole window succeeded. One shop failing does not stop the others."""
    shops = [s for s in ctx.config.shops if "refunds" in s.flows and _new_refunds(s) is not None]
    return reconcile_shops(ctx, "refund", "refunds", shops, enqueue_new_refunds, now)


def enqueue_new_refunds(ctx: Context, shop: Shop, since: datetime, until: datetime, *,
                        source: str = "reconcile") -> int:
    """Store and queue, as a webhook would, every refund created in [since, until) that has no bound binding
    and is not already queued."""
    client = platform(shop.platform).client.client_for(shop)
    queued = 0
    try:
        for delivery in _new_refunds(shop)(client, shop, since, until):
            if all(_is_bound(ctx, shop, refund_id) for refund_id in delivery.refund_ids):
                continue
            record = ctx.synclog.get("refunds", shop.key, delivery.external_id)
            if record is not None and record.status is SyncStatus.RECEIVED:
                continue  # its webhook (or an earlier run) queued it; the worker is on it
            ref = ctx.inbox.store(shop.key, json.dumps(delivery.payload).encode(),
                                  {"content-type": "application/json"}, source=source)
            enqueue(ctx.storage, names.REFUNDS_IMPORT, Envelope(
                flow="refunds", shop=shop.key, external_id=delivery.external_id, payload_ref=ref, source=source,
                topic=delivery.topic))
            message = f"Found by the refunds {source} ({delivery.topic}); queued for import."
            if record is None:
                ctx.synclog.record("refunds", shop.key, delivery.external_id, SyncStatus.RECEIVED, payload_ref=ref,
                                   topic=delivery.topic, message=message)
            else:
                ctx.synclog.note("refunds", shop.key, delivery.external_id, message)
            queued += 1
    finally:
        client.close()
    return queued


def _is_bound(ctx: Context, shop: Shop, refund_id: str) -> bool:
    binding = ctx.bindings.get("refund", shop.key, refund_id)
    return binding is not None and binding.is_bound


def _created_in(value, since: datetime, until: datetime) -> bool:
    created = timestamp(value)
    return created is not None and since <= created.astimezone(UTC) < until


def _shopify_new_refunds(client, shop: Shop, since: datetime, until: datetime) -> Iterator[RefundDelivery]:
    """Shopify: orders updated in the window (a refund updates its order), their `refunds` created in it;
    each refund is its own delivery, the body refunds/create would carry."""
    for order in client.orders_updated_between(since, until):
        for refund in order.get("refunds") or []:
            if refund.get("id") is None or not _created_in(refund.get("created_at"), since, until):
                continue
            refund = {**refund, "order_id": refund.get("order_id") or order.get("id")}
            yield RefundDelivery(str(refund["id"]), refund, (str(refund["id"]),), "refunds/create")


def _woo_new_refunds(client, shop: Shop, since: datetime, until: datetime) -> Iterator[RefundDelivery]:
    """WooCommerce: orders modified in the window that list refunds, their refunds created in it; one
    delivery per order, the body `action.woocommerce_order_refunded` sends (the worker reads the refunds)."""
    for order in client.orders_updated_between(since, until):
        if not order.get("refunds"):
            continue
        new = [str(r["id"]) for r in client.refunds(order["id"])
               if r.get("id") is not None and _created_in(r.get("date_created_gmt"), since, until)]
        if new:
            yield RefundDelivery(str(order["id"]), {"action": "woocommerce_order_refunded", "arg": order["id"]},
                                 tuple(new), "action.woocommerce_order_refunded")


NEW_REFUNDS = {"shopify": _shopify_new_refunds, "woocommerce": _woo_new_refunds}  # others: core.platforms.part


def _new_refunds(shop: Shop):
    """The platform's listing of refunds created in a window (`new_refunds(client, shop, since, until)` yielding
    RefundDelivery), None when it has none."""
    return NEW_REFUNDS.get(shop.platform) or part(shop.platform, "new_refunds")
