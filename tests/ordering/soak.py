"""The ordering soak: every delivery order of create / paid / update / cancel, BC faults and host kills;
BC must end at each shop order's final state (one document or none, to the cent) with 0 false alarms.

    make soak                                  # the long run (all 49 histories × permutations, repeated)
    BRIDGE_SOAK_ORDERS=8 pytest tests/ordering # the CI-sized sample that `make test` runs

Each sample order has a shop history: create (pending), then any of paid, update (quantity 1 → 2) and
cancel, in that shop-time order, each a Shopify webhook body with its own `updated_at`. The deliveries of
all orders are shuffled together (each order's in one of its permutations), some are delivered twice, and
the app runs in a real `python -m sandbox.host` process that is killed (SIGKILL) and restarted at random.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from core.state import SyncStatus, names
from sandbox.ports import free_port, wait_for_port
from sandbox.samples import shopify_order
from sandbox.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("create", "paid", "update", "cancel")
TOPICS = {"create": "orders/create", "paid": "orders/paid", "update": "orders/updated", "cancel": "orders/cancelled"}
PRICE, SHIPPING = Decimal("89.00"), Decimal("49.00")


@dataclass(frozen=True)
class Sample:
    order_id: int
    history: tuple[str, ...]  # in shop time
    delivery: tuple[str, ...]  # in arrival order

    @property
    def ext_no(self) -> str:
        return f"SH-{self.order_id - 5000}"

    def body(self, step: str) -> dict:
        """The order as the shop had it right after `step`."""
        upto = self.history[: self.history.index(step) + 1]
        quantity = 2 if "update" in upto else 1
        order = shopify_order(self.order_id, [("2000", quantity, f"{PRICE}")],
                              financial_status="paid" if "paid" in upto else "pending",
                              updated_at=f"2026-11-20T10:{10 + self.history.index(step):02d}:00+01:00")
        if "cancel" in upto:
            order.update(cancelled_at=order["updated_at"], cancel_reason="customer")
        return order

    def expected_total(self) -> Decimal | None:
        """BC's total for the final state; None = no BC document."""
        if "cancel" in self.history or "paid" not in self.history:
            return None
        return (2 if "update" in self.history else 1) * PRICE + SHIPPING


def histories() -> list[tuple[str, ...]]:
    rest = STEPS[1:]
    return [("create", *chosen) for n in range(len(rest) + 1) for chosen in itertools.combinations(rest, n)]


def all_samples(first_id: int = 9000) -> list[Sample]:
    """Every history in every delivery order: 1 + 3·2 + 3·6 + 24 = 49 orders."""
    samples = []
    for history in histories():
        for delivery in itertools.permutations(history):
            samples.append(Sample(first_id + len(samples), history, delivery))
    return samples


