"""What Brink offers the flows beyond orders (core.platforms.part): stock.

Stock (contract 2.2): absolute quantities [V: B4], written with the legacy `PUT /productv1/stocks
{"productId", "stock"}`, one product per call [V: B6a]. That call knows no inventory (warehouse), so a Brink
shop takes one quantity per SKU: the shop's total (no [shops.locations] mapping, or one that sums BC locations
into ""). The Management API's per-inventory update (`BrinkVariantInventory(quantity, productId, inventoryId)`)
has no verified HTTP path, so it is not used.
"""

from __future__ import annotations

from core.sync.stock import WriteResult
from core.sync.stock_mapping import Change

UNKNOWN_PRODUCT = "INVALID_INVENTORY_ITEM"  # core.sync.stock GONE: the cached target is dropped, looked up again
NO_INVENTORY = "INVALID_LOCATION"  # core.sync.stock NOT_STOCKED: remembered, not retried until a full run


class StockWriter:
    """One PUT per SKU (Brink documents no batch call); `batch_size` only sets how many go per round."""

    batch_size = 50

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id

    def discover(self, skus: list[str]) -> dict[str, dict]:
        """The SKUs Brink knows, by product id (Brink's product ids are the merchant's own ids)."""
        return {sku: {"product_id": sku} for sku in self.client.products(skus)}

    def write(self, changes: list[Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        for change in changes:
            if change.location:
                result.failed.append((change, NO_INVENTORY, (
                    f"Brink's stock call takes one quantity per product, not per location ({change.location!r}); "
                    "remove [shops.locations] for this shop, or map every BC location to \"\"")))
                continue
            response = self.client.set_stock(targets[change.sku]["product_id"], change.quantity)
            result.calls += 1
            if response.status_code < 300:
                result.applied.append(change)
            elif response.status_code == 404:
                result.failed.append((change, UNKNOWN_PRODUCT,
                                      f"Brink has no product {change.sku!r} any more (404)"))
            else:
                result.failed.append((change, f"HTTP_{response.status_code}",
                                      f"Brink refused the stock of {change.sku}: {response.text[:200]}"))
        return result
