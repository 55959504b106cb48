"""Orders shop → BC, one fixed pipeline:

    load payload → parse → which shop version? → skip? → route → claim → resolve → map (pure) → write once
    → reconcile totals → bind

Exactly one BC document per shop order, even with duplicate deliveries, concurrent workers, crashes
and BC responses lost after BC committed:
- the binding row is the claim (insert conflict = someone else has it; a dead worker's lease expires);
- before creating, BC is searched by externalDocumentNumber in salesOrders *and* salesInvoices (a
  shipped-and-invoiced order is no longer a sales order) — both lookups in one $batch request;
- a create whose answer was lost (BcAmbiguousWriteError) is never re-posted blindly: the claim keeps
  what was being written and expires, and the retry starts with the lookup;
- the linked path is the created path: a document found by the lookup gets the same fingerprint, totals
  check and rounding line as one this worker created; the rounding line is written before the binding
  says "bound".

The shop's order, not the delivery, decides (deliveries come in any order, and only the body is signed):
- every binding remembers the shop version (`updated_at`) BC holds; an older event never changes BC and
  is noted as superseded. Where the version cannot order two events (no timestamp, or the same second
  with different content) the current order is fetched from the shop;
- cancellation follows the signed body (`cancelled_at`, or the platform's status), never the topic header;
- a cancellation of an order not (yet) in BC leaves a tombstone: a late create or update is skipped.

Fencing: each claim has its own owner token and its row's ETag; `fence.check()` renews the lease with an
ETag-guarded write before every BC write, so a worker whose claim was taken over stops (ClaimLost) before
it writes, and every state write after it is ETag-guarded too.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core import capabilities, untrusted
from core.bc import BatchOp, BcAmbiguousWriteError, BcError, BcPermanentError, BcRetryableError
from core.bc.odata import encode_query, odata_string
from core.config import Company, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.models import CustomerKind, Order
from core.platforms import PLATFORMS, part, platform
from core.state import AlreadyClaimed, Binding, ClaimLost, Envelope, Fence, enqueue, names
from core.state.bindings import CLAIMED
from core.sync import custom_pages, customers, trimit
from core.sync import order_mapping as mapping
from core.sync.context import Context
from core.sync.runner import Outcome, Superseded
from core.sync.sales_document import apply_header, complete_sales_order, discard, header_may_change
from core.sync.totals import settle_bc_total

log = logging.getLogger("core.sync.orders")

# how long a claim stays someone's after its last fence check; BRIDGE_ORDER_CLAIM_LEASE_SECONDS shortens it
# for soak runs that kill the host (a killed worker's claim is taken over after this)
CLAIM_LEASE = timedelta(seconds=int(os.environ.get("BRIDGE_ORDER_CLAIM_LEASE_SECONDS") or 600))
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def _owner() -> str:
    """A claim's owner: this process plus a token of its own, so two invocations in one process never
    mistake each other's claim for their own."""
    return f"{WORKER}/{uuid.uuid4().hex[:8]}"


def import_order(ctx: Context, envelope: Envelope) -> Outcome:
    shop = _shop(ctx, envelope.shop)
    adapter = platform(shop.platform)
    raw, _headers = ctx.inbox.load(envelope.payload_ref)
    fetched = hasattr(adapter.parse, "load_order")
    if fetched:
        # id-only or form-encoded webhooks (Centra, Norce, Brink, Geins): the platform fetches the current order
        order = adapter.parse.load_order(raw, shop, external_id=envelope.external_id)
    else:
        payload = _json(raw, envelope)
        order = adapter.parse.parse_order(payload, shop.key, shop.orders.currency_basis)
        order = order.model_copy(update={"raw": payload})  # field rules read it (core/sync/field_mapping.py)
    binding = ctx.bindings.get("order", shop.key, order.external_id)
    if not fetched and _unordered(order, binding):
        order = _current_from_shop(shop, adapter, order)
    _skip_if_superseded(order, binding)
    if order.cancelled_at is not None:  # the signed body says so; the (unsigned) topic header never decides
        return cancel_order(ctx, shop, order, binding)
    if binding is not None and binding.is_cancelled:
        raise Skip(_cancelled_reason(order, binding))
    if binding is not None and binding.is_bound:
        return _handle_update(ctx, shop, order, binding)
    mapping.should_import(order, shop)
    company = mapping.route(order, ctx.config)
    ext_no = mapping.external_document_number(order, shop)
    return _write_once(ctx, shop, company, order, ext_no)


