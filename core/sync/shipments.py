"""Shipments BC → shops (timer). One fixed pipeline per posted BC shipment:

    read (cursor window) → which shop order? → already pushed? → tracking (or wait for it) → claim
        → map lines (pure) → push to the shop → bind → log

- BC: `salesShipments` (with `salesShipmentLines`) whose lastModifiedDateTime is in the window of the
  company's cursor (Cursors flow "shipments", key = company; overlap OVERLAP; first run reaches back
  `lookback_days`). Standard API v2.0 has no tracking number: with `[bc.pages] shipments_with_tracking`
  the published Posted Sales Shipments page gives `Package_Tracking_No` and `Shipping_Agent_Code`; without
  it shipments go out without tracking (logged once per process).
- Which order: `externalDocumentNumber` of the shipment = the order binding's
  `data.external_document_number`. Order bindings are keyed by shop order id, so this flow keeps a
  reverse index in Bindings, kind "order-by-extdoc", partition per BC company, rows `ext:<EXTDOC>` and
  `so:<BC order no>` (for orders linked to an existing BC order, whose binding has no extdoc). It is
  refreshed incrementally: only order bindings written since the last refresh (Table `Timestamp`,
  Cursors flow "shipments-order-index", key = shop) are read. Shipments of orders that did not come from
  a shop with the shipments flow are ignored.
- Exactly once: each shipment has its own binding (kind "shipment", external id `<company>:<shipment
  no>`; shipment numbers repeat across BC companies). Claim → push → bind; a bound shipment is never
  pushed again. A retry after a crash between push and bind finds its own work in the shop (Shopify: a
  fulfillment with the tracking number; WooCommerce: the note naming the BC shipment) and binds.
- A shipment with no tracking number yet (page configured) waits up to TRACKING_GRACE after it was posted
  or last changed, then goes without. Waiting and failed shipments hold the company's cursor back, so they
  are read again next run; every failure is in SyncLog (flow "shipments") and never stops the others.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.bc import BcError, BcPermanentError
from core.bc.odata import odata_string
from core.config import Company, Config, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms import part, platform
from core.state import AlreadyClaimed, Binding, SyncStatus, names
from core.state.bindings import BOUND
from core.state.cursors import Window
from core.state.storage import table_key
from core.sync import shipment_mapping as mapping
from core.sync.context import Context

log = logging.getLogger("core.sync.shipments")

FLOW = "shipments"
KIND = "shipment"
INDEX_KIND = "order-by-extdoc"
INDEX_CURSOR = "shipments-order-index"
OVERLAP = timedelta(minutes=10)
TRACKING_GRACE = timedelta(minutes=30)
CLAIM_LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
BC_PAGE_SIZE = 200
PAGE_FIELDS = ["No", "Order_No", "External_Document_No", "Shipping_Agent_Code", "Package_Tracking_No"]
CLOSED_WOO_STATUSES = ("cancelled", "refunded", "failed", "trash")

_warned_without_tracking: set[str] = set()  # per process: say once that tracking is not available


# ---------------------------------------------------------------------------------------------- results

PUSHED, ALREADY, IGNORED, WAITING, FAILED, SKIPPED = "pushed", "already", "ignored", "waiting", "failed", "skipped"
TOLD = "invoice told"  # a posted invoice the shop heard about (not a shipment: not in the pushed count)


@dataclass
class Pushed:
    message: str
    data: dict = field(default_factory=dict)
    attention: str = ""  # pushed, but something a person should look at (the binding still records it as done)


@dataclass
class CompanyRun:
    company: str
    counts: dict[str, int] = field(default_factory=dict)
    hold_at: datetime | None = None  # lastModifiedDateTime of the oldest shipment to read again

    def count(self, status: str, modified: datetime | None) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if status in (WAITING, FAILED) and modified is not None:
            self.hold_at = modified if self.hold_at is None else min(self.hold_at, modified)


# ---------------------------------------------------------------------------------------------- the flow

def export_shipments(ctx: Context, now: datetime | None = None) -> int:
    """Push new BC shipments of every company the shipment shops route to; returns how many were pushed."""
    now = now or datetime.now(UTC)
    shops = [s for s in ctx.config.shops if FLOW in s.flows]
    if not shops:
        return 0
    refresh_order_index(ctx, shops)
    clients: dict[str, object] = {}
    pushed = 0
    for company in shipment_companies(ctx.config, shops):
        lookback = max(s.shipments.lookback_days for s in shops if company.key in _companies_of(ctx.config, s))
        window = ctx.cursors.window(FLOW, company.key, start=now - timedelta(days=lookback), overlap=OVERLAP, now=now)
        try:
            run = _export_company(ctx, company, window, now, clients)
        except Exception:  # noqa: BLE001 - one company (or BC) down must not stop the others; cursor stays
            log.exception("shipments_failed company=%s since=%s", company.key, window.since.isoformat())
            continue
        pushed += run.counts.get(PUSHED, 0)
        until = min(window.until, run.hold_at) if run.hold_at else window.until
        ctx.cursors.advance(FLOW, company.key, Window(since=window.since, until=until, etag=window.etag))
        log.info("shipments_run company=%s %s", company.key,
                 " ".join(f"{k}={v}" for k, v in sorted(run.counts.items())) or "nothing new")
    return pushed


def _companies_of(config: Config, shop: Shop) -> set[str]:
    return {r.company for r in config.routing if r.shop in (None, shop.key)}


def shipment_companies(config: Config, shops: list[Shop]) -> list[Company]:
    """The BC companies whose shipments can belong to these shops' orders (every routing target)."""
    keys = set().union(*(_companies_of(config, s) for s in shops))
    return [c for c in config.companies if c.key in keys]


