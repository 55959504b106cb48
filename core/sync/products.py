"""Products and prices BC → shops, only what changed. One fixed pipeline per shop:

    lock → prices (price list page or unitPrice) → stream BC items with variants → map (pure)
         → delta vs snapshot → resolve shop targets (cached) → create missing? → write in batches
         → remember what the shop accepted → unpublish items that left the published set

- BC: `items` ($filter = products.item_filter, $select of the fields we use, $expand=itemVariants, read
  page by page), `itemCategories` (product type), and with `products.price_list_page` the published Price
  List Lines page filtered to `products.price_list_code` (standard API v2.0 has no price lists).
- The snapshot (ProductSnapshot) holds a hash per product (title, status, category) and per SKU (price)
  of what the shop was last told; an unchanged catalog costs zero shop writes. `--full` ignores it.
- Shop targets (SKU → product/variant ids) are cached in Bindings (kind "product-target"); only SKUs not
  in the cache are looked up. A SKU the shop does not have is created when `create_missing` is on (whole
  products only: every SKU of the item unknown), else recorded once as skipped.
- Writes: Shopify `productUpdate` (fields) and `productVariantsBulkUpdate` (prices, one call per
  product; from 100 products at once, one bulk mutation: core/sync/shopify_bulk_prices.py), `productSet` to
  create; WooCommerce `products/batch` and `products/{id}/variations/batch`,
  ≤ 100 objects a call. A product (Shopify) or batch (WooCommerce) that fails is logged and counted, keeps
  its old snapshot entry and is retried next run; the rest of the run goes on.
- An item that was pushed before and is no longer read from BC (blocked and filtered out, deleted) is set
  to draft once — never deleted.
- Two runs for the same shop never overlap: the run holds a lease (a Bindings claim, kind "products-run").
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from core.bc import BcError, BcPermanentError, BcRetryableError
from core.bc.odata import odata_string
from core.config import Company, Config, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms import part, platform
from core.state import AlreadyClaimed, SyncStatus
from core.state.cursors import Window
from core.state.product_snapshot import ProductSnapshot, ProductTargets
from core.sync import export_fields, shopify_bulk_prices, trimit
from core.sync import product_mapping as mapping
from core.sync.context import Context
from core.sync.stock_mapping import sku_index

log = logging.getLogger("core.sync.products")

FLOW = "products"
WORKER = f"{socket.gethostname()}:{os.getpid()}"
RUN_LEASE = timedelta(minutes=30)
BC_PAGE_SIZE = 1000
CHUNK = 100  # changed products collected before targets are resolved and written
METAFIELDS_PER_CALL = 25  # metafieldsSet takes at most 25 (Shopify's schema description of the mutation)
ITEM_FIELDS = ["id", "number", "displayName", "type", "itemCategoryCode", "blocked", "unitPrice",
               "priceIncludesTax", "taxGroupCode"]


# ---------------------------------------------------------------------------------------------- summary

@dataclass
class ProductRun:
    shop: str
    full: bool = False
    source: str = ""  # "items.unitPrice" or "price list <code> (page <name>)"
    items: int = 0  # BC items read
    skus: int = 0  # SKUs mapped
    changes: int = 0  # products with something to send
    updated: int = 0  # products the shop accepted an update for
    created: int = 0  # products created in the shop
    unpublished: int = 0  # items that left the published set, set to draft
    unknown: int = 0  # SKUs the shop does not have (not created)
    no_sku: int = 0  # BC variants without a shop SKU mapping
    problems: int = 0  # items that could not be mapped (logged, needs attention)
    failed: int = 0  # products whose write failed (retried next run)
    writes: int = 0  # shop write calls
    lookups: int = 0  # SKUs looked up in the shop
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def describe(self) -> str:
        kind = "Full push" if self.full else "Delta"
        text = (f"{kind} from {self.source}: {self.items} items, {self.skus} SKUs, {self.changes} products changed, "
                f"{self.updated} updated and {self.created} created in {self.writes} shop calls")
        extras = [f"{n} {label}" for n, label in (
            (self.failed, "failed (retried next run)"), (self.unknown, "SKUs unknown to the shop"),
            (self.unpublished, "unpublished"), (self.problems, "items need attention"),
            (self.no_sku, "BC variants without a shop SKU")) if n]
        return text + (f"; {', '.join(extras)}" if extras else "") + f" ({self.seconds:.1f}s)."

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def fail(self, count: int, reason: str) -> None:
        self.failed += count
        if len(self.failures) < 5 and reason not in self.failures:
            self.failures.append(reason)


@dataclass
class WriteResult:
    applied: list[mapping.ProductChange] = field(default_factory=list)
    failed: list[tuple[mapping.ProductChange, str]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # SKUs whose cached target the shop no longer knows
    created: dict[str, dict] = field(default_factory=dict)  # new targets (SKU → ids) of created products
    calls: int = 0


def stops_the_run(exc: NeedsAttention) -> bool:
    """A shop refusal no later product can escape (credentials, a missing setting): stop the run."""
    return exc.code in ("shop_auth_failed", "missing_setting")


# ---------------------------------------------------------------------------------------------- writers

SHOPIFY_STATUS = {mapping.ACTIVE: "ACTIVE", mapping.DRAFT: "DRAFT"}
WOO_STATUS = {mapping.ACTIVE: "publish", mapping.DRAFT: "draft"}


class ShopifyProductWriter:
    """productUpdate + productVariantsBulkUpdate per product (prices of many products: one bulk mutation);
    productSet to create."""

    chunk = shopify_bulk_prices.WRITE_CHUNK  # products handed to update() at once, so a bulk run can cover them

    def __init__(self, client):
        self.client = client

    def discover(self, skus: list[str]) -> dict[str, dict]:
        found = self.client.product_targets(skus)
        return {sku: {"product_id": t.product_id, "variant_id": t.variant_id} for sku, t in found.items()}

    @staticmethod
    def _fields(fields: dict[str, str]) -> dict:
        out = {}
        if "title" in fields:
            out["title"] = fields["title"]
        if "status" in fields:
            out["status"] = SHOPIFY_STATUS[fields["status"]]
        if "category" in fields:
            out["productType"] = fields["category"]
        return out

    def update(self, changes: list[mapping.ProductChange], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        bulk = shopify_bulk_prices.bulk_price_errors(self.client, changes, targets)
        result.calls += bulk is not None
        for index, change in enumerate(changes):
            try:
                errors = self._update_one(change, targets, result, prices=bulk is None)
                errors += bulk[index] if bulk is not None else []
            except Retryable as exc:
                result.failed.append((change, exc.message))
                continue
            except NeedsAttention as exc:
                if stops_the_run(exc):
                    raise
                result.failed.append((change, exc.message))
                continue
            if errors:
                text = "; ".join(str(e.get("message")) for e in errors)
                result.failed.append((change, f"Shopify refused product {change.item}: {text}"))
                if any(_product_gone(e) for e in errors):
                    result.gone += change.product.skus
            else:
                result.applied.append(change)
        self._variant_fields(result, targets)
        return result

    def _variant_fields(self, result: WriteResult, targets: dict[str, dict]) -> None:
        """Variant export fields of the products just updated, only of variants whose hash changed:
        metafieldsSet, 25 at a time across products. The call is atomic, so when Shopify refuses one value
        every product of that call stays unapplied and is tried again next run."""
        rows = [(change, {**f.metafield(), "ownerId": targets[v.sku]["variant_id"]})
                for change in result.applied for v in change.variants
                if targets.get(v.sku, {}).get("variant_id") for f in v.shop_fields]
        failed: dict[int, tuple[mapping.ProductChange, str]] = {}
        for start in range(0, len(rows), METAFIELDS_PER_CALL):
            chunk = rows[start:start + METAFIELDS_PER_CALL]
            try:
                errors, calls = self.client.set_metafields([row for _, row in chunk])
                result.calls += calls
            except (Retryable, NeedsAttention) as exc:
                if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                    raise
                errors = [{"message": exc.message}]
            if errors:
                text = "; ".join(str(e.get("message")) for e in errors)
                for change, _ in chunk:
                    failed[id(change)] = (change, f"Shopify refused variant fields of {change.item}: {text}")
        result.applied = [c for c in result.applied if id(c) not in failed]
        result.failed += list(failed.values())

    def _update_one(self, change: mapping.ProductChange, targets: dict[str, dict], result: WriteResult,
                    prices: bool = True) -> list:
        known = [sku for sku in change.product.skus if sku in targets]
        errors: list[dict] = []
        if change.fields:
            # export fields ride along in the same productUpdate (ProductUpdateInput.metafields)
            metafields = [f.metafield() for f in change.product.shop_fields]
            for product_id in dict.fromkeys(targets[sku]["product_id"] for sku in known):
                errors += self.client.update_product(
                    product_id, {**self._fields(change.fields), **({"metafields": metafields} if metafields else {})})
                result.calls += 1
        for product_id, by_variant in (shopify_bulk_prices.price_rows(change, targets) if prices else {}).items():
            errors += self.client.update_variant_prices(product_id, by_variant)
            result.calls += 1
        return errors

    def create(self, products: list[mapping.ShopProduct]) -> WriteResult:
        result = WriteResult()
        for product in products:
            change = mapping.ProductChange(product, product.fields(), product.variants)
            options = mapping.product_options(product)
            body = {"title": product.title, "status": SHOPIFY_STATUS[product.status],
                    "productType": product.category,
                    **({"metafields": [f.metafield() for f in product.shop_fields]} if product.shop_fields else {}),
                    "productOptions": [{"name": name, "values": [{"name": v} for v in values]}
                                       for name, values in options],
                    "variants": [{"optionValues": [{"optionName": name, "name": value} for name, value in chosen],
                                  "price": str(v.price), "inventoryItem": {"sku": v.sku},
                                  **({"metafields": [f.metafield() for f in v.shop_fields]} if v.shop_fields
                                     else {})}
                                 for v, chosen in zip(product.variants, mapping.variant_options(product),
                                                      strict=True)]}
            try:
                created, errors = self.client.create_product(body)
                result.calls += 1
            except Retryable as exc:
                result.failed.append((change, exc.message))
                continue
            except NeedsAttention as exc:
                if stops_the_run(exc):
                    raise
                result.failed.append((change, exc.message))
                continue
            if errors or not created:
                text = "; ".join(str(e.get("message")) for e in errors) or "no product in the answer"
                result.failed.append((change, f"Shopify did not create product {product.item}: {text}"))
                continue
            for node in created["variants"]["nodes"]:
                result.created[node["sku"]] = {"product_id": created["id"], "variant_id": node["id"]}
            result.applied.append(change)
        return result


def _product_gone(error: dict) -> bool:
    """A Shopify userError saying the product or variant is gone: by its code where the mutation's userErrors
    have one (productVariantsBulkUpdate); productUpdate answers the plain UserError, which has no code, so only
    its message can tell."""
    if "code" in error:
        return error["code"] in ("PRODUCT_DOES_NOT_EXIST", "PRODUCT_VARIANT_DOES_NOT_EXIST")
    return "does not exist" in str(error.get("message"))


class WooProductWriter:
    """products/batch (simple products and variable parents) and variations/batch, ≤ 100 objects a call."""

    batch = 100

    def __init__(self, client):
        self.client = client

    def discover(self, skus: list[str]) -> dict[str, dict]:
        found = self.client.inventory_targets(skus)
        return {sku: {"product_id": t.product_id, "variation_id": t.variation_id} for sku, t in found.items()}

    def update(self, changes: list[mapping.ProductChange], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        products: dict[int, dict] = {}  # product id → update object
        owners: dict[tuple, list[mapping.ProductChange]] = {}  # (path, id) → changes that need it
        variations: dict[int, dict[int, dict]] = {}  # parent → variation id → update object
        for change in changes:
            skus = change.product.skus
            for sku in skus:
                if sku not in targets:
                    continue
                target = targets[sku]
                parent, variation = int(target["product_id"]), target.get("variation_id")
                if change.fields:
                    row = products.setdefault(parent, {"id": parent})
                    row.update(self._fields(change.fields))
                    if change.product.shop_fields:  # WooCommerce updates meta_data entries by key
                        row["meta_data"] = [f.meta_data() for f in change.product.shop_fields]
                    owners.setdefault(("p", parent), []).append(change)
                variant = next((v for v in change.variants if v.sku == sku), None)
                if variant is None:
                    continue
                if variation is None:  # a simple product is its own only variant
                    row = products.setdefault(parent, {"id": parent})
                    row["regular_price"] = str(variant.price)
                    if variant.shop_fields:
                        row["meta_data"] = [*row.get("meta_data", []), *(f.meta_data() for f in variant.shop_fields)]
                    owners.setdefault(("p", parent), []).append(change)
                else:
                    row = {"id": int(variation), "regular_price": str(variant.price)}
                    if variant.shop_fields:  # variant export fields: the variation's meta_data
                        row["meta_data"] = [f.meta_data() for f in variant.shop_fields]
                    variations.setdefault(parent, {})[int(variation)] = row
                    owners.setdefault(("v", int(variation)), []).append(change)
        failed: dict[int, str] = {}
        rows = list(products.values())
        for start in range(0, len(rows), self.batch):
            self._send(lambda chunk: self.client.batch_products(update=chunk), rows[start:start + self.batch], "p",
                       owners, failed, result)
        for parent, by_id in variations.items():
            rows = list(by_id.values())
            for start in range(0, len(rows), self.batch):
                self._send(lambda chunk, parent=parent: self.client.batch_variations(parent, update=chunk),
                           rows[start:start + self.batch], "v", owners, failed, result)
        for change in changes:
            if id(change) in failed:
                result.failed.append((change, failed[id(change)]))
            else:
                result.applied.append(change)
        return result

    def _send(self, call: Callable[[list[dict]], dict], rows: list[dict], kind: str, owners: dict,
              failed: dict[int, str], result: WriteResult) -> None:
        try:
            answer = call(rows)
            result.calls += 1
        except (Retryable, NeedsAttention) as exc:
            if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                raise
            for row in rows:
                for change in owners.get((kind, row["id"]), []):
                    failed[id(change)] = exc.message
            return
        outcomes = answer.get("update") or []
        for index, row in enumerate(rows):
            outcome = outcomes[index] if index < len(outcomes) else None
            if outcome is not None and "error" not in outcome:
                continue
            error = (outcome or {}).get("error") or {}
            reason = f"WooCommerce refused {row['id']}: {error.get('code')}: {error.get('message')}"
            for change in owners.get((kind, row["id"]), []):
                failed[id(change)] = reason
                if self.client.is_gone(error.get("code")):  # the client knows WooCommerce's codes
                    result.gone += change.product.skus

    @staticmethod
    def _fields(fields: dict[str, str]) -> dict:
        out = {}
        if "title" in fields:
            out["name"] = fields["title"]
        if "status" in fields:
            out["status"] = WOO_STATUS[fields["status"]]
        return out  # categories are WooCommerce terms (ids) the shop manages: not sent

    def create(self, products: list[mapping.ShopProduct]) -> WriteResult:
        result = WriteResult()
        for start in range(0, len(products), self.batch):
            chunk = products[start:start + self.batch]
            rows = []
            for product in chunk:
                # the item number as meta: a variable parent has no SKU, and the client finds a create whose
                # answer was lost by it instead of creating the product twice
                row = {"name": product.title, "status": WOO_STATUS[product.status],
                       "meta_data": [{"key": "bc_bridge_item", "value": product.item},
                                     *(f.meta_data() for f in product.shop_fields)]}
                if product.has_options:
                    option, values = mapping.option_values(product)
                    row.update(type="variable", attributes=[{"name": option, "variation": True, "visible": True,
                                                             "options": values}])
                else:  # a simple product is its own only variant: its variant fields are the product's
                    row.update(type="simple", sku=product.variants[0].sku,
                               regular_price=str(product.variants[0].price))
                    row["meta_data"] += [f.meta_data() for f in product.variants[0].shop_fields]
                rows.append(row)
            try:
                answer = self.client.batch_products(create=rows)
                result.calls += 1
            except (Retryable, NeedsAttention) as exc:
                if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                    raise
                result.failed += [(mapping.ProductChange(p, p.fields(), p.variants), exc.message) for p in chunk]
                continue
            outcomes = answer.get("create") or []
            for index, product in enumerate(chunk):
                change = mapping.ProductChange(product, product.fields(), product.variants)
                outcome = outcomes[index] if index < len(outcomes) else None
                if outcome is None or "error" in outcome:
                    error = (outcome or {}).get("error") or {}
                    result.failed.append((change, f"WooCommerce did not create {product.item}: "
                                                  f"{error.get('code')}: {error.get('message')}"))
                    continue
                parent = int(outcome["id"])
                if not product.has_options:
                    result.created[product.variants[0].sku] = {"product_id": parent, "variation_id": None}
                    result.applied.append(change)
                elif self._create_variations(parent, product, change, result):
                    result.applied.append(change)
        return result

    def _create_variations(self, parent: int, product: mapping.ShopProduct, change, result: WriteResult) -> bool:
        option, values = mapping.option_values(product)
        rows = [{"sku": v.sku, "regular_price": str(v.price), "attributes": [{"name": option, "option": value}],
                 **({"meta_data": [f.meta_data() for f in v.shop_fields]} if v.shop_fields else {})}
                for v, value in zip(product.variants, values, strict=True)]
        ok = True
        for start in range(0, len(rows), self.batch):
            try:
                answer = self.client.batch_variations(parent, create=rows[start:start + self.batch])
                result.calls += 1
            except (Retryable, NeedsAttention) as exc:
                if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                    raise
                result.failed.append((change, exc.message))
                return False
            for row, outcome in zip(rows[start:start + self.batch], answer.get("create") or [], strict=False):
                if "error" in outcome:
                    ok = False
                    result.failed.append((change, f"WooCommerce did not create variation {row['sku']}: "
                                                  f"{outcome['error'].get('message')}"))
                else:
                    result.created[row["sku"]] = {"product_id": parent, "variation_id": int(outcome["id"])}
        return ok


WRITERS = {"shopify": ShopifyProductWriter, "woocommerce": WooProductWriter}  # the others: core.platforms.part


def writer_for(shop: Shop, settings=None):
    writer = WRITERS.get(shop.platform) or part(shop.platform, "ProductWriter")
    if writer is not None:
        return writer(platform(shop.platform).client.client_for(shop, settings))
    raise NeedsAttention(f"Product export is not available for {shop.platform} shops in this version.",
                         resolution=f'remove "products" from flows of shop "{shop.key}"', code="products_unsupported")


# ---------------------------------------------------------------------------------------------- BC side

def product_company(config: Config, shop: Shop) -> Company:
    """The BC company whose items the shop shows: products.company, else the shop's first routing rule."""
    key = shop.products.company or next(
        (r.company for r in config.routing if r.shop == shop.key and not (r.market or r.currency or r.country)),
        None) or next((r.company for r in config.routing if r.shop in (None, shop.key)), None)
    if key is None or key not in [c.key for c in config.companies]:
        raise NeedsAttention(f"No BC company for the products of shop {shop.key}.",
                             resolution=f'set company in [shops.products] of shop "{shop.key}" to a company key',
                             code="products_no_company")
    return config.company(key)