def pick(count: int, rng: random.Random, first_id: int = 9000) -> list[Sample]:
    """`count` orders: the full permutation set as often as it fits, then a random rest; always including
    the full four-step history."""
    every = all_samples()
    chosen = every * (count // len(every)) + rng.sample(every, count % len(every))
    return [Sample(first_id + n, s.history, s.delivery) for n, s in enumerate(chosen)]


class HostProcess:
    """The app in a real `python -m sandbox.host` process, so a kill is a kill."""

    def __init__(self, stack: LocalStack, workdir: Path, extra: dict[str, str]):
        self.port = free_port()
        self.settings_file = workdir / "local.settings.json"
        values = {**stack.settings, **extra}
        self.settings_file.write_text(json.dumps({"IsEncrypted": False, "Values": values}))
        self.env = {k: v for k, v in os.environ.items() if k not in values}
        self.process: subprocess.Popen | None = None
        self.log = open(workdir / "host.log", "ab")  # noqa: SIM115 - lives as long as the soak

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.host", "--settings", str(self.settings_file), "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=60)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def run_soak(count: int, *, seed: int = 20261203, kills: int = 2, fault_rate: float = 0.1,
             duplicates: float = 0.1, timeout: float = 600, workdir: Path) -> dict:
    """Run the soak; returns a summary. Raises AssertionError naming every order that ended wrong."""
    rng = random.Random(seed)
    samples = pick(count, rng)
    with LocalStack(host=False) as stack:
        text = stack.config_path.read_text().replace('shipping_as = "account"',
                                                     'shipping_as = "account"\non_update = "apply"', 1)
        stack.config_path.write_text(text)
        host = HostProcess(stack, workdir, {"BRIDGE_RETRY_BASE_SECONDS": "1",
                                            "BRIDGE_ORDER_CLAIM_LEASE_SECONDS": "5",
                                            "SANDBOX_QUEUE_LEASE_SECONDS": "20"})
        faults = stack.bc.faults
        faults.seed(seed)
        faults.add("429", rate=fault_rate, retry_after=0.2)
        faults.add("503", rate=fault_rate / 3, retry_after=0.2)
        faults.add("504_after_commit", rate=fault_rate, methods=["POST", "DELETE"], path_contains="salesOrders")
        faults.add("latency", rate=fault_rate / 3, ms=800)
        faults.add("drop_after_commit", rate=fault_rate / 3, methods=["POST"], path_contains="salesOrderLines")
        secret = stack.secret("shopify-demo")
        queue: list[tuple[Sample, str]] = []
        cursors = {s.order_id: 0 for s in samples}
        pending = list(samples)
        while pending:  # interleave orders, each keeping its own delivery permutation
            sample = rng.choice(pending)
            queue.append((sample, sample.delivery[cursors[sample.order_id]]))
            cursors[sample.order_id] += 1
            if cursors[sample.order_id] == len(sample.delivery):
                pending.remove(sample)
        kill_points = set(rng.sample(range(1, len(queue)), min(kills, len(queue) - 1))) if queue else set()
        host.start()
        delivered = 0
        try:
            for n, (sample, step) in enumerate(queue):
                if n in kill_points:
                    time.sleep(rng.uniform(0.2, 1.5))  # let workers get into the middle of something
                    host.kill()
                    host.start()
                copies = 2 if rng.random() < duplicates else 1
                for _ in range(copies):
                    _deliver(stack, host, sample, step, secret)
                    delivered += 1
            _settle(stack, timeout)
        finally:
            host.stop()
        wrong, alarms = [], []
        company = stack.company_id("se")
        for sample in samples:
            docs = stack.bc.records(company, "salesOrders", externalDocumentNumber=sample.ext_no)
            invoices = stack.bc.records(company, "salesInvoices", externalDocumentNumber=sample.ext_no)
            expected = sample.expected_total()
            got = [Decimal(str(d["totalAmountIncludingTax"])) for d in docs]
            if invoices or (expected is None and docs) or (expected is not None and got != [expected]):
                wrong.append(f"{sample.order_id} history={sample.history} delivery={sample.delivery}: "
                             f"expected {expected}, BC has {got}")
            record = stack.synclog.get("orders", "shopify-demo", str(sample.order_id))
            if record is not None and record.status in (SyncStatus.NEEDS_ATTENTION, SyncStatus.FAILED):
                alarms.append(f"{sample.order_id} {record.status} {record.code}: {record.message}")
        poison = stack.queue_depth(names.poison_queue(names.ORDERS_IMPORT))
        hits = {rule.kind: rule.hits for rule in faults.rules}
        assert not wrong and not alarms and poison == 0, (
            f"{len(wrong)} order(s) wrong, {len(alarms)} false alarm(s), {poison} poisoned:\n"
            + "\n".join(wrong + alarms))
        return {"orders": len(samples), "deliveries": delivered, "kills": len(kill_points), "faults": hits}


def _deliver(stack, host: HostProcess, sample: Sample, step: str, secret: str) -> None:
    """Deliver as Shopify does: retry until 2xx (the host may be down for a moment)."""
    for _ in range(60):
        try:
            sent = stack.shopify.send_webhook(f"http://127.0.0.1:{host.port}/api/webhooks/shopify-demo",
                                              TOPICS[step], sample.body(step), secret)
            if sent.status == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"order {sample.order_id} {step}: the app never accepted the webhook")


def _settle(stack, timeout: float) -> None:
    """Until no order record is pending and the queue is empty, twice in a row (retries are invisible)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        pending = [r for r in stack.synclog.query(flow="orders") if r.status is SyncStatus.RECEIVED]
        quiet = quiet + 1 if not pending and stack.queue_depth(names.ORDERS_IMPORT) == 0 else 0
        if quiet >= 3:
            return
        time.sleep(1)
    raise AssertionError(f"the soak did not settle within {timeout:.0f}s")


if __name__ == "__main__":
    import tempfile

    count = int(os.environ.get("BRIDGE_SOAK_ORDERS", "196"))  # every permutation four times
    kills = int(os.environ.get("BRIDGE_SOAK_KILLS", "5"))
    summary = run_soak(count, kills=kills, timeout=float(os.environ.get("BRIDGE_SOAK_TIMEOUT", "1800")),
                       workdir=Path(tempfile.mkdtemp(prefix="bridge-soak-")))
    print(json.dumps(summary, indent=2))