def _export_company(ctx: Context, company: Company, window: Window, now: datetime, clients: dict) -> CompanyRun:
    run = CompanyRun(company.key)
    co = ctx.bc.company(company.bc_company_id)
    since = window.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    for shipment in co.list("salesShipments", filter=f"lastModifiedDateTime gt {since}",
                            expand=["salesShipmentLines"], page_size=BC_PAGE_SIZE):
        status = export_shipment(ctx, company, co, shipment, now, clients)
        run.count(status, _modified(shipment))
    if any(part(s.platform, "invoice_posted") for s in ctx.config.shops if FLOW in s.flows):
        # platforms that hear about posted BC invoices (Norce: order status Invoiced), in the same window
        for invoice in co.list("salesInvoices", filter=f"lastModifiedDateTime gt {since}", page_size=BC_PAGE_SIZE):
            run.count(export_invoice(ctx, company, co, invoice, since), _modified(invoice))
    return run


def export_invoice(ctx: Context, company: Company, co, invoice: dict, since: str) -> str:
    """Tell the shop of the order that BC posted this invoice, once (binding kind "invoice-status"), after
    the order's shipments in this window went out (a status must not overtake its delivery note; a shipment
    from before the window is never read, so it is not waited for). Never raises."""
    number = str(invoice.get("number") or "")
    target = find_order(ctx, company, invoice) if invoice.get("status") != "Draft" else None
    tell = part(target[0].platform, "invoice_posted") if target else None
    if target is None or tell is None:
        return IGNORED
    shop, order_ref = target
    key = f"{company.key}:invoice:{number}"
    existing = ctx.bindings.get("invoice-status", shop.key, key)
    if existing is not None and existing.is_bound:
        return ALREADY
    order_number = str(invoice.get("orderNumber") or "")
    try:
        shipped = co.list("salesShipments", filter=f"orderNumber eq {odata_string(order_number)} and "
                          f"lastModifiedDateTime gt {since}", select=["number"]) if order_number else []
        if any(not (b := ctx.bindings.get(KIND, shop.key, f"{company.key}:{s['number']}")) or not b.is_bound
               for s in shipped):
            return WAITING
        claim = ctx.bindings.claim("invoice-status", shop.key, key, WORKER, CLAIM_LEASE)
    except AlreadyClaimed:
        return FAILED
    except BcError as exc:
        log.warning("invoice %s of %s: %s", number, company.key, exc)
        return FAILED
    try:
        pushed = tell(shop, order_ref.data["order_id"], invoice, lambda: order_number == "" or co.first(
            "salesOrders", filter=f"number eq {odata_string(order_number)}", select=["id"]) is None)
    except Skip as exc:
        pushed = Pushed(exc.reason, {"skipped": exc.reason})
    except (NeedsAttention, Retryable, BcError) as exc:
        ctx.bindings.release(claim)
        error = exc.to_bridge_error() if isinstance(exc, BcError) else exc
        _log(ctx, shop, key, company, number, SyncStatus.RECEIVED if isinstance(error, Retryable)
             else SyncStatus.NEEDS_ATTENTION, error.message, resolution=error.resolution, code=error.code,
             document="salesInvoices")
        return FAILED
    except Exception as exc:  # noqa: BLE001 - a bug for one invoice must not stop the others
        ctx.bindings.release(claim)
        log.exception("invoice_status_failed company=%s invoice=%s", company.key, number)
        _log(ctx, shop, key, company, number, SyncStatus.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}",
             resolution="This is a bug or an unclassified outage; the invoice is read again next run. Report it "
                        "with this message if it persists.", code="unexpected_error", document="salesInvoices")
        return FAILED
    claim.data = {**claim.data, "order": order_ref.data.get("order_id"), **pushed.data}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="salesInvoices", bc_id=str(invoice.get("id", "")),
                      bc_number=number)
    _log(ctx, shop, key, company, number, SyncStatus.SKIPPED if "skipped" in pushed.data else SyncStatus.SUCCESS,
         pushed.message, document="salesInvoices")
    return TOLD


