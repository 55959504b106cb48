"""`python -m sandbox.shopify_emulator --port 8081 [--orders 5]`: run the Shopify emulator until Ctrl+C."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from .emulator import PLANS, ShopifyEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.shopify_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--shop-domain", default="bridge-demo.myshopify.com")
    parser.add_argument("--access-token", default="shpat_test")
    parser.add_argument("--plan", choices=sorted(PLANS), default="standard")
    parser.add_argument("--orders", type=int, default=3, help="demo orders to create (updated in the last hour)")
    args = parser.parse_args(argv)

    emu = ShopifyEmulator(args.shop_domain, args.access_token, args.plan)
    emu.add_variant("DEMO-1", {emu.main_location: 10, emu.store_location: 2})
    emu.add_variant("DEMO-2", {emu.main_location: 5})
    now = datetime.now(UTC)
    for n in range(args.orders):
        emu.add_order(emu.make_order([("DEMO-1", 1, "19.90"), ("DEMO-2", 2, "5.00")],
                                     updated_at=now - timedelta(minutes=10 * (n + 1))))
    emu.serve(args.port, args.host,
              lambda: f"Shopify emulator for {args.shop_domain} at {emu.base_url} (token {args.access_token!r})")


if __name__ == "__main__":
    main()
