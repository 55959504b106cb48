"""What every platform client's `set_stock` takes and returns (the stock flow writes through these)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StockChange:
    sku: str
    location: str | None  # the shop location id; None for shops with one stock figure per SKU
    quantity: int
    previous: int | None = None  # what the shop was last told (Shopify's changeFromQuantity), None if unknown


@dataclass
class StockResult:
    applied: list[StockChange] = field(default_factory=list)
    failed: list[tuple[StockChange, str]] = field(default_factory=list)
    calls: int = 0
    stale_resolved: int = 0
    # the shop answered without an error but will not keep this quantity (a setting on the product): a
    # person has to act; the reason names the setting (WooCommerce: the product does not manage stock)
    attention: list[tuple[StockChange, str]] = field(default_factory=list)