def _modified(shipment: dict) -> datetime | None:
    text = shipment.get("lastModifiedDateTime")
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export_shipment(ctx: Context, company: Company, co, shipment: dict, now: datetime, clients: dict) -> str:
    """One shipment through the pipeline; never raises for a per-shipment problem (it is logged)."""
    number = str(shipment.get("number") or "")
    target = find_order(ctx, company, shipment)
    if target is None:
        return IGNORED
    shop, order_ref = target
    key = f"{company.key}:{number}"
    existing = ctx.bindings.get(KIND, shop.key, key)
    if existing is not None and existing.is_bound:
        return ALREADY
    claim = None
    try:
        tracking = _tracking(ctx, company, shop, shipment, now)
        if tracking is None:
            log.info("shipment %s of %s waits for its tracking number", number, company.key)
            return WAITING
        try:
            claim = ctx.bindings.claim(KIND, shop.key, key, WORKER, CLAIM_LEASE)
        except AlreadyClaimed as exc:
            return ALREADY if exc.binding.is_bound else FAILED  # another run is on it; read it again next time
        writer = _writer(shop, clients)
        pushed = writer.push(shop, order_ref.data["order_id"], shipment, tracking,
                             lambda: order_fully_shipped(co, shipment))
    except Skip as exc:
        if claim is not None:
            claim.data = {**claim.data, "order": order_ref.data.get("order_id"), "skipped": exc.reason}
            _bind(ctx, claim, company, shipment)
        _log(ctx, shop, key, company, number, SyncStatus.SKIPPED, exc.reason)
        return SKIPPED
    except (NeedsAttention, Retryable, BcError) as exc:
        if claim is not None:
            ctx.bindings.release(claim)
        error = exc.to_bridge_error() if isinstance(exc, BcError) else exc
        if isinstance(error, Retryable):
            _log(ctx, shop, key, company, number, SyncStatus.RECEIVED,
                 f"Temporary problem, retrying next run: {error.message}")
        else:
            _log(ctx, shop, key, company, number, SyncStatus.NEEDS_ATTENTION, error.message,
                 resolution=error.resolution, code=error.code)
        return FAILED
    except Exception as exc:  # noqa: BLE001 - a bug for one shipment must not stop the others
        if claim is not None:
            ctx.bindings.release(claim)
        log.exception("shipment_failed company=%s shipment=%s", company.key, number)
        _log(ctx, shop, key, company, number, SyncStatus.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}",
             resolution="This is a bug or an unclassified outage; the shipment is read again next run. Report it "
                        "with this message if it persists.", code="unexpected_error")
        return FAILED
    claim.data = {**claim.data, "order": order_ref.data.get("order_id"), **pushed.data}
    _bind(ctx, claim, company, shipment)
    if pushed.attention:
        _log(ctx, shop, key, company, number, SyncStatus.NEEDS_ATTENTION, f"{pushed.message} {pushed.attention}",
             resolution="Check the order in the shop and fulfil what is missing by hand.", code="shipment_partial")
    else:
        _log(ctx, shop, key, company, number, SyncStatus.SUCCESS, pushed.message)
    return PUSHED


