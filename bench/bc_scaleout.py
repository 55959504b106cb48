"""BC scale-out: several worker processes share one principal through Azure Storage (Azurite).

    python -m bench.bc_scaleout [--workers 3] [--rate 600] [--window 30] [--concurrency 5] [--latency-ms 250]
                                [--seconds 60] [--kill-at 30] [--lease 5] [--runs 3]

Each worker process is one app instance: its own BcClient and CredentialPool with BC_SHARED_BUDGET's shared
budget (core/bc/shared_budget.py), all using the same principal against one BC emulator with BC's limits
scaled in time (600 / 30 s = BC's 20 requests/s). Latency 250 ms makes concurrency bind at the same 20/s
(5 / 0.25 s), so both limits are exercised. One worker is killed (SIGKILL, no clean-up) at `--kill-at`.
`--runs` runs (fresh emulator and principal each) kill at `--kill-at` + 0, 1/runs, 2/runs ... of the lease,
so the kill meets the workers' lease renewals at different points; every goal must hold in the worst run.

Counts come from the emulator's request log (start and end of every request it admitted): requests, 429s
it sent, its peak of requests at once for the principal (processing + queued). Goals:
- 429s reaching a flow: 0 (and the emulator sends none);
- peak concurrency at the emulator <= concurrency (5);
- throughput / ceiling >= 0.85 while all workers run (from the first request to the kill; ceiling =
  min(concurrency / latency, rate / window)). The whole run's figure, which also pays for the lease period
  the dead worker's slots stay lost (bounded by the next goal), is reported next to it, not as a goal;
- after the kill, the survivors are back at the ceiling within one lease period: the emulator has
  `concurrency` (5) requests in flight at once again, all started after the kill (exact, from the log: the
  dead worker's slots are in use again), and from kill + lease to the end the survivors run at >= 0.85 of
  the ceiling. Also reported, not a goal: when a 1 s window first admits >= 0.85 of the ceiling again,
  and the requests admitted per 0.5 s around the kill.
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
    if shared is not None and args.owner_out:  # who this worker is in the slot rows (the leases it leaves behind)
        Path(args.owner_out).write_text(shared.budgets[args.appid].owner)
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
               "--concurrency", str(args.concurrency), "--lease", str(args.lease), "--out", out,
               "--owner-out", out + ".owner"]
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


def admitted(log: list[dict], principal: str) -> list[tuple[float, float]]:
    """(started, ended) wall-clock times of the principal's requests the emulator admitted (not throttled)."""
    return sorted((e["started"], e["ended"]) for e in log
                  if e["principal"] == principal and not e.get("throttled") and e["ended"] is not None)


def slots_back_after(requests: list[tuple[float, float]], killed: float, concurrency: int) -> float | None:
    """Seconds from the kill until the emulator again has `concurrency` requests in flight at once, counting
    only requests that started after the kill (so only the survivors'; the dead worker's last requests still
    run for a moment at the emulator and are left out)."""
    events = sorted([(a, 1) for a, b in requests if a > killed] + [(b, -1) for a, b in requests if a > killed],
                    key=lambda e: (e[0], e[1]))  # at equal times an end before a start: never over-counted
    running = 0
    for t, step in events:
        running += step
        if running >= concurrency:
            return t - killed
    return None


def dead_leases_end(storage: str, appid: str, owner_file: str) -> float | None:
    """When the last slot lease held by the worker that wrote `owner_file` ends (None: it held none)."""
    from azure.data.tables import TableClient

    from core.bc.shared_budget import TABLE
    from core.state.storage import table_key

    if not os.path.exists(owner_file):
        return None  # killed before it had started (its pool and budget)
    owner = Path(owner_file).read_text()
    with TableClient.from_connection_string(storage, TABLE) as table:
        leases = [float(e["lease_until"]) for e in table.query_entities(
            "PartitionKey eq @p", parameters={"p": table_key(appid)}) if e.get("owner") == owner]
    return max(leases, default=None)