def fingerprint(order: Order) -> str:
    """What of an order matters to its BC document: lines, prices, discounts, shipping, total."""
    import hashlib

    parts = [f"{line.external_id}|{line.sku}|{line.quantity}|{line.unit_price}|{line.discount_amount}"
             for line in order.lines]
    parts += [f"ship|{s.price}|{s.discount_amount}" for s in order.shipping_lines]
    parts.append(f"total|{order.totals.total}|{order.currency}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# ---- shop time: which event is newer ----

def _version(order: Order) -> str:
    """The shop's version of an order: its last-modified time in UTC ("" when the shop sends none), or the
    platform's own sortable version where its parser offers `order_version` (Brink's incrementing `version`)."""
    own = getattr(getattr(PLATFORMS.get(order.platform), "parse", None), "order_version", None)
    if own is not None:
        return own(order)
    if order.updated_at is None:
        return ""
    stamp = order.updated_at if order.updated_at.tzinfo else order.updated_at.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat()


def _held_version(binding: Binding | None) -> str:
    return (binding.data.get("shop_version") or "") if binding is not None else ""


def _skip_if_superseded(order: Order, binding: Binding | None) -> None:
    held, version = _held_version(binding), _version(order)
    if held and version and version < held:  # ISO-8601 in UTC compares as text
        raise Superseded(
            f"This event shows order {order.number} as of {version}; BC already holds the shop's state of "
            f"{held}. An older event never changes BC.")


def _unordered(order: Order, binding: Binding | None) -> bool:
    """Can the shop's timestamps not tell whether this event is newer than what BC holds?"""
    if binding is None or not (binding.is_bound or binding.is_cancelled):
        return False
    if binding.data.get("fingerprint") == fingerprint(order) and order.cancelled_at is None:
        return False  # same content: order does not matter
    version = _version(order)
    return not version or version == _held_version(binding)


def _current_from_shop(shop: Shop, adapter, order: Order) -> Order:
    """The order as the shop has it now (when two events carry the same timestamp, or none)."""
    client_module = getattr(adapter, "client", None)
    if client_module is None:
        return order
    try:
        raw = client_module.client_for(shop).order(order.external_id)
    except NeedsAttention as exc:  # e.g. no API credentials configured: the event is all we have
        log.warning("order_fetch_unavailable shop=%s id=%s: %s", shop.key, order.external_id, exc.message)
        return order
    if not raw:
        return order
    current = adapter.parse.parse_order(raw, shop.key, shop.orders.currency_basis).model_copy(update={"raw": raw})
    log.info("order_fetched_current shop=%s id=%s version=%s", shop.key, order.external_id, _version(current))
    return current


def _cancelled_reason(order: Order, binding: Binding) -> str:
    when = binding.data.get("cancelled_at") or binding.data.get("shop_version") or "earlier"
    if binding.bc_number:
        return (f"Order {order.number} was cancelled in the shop ({when}) and its BC sales order "
                f"{binding.bc_number} deleted; this later event is not imported.")
    return (f"Order {order.number} was cancelled in the shop ({when}) before it reached BC; this later event "
            "is not imported, so no BC order is created for a cancelled shop order.")


# ---- changes to an order already in BC ----

def _handle_update(ctx: Context, shop: Shop, order: Order, binding: Binding) -> Outcome:
    """An order already in BC changed in the shop (orders/updated, a reconcile or a replay)."""
    if binding.data.get("fingerprint") == fingerprint(order):
        raise Skip(f"Already imported as {binding.bc_entity} {binding.bc_number} in company {binding.bc_company}; "
                   "nothing that matters to BC changed.", duplicate=True)
    if binding.bc_entity == "salesOrders" and shop.orders.on_update == "apply":
        return _apply_update(ctx, shop, order, binding)
    # A person handles this change. Remember it as seen, so that Retry (after fixing BC) closes the record,
    # and only a further change flags the order again.
    claim = _claim_bound(ctx, binding)
    claim.data = {**claim.data, "fingerprint": fingerprint(order), "shop_version": _version(order)}
    _state_write(ctx.bindings.done, claim)
    if binding.bc_entity != "salesOrders":
        raise NeedsAttention(
            f"Order {order.number} changed in the shop after BC shipped and invoiced it ({binding.bc_entity} "
            f"{binding.bc_number}).",
            resolution="Handle the change in BC by hand (a credit memo or an additional order), then press Retry "
                       "on this record to close it.",
            code="changed_after_invoice", details={"bc_company": binding.bc_company},
        )
    raise NeedsAttention(
        f"Order {order.number} changed in the shop after it was imported as BC sales order {binding.bc_number}.",
        resolution=f"Update sales order {binding.bc_number} in BC to match the shop order (lines, quantities, "
                   "prices), then press Retry on this record to close it; or set on_update = \"apply\" in "
                   f"[shops.orders] of shop {shop.key} to apply such changes automatically.",
        code="changed_after_import", details={"bc_company": binding.bc_company},
    )


def _claim_bound(ctx: Context, binding: Binding) -> Binding:
    try:
        return ctx.bindings.claim_bound(binding, _owner(), CLAIM_LEASE)
    except AlreadyClaimed as exc:
        # someone is changing this order now, or changed it since we read it: decide again in a moment
        raise Retryable(f"Another worker ({exc.binding.owner or 'unknown'}) is changing this order right now.",
                        retry_after=5, duplicate=True) from None


def _state_write(write, binding: Binding, **kwargs) -> Binding:
    """A binding write after our claim: guarded by its ETag, so it fails if the claim was taken over."""
    from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

    try:
        return write(binding, **kwargs)
    except (ResourceModifiedError, ResourceNotFoundError):
        raise ClaimLost(binding) from None


def _json(raw: bytes, envelope: Envelope):
    try:
        return untrusted.loads(raw)  # bounded depth, strict numbers
    except untrusted.UnreadableJson as exc:
        raise NeedsAttention(
            f"The stored payload {envelope.payload_ref} is not valid JSON ({exc}).",
            resolution="Check what the shop sent (the raw payload is kept); if the order is real, fix it in the "
                       "shop so it sends a new update, or create the BC order by hand.",
            code="malformed_payload",
        ) from exc


def _shop(ctx: Context, key: str) -> Shop:
    shop = ctx.config.shop(key)
    if shop is None:
        raise NeedsAttention(f"Shop {key!r} is not in the integration config.",
                             resolution=f'add a [[shops]] entry with key = "{key}" or delete this record',
                             code="unknown_shop")
    return shop


def _write_once(ctx: Context, shop: Shop, company: Company, order: Order, ext_no: str) -> Outcome:
    try:
        claim = ctx.bindings.claim("order", shop.key, order.external_id, _owner(), CLAIM_LEASE)
    except AlreadyClaimed as exc:
        existing = exc.binding
        if existing.is_bound:  # bound meanwhile: decide as for any event of a bound order
            _skip_if_superseded(order, existing)
            return _handle_update(ctx, shop, order, existing)
        if existing.is_cancelled:
            raise Skip(_cancelled_reason(order, existing)) from None
        # the other worker usually finishes within seconds; if it died, its lease expires and a retry takes over
        raise Retryable(f"Another worker ({existing.owner}) is importing this order right now.",
                        duplicate=True) from None
    fence = ctx.bindings.fence(claim, CLAIM_LEASE)
    co = ctx.bc.company(company.bc_company_id)
    this = {"fingerprint": fingerprint(order), "shop_version": _version(order)}
    try:
        found = _find_existing(co, ext_no)
        resolved = resolve(ctx, co, company, shop, order)
        mapped = mapping.build_sales_order(order, company, shop, resolved)
        if found is None:
            blocking = [p for p in mapped.problems if p.code not in mapping.NON_BLOCKING]
            if blocking:
                raise NeedsAttention(
                    " ".join(p.message for p in blocking),
                    resolution=" ".join(f"{p.resolution}" for p in blocking),
                    code=blocking[0].code,
                    details={"external_id": order.external_id, "bc_company": company.key},
                )
            # what is about to be written survives a lost answer or a crash: whoever takes over knows it
            claim.data = {**claim.data, "writing": this}
            document = create_sales_order(co, mapped, fence, after=lambda created: _write_page_fields(
                ctx, co, company, shop, created, mapped))
            entity_set, how = "salesOrders", "Created"
    except BcAmbiguousWriteError as exc:
        _expire(ctx, claim)
        raise Retryable(f"BC may or may not have created the order ({exc}); will look it up and retry.",
                        retry_after=10) from exc
    except (BcRetryableError, BcError) as exc:
        ctx.bindings.release(claim)
        raise _bc_error(exc, company) from exc
    except ClaimLost:
        raise
    except BaseException:
        ctx.bindings.release(claim)
        raise
    held = this
    if found is not None:
        entity_set, record = found
        how = "Linked"
        # a worker before us created it: BC holds what that worker was writing (else this very event)
        held = claim.data.get("writing") or this
        try:
            document = co.get(entity_set, record["id"])
            if entity_set == "salesOrders" and held["fingerprint"] == this["fingerprint"]:
                # the creator may have died between the deep insert and the header PATCHes: finish them
                # (idempotent: only a differing discount, dimension or page field is written)
                if header_may_change(document, mapped.discount, mapped.dimensions) or mapped.page_fields:
                    fence.check()
                document = apply_header(co, entity_set, document, mapped.discount, mapped.dimensions)
                document = _write_page_fields(ctx, co, company, shop, document, mapped)
        except BcError as exc:
            _expire(ctx, claim)
            raise _bc_error(exc, company) from exc
        except NeedsAttention:  # a custom page refused a rule's field: a person fixes the config, then Retry
            _expire(ctx, claim)
            raise
    claim.data = {k: v for k, v in claim.data.items() if k != "writing"}
    claim.data.update(held)
    claim.data.update({"external_document_number": ext_no, "currency_code": mapped.body.get("currencyCode", ""),
                       # BC sales orders have no payment method field: kept here for payments and invoices
                       "payment_method_code": mapped.payment_method_code or ""})
    number = document.get("number", "")
    if held["fingerprint"] != this["fingerprint"]:
        # BC holds an earlier version of the order than this event: bind that, then treat this as its update
        bound = _bind(ctx, claim, company=company, entity_set=entity_set, document=document)
        _skip_if_superseded(order, bound)
        return _handle_update(ctx, shop, order, bound)
    try:
        note = _check_totals(co, company, entity_set, document, mapped, fence)
    except NeedsAttention:
        _bind(ctx, claim, company=company, entity_set=entity_set, document=document)
        raise
    except BcError as exc:
        _expire(ctx, claim)
        raise _bc_error(exc, company) from exc
    _bind(ctx, claim, company=company, entity_set=entity_set, document=document)
    verb = "Created sales order" if how == "Created" else f"Already in BC as {entity_set}; linked"
    note = (note + " " + _tell_shop_imported(shop, order, number)).strip()
    return Outcome(f"{verb} {number} ({ext_no}) in {company.name or company.key}. {note}",
                   bc_company=company.key, bc_document=f"{entity_set} {number}", external_id=order.external_id)


def _tell_shop_imported(shop: Shop, order: Order, bc_number: str) -> str:
    """A platform that wants to hear that BC has the order (`order_imported` in its flows.py; Norce: order
    status Confirmed) is told, best effort: the BC order exists either way, so a failure is logged and noted."""
    tell = part(shop.platform, "order_imported")
    if tell is None:
        return ""
    try:
        return tell(shop, order, bc_number) or ""
    except Exception as exc:  # noqa: BLE001 - the import succeeded; only the courtesy call failed
        log.warning("order_imported_not_told shop=%s id=%s: %s", shop.key, order.external_id, exc)
        return f"The shop was not told ({getattr(exc, 'message', None) or type(exc).__name__})."


def create_sales_order(co, mapped, fence: Fence, after=None) -> dict:
    """Create the BC sales order (deep insert: header and lines). Every BC write here is preceded by
    fence.check(): a worker whose claim was taken over stops before it writes. `after(document)` writes
    what belongs to the created order elsewhere (custom page fields); if it fails the order is deleted again,
    as for the discount and dimensions, so a retry starts clean."""
    fence.check()
    created, dimensions = _insert_order(co, mapped, fence)
    # discount, and dimensions BC refused inside the deep insert (core/sync/sales_document.py); when there is
    # none (the common case) nothing is written, so no fence check either
    if header_may_change(created, mapped.discount, dimensions):
        fence.check()
    created = complete_sales_order(co, created, mapped.discount, dimensions)
    if after is None or not mapped.page_fields:
        return created
    fence.check()
    try:
        return after(created)
    except (BcError, NeedsAttention):
        discard(co, "salesOrders", created)
        raise


# (company URL, customer) whose BC default dimensions put a code a dimension rule sets on every new order
_defaults_collide: set[tuple[str, str]] = set()


def _insert_order(co, mapped, fence: Fence) -> tuple[dict, list[dict]]:
    """The deep insert, with the dimension rules' lines inside it: one request for the common case. BC refuses
    the whole insert (nothing is kept) when the customer's default dimensions already put one of those codes
    on the order (APIV2DimensionSetLines.Page.al, "The dimension set line already exists"); then the order is
    inserted without them and they are set after creation (read, then PATCH or POST). The message is not
    matched (BC translates it): any 400 on the first try falls back, and a refusal that is about something
    else is raised by the second try. Customers seen colliding skip the first try from then on."""
    key = (co.base, str(mapped.body.get("customerId") or mapped.body.get("customerNumber") or ""))
    if not mapped.dimensions or key in _defaults_collide:
        return co.create("salesOrders", mapped.body), mapped.dimensions
    try:
        return co.create("salesOrders", {**mapped.body, "dimensionSetLines": mapped.dimensions}), []
    except BcError as exc:
        if exc.status != 400:
            raise
    fence.check()
    created = co.create("salesOrders", mapped.body)
    _defaults_collide.add(key)
    return created, mapped.dimensions


def _write_page_fields(ctx: Context, co, company: Company, shop: Shop, document: dict, mapped) -> dict:
    """Field rules with a `page.` target, written into the tenant's custom pages once the order exists
    (idempotent: only a differing value is PATCHed). Returns the order re-read when a write changed it (a
    field of the order's table may change the order's ETag)."""
    if not mapped.page_fields:
        return document
    rules: dict[str, list[str]] = {}
    for rule in shop.field_rules:
        if rule.target.startswith("page."):
            rules.setdefault(rule.target.split(".")[1], []).append(rule.name)
    sent = custom_pages.write_page_fields(co, ctx.config.bc, company, document, mapped.page_fields, rules)
    return co.get("salesOrders", document["id"]) if sent else document


def _bind(ctx: Context, claim: Binding, *, company: Company, entity_set: str, document: dict) -> Binding:
    """Say "bound" (ETag-guarded: a claim taken over meanwhile raises ClaimLost)."""
    return _state_write(ctx.bindings.bind, claim, bc_company=company.key, bc_entity=entity_set,
                        bc_id=document["id"], bc_number=document.get("number", ""))


def _expire(ctx: Context, claim: Binding) -> None:
    """Keep the claim (and what it was writing) but let the next attempt take it over at once."""
    from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

    claim.lease_until = datetime.now(UTC)
    try:
        ctx.bindings.update(claim)
    except (ResourceModifiedError, ResourceNotFoundError):
        pass  # taken over already


def _check_totals(co, company: Company, entity_set: str, document: dict, mapped, fence: Fence) -> str:
    """The BC document's total against the shop's, the same whether this worker created it or found it.
    A sales order gets a rounding line (within tolerance); a posted invoice can only be compared."""
    if entity_set == "salesOrders":
        return _reconcile_totals(co, company, document, mapped, fence)
    difference = mapped.shop_total - Decimal(str(document.get("totalAmountIncludingTax", "0")))
    if abs(difference) <= company.rounding_tolerance:
        return "Totals match." if difference == 0 else f"Totals differ by {difference} (within tolerance)."
    raise NeedsAttention(
        f"Invoice {document.get('number')} in BC differs from the shop total {mapped.shop_total} by {difference}.",
        resolution="Check the posted invoice against the shop order and correct it with a credit memo or an "
                   "additional invoice, then press Retry to close this record.",
        code="total_mismatch", details={"bc_company": company.key})


def _apply_update(ctx: Context, shop: Shop, order: Order, binding: Binding) -> Outcome:
    """Replace the open BC order's lines with the shop's current ones (BC has no deep PATCH)."""
    company = ctx.config.company(binding.bc_company)
    co = ctx.bc.company(company.bc_company_id)
    claim = _claim_bound(ctx, binding)
    fence = ctx.bindings.fence(claim, CLAIM_LEASE)
    try:
        current = co.get("salesOrders", claim.bc_id, expand=["salesOrderLines"])
        mapped = mapping.build_sales_order(order, company, shop, resolve(ctx, co, company, shop, order))
        blocking = [p for p in mapped.problems if p.code not in mapping.NON_BLOCKING]
        if blocking:
            raise NeedsAttention(" ".join(p.message for p in blocking),
                                 resolution=" ".join(p.resolution for p in blocking), code=blocking[0].code)
        lines_path = f"salesOrders({claim.bc_id})/salesOrderLines"
        for line in current.get("salesOrderLines", []):
            fence.check()
            co.delete(lines_path, line["id"], etag=line["@odata.etag"])
        for line in mapped.body["salesOrderLines"]:
            fence.check()
            co.create(lines_path, {k: v for k, v in line.items() if k != "dimensionSetLines"})
        header = co.get("salesOrders", claim.bc_id)
        fence.check()
        updated = apply_header(co, "salesOrders", header, mapped.discount, mapped.dimensions)
        updated = _write_page_fields(ctx, co, company, shop, updated, mapped)
        note = _reconcile_totals(co, company, updated, mapped, fence)
    except BcPermanentError as exc:
        _end_claim(ctx, claim)
        if exc.status == 404:
            raise NeedsAttention(
                f"Order {order.number} changed in the shop, but BC sales order {binding.bc_number} no longer exists "
                "(probably shipped and invoiced).",
                resolution="Handle the change in BC by hand (credit memo or an additional order).",
                code="changed_after_invoice") from exc
        raise _bc_error(exc, company) from exc
    except BcError as exc:
        _end_claim(ctx, claim)
        raise _bc_error(exc, company) from exc
    except NeedsAttention as exc:
        if exc.code == "total_mismatch":  # the lines are the shop's now; the total needs a person
            claim.data = {**claim.data, "fingerprint": fingerprint(order), "shop_version": _version(order)}
            _state_write(ctx.bindings.done, claim)
        else:
            _end_claim(ctx, claim)
        raise
    except ClaimLost:
        raise
    except BaseException:
        _end_claim(ctx, claim)
        raise
    claim.data = {**claim.data, "fingerprint": fingerprint(order), "shop_version": _version(order)}
    _state_write(ctx.bindings.done, claim)
    return Outcome(f"Applied the shop's changes to BC sales order {binding.bc_number}. {note}",
                   bc_company=company.key, bc_document=f"salesOrders {binding.bc_number}",
                   external_id=order.external_id)


def _end_claim(ctx: Context, claim: Binding) -> None:
    """Give up a claim on a bound row after a failure (its data unchanged: the retry starts over)."""
    from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError

    try:
        ctx.bindings.done(claim)
    except (ResourceModifiedError, ResourceNotFoundError):
        pass  # taken over: the other worker owns it now


def _find_existing(co, ext_no: str) -> tuple[str, dict] | None:
    """Look the order up in salesOrders and salesInvoices in one request."""
    query = encode_query([("$filter", f"externalDocumentNumber eq {odata_string(ext_no)}"),
                          ("$select", "id,number,externalDocumentNumber")])
    results = co.batch([BatchOp("GET", f"salesOrders?{query}"), BatchOp("GET", f"salesInvoices?{query}")])
    for entity_set, result in zip(("salesOrders", "salesInvoices"), results, strict=True):
        if not result.ok:
            raise result.error
        rows = (result.body or {}).get("value", [])
        if rows:
            return entity_set, rows[0]
    return None


def _reconcile_totals(co, company: Company, created: dict, mapped, fence: Fence) -> str:
    return settle_bc_total(  # the rounding line is a BC write like any other: fenced when there is one
        co, company, document=created, lines_path=f"salesOrders({created['id']})/salesOrderLines",
        shop_total=mapped.shop_total, rounding_tax_code=mapped.rounding_tax_code,
        what=f"Sales order {created.get('number')}", against="the shop total",
        resolution="Check tax codes and prices of the BC order against the shop order and correct the BC order "
                   "before shipping it (adjust [companies] tax_codes or rounding_tolerance if the mapping is "
                   "wrong), then press Retry to close this record.",
        before_write=fence.check,
    )


def _bc_error(exc: BcError, company: Company) -> Exception:
    _cache.clear()  # the refusal may name an id this process cached; the next attempt looks them up again
    if isinstance(exc, BcRetryableError):
        return Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after)
    if isinstance(exc, BcPermanentError):
        return NeedsAttention(
            f"Business Central refused the order: {exc.message} (code {exc.code}).",
            resolution=f"Fix what BC names in company {company.name or company.key} (or the mapping that produced it), "
                       "then retry this record.",
            code="bc_rejected", details={"bc_company": company.key},
        )
    return Retryable(f"Business Central error: {exc}")


