"""The client against the BC emulator: paging memory, throttling storms, ambiguous writes, ETags, throughput."""

from __future__ import annotations

import itertools
import threading
import time
import tracemalloc

import pytest

from core.bc import (
    BatchOp,
    BcAmbiguousWriteError,
    BcClient,
    BcPermanentError,
    CredentialPool,
    RetryPolicy,
    odata_string,
)
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator

from .fakes import FakeCredential

DEFAULT_LIMITS = dict(rate_limit=6000, rate_window_s=300, concurrency=5, queue_limit=95, latency_ms=0,
                      page_size=20000)
_appids = itertools.count(1)


@pytest.fixture(scope="module")
def emu():
    emulator = BcEmulator(seed="demo").start(port=0)
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def clean(request):
    if "emu" in request.fixturenames:
        emulator = request.getfixturevalue("emu")
        emulator.faults.clear()
        emulator.configure(**DEFAULT_LIMITS)
        emulator.reset_log()
    yield


def appid(label: str) -> str:
    return f"{label}-{next(_appids)}-{time.time_ns()}"


def make_client(emu, *appids, retry=None, sleep=time.sleep, **limits) -> BcClient:
    pool = CredentialPool([FakeCredential(a) for a in (appids or (appid("app"),))], **limits)
    return BcClient(emu.api_root(), pool, retry=retry or RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=1),
                    sleep=sleep)


def order_body(ext: str) -> dict:
    return {"customerNumber": "WEB-SE", "externalDocumentNumber": ext,
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": "1000", "quantity": 2}]}


def posts(emu, fragment: str) -> list[dict]:
    return [r for r in emu.requests if r["method"] == "POST" and fragment in r["path"]]


# -- paging -------------------------------------------------------------------------------------------------------


def test_100k_rows_page_in_constant_memory():
    emulator = BcEmulator(seed=None).start(port=0)
    try:
        company = emulator.company_id("CRONUS SE")
        emulator.bulk_insert(company, "customers",
                             [{"number": f"C{i:06d}", "displayName": f"Customer {i}"} for i in range(100_000)])
        client = make_client(emulator)
        rows = client.company(company).list("customers", select=["id", "number"], page_size=2000)
        count, last = 0, ""
        tracemalloc.start()
        try:
            for row in rows:
                count += 1
                assert row["number"] > last  # in key order, nothing skipped or repeated
                last = row["number"]
                if count == 10_000:
                    peak_after_10k = tracemalloc.get_traced_memory()[1]
            peak_after_100k = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count == 100_000 and last == "C099999"
        assert client.metrics.snapshot()["requests_by_entity"] == {"GET customers": 50}
        # Ten times the rows, same peak: only one page is ever held (client and in-process server together).
        assert peak_after_100k < peak_after_10k * 1.25 + 512 * 1024, (peak_after_10k, peak_after_100k)
        assert peak_after_100k < 20 * 1024 * 1024
    finally:
        emulator.stop()


# -- throttling -----------------------------------------------------------------------------------------------------


def test_429_and_503_storm_ends_in_success_honouring_retry_after(emu):
    emu.faults.add("429", sequence=[True, True, False, True], retry_after=0.3, path_contains="items")
    emu.faults.add("503", sequence=[True], retry_after=0.2, path_contains="items")
    waits: list[float] = []

    def sleep(seconds):
        waits.append(seconds)
        time.sleep(seconds)

    client = make_client(emu, sleep=sleep)
    co = client.company(DEMO_COMPANY_SE_ID)
    item = co.get("items", emu.records(DEMO_COMPANY_SE_ID, "items", number="1000")[0]["id"])
    assert item["number"] == "1000"
    # attempts: 429, 429, 503 (the 429 rule said no, the 503 rule yes), 429, ok
    assert waits == [0.3, 0.3, 0.2, 0.3]
    log = [r for r in emu.requests if r["entity_set"] == "items"]
    assert [r["status"] for r in log] == [429, 429, 503, 429, 200]
    for failed, retried, wait in zip(log, log[1:], waits, strict=False):
        assert retried["started"] - failed["ended"] >= wait - 0.01  # Retry-After honoured, measured at BC
    snap = client.metrics.snapshot()
    assert snap["throttles"] == 3 and snap["server_busy"] == 1 and snap["retries"] == 4 and snap["failures"] == {}


def test_random_storm_on_many_requests_all_succeed(emu):
    emu.faults.seed(7)
    emu.faults.add("429", rate=0.3, retry_after=0.02)
    emu.faults.add("503", rate=0.1, retry_after=0.02)
    client = make_client(emu, retry=RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.1))
    co = client.company(DEMO_COMPANY_SE_ID)
    numbers = [co.first("customers", filter=f"number eq {odata_string('WEB-SE')}")["number"] for _ in range(40)]
    assert numbers == ["WEB-SE"] * 40
    snap = client.metrics.snapshot()
    assert snap["throttles"] > 5 and snap["failures"] == {}
    assert snap["statuses"]["200"] == 40