def run_once(args: argparse.Namespace, azurite, kill_at: float) -> dict:
    """One run: fresh emulator, workers on a new principal in the shared Azurite, worker 0 killed at `kill_at`."""
    emu, api_root, company, item = setup_emulator(args)
    appid = f"scaleout-{time.time_ns()}"
    try:
        with tempfile.TemporaryDirectory() as outdir:
            start = time.monotonic()
            procs = start_workers(args.workers, storage=azurite.connection_string, api_root=api_root, appid=appid,
                                  company=company, item=item, seconds=args.seconds, args=args, outdir=outdir)
            killed = None  # wall clock, as the emulator's log
            dead_until = None  # when the last slot lease the killed worker wrote ends
            while any(p.poll() is None for p, _ in procs):
                if killed is None and time.monotonic() - start >= kill_at:
                    procs[0][0].send_signal(signal.SIGKILL)
                    killed = time.time()
                    dead_until = dead_leases_end(azurite.connection_string, appid, procs[0][1] + ".owner")
                time.sleep(0.01)
            reports = [json.loads(Path(out).read_text()) for _, out in procs[1:] if os.path.exists(out)]
        counters = emu.counters
        requests = admitted(list(emu.requests), appid)
    finally:
        emu.stop()

    latency_s = args.latency_ms / 1000
    ceiling = min(args.concurrency / latency_s, args.rate / args.window)
    # The run from the first request of a worker the emulator saw (the workers take a moment to start).
    first = requests[0][0]
    end = min(first + args.seconds, requests[-1][0])

    def count(a: float, b: float) -> int:
        return sum(1 for s, _ in requests if a <= s < b)

    def rate(a: float, b: float) -> float:
        return count(a, b) / (b - a)

    total = sum(1 for s, _ in requests if first <= s < end)
    fraction = total / (end - first) / ceiling
    back = slots_back_after(requests, killed, args.concurrency) if killed is not None else None
    # Informative, not a goal: the first moment from which a 1 s window admits >= GOAL of the ceiling.
    rate_back = None
    if killed is not None:
        t = killed
        while t + 1 <= end:
            if rate(t, t + 1) >= GOAL * ceiling:
                rate_back = t - killed
                break
            t += 0.05
    after = rate(killed + args.lease, end) / ceiling if killed is not None else None
    before = rate(first, killed) / ceiling if killed is not None else fraction
    peak = counters["max_in_flight"].get(appid, 0) + counters["max_waiting"].get(appid, 0)
    errors = sum(len(r["errors_to_caller"]) for r in reports)
    return {
        "requests_at_emulator": total,
        "measured_s": round(end - first, 2),
        "fraction": round(fraction, 3),
        "fraction_before_kill": round(before, 3),
        "emulator_429": counters["429"],
        "errors_to_flow": errors,
        "client_429_survivors": sum(r["client_429"] for r in reports),
        "peak_concurrency_at_emulator": peak,
        "killed_at_s": round(killed - first, 2) if killed is not None else None,
        "slots_back_s": round(back, 3) if back is not None else None,
        # the two parts of slots_back_s: the killed worker's leases still running, then the take-over
        "dead_lease_left_s": round(dead_until - killed, 3) if dead_until is not None else None,
        "takeover_s": round(killed + back - dead_until, 3) if dead_until is not None and back is not None else None,
        "rate_back_s": round(rate_back, 2) if rate_back is not None else None,
        "fraction_after_kill_plus_lease": round(after, 3) if after is not None else None,
        "storage_calls_per_request": round(sum(r["shared"]["storage_calls"] for r in reports)
                                           / max(1, sum(r["requests"] for r in reports)), 3),
        "survivor_requests": [r["requests"] for r in reports],
        # requests admitted per 0.5 s from 2 s before the kill to 2 s after the lease
        "per_half_second_around_kill": [count(killed + t / 2, killed + t / 2 + 0.5) for t in
                                        range(-4, int(2 * (args.lease + 2)))] if killed is not None else None,
    }


