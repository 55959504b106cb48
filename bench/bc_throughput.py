"""Sustained BC client throughput against the emulator, as a fraction of what BC's limits allow.

    python -m bench.bc_throughput [--principals 1,2] [--rate 600] [--window 30] [--concurrency 5]
                                  [--latency-ms 100] [--windows 2]

BC allows each principal `rate` requests per sliding `window` and `concurrency` in flight. The time window is
scaled down (600 / 30 s instead of 6,000 / 300 s: the same 20 requests/s per principal) so a run takes about
a minute; each principal count runs against its own emulator, in parallel.

Ceiling per principal = min(concurrency / latency, rate / window); for the pool, times the principals.
Measured over whole windows from a cold start, where no client can do better than `rate` per window:
achieved = requests completed within `windows` x `window` seconds / that time. Goal: >= 0.9 of the ceiling,
and no 429 reaching the caller (the client's limiter should keep BC from ever answering 429).
Results: a table on stdout and JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import base64
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from azure.core.credentials import AccessToken

from core.bc import BcClient, BcError, CredentialPool, RetryPolicy

RESULTS = Path(__file__).resolve().parent / "results"
GOAL = 0.9


class UnsignedJwtCredential:
    """Stands in for a service principal: the emulator keys its limits on the token's `appid` claim."""

    def __init__(self, appid: str):
        self.appid = appid

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        def b64(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

        expires = int(time.time()) + 3600
        return AccessToken(f"{b64({'alg': 'none'})}.{b64({'appid': self.appid, 'exp': expires})}.", expires)


def run_config(principals: int, args: argparse.Namespace) -> dict:
    from sandbox.bc_emulator import BcEmulator

    emu = BcEmulator(
        seed="demo",
        rate_limit=args.rate,
        rate_window_s=args.window,
        concurrency=args.concurrency,
        queue_limit=95,
        latency_ms=args.latency_ms,
    )
    emu.start(port=0)
    try:
        api_root = emu.api_root(tenant="bench", environment="production")
        # Discovery runs as its own principal so the measured ones start with empty windows.
        with BcClient(api_root, CredentialPool([UnsignedJwtCredential(f"bench-setup-{time.time_ns()}")])) as setup:
            company_id = setup.companies()[0]["id"]
            item_id = setup.company(company_id).first("items", select=["id"])["id"]
        creds = [UnsignedJwtCredential(f"bench-{principals}p-{i}-{time.time_ns()}") for i in range(principals)]
        pool = CredentialPool(creds, rate_limit=args.rate, rate_window_s=args.window, concurrency=args.concurrency)
        client = BcClient(api_root, pool, retry=RetryPolicy(max_attempts=8, base_delay=0.5, max_delay=10))
        co = client.company(company_id)

        duration = args.windows * args.window
        completions: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + duration

        def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    co.get("items", item_id, select=["id", "number", "inventory"])
                except BcError as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__} {exc.status}")
                    continue
                done = time.monotonic()
                if done < deadline:
                    with lock:
                        completions.append(done)

        threads = [threading.Thread(target=worker, daemon=True)
                   for _ in range(principals * args.concurrency * args.workers_factor)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + args.window + 30)

        latency_s = args.latency_ms / 1000
        per_principal = min(args.concurrency / latency_s if latency_s else float("inf"), args.rate / args.window)
        ceiling = per_principal * principals
        achieved = len(completions) / duration
        server = dict(getattr(emu, "counters", {}) or {})
        snap = client.metrics.snapshot()
        client.close()
        return {
            "principals": principals,
            "requests": len(completions),
            "duration_s": duration,
            "achieved_rps": round(achieved, 2),
            "ceiling_rps": round(ceiling, 2),
            "fraction": round(achieved / ceiling, 3),
            "errors_to_caller": len(errors),
            "error_kinds": sorted(set(errors)),
            "client_429": snap["throttles"],
            "client_retries": snap["retries"],
            "latency_mean_ms": snap["latency_ms"]["mean"],
            "limiter_wait_max_s": snap["limiter_wait_s"]["max"],
            "server_counters": {k: v for k, v in server.items() if isinstance(v, int | float | str)},
        }
    finally:
        emu.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", default="1,2", help="comma-separated principal counts (run in parallel)")
    parser.add_argument("--rate", type=int, default=600, help="requests per window per principal")
    parser.add_argument("--window", type=float, default=30.0, help="sliding window in seconds")
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--windows", type=int, default=2, help="measured duration in whole windows")
    parser.add_argument("--workers-factor", type=int, default=2, help="caller threads per concurrency slot")
    args = parser.parse_args(argv)
    counts = [int(p) for p in args.principals.split(",") if p.strip()]

    results: dict[int, dict] = {}

    def run(p: int) -> None:
        results[p] = run_config(p, args)

    threads = [threading.Thread(target=run, args=(p,)) for p in counts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    print(f"BC client throughput: rate {args.rate}/{args.window:g}s window per principal, {args.concurrency} "
          f"concurrent, {args.latency_ms:g} ms latency, measured over {args.windows} windows from a cold start "
          f"(BC: 6000/300s; the time window is scaled)")
    header = f"{'principals':>10} {'requests':>9} {'req/s':>8} {'ceiling':>8} {'fraction':>8} {'429s':>5} " \
             f"{'errors':>6}"
    print(header)
    print("-" * len(header))
    ok = True
    for p in counts:
        r = results[p]
        print(f"{p:>10} {r['requests']:>9} {r['achieved_rps']:>8.2f} {r['ceiling_rps']:>8.2f} "
              f"{r['fraction']:>8.3f} {r['client_429']:>5} {r['errors_to_caller']:>6}")
        ok &= r["fraction"] >= GOAL and r["errors_to_caller"] == 0
    if len(counts) > 1 and min(counts) in results:
        base = results[min(counts)]["achieved_rps"]
        for p in counts[1:]:
            print(f"scaling {min(counts)} -> {p} principals: x{results[p]['achieved_rps'] / base:.2f}")
    print(f"goal: fraction >= {GOAL} and no error reaching the caller: {'MET' if ok else 'NOT MET'}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bc_throughput-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "goal": GOAL, "met": ok,
                               "results": [results[p] for p in counts]}, indent=2))
    print(f"written {out.relative_to(RESULTS.parent.parent)}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