def shop_currency(config: Config, shop: Shop, company: Company) -> str:
    """The currency the shop's prices are in: the currency of a routing rule for exactly this shop, else the
    company's local currency (what items.unitPrice is in)."""
    named = {r.currency.upper() for r in config.routing if r.shop == shop.key and r.currency}
    return named.pop() if len(named) == 1 else company.currency.upper()


def read_prices(ctx: Context, company: Company, shop: Shop, currency: str, today: date,
                run: ProductRun) -> dict[tuple[str, str], mapping.PriceLine]:
    options = shop.products
    if not options.price_list_page:
        if currency != company.currency.upper():
            raise NeedsAttention(
                f"Shop {shop.key} sells in {currency}, but items.unitPrice is in {company.currency} and no price "
                "list is configured.",
                resolution=f'publish the Price List Lines page and set price_list_page and price_list_code (a price '
                           f'list in {currency}) in [shops.products] of shop "{shop.key}"',
                code="products_currency_without_price_list")
        run.source = "items.unitPrice"
        return {}
    if not options.price_list_code:
        raise NeedsAttention(f"Shop {shop.key} names price list page {options.price_list_page} but no price list.",
                             resolution=f'set price_list_code in [shops.products] of shop "{shop.key}"',
                             code="products_no_price_list_code")
    run.source = f"price list {options.price_list_code} (page {options.price_list_page})"
    try:
        rows = ctx.bc.odata_page(company.name or company.bc_company_id, options.price_list_page,
                                 filter=f"Price_List_Code eq {odata_string(options.price_list_code)}",
                                 page_size=BC_PAGE_SIZE)
        lines = [mapping.price_line(row) for row in rows]
    except BcPermanentError as exc:
        if exc.status == 404:
            raise NeedsAttention(
                f"BC has no published page {options.price_list_page!r} in company {company.name or company.key} "
                f"({exc.message}).",
                resolution="publish page 7001 Price List Lines as an ODataV4 web service in BC (Web Services "
                           "page), or correct price_list_page in [shops.products]",
                code="products_price_page_missing") from exc
        raise
    return mapping.applicable_prices(lines, code=options.price_list_code, currency=currency, lcy=company.currency,
                                     today=today)


