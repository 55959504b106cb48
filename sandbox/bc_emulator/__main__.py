"""`python -m sandbox.bc_emulator --port N [--seed demo|empty] [--latency-ms MS]`: run until Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import threading

from . import BcEmulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bc_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", default="demo", choices=["demo", "empty"])
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--rate-limit", type=int, default=6000)
    parser.add_argument("--rate-window-s", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    emu = BcEmulator(seed=args.seed, host=args.host, latency_ms=args.latency_ms, rate_limit=args.rate_limit,
                     rate_window_s=args.rate_window_s, concurrency=args.concurrency)
    emu.start(port=args.port)
    print(f"BC emulator on {emu.base_url}")
    print(f"  API root: {emu.api_root()}")
    for company in emu.store.companies.values():
        print(f"  company {company.name!r}: {company.id} ({company.lcy})")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    emu.stop()


if __name__ == "__main__":
    main()
