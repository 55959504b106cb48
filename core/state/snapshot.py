"""StockSnapshot: what each shop was last told, per SKU × shop location; and the SKU → shop target cache.

StockSnapshot: one blob per shop mapping `sku|location` (each part escaped, `stock_mapping.snapshot_key`)
to the quantity the shop accepted. A pair is recorded only after the shop accepted it, so a pair that
failed is simply different again next run and is retried.

Stock targets live in the Bindings table as kind "stock-target" (PartitionKey `stock-target|<shop>`,
RowKey the SKU): `Data` holds what the shop needs to address the SKU (Shopify inventory item id and the
locations it is stocked at; WooCommerce product/variation id), or `{"unknown": true}` for a SKU the shop
does not have (negative cache, re-checked on the next full reconcile).

Target writes go in entity-group transactions of 100 rows (one partition).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from azure.data.tables import TableClient, UpdateMode

from core.state import names
from core.state.bindings import BOUND
from core.state.storage import Storage, table_key

TRANSACTION_LIMIT = 100
TARGET_KIND = "stock-target"


def read_json_blob(container, name: str) -> tuple[dict | None, str | None]:
    """A gzip-compressed JSON blob and its ETag; (None, None) when it does not exist."""
    import gzip

    from azure.core.exceptions import ResourceNotFoundError

    try:
        download = container.get_blob_client(name).download_blob()
        return json.loads(gzip.decompress(download.readall())), download.properties.etag
    except ResourceNotFoundError:
        return None, None


def write_json_blob(container, name: str, data: dict, etag: str | None) -> str | None:
    """Write gzip-compressed JSON; with an ETag only if nobody changed the blob since it was read."""
    import gzip

    from azure.core import MatchConditions

    body = gzip.compress(json.dumps(data, separators=(",", ":")).encode(), 6)
    blob = container.get_blob_client(name)
    if etag is None:
        result = blob.upload_blob(body, overwrite=True)
    else:
        result = blob.upload_blob(body, overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified)
    return result.get("etag")


def _transactions(client: TableClient, operations: Iterable[tuple]) -> int:
    """Submit (op, entity[, mode]) tuples in transactions of 100; returns the number of requests."""
    requests, chunk = 0, []
    for operation in operations:
        chunk.append(operation)
        if len(chunk) == TRANSACTION_LIMIT:
            client.submit_transaction(chunk)
            requests, chunk = requests + 1, []
    if chunk:
        client.submit_transaction(chunk)
        requests += 1
    return requests


class StockSnapshot:
    """What each shop was last told, as one compressed JSON blob per shop (`snapshots/stock/<shop>.json.gz`).

    A blob rather than a table row per pair: a full push of 150,000 pairs would otherwise cost 1,500 Table
    transactions whose request building alone (the SDK's multipart encoding) takes longer than the shop's
    own rate limit allows for the push; one blob is read once per run and written every few batches.
    Runs of one shop never overlap (the run lease), and each write is guarded by the blob's ETag anyway.
    """

    def __init__(self, storage: Storage, container: str = names.SNAPSHOTS):
        self.container = storage.container(container)
        self._state: dict[str, dict[str, int]] = {}
        self._etags: dict[str, str | None] = {}
        self._dirty: set[str] = set()

    @staticmethod
    def _blob(shop: str) -> str:
        return f"stock/{shop}.json.gz"

    def load(self, shop: str) -> dict[str, int]:
        """RowKey-style key (`stock_mapping.snapshot_key`) → value; the dict stays this object's working state."""
        data, etag = read_json_blob(self.container, self._blob(shop))
        told = data["told"] if data else {}
        self._state[shop], self._etags[shop] = told, etag
        return told

    def get(self, shop: str, key: str) -> int | None:
        return self.load(shop).get(key)

    def record(self, shop: str, told: Iterable[tuple[str, int]]) -> None:
        """Remember pairs the shop accepted (in memory; `flush` writes them)."""
        state = self._state.get(shop)
        if state is None:
            state = self.load(shop)
        for key, value in told:
            state[key] = int(value)
        self._dirty.add(shop)

    def flush(self, shop: str) -> bool:
        """Write the shop's snapshot if anything changed since the last flush; False when nothing to write."""
        if shop not in self._dirty:
            return False
        self._etags[shop] = write_json_blob(
            self.container, self._blob(shop),
            {"version": 1, "shop": shop, "updated": datetime.now(UTC).isoformat(), "told": self._state[shop]},
            self._etags.get(shop))
        self._dirty.discard(shop)
        return True

    def clear(self, shop: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self.container.delete_blob(self._blob(shop))
        except ResourceNotFoundError:
            pass
        self._state.pop(shop, None)
        self._etags.pop(shop, None)
        self._dirty.discard(shop)


class TargetCache:
    """SKU → how the shop addresses it, cached in Bindings under one kind per flow ("stock-target",
    "product-target"): `Data` holds the shop's ids, or `{"unknown": true}` for a SKU the shop lacks."""

    kind = TARGET_KIND

    def __init__(self, storage: Storage, table: str = names.BINDINGS):
        self.client: TableClient = storage.table(table)

    def _partition(self, shop: str) -> str:
        return table_key(f"{self.kind}|{shop}")

    def load(self, shop: str) -> dict[str, dict]:
        query = self.client.query_entities("PartitionKey eq @p", parameters={"p": self._partition(shop)},
                                           select=["ExternalId", "Data"], results_per_page=1000)
        return {entity["ExternalId"]: json.loads(entity.get("Data") or "{}") for entity in query}

    def iter_skus(self, shop: str) -> Iterator[str]:
        for entity in self.client.query_entities("PartitionKey eq @p", parameters={"p": self._partition(shop)},
                                                 select=["ExternalId"]):
            yield entity["ExternalId"]

    def save(self, shop: str, targets: dict[str, dict]) -> int:
        """Upsert binding rows (same columns as core.state.bindings) for SKU → target data."""
        partition = self._partition(shop)
        return _transactions(self.client, (
            ("upsert", {"PartitionKey": partition, "RowKey": table_key(sku), "Kind": self.kind, "Shop": shop,
                        "ExternalId": sku, "State": BOUND, "Owner": "", "BcCompany": "", "BcId": "",
                        "BcNumber": "", "BcEntity": "", "Data": json.dumps(data)},
             {"mode": UpdateMode.REPLACE})
            for sku, data in targets.items()))

    def forget(self, shop: str, skus: Iterable[str]) -> int:
        partition = self._partition(shop)
        return _transactions(self.client, (("delete", {"PartitionKey": partition, "RowKey": table_key(s)})
                                           for s in dict.fromkeys(skus)))


class StockTargets(TargetCache):
    kind = TARGET_KIND