# ---------------------------------------------------------------------------------------------- the flow

class _Pusher:
    """Collects changed products; resolves targets (cached) and writes them CHUNK at a time."""

    def __init__(self, ctx: Context, shop: Shop, writer, run: ProductRun, snapshot: ProductSnapshot):
        self.ctx, self.shop, self.writer, self.run, self.snapshot = ctx, shop, writer, run, snapshot
        self.target_store = ProductTargets(ctx.storage)
        self.targets: dict[str, dict] | None = None  # loaded on the first write: an unchanged run never needs it
        self.rechecked: set[str] = set()
        self.pending: list[mapping.ProductChange] = []

    def add(self, change: mapping.ProductChange) -> None:
        self.pending.append(change)
        if len(self.pending) >= getattr(self.writer, "chunk", CHUNK):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        changes, self.pending = self.pending, []
        self._resolve([sku for c in changes for sku in c.product.skus])
        updates, creates = [], []
        for change in changes:
            known = [sku for sku in change.product.skus if not self.targets[sku].get("unknown")]
            unknown = [sku for sku in change.product.skus if self.targets[sku].get("unknown")]
            if not known:
                if not change.product.title:  # unpublished, and the shop no longer has it: nothing to do
                    self.snapshot.record(change.item, mapping.GONE, [], [])
                elif self.shop.products.create_missing:
                    creates.append(change.product)
                else:
                    self.run.unknown += len(unknown)
                continue
            self.run.unknown += len(unknown)
            if unknown:  # a new BC variant of a product the shop has: not added to the shop's product
                change = mapping.ProductChange(
                    change.product, change.fields, tuple(v for v in change.variants if v.sku in known))
            updates.append(change)
        if updates:
            self._apply(self.writer.update(updates, self.targets), created=False)
        if creates:
            self._apply(self.writer.create(creates), created=True)
        self.snapshot.flush()

    def _apply(self, result: WriteResult, *, created: bool) -> None:
        self.run.writes += result.calls
        if result.created:
            self.target_store.save(self.shop.key, result.created)
            self.targets.update(result.created)
        for change in result.applied:
            product = change.product
            if change.fields.get("status") == mapping.DRAFT and not product.title:  # unpublished
                self.snapshot.record(product.item, mapping.GONE, [], [])
                self.run.unpublished += 1
                continue
            known = [v for v in product.variants if not self.targets.get(v.sku, {}).get("unknown")]
            self.snapshot.record(product.item, product.fingerprint() if change.fields else None,
                                 [v.sku for v in known],
                                 [(v.sku, v.fingerprint()) for v in change.variants if v in known])
            if created:
                self.run.created += 1
            else:
                self.run.updated += 1
        for change, reason in result.failed:
            log.warning("products: %s for %s failed: %s", change.item, self.shop.key, reason)
            self.run.fail(1, reason)
        if result.gone:  # the shop no longer knows the cached ids: look them up again next run
            self.target_store.forget(self.shop.key, result.gone)
            for sku in result.gone:
                self.targets.pop(sku, None)

    def _resolve(self, skus: list[str]) -> None:
        if self.targets is None:
            self.targets = self.target_store.load(self.shop.key)
        missing = [s for s in dict.fromkeys(skus) if s not in self.targets
                   or self.run.full and self.targets[s].get("unknown") and s not in self.rechecked]
        if not missing:
            return
        found = self.writer.discover(missing)
        self.run.lookups += len(missing)
        newly_unknown = [s for s in missing if s not in found and not self.targets.get(s, {}).get("unknown")]
        fresh = {**found, **{s: {"unknown": True} for s in missing if s not in found}}
        self.target_store.save(self.shop.key, fresh)
        self.targets.update(fresh)
        self.rechecked.update(missing)
        if self.shop.products.create_missing:
            return
        for sku in newly_unknown:  # once per SKU, not once per run
            self.ctx.synclog.record(
                FLOW, self.shop.key, f"sku:{sku}", SyncStatus.SKIPPED, code="unknown_sku",
                message=f"SKU {sku} is published in BC but no product/variant with this SKU exists in the shop; "
                        "its title, price and status are not exported.",
                resolution=f'create the product in the shop with this SKU, switch on create_missing in '
                           f'[shops.products] of shop "{self.shop.key}", or map the SKU in [shops.items]; it is '
                           "looked up again on the next --full push")


