"""`python -m sandbox.norce_emulator --port 8085 [--orders 3]`: run the Norce emulator until Ctrl+C."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from .emulator import NorceEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.norce_emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--client-id", default="bridge")
    parser.add_argument("--client-secret", default="norce-test-secret")
    parser.add_argument("--application-id", default="1234")
    parser.add_argument("--orders", type=int, default=3, help="demo orders (created in the last hour)")
    args = parser.parse_args(argv)
    emu = NorceEmulator(client_id=args.client_id, client_secret=args.client_secret,
                        application_id=args.application_id)
    now = datetime.now(UTC)
    baskets = [emu.add_order(emu.make_order([("1000", 2, "159.20"), ("2000", 1, "71.20")],
                                            created=now - timedelta(minutes=10 * (n + 1))))["basket"]
               for n in range(args.orders)]
    emu.serve(args.port, args.host, lambda: f"Norce emulator at {emu.base_url} (client {args.client_id}, "
                                            f"ApplicationId {args.application_id}; baskets {', '.join(baskets)})")


if __name__ == "__main__":
    main()
