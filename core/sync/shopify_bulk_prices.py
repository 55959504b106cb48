"""Prices of many Shopify products in one bulk mutation instead of one `productVariantsBulkUpdate` call each.

Per call, every product costs a 10-point mutation: 50,000 products are 500,000 points, ~83 minutes of the
Standard plan's 100 points/s, every time prices change broadly. A bulk mutation runs the same mutation once per
line of an uploaded JSONL file outside the cost limit; only its few calls draw points (staged upload, start,
polls). Below BULK_PRICES_MIN_PRODUCTS products the per-call path stays: a bulk operation's fixed wait (upload,
Shopify's queue, the result file) is not worth it for a handful of products.

`bulk_price_errors(client, changes, targets)` → {index of the change: its userErrors} when the prices went in
bulk (an empty list = applied), or None when the caller must send them per call (too few products, or the
operation ended without a result: FAILED, CANCELED, upload refused — setting a price twice is harmless, so the
per-call path may safely redo what the bulk run did). Product fields (title, status, type) stay per call.
"""

from __future__ import annotations

import logging

from core.platforms.shopify.client import ShopifyBulkOperationError
from core.sync import product_mapping as mapping

log = logging.getLogger("core.sync.products")

BULK_PRICES_MIN_PRODUCTS = 100  # 100 products per call = 1,000 points, ~10 s of Standard's budget
WRITE_CHUNK = 10_000  # changed products the Shopify writer is handed at once (one bulk operation each)


def price_rows(change: mapping.ProductChange, targets: dict[str, dict]) -> dict[str, dict[str, str]]:
    """The change's prices as {Shopify product id: {variant id: price}}."""
    prices: dict[str, dict[str, str]] = {}
    for variant in change.variants:
        target = targets[variant.sku]
        prices.setdefault(target["product_id"], {})[target["variant_id"]] = str(variant.price)
    return prices


def bulk_price_errors(client, changes: list[mapping.ProductChange],
                      targets: dict[str, dict]) -> dict[int, list[dict]] | None:
    per_change = [price_rows(change, targets) for change in changes]
    prices: dict[str, dict[str, str]] = {}
    for rows in per_change:
        for product_id, by_variant in rows.items():
            prices.setdefault(product_id, {}).update(by_variant)
    if len(prices) < BULK_PRICES_MIN_PRODUCTS:
        return None
    try:
        failed = client.bulk_update_variant_prices(prices)
    except ShopifyBulkOperationError as exc:
        log.warning("Shopify bulk price update failed (%s); sending %d products' prices per call", exc, len(prices))
        return None
    return {index: [error for product_id in rows for error in failed.get(product_id, [])]
            for index, rows in enumerate(per_change)}