def export_products(ctx: Context, shop_key: str, *, full: bool = False, writer=None, today: date | None = None,
                    progress: Callable[[ProductRun], None] | None = None) -> ProductRun:
    """Export one shop's products and prices; returns the run summary. Raises NeedsAttention/Skip/Retryable."""
    started = time.monotonic()
    shop = ctx.config.shop(shop_key)
    if shop is None:
        raise NeedsAttention(f"Shop {shop_key!r} is not in the integration config.",
                             resolution=f'add a [[shops]] entry with key = "{shop_key}"', code="unknown_shop")
    if FLOW not in shop.flows:
        raise Skip(f'The products flow is not switched on for shop {shop.key} (flows = {shop.flows}).')
    company = product_company(ctx.config, shop)
    today = today or datetime.now(UTC).date()
    try:
        lock = ctx.bindings.claim("products-run", shop.key, "run", WORKER, RUN_LEASE)
    except AlreadyClaimed as exc:
        raise Skip(f"Another products run for {shop.key} is in progress ({exc.binding.owner}).",
                   duplicate=True) from None
    try:
        run = ProductRun(shop=shop.key, full=full)
        writer = writer or writer_for(shop)
        _export(ctx, shop, company, today, run, writer, progress)
        run.seconds = round(time.monotonic() - started, 3)
        log.info("products_run shop=%s full=%s changes=%s updated=%s created=%s failed=%s writes=%s", shop.key,
                 full, run.changes, run.updated, run.created, run.failed, run.writes)
        return run
    except BcRetryableError as exc:
        raise Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after) from exc
    except BcError as exc:
        raise exc.to_bridge_error() from exc
    finally:
        ctx.bindings.release(lock)