# ---- dependencies: customer, items, variants, locations (cached per process; safe to drop) ----

# keyed by the company's URL (environment and company), so two BC environments never share an id; dropped
# whenever BC refuses something, so an id gone stale (a customer deleted and made again in BC) heals on retry
_cache: dict[tuple, dict] = {}


def _cached_first(co, entity_set: str, filter_: str, select: str = "id,number") -> dict | None:
    key = (co.base, entity_set, filter_)
    if key not in _cache:
        record = co.first(entity_set, filter=filter_, select=select.split(","))
        if record is None:
            return None
        _cache[key] = record
    return _cache[key]


def resolve(ctx: Context, co, company: Company, shop: Shop, order: Order) -> mapping.Resolved:
    customer_number, customer_id = _resolve_customer(ctx, co, company, shop, order)
    items: dict[str, mapping.ResolvedItem] = {}
    keys = mapping.item_keys(order, shop)
    if shop.trimit is not None:  # a TRIMIT SKU is its own item, maybe found through the matrix page
        keys = trimit.order_item_keys(ctx.bc, company, ctx.config.bc, shop, order, keys)
    for line_id, (number, variant_code) in keys.items():
        if not number:
            continue
        item = _cached_first(co, "items", f"number eq {odata_string(number.upper())}", "id,number,taxGroupCode")
        if item is None:
            continue
        variant_id = None
        if variant_code:
            variant = _cached_first(
                co, "itemVariants",
                f"itemId eq {item['id']} and code eq {odata_string(variant_code.upper())}", "id,code",
            )
            if variant is None:
                continue
            variant_id = variant["id"]
        items[line_id] = mapping.ResolvedItem(item_id=item["id"], item_number=item["number"], variant_id=variant_id)
    locations: dict[str, str] = {}
    for shop_location, codes in shop.locations.items():
        if codes:
            location = _cached_first(co, "locations", f"code eq {odata_string(codes[0].upper())}", "id,code")
            if location is not None:
                locations[shop_location] = location["id"]
    return mapping.Resolved(customer_number=customer_number, customer_id=customer_id, items=items,
                            locations=locations)


