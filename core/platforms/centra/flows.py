"""Centra's parts of the flows beyond orders (found by core.platforms.part): stock, shipments, refunds.

Stock (contract 4.2): absolute `setStock` per warehouse, PHYSICAL quantities, per variant and size.
- A shop location is a Centra warehouse id: `[shops.locations] "1" = ["MAIN"]` shows BC location MAIN in
  warehouse 1; without mapped locations `[shops.stock] default_location` names the warehouse of BC's total.
- A SKU is a product size; its variant id and size name come from reading the catalog once per run
  (client.size_targets, unverified query) and are cached like every platform's targets.
- Per-item answers: Centra reports problems in `userErrors{message path}`. Whether a setStock with some
  bad rows applied the good ones is not documented, so nothing is taken as applied from a call that
  answered errors: the rows the errors name are failed, and the rest is sent again without them (an
  absolute quantity can be sent twice). Only a call without errors counts its rows as applied.

Shipments (contract 4.3): `createShipment` on the order's lines, then `completeShipment` with tracking.
Refunds (contract 4.5): completed returns of the Order API (REST), see `new_refunds`.
"""

from __future__ import annotations

from core.errors import NeedsAttention
from core.platforms.payload import text
from core.sync import stock_mapping
from core.sync.stock import GONE, WriteResult

STOCK_ROUNDS = 3  # a call with errors is sent again without the rows named, at most this many times
INVALID_ITEM = GONE[0]  # the cached variant/size is wrong: look the SKU up again next run
REJECTED = "REJECTED"


def _index(path, key: str) -> int | None:
    """The list index after `key` in a userError path (["input", "productVariants", 2, …] → 2)."""
    if not isinstance(path, list):
        return None
    for position, part in enumerate(path[:-1]):
        if part == key:
            try:
                return int(path[position + 1])
            except (TypeError, ValueError):
                return None
    return None


class StockWriter:
    """setStock per warehouse; one call per warehouse of a batch. The batch limit is not documented
    [unverified]: 100 size levels per call keeps a call small under the mutation bucket."""

    batch_size = 100

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id
        self._catalog: dict[str, dict] | None = None

    def discover(self, skus: list[str]) -> dict[str, dict]:
        if self._catalog is None:  # one catalog read per run, however many SKUs are new
            self._catalog = self.client.size_targets()
        return {sku: self._catalog[sku] for sku in skus if sku in self._catalog}

    def write(self, changes: list[stock_mapping.Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        by_warehouse: dict[int, list[stock_mapping.Change]] = {}
        for change in changes:
            location = change.location.strip()
            if not location.isdigit():
                raise NeedsAttention(
                    f"Centra stock goes to a warehouse by its id, but the shop location is {location!r}.",
                    resolution="name Centra warehouse ids (AMS → Setup → Warehouses) as the keys of [shops.locations],"
                               ' e.g. "1" = ["MAIN"], or as [shops.stock] default_location',
                    code="stock_location_unknown")
            by_warehouse.setdefault(int(location), []).append(change)
        for warehouse, rows in by_warehouse.items():
            self._write_warehouse(warehouse, rows, targets, result)
        return result

    def _write_warehouse(self, warehouse: int, rows: list[stock_mapping.Change], targets: dict[str, dict],
                         result: WriteResult) -> None:
        for _ in range(STOCK_ROUNDS):
            if not rows:
                return
            variants: dict[int, list[stock_mapping.Change]] = {}
            for change in rows:
                variants.setdefault(targets[change.sku]["variant"], []).append(change)
            groups = list(variants.items())
            levels = [(variant, [(targets[c.sku]["size"], c.quantity) for c in group]) for variant, group in groups]
            errors = self.client.set_stock(warehouse, levels, description=f"BC stock (bridge run {self.run_id})")
            result.calls += 1
            if not errors:
                result.applied.extend(rows)
                return
            named: dict[int, tuple[str, str]] = {}  # id(change) → (code, message)
            for error in errors:
                message = text(error.get("message")) or "refused"
                path = error.get("path")
                if _index(path, "warehouse") is not None or (isinstance(path, list) and "warehouse" in path):
                    raise NeedsAttention(f"Centra refused warehouse {warehouse}: {message}",
                                         resolution="check the warehouse ids in [shops.locations] / [shops.stock] "
                                                    "default_location against AMS → Setup → Warehouses",
                                         code="stock_location_unknown")
                variant_at = _index(path, "productVariants")
                if variant_at is None or variant_at >= len(groups):
                    continue  # not about one row: nothing of this call is taken as applied
                group = groups[variant_at][1]
                size_at = _index(path, "sizeStockLevels")
                hit = [group[size_at]] if size_at is not None and size_at < len(group) else group
                about_target = isinstance(path, list) and path[-1] in ("productVariant", "size", "name")
                for change in hit:
                    named[id(change)] = (INVALID_ITEM if about_target else REJECTED, message)
            if not named:  # errors about the call as a whole: every row failed, none applied
                reason = "; ".join(text(e.get("message")) for e in errors)
                result.failed.extend((change, REJECTED, reason) for change in rows)
                return
            for change in rows:
                if id(change) in named:
                    code, message = named[id(change)]
                    result.failed.append((change, code, message))
            rows = [change for change in rows if id(change) not in named]
        result.failed.extend((change, REJECTED, "Centra kept answering errors for this call") for change in rows)
