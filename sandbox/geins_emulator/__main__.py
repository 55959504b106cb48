"""`python -m sandbox.geins_emulator --port 8086 [--orders 3]`: run the Geins emulator until Ctrl+C."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from .emulator import GeinsEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.geins_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--orders", type=int, default=3, help="demo orders (updated in the last hour)")
    args = parser.parse_args(argv)
    emu = GeinsEmulator()
    now = datetime.now(UTC)
    for n in range(args.orders):
        emu.add_order(emu.make_order([("1000", 1, "199.00"), ("2000", 2, "89.00")],
                                     updated=now - timedelta(minutes=10 * (n + 1))))
    emu.serve(args.port, args.host, lambda: f"Geins emulator at {emu.api_url} (setting value {emu.credentials})")


if __name__ == "__main__":
    main()