def _resolve_customer(ctx: Context, co, company: Company, shop: Shop, order: Order) -> tuple[str | None, str | None]:
    customer = order.customer
    strategy = shop.orders.customer_strategy
    is_b2b = customer.kind is CustomerKind.COMPANY and shop.orders.b2b_to_company_customer
    if strategy == "default_customer" and not is_b2b or not customer.email:
        number = company.default_customers.get(order.market) or company.default_customers.get(
            order.country) or company.default_customers.get("*")
        if not number:
            raise NeedsAttention(
                f"No default customer for market {order.market or order.country or '(none)'} in company {company.key}.",
                resolution=f'add default_customers = {{ "*" = "<customer no.>" }} to [[companies]] '
                           f'key = "{company.key}"',
                code="no_default_customer",
            )
        return number, None
    ref = customers.find_or_create_customer(co, customer, order.billing_address, as_company=is_b2b, cache=_cache,
                                            claims=ctx.bindings)
    return ref.number, ref.id


# ---- cancellations ----

def cancel_order(ctx: Context, shop: Shop, order: Order, binding: Binding | None = None) -> Outcome:
    """The shop order is cancelled (its signed body says so): delete the open BC order, or remember the
    cancellation if the order is not in BC (a tombstone), so that a late create never imports it."""
    cancelled = {"cancelled_at": order.cancelled_at.isoformat() if order.cancelled_at else "",
                 "shop_version": _version(order), "fingerprint": fingerprint(order)}
    if binding is None:
        try:
            ctx.bindings.tombstone("order", shop.key, order.external_id, {**cancelled, "number": order.number})
        except AlreadyClaimed:
            raise Retryable("Another worker is importing this order right now; the cancellation follows it.",
                            retry_after=5, duplicate=True) from None
        raise Skip(f"Order {order.number} was cancelled in the shop before it reached BC; nothing to delete. "
                   "Remembered, so a late create or update of this order will not create a BC order.")
    if binding.is_cancelled:
        raise Skip(_cancelled_reason(order, binding), duplicate=True)
    if binding.state == CLAIMED:
        return _cancel_claimed(ctx, shop, order, binding, cancelled)
    company = ctx.config.company(binding.bc_company)
    if binding.bc_entity != "salesOrders":
        raise NeedsAttention(
            f"Order {order.number} was cancelled in the shop but is already {binding.bc_entity} {binding.bc_number} "
            "(shipped/invoiced) in BC.",
            resolution="Create a credit memo in BC for the invoice, or a refund in the shop, as your process requires.",
            code="cancelled_after_invoice",
        )
    claim = _claim_bound(ctx, binding)
    _delete_sales_order(ctx, company, order, claim)
    claim.data = {**claim.data, **cancelled, "cancelled": True}
    claim.state = "cancelled"
    _state_write(ctx.bindings.done, claim)
    return Outcome(f"Cancelled in the shop: deleted open BC sales order {binding.bc_number}.",
                   bc_company=company.key, bc_document=f"salesOrders {binding.bc_number} (deleted)",
                   external_id=order.external_id)


