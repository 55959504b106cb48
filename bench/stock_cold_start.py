"""Stock cold start BC → Shopify: the first full push with an empty target cache, discovery included.

    python -m bench.stock_cold_start [--skus 50000] [--quick]

Setup as bench/stock_push.py (BC emulator with N items at MAIN, WEB, STORE1; Shopify emulator on the Standard
plan, 100 points/s and a 2,000 bucket, with N variants stocked at three locations, one BC location each → 3N
pairs; Azurite for the state) but nothing is seeded: the run has to find every SKU's inventory item first.
Before bulk operations that took ~577 cost points per 25 SKUs (~3 h for 50,000 SKUs on Standard); now one
bulk operation reads the catalog outside the cost limit.

Measured (counts from the Shopify emulator, not from the pipeline): wall time of the run, cost points drawn,
shop calls (GraphQL, and how many were bulk operations / per-SKU lookups / writes), peak RSS of the pipeline
(a spawned child, so without the emulators). Goals: ≤ 300 s wall, ≤ 300 MB, one bulk operation, zero per-SKU
lookups. JSON goes to bench/results/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.stock_push import BC_LOCATIONS, RESULTS, SHOP, SHOP_LOCATIONS, _vm_hwm_mb

GOAL_WALL_S = 300
GOAL_RSS_MB = 300


def child(config_path: str, conn) -> None:
    from core.config import load_config
    from core.state import Storage
    from core.sync import stock
    from core.sync.context import Context, bc_client_from_config

    ctx = Context(config=load_config(config_path), storage=Storage.from_settings(), bc_factory=bc_client_from_config)
    conn.recv()  # go
    started = time.monotonic()
    run = stock.export_stock_levels(ctx, SHOP, full=True)
    conn.send({**run.to_dict(), "wall_s": round(time.monotonic() - started, 3), "peak_rss_mb": round(_vm_hwm_mb(), 1)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stock_cold_start")
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="2,000 SKUs (CI-sized)")
    args = parser.parse_args(argv)
    n = 2_000 if args.quick else args.skus

    from core.state import Storage
    from core.state.snapshot import StockTargets
    from sandbox import azurite
    from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
    from sandbox.shopify_emulator import ShopifyEmulator

    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="bench-cold-")
    az = azurite.start(workdir)
    bc = BcEmulator(seed=None).start()
    shopify = ShopifyEmulator(plan="standard").start()
    try:
        shopify.data.add_location("Outlet", SHOP_LOCATIONS[2])
        rows = []
        for i in range(n):
            sku = f"SKU{i:06d}"
            stock = {f"{loc}|": (i * 7 + k * 3) % 50 for k, loc in enumerate(BC_LOCATIONS)}
            rows.append({"number": sku, "displayName": sku, "type": "Inventory",
                         "inventory": sum(stock.values()), "_stock": stock})
            shopify.add_variant(sku, {loc: 0 for loc in SHOP_LOCATIONS})
        bc.bulk_insert(DEMO_COMPANY_SE_ID, "items", rows)
        del rows
        storage = Storage(connection_string=az.connection_string)
        storage.ensure_resources()
        assert StockTargets(storage).load(SHOP) == {}  # the cold start: nothing discovered yet
        config = Path(workdir) / "bench.toml"
        locations = "\n".join(f'"gid://shopify/Location/{s}" = ["{b}"]' for s, b in zip(SHOP_LOCATIONS, BC_LOCATIONS,
                                                                                      strict=True))
        config.write_text(f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[bc.pages]
stock_by_location = "ItemStockByLocation"
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
[[shops]]
key = "{SHOP}"
platform = "shopify"
url = "{shopify.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "SHOPIFY_TOKEN"
flows = ["stock"]
[shops.stock]
committed = "none"
[shops.locations]
{locations}
[[routing]]
company = "se"
''', encoding="utf-8")
        os.environ.update({"BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "t", "BC_CLIENT_ID": "bench",
                           "BC_DEV_TOKEN": "bench", "SHOPIFY_TOKEN": shopify.access_token, "SECRET": "x",
                           "AzureWebJobsStorage": az.connection_string})
        print(f"setup: {n} SKUs × {len(SHOP_LOCATIONS)} locations in {time.monotonic() - t0:.1f}s", file=sys.stderr)

        ctx = mp.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe()
        process = ctx.Process(target=child, args=(str(config), child_conn))
        process.start()
        before = dict(shopify.counters)
        parent_conn.send("go")
        result = parent_conn.recv()
        process.join()
        counts = {key: shopify.counters[key] - before.get(key, 0) for key in (
            "graphql", "points_used", "throttled", "bulkOperationRunQuery", "bulkOperation", "productVariants",
            "inventorySetQuantities", "bulk_objects", "bulk_downloads")}
    finally:
        shopify.stop()
        bc.stop()
        az.stop()

    pairs = n * len(SHOP_LOCATIONS)
    per_call_points = math.ceil(n / 25) * 577  # the per-call discovery this replaces (docs/stock.md)
    report = {
        "at": datetime.now(UTC).isoformat(), "skus": n, "locations": len(SHOP_LOCATIONS), "pairs": pairs,
        "plan": {"restore_rate": shopify.bucket.restore_rate, "bucket": shopify.bucket.maximum},
        "wall_s": result["wall_s"], "goal_wall_s": GOAL_WALL_S,
        "peak_rss_mb": result["peak_rss_mb"], "goal_peak_rss_mb": GOAL_RSS_MB,
        "cost_points": counts["points_used"], "shop_calls": counts["graphql"] + counts["bulk_downloads"],
        "bulk_operations": counts["bulkOperationRunQuery"], "bulk_polls": counts["bulkOperation"],
        "bulk_result_lines": counts["bulk_objects"], "per_sku_lookups": counts["productVariants"],
        "write_calls": counts["inventorySetQuantities"], "expected_write_calls": math.ceil(pairs / 250),
        "throttled": counts["throttled"], "applied": result["applied"], "failed": result["failed"],
        "per_call_discovery_points_estimate": per_call_points,
        "per_call_discovery_hours_estimate": round((per_call_points - shopify.bucket.maximum)
                                                    / shopify.bucket.restore_rate / 3600, 2),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"stock_cold_start-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = (report["bulk_operations"] == 1 and report["per_sku_lookups"] == 0 and result["failed"] == 0
          and report["write_calls"] == report["expected_write_calls"] and report["wall_s"] <= GOAL_WALL_S
          and report["peak_rss_mb"] <= GOAL_RSS_MB)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
