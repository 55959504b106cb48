"""Fault injection, in-process and over the /_emulator control endpoints."""

from __future__ import annotations

import httpx
import pytest


def order_body(ext: str) -> dict:
    return {"customerNumber": "WEB-SE", "externalDocumentNumber": ext,
            "salesOrderLines": [{"lineType": "Item", "lineObjectNumber": "2000", "quantity": 1}]}


def orders_with(emu, company, ext: str) -> int:
    return len(emu.records(company, "salesOrders", externalDocumentNumber=ext.upper()))


def test_429_fault_with_retry_after(emu, client, company):
    emu.faults.add("429", retry_after=2, path_contains="/items")
    response = client.get(f"companies({company})/items")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "Application_TooManyRequests"
    assert client.get(f"companies({company})/customers").status_code == 200


def test_503_fault_without_retry_after_header(emu, client, company):
    emu.faults.add("503")
    response = client.get(f"companies({company})/items")
    assert response.status_code == 503
    assert "Retry-After" not in response.headers


def test_504_after_commit_creates_the_order_and_still_fails(emu, client, company):
    emu.faults.add("504_after_commit", methods=["POST"], sequence=[True])
    response = client.post(f"companies({company})/salesOrders", json=order_body("amb-1"))
    assert response.status_code == 504
    assert orders_with(emu, company, "amb-1") == 1
    retry = client.get(f"companies({company})/salesOrders", params={"$filter": "externalDocumentNumber eq 'AMB-1'"})
    assert len(retry.json()["value"]) == 1


def test_drop_connection_does_nothing_and_drop_after_commit_writes(emu, client, company):
    emu.faults.add("drop_connection", methods="POST", sequence=[True])
    with pytest.raises(httpx.TransportError):
        client.post(f"companies({company})/salesOrders", json=order_body("drop-1"))
    assert orders_with(emu, company, "drop-1") == 0
    emu.faults.clear()
    emu.faults.add("drop_after_commit", methods="POST", sequence=[True])
    with pytest.raises(httpx.TransportError):
        client.post(f"companies({company})/salesOrders", json=order_body("drop-2"))
    assert orders_with(emu, company, "drop-2") == 1
    assert client.post(f"companies({company})/salesOrders", json=order_body("drop-3")).status_code == 201


def test_sequence_is_consumed_per_matching_request(emu, client, company):
    emu.faults.add("503", sequence=[True, False, True], path_contains="currencies")
    statuses = [client.get(f"companies({company})/currencies").status_code for _ in range(5)]
    assert statuses == [503, 200, 503, 200, 200]
    assert client.get(f"companies({company})/items").status_code == 200


def test_rate_is_deterministic_with_a_seed(emu, client, company):
    def run() -> list[int]:
        emu.faults.clear()
        emu.faults.seed(42)
        emu.faults.add("429", rate=0.5)
        return [client.get(f"companies({company})/currencies").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 3 < first.count(429) < 17


def test_latency_fault_adds_time(emu, client, company):
    import time

    emu.faults.add("latency", ms=200, path_contains="currencies")
    started = time.monotonic()
    assert client.get(f"companies({company})/currencies").status_code == 200
    assert time.monotonic() - started >= 0.19


def test_faults_and_state_over_http_control_endpoints(emu, client, company):
    control = httpx.Client(base_url=f"{emu.base_url}/_emulator/")
    assert control.post("faults", json={"kind": "429", "sequence": [True], "retry_after": 1}).status_code == 201
    assert client.get(f"companies({company})/items").status_code == 429
    assert control.post("faults", json={"kind": "nope"}).status_code == 400
    assert control.post("faults", json={"kind": "503"}).status_code == 201
    assert control.delete("faults").status_code == 204
    assert client.get(f"companies({company})/items").status_code == 200
    assert control.post("configure", json={"rate_limit": 2, "rate_window_s": 60}).status_code == 200
    assert client.get(f"companies({company})/items").status_code == 200
    assert client.get(f"companies({company})/items").status_code == 429
    control.post("configure", json={"rate_limit": 6000})
    assert client.post(f"companies({company})/salesOrders", json=order_body("ctl-1")).status_code == 201
    assert control.post("reset").status_code == 204
    assert orders_with(emu, company, "ctl-1") == 0
    log = control.get("requests").json()["value"]
    assert [r["status"] for r in log][:2] == [429, 200]
    assert log[0]["fault"] == "429" and log[0]["entity_set"] == "items" and log[0]["principal"] == "test-token"
    counters = control.get("counters").json()
    assert counters["by_status"]["429"] == 2 and counters["by_method_entity"]["POST salesOrders"] == 1
    assert control.delete("requests").status_code == 204
    assert emu.requests == []
