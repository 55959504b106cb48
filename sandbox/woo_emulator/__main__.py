"""`python -m sandbox.woo_emulator --port 8082 [--orders 5]`: run the WooCommerce emulator until Ctrl+C."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from .emulator import WooEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.woo_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--consumer-key", default="ck_test")
    parser.add_argument("--consumer-secret", default="cs_test")
    parser.add_argument("--orders", type=int, default=3, help="demo orders to create (modified in the last hour)")
    args = parser.parse_args(argv)

    emu = WooEmulator(args.consumer_key, args.consumer_secret)
    emu.add_product("woo-album", stock=5)
    emu.add_variable_product("woo-hoodie", {"woo-hoodie-s": 2, "woo-hoodie-m": 0})
    now = datetime.now(UTC)
    for n in range(args.orders):
        emu.add_order(emu.make_order([("woo-album", 1, "15.00"), ("woo-hoodie-s", 1, "30.00")],
                                     modified=now - timedelta(minutes=10 * (n + 1))))
    emu.serve(args.port, args.host,
              lambda: f"WooCommerce emulator at {emu.base_url}/wp-json/wc/v3/ (Basic {args.consumer_key}:…)")


if __name__ == "__main__":
    main()