def test_local_limiter_waits_instead_of_provoking_429(emu):
    emu.configure(rate_limit=20, rate_window_s=1, concurrency=2)
    client = make_client(emu, rate_limit=20, rate_window_s=1, concurrency=2)
    co = client.company(DEMO_COMPANY_SE_ID)
    errors = []

    def worker():
        try:
            for _ in range(10):
                co.first("items", select=["id"])
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    assert errors == []
    assert emu.counters["429"] == 0 and client.metrics.snapshot()["throttles"] == 0
    assert elapsed >= 1.0  # 40 requests at 20/s: the second 20 had to wait for the window
    assert max(emu.counters["max_waiting"].values()) == 0  # BC never had to queue


# -- ambiguous writes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["504_after_commit", "drop_after_commit"])
def test_ambiguous_create_is_not_reposted(emu, fault):
    ext = f"AMB-{fault}-{time.time_ns() % 10**8}".upper()  # Code[35]: BC stores it uppercase
    emu.faults.add(fault, sequence=[True], methods=["POST"], path_contains="salesOrders")
    client = make_client(emu)
    with pytest.raises(BcAmbiguousWriteError):
        client.company(DEMO_COMPANY_SE_ID).create("salesOrders", order_body(ext))
    assert len(posts(emu, "salesOrders")) == 1
    assert len(emu.records(DEMO_COMPANY_SE_ID, "salesOrders", externalDocumentNumber=ext)) == 1
    assert client.metrics.snapshot()["ambiguous"] == 1


@pytest.mark.parametrize("fault", ["504_after_commit", "drop_after_commit"])
def test_create_once_after_commit_fault_ends_with_exactly_one_document(emu, fault):
    ext = f"ONCE-{fault}-{time.time_ns() % 10**8}".upper()
    emu.faults.add(fault, sequence=[True], methods=["POST"], path_contains="salesOrders")
    client = make_client(emu)
    co = client.company(DEMO_COMPANY_SE_ID)
    lookup = f"externalDocumentNumber eq {odata_string(ext)}"
    result = co.create_once("salesOrders", order_body(ext), lookup, also_in=["salesInvoices"], settle_delays=(0.05,))
    assert result.created and result.recovered and result.record["externalDocumentNumber"] == ext
    again = co.create_once("salesOrders", order_body(ext), lookup, also_in=["salesInvoices"])
    assert not again.created and again.record["id"] == result.record["id"]
    assert len(emu.records(DEMO_COMPANY_SE_ID, "salesOrders", externalDocumentNumber=ext)) == 1
    assert len(posts(emu, "salesOrders")) == 1


def test_create_once_reposts_when_nothing_was_committed(emu):
    ext = f"DROP-{time.time_ns() % 10**8}"
    emu.faults.add("drop_connection", sequence=[True], methods=["POST"], path_contains="salesOrders")
    client = make_client(emu)
    co = client.company(DEMO_COMPANY_SE_ID)
    result = co.create_once("salesOrders", order_body(ext), f"externalDocumentNumber eq {odata_string(ext)}",
                            settle_delays=(0.05, 0.05))
    assert result.created and not result.recovered
    assert len(emu.records(DEMO_COMPANY_SE_ID, "salesOrders", externalDocumentNumber=ext)) == 1
    assert len(posts(emu, "salesOrders")) == 2


def test_create_once_finds_an_invoiced_order(emu):
    ext = f"INV-{time.time_ns() % 10**8}"
    client = make_client(emu)
    co = client.company(DEMO_COMPANY_SE_ID)
    order = co.create("salesOrders", order_body(ext))
    co.action("salesOrders", order["id"], "shipAndInvoice")
    result = co.create_once("salesOrders", order_body(ext), f"externalDocumentNumber eq {odata_string(ext)}",
                            also_in=["salesInvoices"])
    assert not result.created and result.entity_set == "salesInvoices"
    assert emu.records(DEMO_COMPANY_SE_ID, "salesOrders", externalDocumentNumber=ext) == []


# -- ETags, batch -------------------------------------------------------------------------------------------------