def _delete_sales_order(ctx: Context, company: Company, order: Order, claim: Binding) -> None:
    co = ctx.bc.company(company.bc_company_id)
    fence = ctx.bindings.fence(claim, CLAIM_LEASE)
    try:
        current = co.get("salesOrders", claim.bc_id)
        fence.check()
        co.delete("salesOrders", claim.bc_id, etag=current["@odata.etag"])
    except BcPermanentError as exc:
        if exc.status == 404 and _nowhere_in_bc(co, claim):
            return  # an earlier attempt deleted it and died before it could say so
        _end_claim(ctx, claim)
        if exc.status == 404:
            raise NeedsAttention(
                f"Order {order.number} was cancelled, but BC sales order {claim.bc_number} no longer exists "
                "(probably shipped and invoiced).",
                resolution="Check the posted invoice in BC and create a credit memo if the customer was charged.",
                code="cancelled_after_invoice",
            ) from exc
        raise _bc_error(exc, company) from exc
    except BcError as exc:
        _end_claim(ctx, claim)
        raise _bc_error(exc, company) from exc


def _nowhere_in_bc(co, claim: Binding) -> bool:
    """Neither an open order nor a posted invoice carries this order's document number."""
    ext_no = claim.data.get("external_document_number")
    try:
        return bool(ext_no) and _find_existing(co, ext_no) is None
    except BcError:
        return False  # cannot tell now: the caller reports what it knows


