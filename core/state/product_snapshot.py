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

import gzip
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from core.state import names
from core.state.bindings import BOUND
from core.state.snapshot import _transactions
from core.state.storage import Storage, table_key

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
        blob = self.container.get_blob_client(self.blob_name(shop))
        try:
            download = blob.download_blob()
            state = json.loads(gzip.decompress(download.readall()))
            self.items, self.skus, self._etag = state.get("items", {}), state.get("skus", {}), download.properties.etag
        except ResourceNotFoundError:
            self.items, self.skus, self._etag = {}, {}, None
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
        body = gzip.compress(json.dumps({"version": 1, "shop": self._shop, "updated": datetime.now(UTC).isoformat(),
                                         "items": self.items, "skus": self.skus},
                                        separators=(",", ":")).encode(), 6)
        blob = self.container.get_blob_client(self.blob_name(self._shop))
        if self._etag is None:
            result = blob.upload_blob(body, overwrite=True)
        else:
            result = blob.upload_blob(body, overwrite=True, etag=self._etag,
                                      match_condition=MatchConditions.IfNotModified)
        self._etag = result.get("etag")
        self._dirty = False
        return True


class ProductTargets:
    """SKU → how the shop addresses it, cached in Bindings (kind "product-target")."""

    def __init__(self, storage: Storage, table: str = names.BINDINGS):
        self.client: TableClient = storage.table(table)

    @staticmethod
    def _partition(shop: str) -> str:
        return table_key(f"{TARGET_KIND}|{shop}")

    def load(self, shop: str) -> dict[str, dict]:
        query = self.client.query_entities("PartitionKey eq @p", parameters={"p": self._partition(shop)},
                                           select=["ExternalId", "Data"], results_per_page=1000)
        return {entity["ExternalId"]: json.loads(entity.get("Data") or "{}") for entity in query}

    def save(self, shop: str, targets: dict[str, dict]) -> int:
        partition = self._partition(shop)
        return _transactions(self.client, (
            ("upsert", {"PartitionKey": partition, "RowKey": table_key(sku), "Kind": TARGET_KIND, "Shop": shop,
                        "ExternalId": sku, "State": BOUND, "Owner": "", "BcCompany": "", "BcId": "",
                        "BcNumber": "", "BcEntity": "", "Data": json.dumps(data)},
             {"mode": UpdateMode.REPLACE})
            for sku, data in targets.items()))

    def forget(self, shop: str, skus: Iterable[str]) -> int:
        partition = self._partition(shop)
        return _transactions(self.client, (("delete", {"PartitionKey": partition, "RowKey": table_key(s)})
                                           for s in dict.fromkeys(skus)))