def _shop_products(ctx: Context, co, company: Company, shop: Shop, options: mapping.MapOptions, run: ProductRun):
    """(key, product or None, problems, variants without SKU): one per BC item, or with [shops.trimit] one
    per TRIMIT master (core/sync/trimit.py), whose SKU items are read in full before grouping."""
    rules = export_fields.rules_for(shop, "product", "variant")
    items = co.list("items", filter=shop.products.item_filter or None,
                    select=list(dict.fromkeys([*ITEM_FIELDS, *export_fields.api_fields(rules)])),
                    expand=["itemVariants"], page_size=BC_PAGE_SIZE)
    if shop.trimit is not None:
        rows = trimit.read_matrix(ctx.bc, company, ctx.config.bc, shop.trimit)
        items = list(items)
        run.items += len(items)
        yield from trimit.group_products(items, rows, shop.trimit, options)
        return
    pages = export_fields.read_pages(ctx.bc, company, ctx.config.bc, rules) if rules else None
    for item in items:
        run.items += 1
        product, problems, no_sku = mapping.map_item(item, item.get("itemVariants") or [], options)
        if product is not None and rules:
            product = _with_export_fields(product, item, rules, pages, ctx.config.bc, problems)
        yield str(item["number"]).upper(), product, problems, no_sku


