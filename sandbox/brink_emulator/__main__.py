"""`python -m sandbox.brink_emulator --port 8086`: run the Brink emulator until Ctrl+C."""

from __future__ import annotations

import argparse

from .emulator import BrinkEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.brink_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", default="brink-test-key")
    args = parser.parse_args(argv)
    emu = BrinkEmulator(api_key=args.api_key)
    for sku in ("1000", "2000", "3000"):
        emu.add_product(sku, stock=0)
    emu.add_order(emu.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")]))
    emu.serve(args.port, args.host, lambda: f"Brink emulator at {emu.base_url} (x-api-key {args.api_key})")


if __name__ == "__main__":
    main()
