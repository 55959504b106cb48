"""`python -m sandbox.centra_emulator --port 8084 [--orders 3]`: run the Centra emulator until Ctrl+C."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from .emulator import CentraEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.centra_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="centra-test-token")
    parser.add_argument("--orders", type=int, default=3, help="demo orders (updated in the last hour)")
    args = parser.parse_args(argv)
    emu = CentraEmulator(token=args.token)
    emu.add_variant(2001, {"M": "JACKET-M"})  # the demo orders' SKUs, so stock and prices have targets
    emu.add_variant(2002, {"S": "TEE-S"})
    now = datetime.now(UTC)
    for n in range(args.orders):
        emu.add_order(emu.make_order([("JACKET-M", 1, "675.00"), ("TEE-S", 2, "199.00")],
                                     updated=now - timedelta(minutes=10 * (n + 1))))
    emu.serve(args.port, args.host, lambda: f"Centra emulator at {emu.graphql_url} (Bearer {args.token}); Order API "
                                            f"at {emu.order_api_url} (API-Authorization {emu.order_api_key})")


if __name__ == "__main__":
    main()