def _cancel_claimed(ctx: Context, shop: Shop, order: Order, binding: Binding, cancelled: dict) -> Outcome:
    """Cancelled while a create was in progress or died half-way: wait for a live worker; take a dead
    worker's claim over, look BC up and delete what it may have created."""
    if binding.held_by_other(""):
        raise Retryable("Another worker is importing this order right now; the cancellation follows it.",
                        retry_after=5, duplicate=True)
    try:
        claim = ctx.bindings.claim("order", shop.key, order.external_id, _owner(), CLAIM_LEASE)
    except AlreadyClaimed:
        raise Retryable("Another worker took this order over; the cancellation follows it.", retry_after=5,
                        duplicate=True) from None
    company = mapping.route(order, ctx.config)
    ext_no = mapping.external_document_number(order, shop)
    try:
        found = _find_existing(ctx.bc.company(company.bc_company_id), ext_no)
    except BcError as exc:
        _expire(ctx, claim)
        raise _bc_error(exc, company) from exc
    claim.data = {**claim.data, "external_document_number": ext_no}
    if found is not None:
        entity_set, record = found
        claim = _bind(ctx, claim, company=company, entity_set=entity_set, document=record)
        return cancel_order(ctx, shop, order, claim)
    claim.state, claim.lease_until = "cancelled", None
    claim.data = {k: v for k, v in claim.data.items() if k != "writing"} | cancelled | {"number": order.number}
    _state_write(ctx.bindings.update, claim)
    raise Skip(f"Order {order.number} was cancelled in the shop before it reached BC; nothing to delete. "
               "Remembered, so a late create or update of this order will not create a BC order.")