def _bind(ctx: Context, claim: Binding, company: Company, shipment: dict) -> None:
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="salesShipments", bc_id=str(shipment.get("id", "")),
                      bc_number=str(shipment.get("number", "")))


def _log(ctx: Context, shop: Shop, key: str, company: Company, number: str, status: SyncStatus, message: str,
         *, resolution: str = "", code: str = "", document: str = "salesShipments") -> None:
    ctx.synclog.record(FLOW, shop.key, key, status, message=message, resolution=resolution, code=code,
                       bc_company=company.key, bc_document=f"{document} {number}", attempt=True)
    log.info("sync_status=%s flow=%s shop=%s id=%s", status, FLOW, shop.key, key)


def order_fully_shipped(co, shipment: dict) -> bool:
    """Is the BC sales order of this shipment shipped completely? (Gone = shipped and invoiced in full.)"""
    order_number = str(shipment.get("orderNumber") or "")
    if not order_number:
        return True
    order = co.first("salesOrders", filter=f"number eq {odata_string(order_number)}",
                     select=["id", "number", "fullyShipped"])
    return order is None or bool(order.get("fullyShipped"))


# ---------------------------------------------------------------------------------------------- tracking

def _tracking(ctx: Context, company: Company, shop: Shop, shipment: dict, now: datetime) -> mapping.Tracking | None:
    """The shipment's tracking; None = not there yet and still within TRACKING_GRACE (wait)."""
    page = ctx.config.bc.pages.shipments_with_tracking
    if not page:
        if company.key not in _warned_without_tracking:
            _warned_without_tracking.add(company.key)
            log.warning("shipments of company %s go to the shops WITHOUT tracking numbers: the standard BC API has "
                        "none; publish Posted Sales Shipments and set [bc.pages] shipments_with_tracking", company.key)
        return mapping.Tracking()
    number = str(shipment.get("number") or "")
    try:
        row = next(iter(ctx.bc.odata_page(company.name or company.bc_company_id, page,
                                          filter=f"No eq {odata_string(number)}", select=PAGE_FIELDS, top=1)), None)
    except BcPermanentError as exc:
        if exc.status == 404:
            raise NeedsAttention(
                f"BC has no published page {page!r} in company {company.name or company.key} ({exc.message}).",
                resolution="publish page 142 Posted Sales Shipments as an ODataV4 web service (Web Services page) "
                           "under this name, or correct [bc.pages] shipments_with_tracking (empty = no tracking)",
                code="shipments_with_tracking_unavailable") from exc
        raise
    row = row or {}
    tracking = mapping.tracking_for(str(row.get("Shipping_Agent_Code") or ""),
                                    str(row.get("Package_Tracking_No") or ""), shop.shipments)
    modified = _modified(shipment)
    if not tracking.known and modified is not None and now - modified < TRACKING_GRACE:
        return None
    return tracking


# ---------------------------------------------------------------------------------------------- order index

def find_order(ctx: Context, company: Company, shipment: dict) -> tuple[Shop, Binding] | None:
    """The shop order a shipment belongs to (via the reverse index), if its shop exports shipments."""
    ext = str(shipment.get("externalDocumentNumber") or "").strip().upper()
    order_no = str(shipment.get("orderNumber") or "").strip().upper()
    keys = ([f"ext:{ext}"] if ext else []) + ([f"so:{order_no}"] if order_no else [])
    for key in keys:
        ref = ctx.bindings.get(INDEX_KIND, company.key, key)
        if ref is None:
            continue
        shop = ctx.config.shop(ref.data.get("shop", ""))
        if shop is not None and FLOW in shop.flows:
            return shop, ref
    return None


