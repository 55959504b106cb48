"""Stock BC → shop, the pure part: which number each shop location shows, and which of them changed.

No I/O here: the pipeline (core/sync/stock.py) reads BC, the snapshot and the committed quantities and
passes them in. docs/stock.md says the same in the operator's words.

    plan = plan_for(shop)                                   # mapped / summed / total
    levels = shop_levels(on_hand, plan, bc_committed=…, shop_committed=…)   # {shop location: int}
    changes = delta(sku, levels, snapshot.get, full=False)  # only what the shop was not told yet

Rules:
- A shop location shows one BC location, or the sum of several (`[shops.locations]`); with nothing mapped,
  the shop shows BC's total on one location (`stock.default_location`, else the shop's only one).
- Per BC location, quantities committed to open BC sales orders are taken off the on-hand inventory and
  the result is clamped at 0 *before* summing: a negative balance at one warehouse (BC allows negative
  inventory) is a booking error there, not fewer goods at the others.
- Then shop orders not yet in BC are taken off their shop location, then the safety buffer; the result
  is rounded down to a whole unit (half a unit cannot be sold) and never negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from core.config import Shop
from core.errors import NeedsAttention

VARIANT_SEPARATOR = ":"  # [shops.items] "SKU" = "ITEM:VARIANT", as the orders flow reads it
TOTAL = "total"
LOCATIONS = "locations"


@dataclass(frozen=True)
class StockPlan:
    mode: str  # LOCATIONS (per shop location from BC locations) or TOTAL (BC's total on one location)
    locations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # shop location → BC location codes
    total_location: str = ""  # TOTAL mode: the shop location that shows it ("" = the shop's only location)
    buffer: int = 0

    @property
    def shop_locations(self) -> list[str]:
        return list(self.locations) if self.mode == LOCATIONS else [self.total_location]

    def bc_codes(self) -> set[str]:
        return {code for codes in self.locations.values() for code in codes}


def plan_for(shop: Shop) -> StockPlan:
    if not shop.locations:
        return StockPlan(TOTAL, total_location=shop.stock.default_location, buffer=shop.stock.buffer)
    empty = [location for location, codes in shop.locations.items() if not codes]
    if empty:
        raise NeedsAttention(
            f"Shop {shop.key}: shop location(s) {empty} are mapped to no BC location.",
            resolution=f'list at least one BC location code for each, e.g. "{empty[0]}" = ["MAIN"], in '
                       f'[shops.locations] of shop "{shop.key}" (or remove the entry)',
            code="stock_location_unmapped",
        )
    single = {"woocommerce": "WooCommerce", "shopware": "Shopware (without the commercial Multi-Inventory)"}
    if shop.platform in single and len(shop.locations) > 1:
        raise NeedsAttention(
            f"Shop {shop.key}: {single[shop.platform]} keeps one stock figure per product, but "
            f"{len(shop.locations)} shop locations are mapped.",
            resolution=f'map one shop location to all the BC locations to sum, e.g. "default" = ["MAIN", "WEB"], in '
                       f'[shops.locations] of shop "{shop.key}"',
            code="stock_location_unsupported",
        )
    locations = {loc: tuple(code.upper() for code in codes) for loc, codes in shop.locations.items()}
    return StockPlan(LOCATIONS, locations=locations, buffer=shop.stock.buffer)


# ---- SKUs: BC item (+ variant) → shop SKU, the inverse of what the orders flow reads ----

def sku_index(shop: Shop) -> dict[tuple[str, str], str]:
    """(BC item number, variant code) → shop SKU from [shops.items] entries keyed by SKU.

    Keys that are shop variant ids (all digits or gid://) are order-line mappings, not SKUs, and are left out.
    """
    index: dict[tuple[str, str], str] = {}
    for key, target in shop.items.items():
        if key.isdigit() or key.startswith("gid://"):
            continue
        number, _, variant = target.partition(VARIANT_SEPARATOR)
        index.setdefault((number.strip().upper(), variant.strip().upper()), key)
    return index


def sku_for(item: str, variant: str, index: Mapping[tuple[str, str], str]) -> str | None:
    """The shop SKU of a BC item/variant: a [shops.items] mapping, else the item number itself (no variant).

    A variant without a mapping has no SKU (None): the orders flow could not read such a SKU back either.
    """
    item, variant = item.upper(), (variant or "").upper()
    mapped = index.get((item, variant))
    if mapped:
        return mapped
    return item if not variant else None


# ---- quantities ----

def whole_units(value: Decimal) -> int:
    """Round down to whole sellable units, never negative."""
    return max(0, math.floor(value))


def shop_levels(
    on_hand: Mapping[str, Decimal],
    plan: StockPlan,
    *,
    bc_committed: Mapping[str, Decimal] | None = None,
    shop_committed: Mapping[str, Decimal] | None = None,
) -> dict[str, int]:
    """What each shop location shows for one SKU.

    on_hand: BC location code → inventory (TOTAL mode: any keys, all are summed).
    bc_committed: BC location code → quantity on open BC sales orders, not yet shipped.
    shop_committed: shop location → quantity on shop orders not yet in BC.
    """
    bc_committed = bc_committed or {}
    shop_committed = shop_committed or {}
    free = {code: max(Decimal(0), Decimal(qty) - Decimal(bc_committed.get(code, 0)))
            for code, qty in on_hand.items()}
    for code in bc_committed:  # committed at a location with no inventory row: nothing to take from there
        free.setdefault(code, Decimal(0))
    levels: dict[str, int] = {}
    for location in plan.shop_locations:
        if plan.mode == TOTAL:
            available = sum(free.values(), Decimal(0))
        else:
            available = sum((free.get(code, Decimal(0)) for code in plan.locations[location]), Decimal(0))
        available -= Decimal(shop_committed.get(location, 0)) + plan.buffer
        levels[location] = whole_units(available)
    return levels


def shop_location_of(line_location: str, plan: StockPlan) -> str:
    """The shop location a pending order line takes stock from: its own when it is one we show, else the
    first one (the shop's default)."""
    if plan.mode == LOCATIONS and line_location:
        for location in plan.locations:
            if location == line_location or location.rsplit("/", 1)[-1] == line_location.rsplit("/", 1)[-1]:
                return location
    return plan.shop_locations[0]


# ---- delta against what the shop was last told ----

@dataclass(frozen=True)
class Change:
    sku: str
    location: str  # shop location key as configured ("" = the shop's only location)
    quantity: int
    previous: int | None  # what we last told the shop (compare-and-swap); None = unknown / overwrite


def snapshot_key(sku: str, location: str) -> str:
    """The StockSnapshot key: `sku|location`, each part escaped (also safe as a Table key)."""
    return f"{quote(sku, safe='')}|{quote(location, safe='')}"


def delta(sku: str, levels: Mapping[str, int], told: Callable[[str], int | None], *, full: bool) -> list[Change]:
    """Changes for one SKU: pairs whose value differs from what the shop was told (`told(key)`), or every
    pair on a full reconcile. A full push overwrites (previous None): BC is the master and the snapshot
    may be the thing that drifted."""
    changes = []
    for location, quantity in levels.items():
        previous = told(snapshot_key(sku, location))
        if full:
            changes.append(Change(sku, location, quantity, None))
        elif previous is None or previous != quantity:
            changes.append(Change(sku, location, quantity, previous))
    return changes


def add_quantities(into: dict, key, quantity: Decimal) -> None:
    into[key] = into.get(key, Decimal(0)) + quantity


def group_rows(rows: Iterable[dict], key: Callable[[dict], tuple]) -> Iterable[tuple[tuple, list[dict]]]:
    """Consecutive rows with the same key, as (key, rows) — streams, holding one group at a time."""
    current, group = None, []
    for row in rows:
        k = key(row)
        if group and k != current:
            yield current, group
            group = []
        current = k
        group.append(row)
    if group:
        yield current, group