# ---- reconcile: the safety net for missed webhooks ----

def reconcile_orders(ctx: Context, now: datetime | None = None) -> int:
    """Enqueue orders changed since each shop's cursor that BC does not have yet (or that changed since they
    were imported); advance a shop's cursor only after its whole window succeeded."""
    queued = 0
    for shop in ctx.config.shops:
        if "orders" not in shop.flows or not capabilities.present(shop.platform, "orders reconcile"):
            continue  # no client, or one without a changed-since listing (Brink): the webhooks are all there is
        start = (datetime.combine(shop.orders.cutoff, datetime.min.time(), UTC) if shop.orders.cutoff
                 else (now or datetime.now(UTC)) - timedelta(days=1))
        window = ctx.cursors.window("orders", shop.key, start=start, now=now,
                                    overlap=timedelta(minutes=shop.orders.reconcile_overlap_minutes))
        try:
            queued += enqueue_changed_orders(ctx, shop, window.since, window.until, source="reconcile")
        except Exception:
            # one shop being down must not stop the others; its cursor stays, so the next run retries
            log.exception("reconcile_failed shop=%s since=%s", shop.key, window.since.isoformat())
            continue
        ctx.cursors.advance("orders", shop.key, window)
        if shop.platform == "woocommerce":  # WooCommerce switches webhooks off silently: say so
            from core.sync.webhook_health import check_woocommerce_webhooks
            check_woocommerce_webhooks(ctx, shop)
    return queued


