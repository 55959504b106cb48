"""Stock push BC → Shopify at catalog scale: write calls, wall time against the cost limit, memory.

    python -m bench.stock_push [--skus 50000] [--quick]

Setup: the BC emulator with N items stocked at MAIN, WEB and STORE1 (published page ItemStockByLocation),
the Shopify emulator on the Standard plan (100 points/s, bucket 2,000) with N variants stocked at three
locations, each shop location mapped to one BC location → 3N pairs; Azurite for the state. The SKU → inventory
item bindings are seeded as a previous discovery run would have left them (discovering 50,000 SKUs costs
~1.15 M points on Standard, hours; see docs/stock.md), so the run measures the push.

Scenarios, one after the other on the same state:
1. full push (`--full`): write calls must be ceil(pairs / 250). Each inventorySetQuantities costs 10 points,
   so the cost limit makes (calls × 10 − 2,000 bucket) / 100 seconds unavoidable; ratio = that / wall time
   (goal ≥ 0.8).
2. 1 % of SKUs changed in BC at one location: write calls = ceil(changed pairs / 250).
3. unchanged: zero write calls (and zero shop calls at all).

The pipeline runs in a spawned child process, so its peak RSS (VmHWM) is its own, without the emulators
(goal ≤ 300 MB). JSON goes to bench/results/ (gitignored).
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
from decimal import Decimal
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BC_LOCATIONS = ("MAIN", "WEB", "STORE1")
SHOP_LOCATIONS = (1001, 1002, 1003)
SHOP = "shopify-bench"


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(config_path: str, conn) -> None:
    """Runs the pipeline; waits for the parent between scenarios (it changes BC)."""
    from core.config import load_config
    from core.state import Storage
    from core.sync import stock
    from core.sync.context import Context, bc_client_from_config

    ctx = Context(config=load_config(config_path), storage=Storage.from_settings(), bc_factory=bc_client_from_config)
    results = {"rss_start_mb": round(_vm_hwm_mb(), 1)}
    for scenario in ("full", "changed", "unchanged"):
        conn.recv()  # go
        started = time.monotonic()
        run = stock.export_stock_levels(ctx, SHOP, full=scenario == "full")
        results[scenario] = {**run.to_dict(), "wall_s": round(time.monotonic() - started, 3),
                             "peak_rss_mb": round(_vm_hwm_mb(), 1)}
        conn.send(results[scenario])
    conn.send(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stock_push")
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
    workdir = tempfile.mkdtemp(prefix="bench-stock-")
    az = azurite.start(workdir)
    bc = BcEmulator(seed=None).start()
    shopify = ShopifyEmulator(plan="standard").start()
    try:
        shopify.data.add_location("Outlet", SHOP_LOCATIONS[2])
        rows, targets = [], {}
        for i in range(n):
            sku = f"SKU{i:06d}"
            stock = {f"{loc}|": (i * 7 + k * 3) % 50 for k, loc in enumerate(BC_LOCATIONS)}
            rows.append({"number": sku, "displayName": sku, "type": "Inventory",
                         "inventory": sum(stock.values()), "_stock": stock})
            variant = shopify.add_variant(sku, {loc: 0 for loc in SHOP_LOCATIONS})
            targets[sku] = {"inventory_item_id": variant.inventory_item_id,
                            "locations": [f"gid://shopify/Location/{loc}" for loc in SHOP_LOCATIONS]}
        bc.bulk_insert(DEMO_COMPANY_SE_ID, "items", rows)
        del rows
        storage = Storage(connection_string=az.connection_string)
        storage.ensure_resources()
        StockTargets(storage).save(SHOP, targets)
        del targets
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
        setup_s = time.monotonic() - t0
        print(f"setup: {n} SKUs × {len(SHOP_LOCATIONS)} locations in {setup_s:.1f}s", file=sys.stderr)

        ctx = mp.get_context("spawn")
        parent_conn, child_conn = ctx.Pipe()
        process = ctx.Process(target=child, args=(str(config), child_conn))
        process.start()
        out = {}
        for scenario in ("full", "changed", "unchanged"):
            if scenario == "changed":
                changed = max(1, n // 100)
                with bc.store.lock:
                    company = bc.store.company(DEMO_COMPANY_SE_ID)
                    items = list(company.table("items").values())
                    for item in items[:: max(1, len(items) // changed)][:changed]:
                        bc.api.bc.adjust_stock(company, item["id"], "MAIN", "", Decimal(1))
                out["changed_pairs"] = changed
            writes_before, calls_before = shopify.counters["inventorySetQuantities"], shopify.counters["graphql"]
            parent_conn.send("go")
            result = parent_conn.recv()
            result["shop_write_calls"] = shopify.counters["inventorySetQuantities"] - writes_before
            result["shop_calls"] = shopify.counters["graphql"] - calls_before
            out[scenario] = result
            print(f"{scenario}: {result['changes']} pairs, {result['shop_write_calls']} write calls, "
                  f"{result['wall_s']}s, peak RSS {result['peak_rss_mb']} MB", file=sys.stderr)
        final = parent_conn.recv()
        process.join()
    finally:
        shopify.stop()
        bc.stop()
        az.stop()

    pairs = n * len(SHOP_LOCATIONS)
    full, changed, unchanged = out["full"], out["changed"], out["unchanged"]
    rate, bucket = shopify.bucket.restore_rate, shopify.bucket.maximum
    expected_calls = math.ceil(pairs / 250)
    unavoidable = max(0.0, (expected_calls * 10 - bucket) / rate)
    ratio = unavoidable / full["wall_s"] if full["wall_s"] else 0.0
    report = {
        "at": datetime.now(UTC).isoformat(), "skus": n, "locations": len(SHOP_LOCATIONS), "pairs": pairs,
        "plan": {"restore_rate": rate, "bucket": bucket, "mutation_cost": 10},
        "full": {"write_calls": full["shop_write_calls"], "expected_write_calls": expected_calls,
                 "wall_s": full["wall_s"], "unavoidable_s": round(unavoidable, 2), "ratio": round(ratio, 3),
                 "goal_ratio": 0.8, "applied": full["applied"], "failed": full["failed"]},
        "changed_1pct": {"changed_pairs": out["changed_pairs"], "write_calls": changed["shop_write_calls"],
                         "expected_write_calls": math.ceil(out["changed_pairs"] / 250), "wall_s": changed["wall_s"]},
        "unchanged": {"write_calls": unchanged["shop_write_calls"], "shop_calls": unchanged["shop_calls"],
                      "wall_s": unchanged["wall_s"]},
        "peak_rss_mb": final["unchanged"]["peak_rss_mb"], "rss_start_mb": final["rss_start_mb"],
        "goal_peak_rss_mb": 300,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"stock_push-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = (full["shop_write_calls"] == expected_calls and changed["shop_write_calls"] == report["changed_1pct"][
        "expected_write_calls"] and unchanged["shop_write_calls"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