def test_stale_etag_is_resolved_by_update_with_retry(emu):
    client = make_client(emu)
    other = make_client(emu)
    co = client.company(DEMO_COMPANY_SE_ID)
    customer = co.first("customers", filter="number eq 'WEB-SE'")
    calls = []

    def change(record):
        calls.append(record["@odata.etag"])
        if len(calls) == 1:  # another user edits between our read and our PATCH
            theirs = other.company(DEMO_COMPANY_SE_ID).get("customers", record["id"])
            other.company(DEMO_COMPANY_SE_ID).update("customers", record["id"], {"phoneNumber": "+46 8 123"},
                                                     etag=theirs["@odata.etag"])
        return {"email": "orders@example.se"}

    updated = co.update_with_retry("customers", customer["id"], change)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert updated["email"] == "orders@example.se" and updated["phoneNumber"] == "+46 8 123"
    assert client.metrics.snapshot()["statuses"].get("409") == 1


def test_batch_against_emulator_reports_per_operation(emu):
    client = make_client(emu)
    co = client.company(DEMO_COMPANY_SE_ID)
    stamp = time.time_ns() % 10**8
    results = co.batch([
        BatchOp("POST", "customers", {"displayName": f"Batch A {stamp}"}),
        BatchOp("POST", "customers", {"displayName": f"Batch B {stamp}", "noSuchField": 1}),
        BatchOp("GET", "customers?$filter=number eq 'WEB-SE'"),
    ])
    assert [r.status for r in results] == [201, 400, 200]
    assert results[0].ok and results[0].body["displayName"] == f"Batch A {stamp}"
    assert isinstance(results[1].error, BcPermanentError) and "noSuchField" in results[1].error.message
    assert results[2].body["value"][0]["number"] == "WEB-SE"

    atomic = co.batch([
        BatchOp("POST", "customers", {"displayName": f"Atomic A {stamp}"}),
        BatchOp("POST", "customers", {"displayName": f"Atomic B {stamp}", "noSuchField": 1}),
    ], isolation_snapshot=True)
    assert not any(r.ok for r in atomic)
    assert emu.records(DEMO_COMPANY_SE_ID, "customers", displayName=f"Atomic A {stamp}") == []


# -- throughput ---------------------------------------------------------------------------------------------------


def _sustained(emu, principals: int, duration: float, limits: dict) -> tuple[int, list[str]]:
    client = make_client(emu, *[appid(f"tp{principals}") for _ in range(principals)], **limits)
    co = client.company(DEMO_COMPANY_SE_ID)
    item_id = emu.records(DEMO_COMPANY_SE_ID, "items", number="1000")[0]["id"]
    done: list[float] = []
    errors: list[str] = []
    start = time.monotonic()
    deadline = start + duration

    def worker():
        while time.monotonic() < deadline:
            try:
                co.get("items", item_id, select=["id"])
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(repr(exc))
                return
            if time.monotonic() < deadline:
                done.append(time.monotonic())

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(principals * limits["concurrency"] * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + limits["rate_window_s"] + 5)
    return len(done), errors


def test_two_credentials_give_about_twice_the_throughput(emu):
    limits = dict(rate_limit=60, rate_window_s=2.0, concurrency=5)
    emu.configure(latency_ms=10, **limits)
    duration = 2 * limits["rate_window_s"]
    results = {}

    def run(p):
        results[p] = _sustained(emu, p, duration, limits)

    threads = [threading.Thread(target=run, args=(p,)) for p in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (one, errors_one), (two, errors_two) = results[1], results[2]
    assert errors_one == [] and errors_two == []
    assert emu.counters["429"] == 0
    assert one >= 0.9 * 60 * 2  # the window allows 60 per 2 s; measured over two windows
    assert two / one >= 1.7, (one, two)
    assert max(emu.counters["max_in_flight"].values()) <= 5


def test_companies_and_published_odata_page(emu):
    client = make_client(emu)
    names = {c["name"]: c["id"] for c in client.companies()}
    assert names["CRONUS SE"] == DEMO_COMPANY_SE_ID
    total = {r["No"]: r["Inventory"] for r in client.odata_page("CRONUS SE", "ItemCard", select=["No", "Inventory"])}
    stock = emu.stock(DEMO_COMPANY_SE_ID, "1000")
    assert total["1000"] == sum(stock.values())
    location = next(loc for loc, _variant in stock)
    rows = list(client.odata_page("CRONUS SE", "ItemCard",
                                  filter=f"No eq '1000' and Location_Filter eq {odata_string(location)}"))
    assert [r["Inventory"] for r in rows] == [sum(q for (loc, _v), q in stock.items() if loc == location)]
