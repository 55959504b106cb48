"""Products: a broad price change on a 50,000-product Shopify catalog, by bulk mutation versus per product.

    python -m bench.products_bulk [--products 50000] [--quick]

Setup: the Shopify emulator on the Standard plan (100 points/s, a 2,000 bucket) with N products of 3 variants;
every variant's price changes. The Shopify product writer (core/sync/products.py) is handed the changes as the
products flow hands them (WRITE_CHUNK products at a time) with the targets already known, so what is measured is
the write: BC reading and target discovery are other benchmarks' business.

- Bulk path (what the flow does from BULK_PRICES_MIN_PRODUCTS products on): run whole.
- Per-product path (one `productVariantsBulkUpdate` per product, the flow before bulk mutations): running it
  whole would take ~83 minutes of cost budget, so it runs on a SAMPLE of products (in slices below the bulk
  threshold, so the writer goes per call) and is extrapolated from its measured points and wall time per product.

Counts come from the Shopify emulator (its counters), not from the pipeline. "Cost-limited time" is the time
Standard's restore rate needs to give back the points drawn (points / 100 per s). Goal: the bulk path needs
≥ 10× less cost-limited time than the per-product path; every product applied. JSON goes to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

from bench.stock_push import RESULTS

GOAL_RATIO = 10
VARIANTS = 3
SAMPLE = 495  # per-product sample: 5 slices of 99 (below the bulk threshold)


def build(shopify, n: int):
    from core.sync import product_mapping as mapping

    changes, targets = [], {}
    for i in range(n):
        skus = [f"P{i:06d}-{size}" for size in ("S", "M", "L")[:VARIANTS]]
        number = shopify.add_product(f"Product {i}", [(sku, sku[-1], "10.00") for sku in skus])
        for variant in shopify.data.variants[-len(skus):]:  # just added (variants_of would re-index each time)
            targets[variant.sku] = {"product_id": f"gid://shopify/Product/{number}", "variant_id": variant.id}
        product = mapping.ShopProduct(item=f"P{i:06d}", title=f"Product {i}", status="ACTIVE", category="",
                                      variants=tuple(mapping.ShopVariant(sku, "", sku[-1], Decimal(f"{11 + i % 50}.90"))
                                                     for sku in skus))
        changes.append(mapping.ProductChange(product, {}, product.variants))
    return changes, targets


def measure(shopify, run) -> dict:
    before = dict(shopify.counters)
    started = time.monotonic()
    applied, failed = run()
    wall = time.monotonic() - started
    counts = {k: shopify.counters[k] - before.get(k, 0) for k in (
        "graphql", "points_used", "throttled", "bulkOperationRunMutation", "bulkOperation", "stagedUploadsCreate",
        "staged_uploads", "bulk_objects", "bulk_downloads", "productVariantsBulkUpdate")}
    return {"wall_s": round(wall, 3), "applied": applied, "failed": failed, **counts,
            "shop_calls": counts["graphql"] + counts["staged_uploads"] + counts["bulk_downloads"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.products_bulk")
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="2,000 products (CI-sized)")
    args = parser.parse_args(argv)
    n = 2_000 if args.quick else args.products

    from core.platforms.shopify.client import ShopifyClient
    from core.sync.products import ShopifyProductWriter
    from core.sync.shopify_bulk_prices import BULK_PRICES_MIN_PRODUCTS, WRITE_CHUNK
    from sandbox.shopify_emulator import ShopifyEmulator

    t0 = time.monotonic()
    shopify = ShopifyEmulator(plan="standard").start()
    try:
        changes, targets = build(shopify, n)
        print(f"setup: {n} products × {VARIANTS} variants in {time.monotonic() - t0:.1f}s", file=sys.stderr)
        with ShopifyClient(shopify.base_url, shopify.access_token) as client:
            writer = ShopifyProductWriter(client)

            def bulk_run():
                applied = failed = 0
                for start in range(0, len(changes), WRITE_CHUNK):
                    result = writer.update(changes[start:start + WRITE_CHUNK], targets)
                    applied, failed = applied + len(result.applied), failed + len(result.failed)
                return applied, failed

            def per_product_sample():
                applied = failed = 0
                sample = changes[:min(SAMPLE, len(changes))]
                step = BULK_PRICES_MIN_PRODUCTS - 1
                for start in range(0, len(sample), step):
                    result = writer.update(sample[start:start + step], targets)
                    applied, failed = applied + len(result.applied), failed + len(result.failed)
                return applied, failed

            bulk = measure(shopify, bulk_run)
            shopify.bucket.set_available(shopify.bucket.maximum)  # the sample starts from a full bucket too
            sample = measure(shopify, per_product_sample)
        check = {sku: shopify.product_of(sku)["variants"][sku]["price"] for sku in ("P000000-S", f"P{n - 1:06d}-L")}
    finally:
        shopify.stop()

    rate, bucket = shopify.bucket.restore_rate, shopify.bucket.maximum
    sampled = sample["applied"] + sample["failed"]
    per_product = {
        "sampled_products": sampled,
        "points_per_product": round(sample["points_used"] / sampled, 2),
        "calls_per_product": round(sample["graphql"] / sampled, 2),
        "wall_s_per_product_measured": round(sample["wall_s"] / sampled, 5),
    }
    estimate_points = per_product["points_per_product"] * n
    per_product.update({
        "estimated_cost_points": round(estimate_points), "estimated_shop_calls": round(
            per_product["calls_per_product"] * n),
        "estimated_cost_limited_s": round(estimate_points / rate, 1),
        # the bucket's 2,000 points go at once; the rest at the restore rate (or as fast as calls go, if slower)
        "estimated_wall_s": round(max(n * per_product["wall_s_per_product_measured"],
                                      max(0.0, estimate_points - bucket) / rate), 1),
        "estimate_note": f"extrapolated from {sampled} products sent per call, not run whole",
    })
    bulk_cost_limited = bulk["points_used"] / rate
    ratio = per_product["estimated_cost_limited_s"] / bulk_cost_limited if bulk_cost_limited else float("inf")
    report = {
        "at": datetime.now(UTC).isoformat(), "products": n, "variants_per_product": VARIANTS,
        "plan": {"restore_rate": rate, "bucket": bucket},
        "bulk": {**bulk, "cost_limited_s": round(bulk_cost_limited, 2)},
        "per_product": per_product, "per_product_sample_counts": sample,
        "cost_limited_ratio": round(ratio, 1), "goal_ratio": GOAL_RATIO,
        "prices_read_back": check,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"products_bulk-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = (ratio >= GOAL_RATIO and bulk["applied"] == n and bulk["failed"] == 0
          and bulk["productVariantsBulkUpdate"] == 0 and bulk["bulk_objects"] == n)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