def refresh_order_index(ctx: Context, shops: list[Shop]) -> int:
    """Index order bindings written since the last refresh by extdoc and BC order number; returns rows written.

    Table `Timestamp` is the storage server's clock, so the index cursor uses real time (not the run's `now`).
    """
    table = ctx.storage.table(names.BINDINGS)
    written = 0
    for shop in shops:
        window = ctx.cursors.window(INDEX_CURSOR, shop.key, start=datetime(2000, 1, 1, tzinfo=UTC), overlap=OVERLAP)
        try:
            rows = table.query_entities(
                "PartitionKey eq @p and Timestamp ge @t",
                parameters={"p": table_key(f"order|{shop.key}"), "t": window.since},
                select=["ExternalId", "State", "BcCompany", "BcEntity", "BcNumber", "Data"])
            for entity in rows:
                for company, key, data in index_rows(shop.key, entity):
                    table.upsert_entity({
                        "PartitionKey": table_key(f"{INDEX_KIND}|{company}"), "RowKey": table_key(key),
                        "Kind": INDEX_KIND, "Shop": company, "ExternalId": key, "State": BOUND, "Owner": "",
                        "BcCompany": company, "BcId": "", "BcNumber": data["bc_number"],
                        "BcEntity": data["bc_entity"], "Data": json.dumps(data)})
                    written += 1
        except Exception:  # noqa: BLE001 - retried next run from the same cursor
            log.exception("shipments: order index refresh failed for %s", shop.key)
            continue
        ctx.cursors.advance(INDEX_CURSOR, shop.key, window)
    return written


def index_rows(shop_key: str, entity) -> list[tuple[str, str, dict]]:
    """(company, row key, data) index rows for one order binding entity (none unless bound to a BC company)."""
    if entity.get("State") != BOUND or not entity.get("BcCompany"):
        return []
    data = json.loads(entity.get("Data") or "{}")
    ref = {"shop": shop_key, "order_id": entity["ExternalId"], "bc_entity": entity.get("BcEntity", ""),
           "bc_number": entity.get("BcNumber", "")}
    rows = []
    ext = str(data.get("external_document_number") or "").strip().upper()
    if ext:
        rows.append((entity["BcCompany"], f"ext:{ext}", ref))
    if ref["bc_entity"] == "salesOrders" and ref["bc_number"]:
        rows.append((entity["BcCompany"], f"so:{ref['bc_number'].upper()}", ref))
    return rows


# ---------------------------------------------------------------------------------------------- shop writers