def _with_export_fields(product: mapping.ShopProduct, item: dict, rules, pages, bc, problems: list
                        ) -> mapping.ShopProduct:
    """The product with its export fields ([[shops.export_fields]]); a value that cannot be written is a
    problem of the item, and the item's other values still go out."""
    what = f"item {product.item}"
    own, wrong = export_fields.shop_fields([r for r in rules if r.entity == "product"], item, pages, bc, what)
    per_variant, wrong_too = export_fields.shop_fields([r for r in rules if r.entity == "variant"], item, pages, bc,
                                                       what)
    problems += [mapping.Problem(product.item, p.code, p.message, p.resolution) for p in (*wrong, *wrong_too)]
    variants = tuple(replace(v, shop_fields=per_variant) for v in product.variants) if per_variant else \
        product.variants
    return replace(product, shop_fields=own, variants=variants)


def _export(ctx: Context, shop: Shop, company: Company, today: date, run: ProductRun, writer, progress) -> None:
    currency = shop_currency(ctx.config, shop, company)
    prices = read_prices(ctx, company, shop, currency, today, run)
    if hasattr(writer, "use_currency"):  # a shop keeping prices per currency (Shopware) is told which one
        writer.use_currency(currency)
    co = ctx.bc.company(company.bc_company_id)
    categories = {str(c["code"]).upper(): str(c.get("displayName") or c["code"])
                  for c in co.list("itemCategories", select=["code", "displayName"])}
    options = mapping.MapOptions(shop_includes_tax=shop.products.prices_include_tax, sku_index=sku_index(shop),
                                 prices=prices, rates=mapping.tax_rates(company), categories=categories,
                                 company=company.key)
    snapshot = ProductSnapshot(ctx.storage).load(shop.key)
    pusher = _Pusher(ctx, shop, writer, run, snapshot)
    seen: set[str] = set()
    try:
        for number, product, problems, no_sku in _shop_products(ctx, co, company, shop, options, run):
            seen.add(number)
            run.no_sku += no_sku
            for problem in problems:
                run.problems += 1
                ctx.synclog.record(FLOW, shop.key, f"item:{problem.item}", SyncStatus.NEEDS_ATTENTION,
                                   code=problem.code, message=problem.message, resolution=problem.resolution,
                                   bc_company=company.key)
            if product is None:
                continue
            run.skus += len(product.variants)
            change = mapping.delta(product, snapshot.told_product(number), snapshot.told_variant, full=run.full)
            if change is not None:
                run.changes += 1
                pusher.add(change)
            if progress and run.items % 1000 == 0:
                progress(run)
        # read to the end without error: what was pushed before and is no longer published becomes a draft
        for item, entry in list(snapshot.items.items()):
            if item not in seen and entry.get("h") != mapping.GONE and entry.get("skus"):
                run.changes += 1
                pusher.add(mapping.unpublish(item, entry["skus"]))
        pusher.flush()
    finally:
        snapshot.flush()  # what was accepted stays accepted, even when the run failed
    if run.failed:
        log.warning("products: %s products for %s failed and are retried next run: %s", run.failed, shop.key,
                    "; ".join(run.failures))


