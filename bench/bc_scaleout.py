"""BC scale-out: several worker processes share one principal through Azure Storage (Azurite).

    python -m bench.bc_scaleout [--workers 3] [--rate 600] [--window 30] [--concurrency 5] [--latency-ms 250]
                                [--seconds 60] [--kill-at 30] [--lease 5]

Each worker process is one app instance: its own BcClient and CredentialPool with BC_SHARED_BUDGET's shared
budget (core/bc/shared_budget.py), all using the same principal against one BC emulator with BC's limits
scaled in time (600 / 30 s = BC's 20 requests/s). Latency 250 ms makes concurrency bind at the same 20/s
(5 / 0.25 s), so both limits are exercised. One worker is killed (SIGKILL, no clean-up) at `--kill-at`.

Counts come from the emulator: requests it answered (sampled every 0.25 s), 429s it sent, and its peak of
requests at once for the principal (processing + queued). Goals:
- 429s reaching a flow: 0 (and the emulator sends none);
- peak concurrency at the emulator <= concurrency (5);
- throughput over the run / ceiling >= 0.85 (ceiling = min(concurrency / latency, rate / window));
- after the kill, the survivors are back at >= 0.85 of the ceiling (over 2 s) within one lease period.
Results: a summary on stdout and JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.85


def worker(args: argparse.Namespace) -> int:
    """One instance: `--threads` callers reading one item in a loop until `--seconds` pass."""
    from azure.data.tables import TableClient

    from bench.bc_throughput import UnsignedJwtCredential
    from core.bc import BcClient, BcError, CredentialPool, RetryPolicy, TokenSource
    from core.bc.shared_budget import TABLE, SharedBudget

    shared = None if args.no_shared else SharedBudget(TableClient.from_connection_string(args.storage, TABLE),
                                                      lease_s=args.lease, hold_s=args.lease / 2)
    # The same name in every worker: the shared budget's key for the principal.
    source = TokenSource(UnsignedJwtCredential(args.appid), name=args.appid)
    pool = CredentialPool([source], rate_limit=args.rate, rate_window_s=args.window, concurrency=args.concurrency,
                          shared=shared)
    client = BcClient(args.api_root, pool, retry=RetryPolicy(max_attempts=8, base_delay=0.5, max_delay=10))
    co = client.company(args.company)
    deadline = time.monotonic() + args.seconds
    done, errors = [0], []
    lock = threading.Lock()

    def call() -> None:
        while time.monotonic() < deadline:
            try:
                co.get("items", args.item, select=["id"])
            except BcError as exc:
                with lock:
                    errors.append(f"{type(exc).__name__} {exc.status}")
                continue
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=call, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = client.metrics.snapshot()
    if shared is not None:
        shared.close()
    client.close()
    Path(args.out).write_text(json.dumps({"requests": done[0], "errors_to_caller": errors,
                                          "client_429": snap["throttles"],
                                          "shared": shared.budgets[args.appid].snapshot() if shared else {}}))
    return 0


def start_workers(n: int, *, storage: str, api_root: str, appid: str, company: str, item: str, seconds: float,
                  args: argparse.Namespace, outdir: str, threads: int = 8) -> list[tuple[subprocess.Popen, str]]:
    procs = []
    for i in range(n):
        out = os.path.join(outdir, f"worker{i}.json")
        cmd = [sys.executable, "-m", "bench.bc_scaleout", "--worker", "--storage", storage, "--api-root", api_root,
               "--appid", appid, "--company", company, "--item", item, "--seconds", str(seconds),
               "--threads", str(threads), "--rate", str(args.rate), "--window", str(args.window),
               "--concurrency", str(args.concurrency), "--lease", str(args.lease), "--out", out]
        procs.append((subprocess.Popen(cmd, cwd=ROOT), out))
    return procs


def setup_emulator(args: argparse.Namespace):
    """A BC emulator with the scaled limits, and a company id and item id read as a separate principal."""
    from bench.bc_throughput import UnsignedJwtCredential
    from core.bc import BcClient, CredentialPool
    from sandbox.bc_emulator import BcEmulator

    emu = BcEmulator(seed="demo", rate_limit=args.rate, rate_window_s=args.window, concurrency=args.concurrency,
                     queue_limit=95, latency_ms=args.latency_ms)
    emu.start(port=0)
    api_root = emu.api_root(tenant="bench", environment="production")
    with BcClient(api_root, CredentialPool([UnsignedJwtCredential(f"scaleout-setup-{time.time_ns()}")])) as setup:
        company = setup.companies()[0]["id"]
        item = setup.company(company).first("items", select=["id"])["id"]
    return emu, api_root, company, item


def run(args: argparse.Namespace) -> dict:
    from sandbox import azurite as launcher

    azurite_dir = tempfile.mkdtemp(prefix="scaleout-azurite-")
    azurite = launcher.start(azurite_dir)
    emu, api_root, company, item = setup_emulator(args)
    appid = f"scaleout-{time.time_ns()}"
    try:
        with tempfile.TemporaryDirectory() as outdir:
            base = emu.counters["requests"]  # the setup's own requests
            start = time.monotonic()
            procs = start_workers(args.workers, storage=azurite.connection_string, api_root=api_root, appid=appid,
                                  company=company, item=item, seconds=args.seconds, args=args, outdir=outdir)
            samples: list[tuple[float, int]] = []
            killed_at = None
            while any(p.poll() is None for p, _ in procs):
                now = time.monotonic() - start
                samples.append((now, emu.counters["requests"] - base))
                if killed_at is None and now >= args.kill_at:
                    procs[0][0].send_signal(signal.SIGKILL)
                    killed_at = now
                time.sleep(0.25)
            reports = [json.loads(Path(out).read_text()) for _, out in procs[1:] if os.path.exists(out)]
        counters = emu.counters
    finally:
        emu.stop()
        azurite.stop()

    latency_s = args.latency_ms / 1000
    ceiling = min(args.concurrency / latency_s, args.rate / args.window)
    # The run from the first request the emulator saw (the workers take a moment to start) for `seconds`.
    first = next(t for t, n in samples if n > 0)
    end = min(first + args.seconds, samples[-1][0])
    total = max(n for t, n in samples if t <= end)
    fraction = total / (end - first) / ceiling

    def rate_between(a: float, b: float) -> float:
        na = max((n for t, n in samples if t <= a), default=0)
        nb = max((n for t, n in samples if t <= b), default=0)
        return (nb - na) / (b - a)

    recovery_s = None
    if killed_at is not None:
        t = killed_at
        while t + 2 <= end:
            if rate_between(t, t + 2) >= GOAL * ceiling:
                recovery_s = round(t - killed_at, 2)
                break
            t += 0.25
    after = rate_between(killed_at + args.lease, end) / ceiling if killed_at is not None else None
    peak = counters["max_in_flight"].get(appid, 0) + counters["max_waiting"].get(appid, 0)
    errors = sum(len(r["errors_to_caller"]) for r in reports)
    result = {
        "workers": args.workers,
        "ceiling_rps": round(ceiling, 2),
        "requests_at_emulator": total,
        "measured_s": round(end - first, 2),
        "fraction": round(fraction, 3),
        "emulator_429": counters["429"],
        "errors_to_flow": errors,
        "client_429_survivors": sum(r["client_429"] for r in reports),
        "peak_concurrency_at_emulator": peak,
        "killed_at_s": killed_at,
        "recovery_s": recovery_s,
        "lease_s": args.lease,
        "fraction_after_kill_plus_lease": round(after, 3) if after is not None else None,
        "storage_calls_per_request": round(sum(r["shared"]["storage_calls"] for r in reports)
                                           / max(1, sum(r["requests"] for r in reports)), 3),
        "survivor_requests": [r["requests"] for r in reports],
        "rps_per_2s": [round(rate_between(t, t + 2), 1) for t in range(int(first), int(end) - 1, 2)],
    }
    result["met"] = (errors == 0 and counters["429"] == 0 and peak <= args.concurrency and fraction >= GOAL
                     and recovery_s is not None and recovery_s <= args.lease)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rate", type=int, default=600, help="requests per window for the principal")
    parser.add_argument("--window", type=float, default=30.0, help="sliding window in seconds")
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=250.0)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the workers run")
    parser.add_argument("--kill-at", type=float, default=30.0, help="SIGKILL worker 0 this many seconds in")
    parser.add_argument("--lease", type=float, default=5.0, help="concurrency slot lease in seconds")
    # worker mode (internal)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("--storage", "--api-root", "--appid", "--company", "--item", "--out"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=8, help=argparse.SUPPRESS)
    parser.add_argument("--no-shared", action="store_true", help=argparse.SUPPRESS)  # the control in tests
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    r = run(args)
    print(f"BC scale-out: {args.workers} processes share one principal through Azurite; rate {args.rate}/"
          f"{args.window:g}s, {args.concurrency} concurrent, {args.latency_ms:g} ms latency (BC: 6000/300s; "
          f"time scaled); worker 0 killed at {args.kill_at:g}s; slot lease {args.lease:g}s")
    print(f"  requests at the emulator   {r['requests_at_emulator']} in {r['measured_s']} s")
    print(f"  throughput / ceiling       {r['fraction']:.3f} (ceiling {r['ceiling_rps']} req/s; goal >= {GOAL})")
    print(f"  429s sent by the emulator  {r['emulator_429']}; errors reaching a flow {r['errors_to_flow']} (goal 0)")
    print(f"  peak concurrency (emulator) {r['peak_concurrency_at_emulator']} (goal <= {args.concurrency})")
    print(f"  after the kill: back at >= {GOAL} of the ceiling in {r['recovery_s']} s (goal <= lease "
          f"{args.lease:g} s); from kill + lease to the end {r['fraction_after_kill_plus_lease']}")
    print(f"  storage calls per BC request {r['storage_calls_per_request']}")
    print(f"goal: {'MET' if r['met'] else 'NOT MET'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bc_scaleout-{stamp}.json"
    out.write_text(json.dumps({"args": {k: v for k, v in vars(args).items() if not k.startswith(("worker", "storage",
                               "api_root", "appid", "company", "item", "out"))}, "goal": GOAL, "result": r}, indent=2))
    print(f"written {out.relative_to(ROOT)}")
    return 0 if r["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