class ShopifyShipmentWriter:
    """fulfillmentCreate on the order's open fulfillment orders, one fulfillment per assigned location."""

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking: mapping.Tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = shipment.get("number")
        order = self.client.order_fulfillment(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Shopify order {order_id}, which no longer exists in the shop.",
                resolution="Nothing to send; check the order in BC. Retry this record if the order comes back.",
                code="shop_order_missing")
        name = order.get("name") or order_id
        if tracking.known and _has_tracking(order, tracking.number):
            return Pushed(f"Already fulfilled in Shopify with tracking {tracking.number} (order {name}); linked.",
                          {"tracking": tracking.number, "recovered": True})
        shipped = mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        if not shipped:
            raise Skip(f"BC shipment {number} has no item lines to fulfil.")
        open_lines = mapping.shopify_open_lines(shop, mapping.nodes(order.get("fulfillmentOrders")))
        if not open_lines:
            raise Skip(f"Order {name} has nothing left to fulfil in Shopify (fulfilled there already).")
        allocation = mapping.allocate(shipped, open_lines)
        if allocation.empty:
            raise NeedsAttention(
                f"BC shipment {number} matches no open line of Shopify order {name}: "
                + "; ".join(allocation.problems) + ".",
                resolution=f'map the shop SKUs to these BC items in [shops.items] of shop "{shop.key}" and retry, '
                           "or fulfil the order in Shopify by hand",
                code="shipment_unmatched")
        info = {"company": tracking.company, "number": tracking.number, "url": tracking.url}
        created: list[str] = []
        for group in allocation.groups_by_location():
            body = [{"fulfillmentOrderId": fo_id,
                     "fulfillmentOrderLineItems": [{"id": li, "quantity": q} for li, q in lines]}
                    for fo_id, lines in group.items()]
            answer = self.client.create_fulfillment(body, tracking=info,
                                                    notify_customer=shop.shipments.notify_customer)
            errors = "; ".join(str(e.get("message")) for e in answer["userErrors"])
            if errors and not created:
                raise NeedsAttention(f"Shopify refused the fulfilment of order {name} for BC shipment {number}: "
                                     f"{errors}",
                                     resolution="Check the order's fulfilment in Shopify (edited or fulfilled by "
                                                "hand?); fulfil it there by hand or retry this record.",
                                     code="shop_rejected")
            if errors:  # an earlier location's fulfillment exists: record it, do not push again
                return Pushed(f"Fulfilled part of order {name} in Shopify ({', '.join(created)}).",
                              {"fulfillments": created, "tracking": tracking.number},
                              attention=f"Shopify refused the rest: {errors}")
            created.append(answer["fulfillment"]["id"])
        text = f"Fulfilled {allocation.quantity} item(s) of order {name} in Shopify"
        text += f" with {tracking.company} tracking {tracking.number}." if tracking.known else " without tracking."
        data = {"fulfillments": created, "tracking": tracking.number}
        if allocation.problems:
            return Pushed(text, data, attention="Not placed: " + "; ".join(allocation.problems) + ".")
        return Pushed(text, data)


def _has_tracking(order: dict, number: str) -> bool:
    for fulfillment in order.get("fulfillments") or []:
        if any((info or {}).get("number") == number for info in fulfillment.get("trackingInfo") or []):
            return True
    return False


class WooShipmentWriter:
    """Order status `completed` once BC shipped everything, and an order note with carrier and tracking."""

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking: mapping.Tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = str(shipment.get("number") or "")
        marker = mapping.note_marker(number)
        if any(marker in str(n.get("note") or "") for n in self.client.order_notes(order_id)):
            return Pushed(f"WooCommerce order {order_id} already has the note for {marker}; linked.",
                          {"recovered": True, "tracking": tracking.number})
        order = self.client.order(order_id)
        status = str(order.get("status") or "")
        if status in CLOSED_WOO_STATUSES:
            raise NeedsAttention(
                f"BC shipment {number} belongs to WooCommerce order {order_id}, which is {status} in the shop.",
                resolution="Check why a cancelled/refunded order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        complete = fully_shipped()
        # status first, note last: the note is the marker that this shipment is done
        if complete and status != "completed":
            self.client.update_order(order_id, {"status": "completed"})
        self.client.add_order_note(order_id, mapping.shipment_note(number, tracking, complete=complete),
                                   customer_note=shop.shipments.notify_customer)
        text = (f"WooCommerce order {order_id} {'completed' if complete else 'partly shipped (status unchanged)'}; "
                f"note added" + (f" with {tracking.company} tracking {tracking.number}." if tracking.known
                                 else " without tracking."))
        return Pushed(text, {"tracking": tracking.number, "completed": complete})


WRITERS = {"shopify": ShopifyShipmentWriter, "woocommerce": WooShipmentWriter}  # the others: core.platforms.part


def _writer(shop: Shop, clients: dict):
    writer = WRITERS.get(shop.platform) or part(shop.platform, "ShipmentWriter")
    if writer is None:
        raise NeedsAttention(f"Shipment export is not available for {shop.platform} shops in this version.",
                             resolution=f'remove "shipments" from flows of shop "{shop.key}"',
                             code="shipments_unsupported")
    if shop.key not in clients:
        clients[shop.key] = writer(platform(shop.platform).client.client_for(shop))
    return clients[shop.key]