# ---------------------------------------------------------------------------------------------- timer

SCHEDULE_CURSOR = "products-schedule"


def export_due_products(ctx: Context, now: datetime | None = None) -> dict[str, str]:
    """The timer: run every shop with the products flow whose `sync_minutes` have passed since its last
    successful run, one after the other; one shop failing never stops the others. Returns shop → outcome."""
    now = now or datetime.now(UTC)
    outcomes: dict[str, str] = {}
    for shop in ctx.config.shops:
        if FLOW not in shop.flows:
            continue
        window = ctx.cursors.window(SCHEDULE_CURSOR, shop.key, start=datetime(2000, 1, 1, tzinfo=UTC),
                                    overlap=timedelta(0), now=now)
        if now - window.since < timedelta(minutes=shop.products.sync_minutes):
            outcomes[shop.key] = "not due"
            continue
        try:
            run = export_products(ctx, shop.key)
        except Skip as exc:
            outcomes[shop.key] = f"skipped: {exc.reason}"
            continue
        except Exception as exc:  # noqa: BLE001 - logged with its resolution; the next tick tries again
            outcomes[shop.key] = f"failed: {exc}"
            log.exception("products_failed shop=%s", shop.key)
            continue
        outcomes[shop.key] = run.describe()
        if not run.failed:  # a run with failures is tried again on the next tick
            ctx.cursors.advance(SCHEDULE_CURSOR, shop.key, Window(since=window.since, until=now, etag=window.etag))
    return outcomes
