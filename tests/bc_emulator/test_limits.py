"""Per-principal limits: sliding-window rate, concurrency cap with queue, separate principals, JWT appid."""

from __future__ import annotations

import base64
import json
import threading
import time

import httpx

from sandbox.bc_emulator.server import principal_of


def jwt(claims: dict) -> str:
    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


_local = threading.local()


def get(emu, token: str, path: str = "companies") -> httpx.Response:
    # One pooled client per thread: creating a client per call costs more than the windows tested here.
    if getattr(_local, "client", None) is None:
        _local.client = httpx.Client(timeout=30)
    return _local.client.get(f"{emu.api_root()}/{path}", headers={"Authorization": f"Bearer {token}"})


def parallel(n: int, fn) -> list:
    results: list = [None] * n

    def run(i):
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_principal_is_jwt_appid_or_azp_else_the_token():
    assert principal_of(jwt({"appid": "app-1", "azp": "other"})) == "app-1"
    assert principal_of(jwt({"azp": "app-2"})) == "app-2"
    assert principal_of("opaque-token") == "opaque-token"


def test_rate_limit_answers_429_then_recovers_after_the_window(emu):
    emu.configure(rate_limit=5, rate_window_s=1.0)
    statuses = [get(emu, "a").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = get(emu, "a")
    assert response.json()["error"]["code"] == "Application_TooManyRequests"
    time.sleep(1.05)
    assert get(emu, "a").status_code == 200
    assert emu.counters["throttled"] == 2


def test_two_principals_have_separate_limits_and_jwts_of_one_app_share_them(emu):
    emu.configure(rate_limit=3, rate_window_s=60)
    one_a, one_b, two = jwt({"appid": "app-1", "n": 1}), jwt({"appid": "app-1", "n": 2}), jwt({"appid": "app-2"})
    assert [get(emu, one_a).status_code for _ in range(2)] == [200, 200]
    assert get(emu, one_b).status_code == 200
    assert get(emu, one_b).status_code == 429  # same app id, other token: same budget
    assert [get(emu, two).status_code for _ in range(3)] == [200, 200, 200]
    principals = {r["principal"] for r in emu.requests}
    assert principals == {"app-1", "app-2"}


def test_at_most_five_requests_are_processed_at_once(emu):
    emu.configure(latency_ms=150)
    started = time.monotonic()
    statuses = parallel(15, lambda: get(emu, "busy").status_code)
    elapsed = time.monotonic() - started
    assert statuses == [200] * 15
    assert emu.counters["max_in_flight"]["busy"] == 5
    assert elapsed >= 3 * 0.15 * 0.9  # 15 requests / 5 slots × 150 ms


def test_concurrency_is_configurable_and_per_principal(emu):
    emu.configure(latency_ms=100, concurrency=2)
    parallel(6, lambda: get(emu, "p1").status_code)
    parallel(6, lambda: get(emu, "p2").status_code)
    assert emu.counters["max_in_flight"] == {"p1": 2, "p2": 2}


def test_queue_overflow_is_429(emu):
    # each request takes 1.5 s, so the six arrive while the first still runs even on a loaded machine
    emu.configure(latency_ms=1500, concurrency=1, queue_limit=2)
    statuses = parallel(6, lambda: get(emu, "q").status_code)
    assert statuses.count(200) == 3
    assert statuses.count(429) == 3


def test_batch_counts_each_operation_against_the_rate_limit(emu, company):
    emu.configure(rate_limit=10, rate_window_s=60)
    ops = [{"method": "GET", "id": str(i), "url": f"companies({company})/currencies"} for i in range(8)]
    headers = {"Authorization": "Bearer b"}
    first = httpx.post(f"{emu.api_root()}/$batch", json={"requests": ops}, headers=headers)
    assert first.status_code == 200
    assert get(emu, "b").status_code == 200
    assert get(emu, "b").status_code == 200
    assert get(emu, "b").status_code == 429


def test_page_size_is_clamped_and_top_beyond_it_is_413(emu, client, company):
    emu.configure(page_size=3)
    response = client.get(f"companies({company})/items", headers={"Prefer": "odata.maxpagesize=50"})
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=3"
    assert len(response.json()["value"]) == 3
    assert "@odata.nextLink" in response.json()
    assert client.get(f"companies({company})/items", params={"$top": "4"}).status_code == 413
    unasked = client.get(f"companies({company})/items").json()
    assert len(unasked["value"]) == 3 and "@odata.nextLink" in unasked