def run(args: argparse.Namespace) -> dict:
    """`--runs` runs, each killing worker 0 at a different point of the lease cycle; the goals hold for the worst."""
    from sandbox import azurite as launcher

    azurite = launcher.start(tempfile.mkdtemp(prefix="scaleout-azurite-"))
    try:
        runs = [run_once(args, azurite, args.kill_at + i * args.lease / args.runs) for i in range(args.runs)]
    finally:
        azurite.stop()
    latency_s = args.latency_ms / 1000
    backs = [r["slots_back_s"] for r in runs]
    result = {
        "workers": args.workers,
        "runs": args.runs,
        "ceiling_rps": round(min(args.concurrency / latency_s, args.rate / args.window), 2),
        "lease_s": args.lease,
        "fraction_min": min(r["fraction"] for r in runs),
        "fraction_before_kill_min": min(r["fraction_before_kill"] for r in runs),
        "fraction_after_kill_plus_lease_min": min(r["fraction_after_kill_plus_lease"] for r in runs),
        "emulator_429": sum(r["emulator_429"] for r in runs),
        "errors_to_flow": sum(r["errors_to_flow"] for r in runs),
        "peak_concurrency_at_emulator": max(r["peak_concurrency_at_emulator"] for r in runs),
        "slots_back_s_worst": None if None in backs else max(backs),
        "per_run": runs,
    }
    result["met"] = (result["errors_to_flow"] == 0 and result["emulator_429"] == 0
                     and result["peak_concurrency_at_emulator"] <= args.concurrency
                     and result["fraction_before_kill_min"] >= GOAL
                     and result["fraction_after_kill_plus_lease_min"] >= GOAL
                     and result["slots_back_s_worst"] is not None and result["slots_back_s_worst"] <= args.lease)
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
    parser.add_argument("--runs", type=int, default=3, help="runs, each killing at a different point of the lease")
    # worker mode (internal)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("--storage", "--api-root", "--appid", "--company", "--item", "--out", "--owner-out"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=8, help=argparse.SUPPRESS)
    parser.add_argument("--no-shared", action="store_true", help=argparse.SUPPRESS)  # the control in tests
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    r = run(args)
    print(f"BC scale-out: {args.workers} processes share one principal through Azurite; rate {args.rate}/"
          f"{args.window:g}s, {args.concurrency} concurrent, {args.latency_ms:g} ms latency (BC: 6000/300s; "
          f"time scaled); {args.runs} runs of {args.seconds:g}s, worker 0 killed at {args.kill_at:g}s + "
          f"0..{args.lease:g}s; slot lease {args.lease:g}s")
    print(f"  throughput / ceiling       {r['fraction_before_kill_min']:.3f} worst run before the kill (ceiling "
          f"{r['ceiling_rps']} req/s; goal >= {GOAL}); per run {[x['fraction_before_kill'] for x in r['per_run']]}")
    print(f"  whole run, kill included   {r['fraction_min']:.3f} worst run (not a goal: the dead worker's lease "
          f"period is in it); per run {[x['fraction'] for x in r['per_run']]}")
    print(f"  429s sent by the emulator  {r['emulator_429']}; errors reaching a flow {r['errors_to_flow']} (goal 0)")
    print(f"  peak concurrency (emulator) {r['peak_concurrency_at_emulator']} (goal <= {args.concurrency})")
    print(f"  after the kill: {args.concurrency} at once again at the emulator in {r['slots_back_s_worst']} s worst "
          f"(goal <= lease {args.lease:g} s); per run {[x['slots_back_s'] for x in r['per_run']]}: the killed "
          f"worker's leases ran {[x['dead_lease_left_s'] for x in r['per_run']]} s more, take-over "
          f"{[x['takeover_s'] for x in r['per_run']]} s")
    print(f"  from kill + lease to the end {r['fraction_after_kill_plus_lease_min']:.3f} of the ceiling worst "
          f"(goal >= {GOAL}); a 1 s window at >= {GOAL} after {[x['rate_back_s'] for x in r['per_run']]} s")
    print(f"  storage calls per BC request {[x['storage_calls_per_request'] for x in r['per_run']]}")
    print(f"goal: {'MET' if r['met'] else 'NOT MET'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bc_scaleout-{stamp}.json"
    internal = ("worker", "storage", "api_root", "appid", "company", "item", "out", "owner")
    out.write_text(json.dumps({"args": {k: v for k, v in vars(args).items() if not k.startswith(internal)},
                               "goal": GOAL, "result": r}, indent=2))
    print(f"written {out.relative_to(ROOT)}")
    return 0 if r["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