def enqueue_changed_orders(ctx: Context, shop: Shop, since: datetime, until: datetime, *,
                           source: str = "reconcile", progress: Callable[[int, int], None] | None = None) -> int:
    """Read the shop's orders updated in [since, until) and queue each one BC does not have in its current
    form. Used by the reconcile timer (with its cursor) and by `python -m core backfill` (without).
    `progress(read, queued)` is told the counts as orders are read (the backfill command prints them)."""
    adapter = platform(shop.platform)
    client = adapter.client.client_for(shop)
    queued = read = 0
    for read, raw_order in enumerate(client.orders_updated_between(since, until), start=1):
        if progress and read > 1:
            progress(read - 1, queued)  # the orders before this one are settled
        try:
            order = adapter.parse.parse_order(raw_order, shop.key, shop.orders.currency_basis)
            external_id = order.external_id
        except NeedsAttention:
            order = None
            external_id = str(raw_order.get("id") or raw_order.get("entity_id") or raw_order.get("number")
                              or raw_order.get("Id") or "")  # Geins answers PascalCase
        binding = ctx.bindings.get("order", shop.key, external_id)
        if binding is not None and binding.is_cancelled:
            continue
        if (binding is not None and binding.is_bound and order is not None and order.cancelled_at is None
                and binding.data.get("fingerprint") == fingerprint(order)):
            continue  # unchanged for BC; a cancellation changes no line, but it is news (the worker cancels)
        ref = ctx.inbox.store(shop.key, json.dumps(raw_order).encode(), {"content-type": "application/json"},
                              source=source)
        enqueue(ctx.storage, names.ORDERS_IMPORT, Envelope(
            flow="orders", shop=shop.key, external_id=external_id, payload_ref=ref, source=source, topic=source))
        queued += 1
    if progress and read:
        progress(read, queued)
    return queued
