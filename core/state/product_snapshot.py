"""ProductSnapshot: what each shop was last told about products; ProductTargets: SKU → shop ids cache.

ProductSnapshot is one compressed JSON blob per shop, `snapshots/products/<shop>.json.gz` (the pattern of
StockSnapshot):

    {"version": 1, "shop": …, "updated": …,
     "items": {"<ITEM>": {"h": "<hash of title/status/category>" | "gone", "skus": ["<SKU>", …]}},
     "skus": {"<SKU>": "<hash of the price>"}}

An entry is written only after the shop accepted it, so what failed differs again next run and is retried.
Runs of one shop never overlap (the run lease) and each write is guarded by the blob's ETag anyway.

ProductTargets live in the Bindings table as kind "product-target" (PartitionKey `product-target|<shop>`,
RowKey the SKU), `Data` = what the shop needs to address the SKU (Shopify product and variant ids;
WooCommerce product and variation ids) or `{"unknown": true}` for a SKU the shop does not have (re-checked
with `--full`, or created when create_missing is on).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from core.state import names
from core.state.snapshot import TargetCache, read_json_blob, write_json_blob
from core.state.storage import Storage

TARGET_KIND = "product-target"


class ProductSnapshot:
    def __init__(self, storage: Storage, container: str = names.SNAPSHOTS):
        self.container = storage.container(container)
        self.items: dict[str, dict] = {}
        self.skus: dict[str, str] = {}
        self._etag: str | None = None
        self._shop: str | None = None
        self._dirty = False

    @staticmethod
    def blob_name(shop: str) -> str:
        return f"products/{shop}.json.gz"

    def load(self, shop: str) -> ProductSnapshot:
        state, self._etag = read_json_blob(self.container, self.blob_name(shop))
        self.items, self.skus = (state or {}).get("items", {}), (state or {}).get("skus", {})
        self._shop, self._dirty = shop, False
        return self

    def told_product(self, item: str) -> str | None:
        entry = self.items.get(item)
        return entry.get("h") if entry else None

    def told_variant(self, sku: str) -> str | None:
        return self.skus.get(sku)

    def record(self, item: str, product_hash: str | None, skus: Iterable[str],
               variant_hashes: Iterable[tuple[str, str]]) -> None:
        """Remember what the shop accepted: the product's hash (None = unchanged) and the variants' hashes."""
        entry = self.items.setdefault(item, {"h": None, "skus": []})
        if product_hash is not None:
            entry["h"] = product_hash
        entry["skus"] = sorted(set(entry.get("skus") or []) | set(skus))
        for sku, value in variant_hashes:
            self.skus[sku] = value
        self._dirty = True

    def flush(self) -> bool:
        """Write the blob if anything changed since the last flush."""
        if not self._dirty or self._shop is None:
            return False
        self._etag = write_json_blob(
            self.container, self.blob_name(self._shop),
            {"version": 1, "shop": self._shop, "updated": datetime.now(UTC).isoformat(), "items": self.items,
             "skus": self.skus}, self._etag)
        self._dirty = False
        return True


class ProductTargets(TargetCache):
    """SKU → Shopify product/variant ids or WooCommerce product/variation ids (kind "product-target")."""

    kind = TARGET_KIND
