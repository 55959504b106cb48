"""Stock BC → shops, per location, only what changed. One fixed pipeline per shop:

    lock → full or delta? → committed quantities → stream BC stock → map (pure) → delta vs snapshot
         → resolve shop targets (cached) → write in batches → remember what the shop accepted

- BC: per location (and variant) from the published page `[bc.pages] stock_by_location` (rows Item_No,
  Variant_Code, Location_Code, Inventory); without mapped locations the standard `items.inventory` total.
  Both are read page by page and handled one item at a time.
- The snapshot (StockSnapshot) holds what the shop was last told; only changed SKU × location pairs are
  written, so an unchanged catalog costs zero shop calls. Every `stock.full_reconcile_hours` (and with
  `--full`) the snapshot is ignored and every pair is written again, which corrects drift.
- Shop targets (Shopify inventory item ids, WooCommerce product ids) are cached in Bindings as kind
  "stock-target" and looked up only for SKUs not in the cache; a SKU the shop does not have is recorded
  once as skipped and re-checked on the next full reconcile.
- Writes go in the platform's batch size (Shopify 250 per inventorySetQuantities, WooCommerce 100). A
  batch that still fails after the clients' own retries is logged and counted; its pairs keep their old
  snapshot value, so the next run retries exactly them. The rest of the run goes on.
- Two runs for the same shop never overlap: the run holds a lease (a Bindings claim, kind "stock-run").
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.bc import BcError, BcPermanentError, BcRetryableError
from core.config import Company, Config, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms import part, platform, stored_order
from core.platforms.shopify import client as shopify_client
from core.state import AlreadyClaimed, Envelope, SyncStatus, enqueue, names
from core.state.cursors import Window
from core.state.snapshot import StockSnapshot, StockTargets
from core.sync import stock_mapping as mapping
from core.sync.context import Context
from core.sync.runner import Outcome

log = logging.getLogger("core.sync.stock")

WORKER = f"{socket.gethostname()}:{os.getpid()}"
RUN_LEASE = timedelta(minutes=30)
FULL_CURSOR = "stock-full"
BC_PAGE_SIZE = 10_000
BATCH_ATTEMPTS = 2  # after the platform client's own retries: one more try of a failed batch (same key)
WRITE_AHEAD = 4  # batches read from BC and waiting for the shop writer
FLUSH_EVERY = 40  # write the snapshot blob every N batches (and at the end), so a crash repeats little
PENDING_STATUSES = (SyncStatus.RECEIVED, SyncStatus.NEEDS_ATTENTION, SyncStatus.FAILED)
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
# shop answers per pair that will not change by retrying: skip the pair until the next full reconcile
NOT_STOCKED = ("ITEM_NOT_STOCKED_AT_LOCATION", "INVALID_LOCATION")
GONE = ("INVALID_INVENTORY_ITEM",)
# the shop answered the write itself that it has no item with this SKU (Geins lists it under NotFound): treated
# like a SKU discovery did not find (skipped once, looked up again on the next full reconcile)
UNKNOWN = ("UNKNOWN_SKU",)
# the shop took the call but keeps no quantity for this SKU (WooCommerce: the product does not manage stock)
NOT_MANAGED = "STOCK_NOT_MANAGED"


# ---------------------------------------------------------------------------------------------- summary

@dataclass
class StockRun:
    shop: str
    full: bool = False
    source: str = ""  # "page <name>" or "items"
    skus: int = 0  # SKUs read from BC
    pairs: int = 0  # SKU × shop location pairs computed
    changes: int = 0  # pairs to write: differing from the snapshot (all on a full push), minus unknown/not stocked
    applied: int = 0
    failed: int = 0
    unknown: int = 0  # pairs of SKUs the shop does not have
    not_stocked: int = 0  # pairs the shop refuses at that location
    not_managed: int = 0  # pairs the shop answered but does not keep stock for (a needs-attention record each)
    no_sku: int = 0  # BC variants without a shop SKU mapping
    writes: int = 0  # shop write calls
    lookups: int = 0  # SKUs looked up in the shop (target discovery)
    stale_resolved: int = 0
    committed_shop: int = 0  # pending shop orders taken into account
    committed_bc: int = 0  # open BC sales order lines taken into account
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # the first few reasons

    def describe(self) -> str:
        kind = "Full push" if self.full else "Delta"
        text = (f"{kind} from {self.source}: {self.skus} SKUs, {self.pairs} pairs, {self.changes} changed, "
                f"{self.applied} written in {self.writes} shop calls")
        extras = [f"{n} {label}" for n, label in (
            (self.failed, "failed (retried next run)"), (self.unknown, "pairs of SKUs unknown to the shop"),
            (self.not_stocked, "pairs not stocked at their shop location"),
            (self.not_managed, "pairs whose shop product does not manage stock (needs attention)"),
            (self.no_sku, "BC variants without a shop SKU"), (self.stale_resolved, "stale quantities re-read"))
            if n]
        return text + (f"; {', '.join(extras)}" if extras else "") + f" ({self.seconds:.1f}s)."

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


# ---------------------------------------------------------------------------------------------- writers

@dataclass
class WriteResult:
    applied: list[mapping.Change] = field(default_factory=list)
    failed: list[tuple[mapping.Change, str, str]] = field(default_factory=list)  # change, code, message
    calls: int = 0
    stale_resolved: int = 0


class ShopifyStockWriter:
    """inventorySetQuantities with cached inventory item ids (one call per 250 pairs).

    The platform client's `set_stock` looks every SKU up again on each call (~577 cost points per 25 SKUs on
    Standard), which would cost far more than the writes; this writer sends the client's `set_quantities()`
    (cost-paced, idempotency errors handled) with the targets cached in Bindings, and re-reads only stale
    quantities.
    """

    batch_size = 250
    stale_rounds = 3

    def __init__(self, client, run_id: str, reason: str = "correction"):
        self.client = client
        self.run_id = run_id
        self.reason = reason

    def discover(self, skus: list[str]) -> dict[str, dict]:
        found = self.client.inventory_targets(skus)
        return {sku: {"inventory_item_id": t.inventory_item_id, "locations": sorted(t.available)}
                for sku, t in found.items()}

    # SKUs missing from the cache in one batch from which reading the whole catalog pays (the client's threshold)
    catalog_min_skus = shopify_client.BULK_DISCOVERY_MIN_SKUS

    def discover_catalog(self) -> dict[str, dict] | None:
        """Every SKU the shop has, in one bulk operation (no cost-limited lookups); None when the operation
        ended without a result, so discovery goes on per call."""
        from core.platforms.shopify.client import ShopifyBulkOperationError

        try:
            found = self.client.inventory_catalog()
        except ShopifyBulkOperationError as exc:
            log.warning("Shopify catalog read by bulk operation failed (%s); discovering per call", exc)
            return None
        return {sku: {"inventory_item_id": t.inventory_item_id, "locations": sorted(t.available)}
                for sku, t in found.items()}

    @staticmethod
    def _location(change: mapping.Change, target: dict) -> str | None:
        if change.location:
            text = change.location
            return text if text.startswith("gid://") else f"gid://shopify/Location/{text}"
        stocked = target.get("locations") or []
        return stocked[0] if len(stocked) == 1 else None

    def write(self, changes: list[mapping.Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        rows = []  # [change, inventory item, location gid, changeFromQuantity]
        for change in changes:
            target = targets[change.sku]
            location = self._location(change, target)
            if location is None:
                result.failed.append((change, "NO_LOCATION", "the item is stocked at several Shopify locations; set "
                                      "stock.default_location or map [shops.locations]"))
                continue
            rows.append([change, target["inventory_item_id"], location, change.previous])
        for _ in range(self.stale_rounds + 1):
            if not rows:
                return result
            payload = {"name": "available", "reason": self.reason,
                       "referenceDocumentUri": f"gid://bc-connector/SyncJob/{self.run_id}",
                       "quantities": [{"inventoryItemId": item, "locationId": location, "quantity": change.quantity,
                                       "changeFromQuantity": compare} for change, item, location, compare in rows]}
            # the same batch re-sent (a retry after a lost answer) carries the same key: Shopify replays it
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps([self.run_id, payload], sort_keys=True)))
            errors = self.client.set_quantities(payload, key)  # a key still in progress is waited out there
            result.calls += 1
            if not errors:
                result.applied.extend(row[0] for row in rows)
                return result
            stale, rejected = set(), {}
            for error in errors:
                index = _quantity_index(error.get("field"))
                if index is None or index >= len(rows):  # not about one quantity: the whole batch failed
                    result.failed.extend((row[0], str(error.get("code")), str(error.get("message"))) for row in rows)
                    return result
                if error.get("code") == "CHANGE_FROM_QUANTITY_STALE":
                    stale.add(index)
                else:
                    rejected[index] = (str(error.get("code")), str(error.get("message")))
            for index, (code, message) in rejected.items():
                result.failed.append((rows[index][0], code, message))
            if stale:  # the shop moved since we last told it (an order, a manual count): BC is the master
                current = self.client.inventory_targets(list(dict.fromkeys(rows[i][0].sku for i in stale)))
                for index in stale:
                    row = rows[index]
                    target = current.get(row[0].sku)
                    row[3] = target.available.get(row[2]) if target and target.inventory_item_id == row[1] else None
                result.stale_resolved += len(stale)
            rows = [row for i, row in enumerate(rows) if i not in rejected]
        result.failed.extend((row[0], "STALE", "the quantity kept changing in Shopify") for row in rows)
        return result


class WooStockWriter:
    """products/batch and variations/batch, 100 objects per call (the client's `set_stock`)."""

    batch_size = 100

    def __init__(self, client, run_id: str):
        from core.platforms.woocommerce import client as woo

        self.client = client
        self.run_id = run_id
        self._change = woo.StockChange

    # Only a first run (empty target cache) lists the shop's products: listing pays when most of the catalog is
    # unknown, while later runs miss a few SKUs at most per batch of 100, which a search finds cheaper.
    catalog_min_skus = batch_size + 1

    def discover_catalog(self) -> None:
        """Lists the shop's products once (100 a call, docs/stock.md) and keeps them for `discover`, which then
        searches by SKU only what the listing lacks (variations, SKUs the shop does not have). Returns None:
        the listing is not the whole catalog, so the flow keeps asking `discover`."""
        self._listed = {sku.casefold(): target for sku, target in self.client.product_listing()}

    def discover(self, skus: list[str]) -> dict[str, dict]:
        listed = getattr(self, "_listed", {})
        found = {sku: listed[sku.casefold()] for sku in skus if sku.casefold() in listed}
        found.update(self.client.inventory_targets([sku for sku in skus if sku not in found]))
        return {sku: {"product_id": t.product_id, "variation_id": t.variation_id} for sku, t in found.items()}

    def write(self, changes: list[mapping.Change], targets: dict[str, dict]) -> WriteResult:
        theirs = [self._change(c.sku, c.location or None, c.quantity, c.previous) for c in changes]
        ours = {id(t): c for t, c in zip(theirs, changes, strict=True)}
        answer = self.client.set_stock(theirs, run_id=self.run_id)
        return WriteResult(applied=[ours[id(t)] for t in answer.applied],
                           failed=[(ours[id(t)], "REJECTED", reason) for t, reason in answer.failed]
                           + [(ours[id(t)], NOT_MANAGED, reason) for t, reason in answer.attention],
                           calls=answer.calls, stale_resolved=answer.stale_resolved)


WRITERS = {"shopify": ShopifyStockWriter, "woocommerce": WooStockWriter}  # the others: core.platforms.part


def writer_for(shop: Shop, run_id: str, settings=None):
    writer = WRITERS.get(shop.platform) or part(shop.platform, "StockWriter")
    if writer is not None:
        return writer(platform(shop.platform).client.client_for(shop, settings), run_id)
    raise NeedsAttention(f"Stock export is not available for {shop.platform} shops in this version.",
                         resolution=f'remove "stock" from flows of shop "{shop.key}"', code="stock_unsupported")


def _quantity_index(path) -> int | None:
    if isinstance(path, list) and len(path) >= 3 and path[1] == "quantities":
        try:
            return int(path[2])
        except (TypeError, ValueError):
            return None
    return None


# ---------------------------------------------------------------------------------------------- BC side

def stock_company(config: Config, shop: Shop) -> Company:
    """The BC company whose stock the shop shows: stock.company, else the first routing rule for the shop."""
    key = shop.stock.company or next(
        (r.company for r in config.routing if r.shop == shop.key and not (r.market or r.currency or r.country)),
        None) or next((r.company for r in config.routing if r.shop in (None, shop.key)), None)
    if key is None:
        raise NeedsAttention(f"No BC company for the stock of shop {shop.key}.",
                             resolution=f'set company in [shops.stock] of shop "{shop.key}"', code="stock_no_company")
    return config.company(key)


def bc_stock(ctx: Context, company: Company, shop: Shop, plan: mapping.StockPlan,
             run: StockRun) -> Iterator[tuple[str, str, dict[str, Decimal]]]:
    """(item number, variant code, {BC location: inventory}) per item/variant, streamed from BC.

    The page's rows must come grouped by item (any order of variants and locations inside an item); the
    rows of one item are held at a time. Items seen are remembered (a set of numbers) to detect a page
    that is not grouped, which would otherwise push partial sums.
    """
    if plan.mode == mapping.LOCATIONS:
        page = ctx.config.bc.pages.stock_by_location
        if not page:
            raise NeedsAttention(
                f"Shop {shop.key} maps shop locations to BC locations, but BC offers no per-location stock: "
                "the standard API has only the total over all locations (items.inventory).",
                resolution="publish the ItemStockByLocation query (or Item Card with Location_Filter) as an ODataV4 "
                           "web service in BC and name it in [bc.pages] stock_by_location; or remove "
                           f'[shops.locations] of shop "{shop.key}" to show the total on one location',
                code="stock_by_location_unavailable")
        run.source = f"page {page}"
        rows = ctx.bc.odata_page(company.name or company.bc_company_id, page,
                                 select=["Item_No", "Variant_Code", "Location_Code", "Inventory"],
                                 page_size=BC_PAGE_SIZE)
        seen: set[str] = set()
        try:
            for item, group in mapping.group_rows(rows, lambda r: str(r["Item_No"]).upper()):
                if item in seen:
                    raise NeedsAttention(
                        f"The BC page {page} returned the rows of item {item} apart from each other.",
                        resolution=f"publish {page} sorted by item number (a query grouped by Item No., Variant "
                                   "Code, Location Code is)", code="stock_page_unsorted")
                seen.add(item)
                by_variant: dict[str, dict[str, Decimal]] = {}
                for row in group:
                    on_hand = by_variant.setdefault(str(row.get("Variant_Code") or "").upper(), {})
                    mapping.add_quantities(on_hand, str(row.get("Location_Code") or "").upper(),
                                           Decimal(str(row.get("Inventory") or 0)))
                for variant, on_hand in by_variant.items():
                    yield item, variant, on_hand
        except BcPermanentError as exc:
            if exc.status == 404:
                raise NeedsAttention(
                    f"BC has no published page {page!r} in company {company.name or company.key} ({exc.message}).",
                    resolution="publish it as an ODataV4 web service in BC (Web Services page), or correct "
                               "[bc.pages] stock_by_location", code="stock_by_location_unavailable") from exc
            raise
        return
    run.source = "items"
    for item in ctx.bc.company(company.bc_company_id).list(
            "items", select=["number", "type", "inventory"], page_size=BC_PAGE_SIZE):
        if item.get("type", "Inventory") != "Inventory":
            continue
        yield str(item["number"]).upper(), "", {"": Decimal(str(item.get("inventory") or 0))}


def bc_open_order_quantities(ctx: Context, company: Company, plan: mapping.StockPlan,
                             run: StockRun) -> dict[tuple[str, str], dict[str, Decimal]]:
    """(item, variant) → {BC location: quantity on open BC sales orders not yet shipped}.

    BC's inventory is on hand: it drops when the shipment is posted, not when the order is made. A line
    without a location counts against the first BC location of the first shop location.
    """
    co = ctx.bc.company(company.bc_company_id)
    location_codes = {row["id"]: str(row["code"]).upper() for row in co.list("locations", select=["id", "code"])}
    variant_codes: dict[str, str] = {}
    fallback = next(iter(plan.locations.values()))[0] if plan.mode == mapping.LOCATIONS else ""
    committed: dict[tuple[str, str], dict[str, Decimal]] = {}
    for order in co.list("salesOrders", select=["id", "number"], expand=["salesOrderLines"], page_size=200):
        for line in order.get("salesOrderLines") or []:
            if line.get("lineType") != "Item":
                continue
            outstanding = Decimal(str(line.get("quantity") or 0)) - Decimal(str(line.get("shippedQuantity") or 0))
            if outstanding <= 0:
                continue
            variant = ""
            variant_id = line.get("itemVariantId") or EMPTY_GUID
            if variant_id != EMPTY_GUID:
                if variant_id not in variant_codes:
                    variant_codes[variant_id] = str(co.get("itemVariants", variant_id, select=["code"])["code"])
                variant = variant_codes[variant_id].upper()
            location = location_codes.get(line.get("locationId") or EMPTY_GUID, "") or fallback
            key = (str(line.get("lineObjectNumber") or "").upper(), variant)
            mapping.add_quantities(committed.setdefault(key, {}), location, outstanding)
            run.committed_bc += 1
    return committed


def shop_pending_quantities(ctx: Context, shop: Shop, plan: mapping.StockPlan,
                            run: StockRun) -> dict[str, dict[str, Decimal]]:
    """SKU → {shop location: quantity} of shop orders the bridge holds but BC does not yet (queued,
    retrying, needs attention, failed). The shop already took them off its stock; BC has not.

    Platforms whose webhooks carry only an id (Centra, Norce, Brink, Geins) keep no order in the inbox: the
    order is fetched from the shop here, as the orders flow does, one call per pending order."""
    committed: dict[str, dict[str, Decimal]] = {}
    for status in PENDING_STATUSES:
        for record in ctx.synclog.query(flow="orders", shop=shop.key, status=status):
            if not record.payload_ref:
                continue
            binding = ctx.bindings.get("order", shop.key, record.external_id)
            if binding is not None and binding.state != "claimed":  # bound (in BC) or cancelled
                continue
            try:
                raw, _headers = ctx.inbox.load(record.payload_ref)
                order = stored_order(shop, raw, record.external_id)
            except Retryable:  # the shop did not answer: pushing stock without this order could oversell
                raise
            except Exception as exc:  # noqa: BLE001 - an unreadable order is the orders flow's problem
                log.info("stock: pending order %s of %s not readable (%s)", record.external_id, shop.key, exc)
                continue
            if order.cancelled_at is not None:
                continue
            run.committed_shop += 1
            for line in order.lines:
                if line.sku and not line.gift_card and line.quantity > 0:
                    location = mapping.shop_location_of(line.location_id, plan)
                    mapping.add_quantities(committed.setdefault(line.sku, {}), location, Decimal(line.quantity))
    return committed


# ---------------------------------------------------------------------------------------------- pushing

class _Pusher:
    """Collects changes and writes them in full batches; resolves targets (cached) just before writing.

    Two things overlap so the shop's rate limit is the only pace: the caller reads BC and computes the
    delta while one writer thread sends batches to the shop (in order, one at a time, as the shop's limits
    want) and records what the shop accepted in the snapshot.
    """

    def __init__(self, ctx: Context, shop: Shop, writer, run: StockRun, *, full: bool,
                 progress: Callable[[StockRun], None] | None, sleep: Callable[[float], None],
                 snapshot: StockSnapshot):
        self.ctx, self.shop, self.writer, self.run, self.full = ctx, shop, writer, run, full
        self.progress, self.sleep = progress, sleep
        self.snapshot = snapshot
        self.batches_written = 0
        self.target_store = StockTargets(ctx.storage)
        self.targets: dict[str, dict] | None = None  # loaded on the first write: an unchanged run never needs it
        self.rechecked: set[str] = set()
        self.catalog: dict[str, dict] | None = None  # the shop's whole catalog, when read once this run
        self._catalog_tried = False
        self.pending: list[mapping.Change] = []
        self._lock = threading.Lock()  # run counters and targets, shared with the writer thread
        self._batches: queue.Queue = queue.Queue(maxsize=WRITE_AHEAD)
        self._error: BaseException | None = None
        self._writer_thread = threading.Thread(target=self._write_loop, name=f"stock-writer-{shop.key}", daemon=True)
        self._writer_thread.start()
        self._closed = False

    def add(self, changes: list[mapping.Change]) -> None:
        self.pending.extend(changes)
        if len(self.pending) >= self.writer.batch_size:
            self._resolve()
            while len(self.pending) >= self.writer.batch_size:
                batch, self.pending = self.pending[:self.writer.batch_size], self.pending[self.writer.batch_size:]
                self._submit(batch)

    def finish(self) -> None:
        """Write what is left, wait for the writer and the snapshot, re-raise what failed there."""
        self._resolve()
        while self.pending:
            batch, self.pending = self.pending[:self.writer.batch_size], self.pending[self.writer.batch_size:]
            self._submit(batch)
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._batches.put(None)
        self._writer_thread.join()
        self.snapshot.flush(self.shop.key)  # what was accepted stays accepted, even when the run failed

    def _submit(self, batch: list[mapping.Change]) -> None:
        if self._error is not None:
            raise self._error
        self._batches.put(batch)

    def _write_loop(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self._error is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller in finish()
                    self._error = exc

    def _resolve(self) -> None:
        """Drop pending pairs the shop cannot take; look up SKUs not in the target cache."""
        if self.targets is None:
            self.targets = self.target_store.load(self.shop.key)
        missing = [c.sku for c in self.pending if c.sku not in self.targets
                   or self.full and self.targets[c.sku].get("unknown") and c.sku not in self.rechecked]
        missing = list(dict.fromkeys(missing))
        if missing:
            found = self._discover(missing)
            self.run.lookups += len(missing)
            newly_unknown = [s for s in missing if s not in found and not self.targets.get(s, {}).get("unknown")]
            fresh = {**found, **{s: {"unknown": True} for s in missing if s not in found}}
            self.target_store.save(self.shop.key, fresh)
            self.targets.update(fresh)
            self.rechecked.update(missing)
            for sku in newly_unknown:  # once per SKU, not once per run
                self.ctx.synclog.record(
                    "stock", self.shop.key, f"sku:{sku}", SyncStatus.SKIPPED, code="unknown_sku",
                    message=f"SKU {sku} has stock in BC but no product/variant with this SKU exists in the shop; "
                            "its stock is not exported.",
                    resolution="create the product in the shop with this SKU, or map the SKU in [shops.items]; it "
                               "is looked up again on the next full reconcile")
        keep = []
        with self._lock:
            keep = self._keep_writable()
        self.pending = keep

    def _discover(self, missing: list[str]) -> dict[str, dict]:
        """Targets for SKUs not in the cache. On a first run (empty cache), or when one batch misses many, a
        writer that can read the whole catalog at once (Shopify bulk operation) does so once per run; SKUs
        not in it are not in the shop, without a lookup each."""
        if not self._catalog_tried and hasattr(self.writer, "discover_catalog") and (
                not self.targets or len(missing) >= self.writer.catalog_min_skus):
            self._catalog_tried = True
            self.catalog = self.writer.discover_catalog()
        if self.catalog is not None:
            return {sku: self.catalog[sku] for sku in missing if sku in self.catalog}
        return self.writer.discover(missing)

    def _keep_writable(self) -> list[mapping.Change]:
        keep = []
        for change in self.pending:
            target = self.targets[change.sku]
            if target.get("unknown"):
                self.run.unknown += 1
                self.run.changes -= 1  # `changes` counts what goes to the shop
            elif change.location in target.get("skip_locations", ()) and not self.full:
                self.run.not_stocked += 1
                self.run.changes -= 1
            else:
                keep.append(change)
        return keep

    def _write(self, batch: list[mapping.Change]) -> None:
        result = None
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                result = self.writer.write(batch, self.targets)
                break
            except Retryable as exc:
                log.warning("stock: batch of %s pairs for %s failed (attempt %s): %s", len(batch), self.shop.key,
                            attempt, exc.message)
                if attempt == BATCH_ATTEMPTS:
                    self._failed(batch, exc.message)
                    return
                self.sleep(min(60.0, exc.retry_after or 5.0))
            except NeedsAttention as exc:
                if exc.code in ("shop_auth_failed", "missing_setting", "woo_stock_management_off",
                                "stock_location_unknown"):
                    raise  # every batch would fail the same way
                log.warning("stock: batch of %s pairs for %s rejected: %s", len(batch), self.shop.key, exc.message)
                self._failed(batch, exc.message)
                return
        with self._lock:
            self.run.writes += result.calls
            self.run.stale_resolved += result.stale_resolved
            self.run.applied += len(result.applied)
        self.snapshot.record(self.shop.key, ((mapping.snapshot_key(c.sku, c.location), c.quantity)
                                             for c in result.applied))
        self.batches_written += 1
        if self.batches_written % FLUSH_EVERY == 0:
            self.snapshot.flush(self.shop.key)
        with self._lock:
            self._after_write(result)
        if self.progress:
            self.progress(self.run)

    def _after_write(self, result) -> None:
        not_stocked: dict[str, set] = {}
        not_managed: dict[str, dict] = {}  # remembered on the target, so the record clears once it is written
        managed_again = {c.sku: {k: v for k, v in self.targets[c.sku].items() if k != "not_managed"}
                         for c in result.applied if self.targets.get(c.sku, {}).get("not_managed")}
        for sku in managed_again:
            self.ctx.synclog.record("stock", self.shop.key, f"sku:{sku}", SyncStatus.SUCCESS,
                                    message=f"SKU {sku} manages stock in the shop again; its stock is written.")
        gone = []
        unknown: dict[str, str] = {}
        for change, code, message in result.failed:
            if code in UNKNOWN:
                unknown[change.sku] = message
                self.run.unknown += 1
                self.run.changes -= 1
            elif code in NOT_STOCKED:
                not_stocked.setdefault(change.sku, set()).add(change.location)
                self.run.not_stocked += 1
            elif code == NOT_MANAGED:  # not retried as a failure: a person changes the product's setting
                self.run.not_managed += 1
                self.ctx.synclog.record("stock", self.shop.key, f"sku:{change.sku}", SyncStatus.NEEDS_ATTENTION,
                                        code="stock_not_managed", message=message,
                                        resolution="switch on stock management for this product in WooCommerce "
                                                   "(the message names the setting); the next run writes it")
                not_managed[change.sku] = {**self.targets[change.sku], "not_managed": True}
            elif code in GONE:
                gone.append(change.sku)
                self._failed([change], message)
            else:
                self._failed([change], f"{code}: {message}")
        if not_managed or managed_again:
            self.target_store.save(self.shop.key, {**managed_again, **not_managed})
            self.targets.update({**managed_again, **not_managed})
        if not_stocked:  # remembered on the target, so later runs skip them until a full reconcile
            updated = {sku: {**self.targets[sku],
                             "skip_locations": sorted(set(self.targets[sku].get("skip_locations", ())) | locations)}
                       for sku, locations in not_stocked.items()}
            self.target_store.save(self.shop.key, updated)
            self.targets.update(updated)
        if unknown:
            self.target_store.save(self.shop.key, {sku: {"unknown": True} for sku in unknown})
            self.targets.update({sku: {"unknown": True} for sku in unknown})
            for sku, message in unknown.items():
                self.ctx.synclog.record(
                    "stock", self.shop.key, f"sku:{sku}", SyncStatus.SKIPPED, code="unknown_sku",
                    message=f"SKU {sku} has stock in BC but the shop has no item with this SKU ({message}); its "
                            "stock is not exported.",
                    resolution="create the item in the shop with this SKU, or map the SKU in [shops.items]; it "
                               "is written again on the next full reconcile")
        if gone:  # the shop no longer knows the cached target: look it up again next run
            self.target_store.forget(self.shop.key, gone)
            for sku in gone:
                self.targets.pop(sku, None)

    def _failed(self, changes: list[mapping.Change], reason: str) -> None:
        self.run.failed += len(changes)  # += on an int attribute: atomic enough under the GIL for a counter
        if len(self.run.failures) < 5 and reason not in self.run.failures:
            self.run.failures.append(reason)
        if self.progress:
            self.progress(self.run)


# ---------------------------------------------------------------------------------------------- the flow

def export_stock_levels(ctx: Context, shop_key: str, *, full: bool = False, writer=None,
                        progress: Callable[[StockRun], None] | None = None, now: datetime | None = None,
                        sleep: Callable[[float], None] | None = None) -> StockRun:
    """Export one shop's stock; returns the run summary. Raises NeedsAttention/Skip/Retryable (runner rules)."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    sleep = sleep or time.sleep
    shop = ctx.config.shop(shop_key)
    if shop is None:
        raise NeedsAttention(f"Shop {shop_key!r} is not in the integration config.",
                             resolution=f'add a [[shops]] entry with key = "{shop_key}"', code="unknown_shop")
    if "stock" not in shop.flows:
        raise Skip(f'The stock flow is not switched on for shop {shop.key} (flows = {shop.flows}).')
    plan = mapping.plan_for(shop)
    company = stock_company(ctx.config, shop)
    try:
        lock = ctx.bindings.claim("stock-run", shop.key, "run", WORKER, RUN_LEASE)
    except AlreadyClaimed as exc:
        raise Skip(f"Another stock run for {shop.key} is in progress ({exc.binding.owner}).", duplicate=True) from None
    try:
        window = ctx.cursors.window(FULL_CURSOR, shop.key, start=datetime(2000, 1, 1, tzinfo=UTC),
                                    overlap=timedelta(0), now=now)
        full = full or now - window.since >= timedelta(hours=shop.stock.full_reconcile_hours)
        run = StockRun(shop=shop.key, full=full)
        writer = writer or writer_for(shop, run_id=uuid.uuid4().hex)
        _export(ctx, shop, company, plan, run, writer, progress, sleep)
        run.seconds = round(time.monotonic() - started, 3)
        if full and not run.failed:
            ctx.cursors.advance(FULL_CURSOR, shop.key, Window(since=window.since, until=now, etag=window.etag))
        log.info("stock_run shop=%s full=%s changes=%s applied=%s failed=%s writes=%s", shop.key, full,
                 run.changes, run.applied, run.failed, run.writes)
        return run
    except BcRetryableError as exc:
        raise Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after) from exc
    except BcError as exc:
        raise exc.to_bridge_error() from exc
    finally:
        ctx.bindings.release(lock)


def _export(ctx: Context, shop: Shop, company: Company, plan: mapping.StockPlan, run: StockRun, writer,
            progress, sleep) -> None:
    snapshot = StockSnapshot(ctx.storage)
    previous = snapshot.load(shop.key)  # a full run still keeps what failed pairs were told before
    told = {} if run.full else dict(previous)
    committed = shop.stock.committed
    bc_open = (bc_open_order_quantities(ctx, company, plan, run)
               if committed == "shop_pending_and_bc_open_orders" else {})
    pending = shop_pending_quantities(ctx, shop, plan, run) if committed != "none" else {}
    index = mapping.sku_index(shop)
    pusher = _Pusher(ctx, shop, writer, run, full=run.full, progress=progress, sleep=sleep, snapshot=snapshot)
    try:
        for item, variant, on_hand in bc_stock(ctx, company, shop, plan, run):
            sku = mapping.sku_for(item, variant, index)
            if sku is None:
                run.no_sku += 1
                continue
            run.skus += 1
            levels = mapping.shop_levels(on_hand, plan, bc_committed=bc_open.get((item, variant)),
                                         shop_committed=pending.get(sku))
            run.pairs += len(levels)
            changes = mapping.delta(sku, levels, told.get, full=run.full)
            with pusher._lock:
                run.changes += len(changes)
            if changes:
                pusher.add(changes)
            if progress and run.skus % 5000 == 0:
                progress(run)
        pusher.finish()
    finally:
        pusher.close()
    if run.failed:
        log.warning("stock: %s pairs for %s failed and are retried next run: %s", run.failed, shop.key,
                    "; ".join(run.failures))


# ---------------------------------------------------------------------------------------------- triggers

def run_stock_item(ctx: Context, envelope: Envelope) -> Outcome:
    """Queue worker body (core.sync.runner rules): one shop's run; failed pairs make it retry soon."""
    run = export_stock_levels(ctx, envelope.shop, full=envelope.topic == "stock/full")
    if run.failed:
        raise Retryable(f"{run.describe()} Failures: {'; '.join(run.failures)}", retry_after=60)
    return Outcome(run.describe(), external_id="stock-run")


def enqueue_stock_runs(ctx: Context, full: bool = False) -> int:
    """The timer: one queue message per shop with the stock flow, so shops run (and fail) independently."""
    queued = 0
    for shop in ctx.config.shops:
        if "stock" in shop.flows:
            enqueue(ctx.storage, names.STOCK_EXPORT, Envelope(
                flow="stock", shop=shop.key, external_id="stock-run", payload_ref="", source="timer",
                topic="stock/full" if full else "stock/scheduled"))
            queued += 1
    return queued
