"""Orders shop → BC, one fixed pipeline:

    load payload → parse → skip? → route → claim → resolve dependencies → map (pure) → write once → reconcile → bind

Exactly one BC document per shop order, even with duplicate deliveries, concurrent workers, crashes
and BC responses lost after BC committed:
- the binding row is the claim (insert conflict = someone else has it; a dead worker's lease expires);
- before creating, BC is searched by externalDocumentNumber in salesOrders *and* salesInvoices (a
  shipped-and-invoiced order is no longer a sales order) — both lookups in one $batch request;
- a create whose answer was lost (BcAmbiguousWriteError) is never re-posted blindly: the item is
  retried later, and the retry starts with the lookup.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from core.bc import BatchOp, BcAmbiguousWriteError, BcError, BcPermanentError, BcRetryableError
from core.bc.odata import encode_query, odata_string
from core.config import Company, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.models import CustomerKind, Order
from core.platforms import platform
from core.state import AlreadyClaimed, Envelope, enqueue, names
from core.sync import customers
from core.sync import order_mapping as mapping
from core.sync.context import Context
from core.sync.runner import Outcome
from core.sync.totals import settle_bc_total

log = logging.getLogger("core.sync.orders")

CLAIM_LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
CANCELLED_TOPICS = {"orders/cancelled", "order.deleted"}


def import_order(ctx: Context, envelope: Envelope) -> Outcome:
    shop = _shop(ctx, envelope.shop)
    raw, headers = ctx.inbox.load(envelope.payload_ref)
    adapter = platform(shop.platform)
    if hasattr(adapter.parse, "load_order"):
        # id-only or form-encoded webhooks (Centra, Norce, Brink, Geins): the platform fetches the order itself
        order = adapter.parse.load_order(raw, shop, external_id=envelope.external_id)
    else:
        order = adapter.parse.parse_order(_json(raw, envelope), shop.key, shop.orders.currency_basis)
    if envelope.topic in CANCELLED_TOPICS or order.cancelled_at is not None:
        return cancel_order(ctx, shop, order)
    existing = ctx.bindings.get("order", shop.key, order.external_id)
    if existing is not None and existing.state == "cancelled":
        raise Skip(f"Order was cancelled and its BC order {existing.bc_number} deleted; later updates are ignored.")
    if existing is not None and existing.is_bound:
        return _handle_update(ctx, shop, order, existing)
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


def _handle_update(ctx: Context, shop: Shop, order: Order, binding) -> Outcome:
    """An order already in BC changed in the shop (orders/updated, a reconcile or a replay)."""
    if binding.data.get("fingerprint") == fingerprint(order):
        raise Skip(f"Already imported as {binding.bc_entity} {binding.bc_number} in company {binding.bc_company}; "
                   "nothing that matters to BC changed.", duplicate=True)
    if binding.bc_entity == "salesOrders" and shop.orders.on_update == "apply":
        return _apply_update(ctx, shop, order, binding)
    # A person handles this change. Remember it as seen, so that Retry (after fixing BC) closes the record,
    # and only a further change flags the order again.
    binding.data = {**binding.data, "fingerprint": fingerprint(order)}
    ctx.bindings.update(binding)
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


def _json(raw: bytes, envelope: Envelope):
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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
        claim = ctx.bindings.claim("order", shop.key, order.external_id, WORKER, CLAIM_LEASE)
    except AlreadyClaimed as exc:
        existing = exc.binding
        if existing.is_bound:
            raise Skip(f"Already imported as {existing.bc_entity} {existing.bc_number} in company "
                       f"{existing.bc_company}.", duplicate=True) from None
        # the other worker usually finishes within seconds; if it died, its lease expires and a retry takes over
        raise Retryable(f"Another worker ({existing.owner}) is importing this order right now.",
                        duplicate=True) from None
    co = ctx.bc.company(company.bc_company_id)
    try:
        found = _find_existing(co, ext_no)
        if found is not None:
            entity_set, record = found
            ctx.bindings.bind(claim, bc_company=company.key, bc_entity=entity_set, bc_id=record["id"],
                              bc_number=record.get("number", ""))
            return Outcome(f"Already in BC as {entity_set} {record.get('number')} (found by {ext_no}); linked.",
                           bc_company=company.key, bc_document=f"{entity_set} {record.get('number')}",
                           external_id=order.external_id)
        resolved = resolve(ctx, co, company, shop, order)
        mapped = mapping.build_sales_order(order, company, shop, resolved)
        blocking = [p for p in mapped.problems if p.code not in mapping.NON_BLOCKING]
        if blocking:
            raise NeedsAttention(
                " ".join(p.message for p in blocking),
                resolution=" ".join(f"{p.resolution}" for p in blocking),
                code=blocking[0].code,
                details={"external_id": order.external_id, "bc_company": company.key},
            )
        created = co.create("salesOrders", mapped.body)
    except BcAmbiguousWriteError as exc:
        ctx.bindings.release(claim)
        raise Retryable(f"BC may or may not have created the order ({exc}); will look it up and retry.",
                        retry_after=10) from exc
    except (BcRetryableError, BcError) as exc:
        ctx.bindings.release(claim)
        raise _bc_error(exc, company) from exc
    except BaseException:
        ctx.bindings.release(claim)
        raise
    claim.data = {**claim.data, "fingerprint": fingerprint(order), "external_document_number": ext_no,
                  "currency_code": mapped.body.get("currencyCode", ""),
                  # BC sales orders have no payment method field: kept here for payments and invoices
                  "payment_method_code": mapped.payment_method_code or ""}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="salesOrders", bc_id=created["id"],
                      bc_number=created.get("number", ""))
    note = _reconcile_totals(co, company, created, mapped)
    return Outcome(f"Created sales order {created.get('number')} ({ext_no}) in {company.name or company.key}. {note}",
                   bc_company=company.key, bc_document=f"salesOrders {created.get('number')}",
                   external_id=order.external_id)


def _apply_update(ctx: Context, shop: Shop, order: Order, binding) -> Outcome:
    """Replace the open BC order's lines with the shop's current ones (BC has no deep PATCH)."""
    company = ctx.config.company(binding.bc_company)
    co = ctx.bc.company(company.bc_company_id)
    try:
        current = co.get("salesOrders", binding.bc_id, expand=["salesOrderLines"])
        mapped = mapping.build_sales_order(order, company, shop, resolve(ctx, co, company, shop, order))
        blocking = [p for p in mapped.problems if p.code not in mapping.NON_BLOCKING]
        if blocking:
            raise NeedsAttention(" ".join(p.message for p in blocking),
                                 resolution=" ".join(p.resolution for p in blocking), code=blocking[0].code)
        lines_path = f"salesOrders({binding.bc_id})/salesOrderLines"
        for line in current.get("salesOrderLines", []):
            co.delete(lines_path, line["id"], etag=line["@odata.etag"])
        for line in mapped.body["salesOrderLines"]:
            co.create(lines_path, {k: v for k, v in line.items() if k != "dimensionSetLines"})
        header = co.get("salesOrders", binding.bc_id)
        updated = co.update("salesOrders", binding.bc_id, {"discountAmount": mapped.body.get("discountAmount", 0)},
                            etag=header["@odata.etag"])
    except BcPermanentError as exc:
        if exc.status == 404:
            raise NeedsAttention(
                f"Order {order.number} changed in the shop, but BC sales order {binding.bc_number} no longer exists "
                "(probably shipped and invoiced).",
                resolution="Handle the change in BC by hand (credit memo or an additional order).",
                code="changed_after_invoice") from exc
        raise _bc_error(exc, company) from exc
    except BcError as exc:
        raise _bc_error(exc, company) from exc
    binding.data = {**binding.data, "fingerprint": fingerprint(order)}
    ctx.bindings.update(binding)
    note = _reconcile_totals(co, company, updated, mapped)
    return Outcome(f"Applied the shop's changes to BC sales order {binding.bc_number}. {note}",
                   bc_company=company.key, bc_document=f"salesOrders {binding.bc_number}",
                   external_id=order.external_id)


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


def _reconcile_totals(co, company: Company, created: dict, mapped) -> str:
    return settle_bc_total(
        co, company, document=created, lines_path=f"salesOrders({created['id']})/salesOrderLines",
        shop_total=mapped.shop_total, rounding_tax_code=mapped.rounding_tax_code,
        what=f"Sales order {created.get('number')}", against="the shop total",
        resolution="Check tax codes and prices of the BC order against the shop order and correct the BC order "
                   "before shipping it (adjust [companies] tax_codes or rounding_tolerance if the mapping is "
                   "wrong), then press Retry to close this record.",
    )


def _bc_error(exc: BcError, company: Company) -> Exception:
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

_cache: dict[tuple, dict] = {}


def _cached_first(co, entity_set: str, filter_: str, select: str = "id,number") -> dict | None:
    key = (co.company_id, entity_set, filter_)
    if key not in _cache:
        record = co.first(entity_set, filter=filter_, select=select.split(","))
        if record is None:
            return None
        _cache[key] = record
    return _cache[key]


def resolve(ctx: Context, co, company: Company, shop: Shop, order: Order) -> mapping.Resolved:
    customer_number, customer_id = _resolve_customer(ctx, co, company, shop, order)
    items: dict[str, mapping.ResolvedItem] = {}
    for line_id, (number, variant_code) in mapping.item_keys(order, shop).items():
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

def cancel_order(ctx: Context, shop: Shop, order: Order) -> Outcome:
    binding = ctx.bindings.get("order", shop.key, order.external_id)
    if binding is None or not binding.is_bound:
        raise Skip("Cancelled in the shop before it was imported; nothing to do in BC.")
    company = ctx.config.company(binding.bc_company)
    if binding.bc_entity != "salesOrders":
        raise NeedsAttention(
            f"Order {order.number} was cancelled in the shop but is already {binding.bc_entity} {binding.bc_number} "
            "(shipped/invoiced) in BC.",
            resolution="Create a credit memo in BC for the invoice, or a refund in the shop, as your process requires.",
            code="cancelled_after_invoice",
        )
    co = ctx.bc.company(company.bc_company_id)
    try:
        current = co.get("salesOrders", binding.bc_id)
        co.delete("salesOrders", binding.bc_id, etag=current["@odata.etag"])
    except BcPermanentError as exc:
        if exc.status == 404:
            raise NeedsAttention(
                f"Order {order.number} was cancelled, but BC sales order {binding.bc_number} no longer exists "
                "(probably shipped and invoiced).",
                resolution="Check the posted invoice in BC and create a credit memo if the customer was charged.",
                code="cancelled_after_invoice",
            ) from exc
        raise _bc_error(exc, company) from exc
    except BcError as exc:
        raise _bc_error(exc, company) from exc
    binding.data = {**binding.data, "cancelled": True}
    binding.state = "cancelled"
    ctx.bindings.update(binding)
    return Outcome(f"Cancelled in the shop: deleted open BC sales order {binding.bc_number}.",
                   bc_company=company.key, bc_document=f"salesOrders {binding.bc_number} (deleted)",
                   external_id=order.external_id)


# ---- reconcile: the safety net for missed webhooks ----

def reconcile_orders(ctx: Context, now: datetime | None = None) -> int:
    """Enqueue orders changed since each shop's cursor that BC does not have yet (or that changed since they
    were imported); advance a shop's cursor only after its whole window succeeded."""
    queued = 0
    for shop in ctx.config.shops:
        if "orders" not in shop.flows or getattr(platform(shop.platform), "client", None) is None:
            continue
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
                           source: str = "reconcile") -> int:
    """Read the shop's orders updated in [since, until) and queue each one BC does not have in its current
    form. Used by the reconcile timer (with its cursor) and by `python -m core backfill` (without)."""
    adapter = platform(shop.platform)
    client = adapter.client.client_for(shop)
    queued = 0
    for raw_order in client.orders_updated_between(since, until):
        try:
            order = adapter.parse.parse_order(raw_order, shop.key, shop.orders.currency_basis)
            external_id = order.external_id
        except NeedsAttention:
            order = None
            external_id = str(raw_order.get("id") or raw_order.get("entity_id") or raw_order.get("number") or "")
        binding = ctx.bindings.get("order", shop.key, external_id)
        if (binding is not None and binding.is_bound and order is not None
                and binding.data.get("fingerprint") == fingerprint(order)):
            continue
        ref = ctx.inbox.store(shop.key, json.dumps(raw_order).encode(), {"content-type": "application/json"},
                              source=source)
        enqueue(ctx.storage, names.ORDERS_IMPORT, Envelope(
            flow="orders", shop=shop.key, external_id=external_id, payload_ref=ref, source=source, topic=source))
        queued += 1
    return queued
