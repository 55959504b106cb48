"""StockSnapshot: what each shop was last told, per SKU × shop location; and the SKU → shop target cache.

StockSnapshot rows: PartitionKey = shop, RowKey = `sku|location` (each part escaped,
`stock_mapping.snapshot_key`), `Value` (int) and `Updated`. A row is written only after the shop accepted
that pair, so a pair that failed is simply different again next run and is retried.

Stock targets live in the Bindings table as kind "stock-target" (PartitionKey `stock-target|<shop>`,
RowKey the SKU): `Data` holds what the shop needs to address the SKU (Shopify inventory item id and the
locations it is stocked at; WooCommerce product/variation id), or `{"unknown": true}` for a SKU the shop
does not have (negative cache, re-checked on the next full reconcile).

Writes go in entity-group transactions of 100 rows (one partition), so a full push of 150,000 pairs
costs 1,500 storage requests, not 150,000.
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
    def __init__(self, storage: Storage, table: str = names.STOCK_SNAPSHOT):
        self.client: TableClient = storage.table(table)

    def load(self, shop: str) -> dict[str, int]:
        """RowKey → value for the shop, read page by page (the dict is the run's only O(pairs) structure)."""
        told: dict[str, int] = {}
        query = self.client.query_entities("PartitionKey eq @p", parameters={"p": table_key(shop)},
                                           select=["RowKey", "Value"], results_per_page=1000)
        for entity in query:
            told[entity["RowKey"]] = int(entity["Value"])
        return told

    def get(self, shop: str, key: str) -> int | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return int(self.client.get_entity(table_key(shop), key)["Value"])
        except ResourceNotFoundError:
            return None

    def record(self, shop: str, told: Iterable[tuple[str, int]], now: datetime | None = None) -> int:
        """Remember (RowKey, value) pairs the shop accepted; returns the storage requests used."""
        now = now or datetime.now(UTC)
        partition = table_key(shop)
        return _transactions(self.client, (
            ("upsert", {"PartitionKey": partition, "RowKey": key, "Value": int(value), "Updated": now},
             {"mode": UpdateMode.REPLACE})
            for key, value in told))

    def clear(self, shop: str) -> int:
        keys = [e["RowKey"] for e in self.client.query_entities(
            "PartitionKey eq @p", parameters={"p": table_key(shop)}, select=["RowKey"])]
        return _transactions(self.client, (("delete", {"PartitionKey": table_key(shop), "RowKey": k}) for k in keys))


class StockTargets:
    """SKU → how the shop addresses it, cached in Bindings (kind "stock-target")."""

    def __init__(self, storage: Storage, table: str = names.BINDINGS):
        self.client: TableClient = storage.table(table)

    @staticmethod
    def _partition(shop: str) -> str:
        return table_key(f"{TARGET_KIND}|{shop}")

    def load(self, shop: str) -> dict[str, dict]:
        targets: dict[str, dict] = {}
        query = self.client.query_entities("PartitionKey eq @p", parameters={"p": self._partition(shop)},
                                           select=["ExternalId", "Data"], results_per_page=1000)
        for entity in query:
            targets[entity["ExternalId"]] = json.loads(entity.get("Data") or "{}")
        return targets

    def iter_skus(self, shop: str) -> Iterator[str]:
        for entity in self.client.query_entities("PartitionKey eq @p", parameters={"p": self._partition(shop)},
                                                 select=["ExternalId"]):
            yield entity["ExternalId"]

    def save(self, shop: str, targets: dict[str, dict]) -> int:
        """Upsert binding rows (same columns as core.state.bindings) for SKU → target data."""
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
