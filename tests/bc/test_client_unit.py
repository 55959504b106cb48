"""BcClient behaviour over httpx.MockTransport: URLs, paging, retries, ambiguity, batch, create_once."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from core.bc import (
    BatchOp,
    BcAmbiguousWriteError,
    BcAuthError,
    BcConflictError,
    BcPermanentError,
    BcRetryableError,
    RetryPolicy,
    odata_string,
)

from .fakes import API_ROOT, COMPANY, FakeCredential, bc_error, mock_client

ORDER_ID = "aaaaaaaa-0000-0000-0000-000000000001"


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


def test_get_builds_company_url_with_select_and_expand():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": ORDER_ID, "number": "S-1"})

    client, _ = mock_client(handler)
    record = client.company(COMPANY).get("salesOrders", ORDER_ID, select=["id", "number"], expand=["salesOrderLines"])
    assert record["number"] == "S-1"
    req = seen[0]
    assert req.url.path == f"/v2.0/tenant1/production/api/v2.0/companies({COMPANY})/salesOrders({ORDER_ID})"
    assert query(req) == {"$select": "id,number", "$expand": "salesOrderLines"}
    assert req.headers["Authorization"].startswith("Bearer ")
    assert req.headers["Accept"] == "application/json"


def test_list_is_lazy_follows_next_links_and_sends_page_size():
    pages = {
        None: {"value": [{"n": 1}, {"n": 2}], "@odata.nextLink": f"{API_ROOT}/companies({COMPANY})/items?$skiptoken=2"},
        "2": {"value": [{"n": 3}, {"n": 4}], "@odata.nextLink": f"{API_ROOT}/companies({COMPANY})/items?$skiptoken=4"},
        "4": {"value": [{"n": 5}]},
    }
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=pages[query(request).get("$skiptoken")])

    client, _ = mock_client(handler)
    rows = client.company(COMPANY).list("items", filter="type eq 'Inventory'", page_size=2)
    assert seen == []  # nothing fetched until iterated
    assert next(rows) == {"n": 1}
    assert len(seen) == 1
    assert [r["n"] for r in rows] == [2, 3, 4, 5]
    assert len(seen) == 3
    assert seen[0].headers["Prefer"] == "odata.maxpagesize=2"
    assert query(seen[0])["$filter"] == "type eq 'Inventory'"


def test_list_top_stops_early_and_first_returns_none_when_empty():
    calls = []

    def handler(request):
        calls.append(request)
        if query(request).get("$filter") == "number eq 'nope'":
            return httpx.Response(200, json={"value": []})
        return httpx.Response(200, json={"value": [{"n": i} for i in range(5)], "@odata.nextLink": f"{API_ROOT}/x"})

    client, _ = mock_client(handler)
    co = client.company(COMPANY)
    assert [r["n"] for r in co.list("items", top=3)] == [0, 1, 2]
    assert len(calls) == 1 and query(calls[0])["$top"] == "3"
    assert co.first("items", filter="number eq 'nope'") is None
    assert co.first("items", filter="number eq 'x'") == {"n": 0}


def test_next_link_to_another_host_is_refused():
    def handler(request):
        return httpx.Response(200, json={"value": [{"n": 1}], "@odata.nextLink": "https://evil.test/steal"})

    client, _ = mock_client(handler)
    with pytest.raises(BcPermanentError, match="another host"):
        list(client.company(COMPANY).list("items"))


def test_429_is_retried_after_retry_after_and_principal_paused():
    responses = iter([bc_error(429, "TooManyRequests", "slow", {"Retry-After": "3"}), httpx.Response(200, json={})])
    used = []

    def handler(request):
        used.append(request.headers["Authorization"])
        return next(responses)

    client, waits = mock_client(handler, credentials=[FakeCredential("a"), FakeCredential("b")])
    client.company(COMPANY).get("customers", ORDER_ID)
    assert waits == [3.0]
    snap = client.metrics.snapshot()
    assert snap["throttles"] == 1 and snap["retries"] == 1 and snap["requests"] == 2
    assert used[0] != used[1]  # the throttled principal is paused; the other one takes the retry
    paused = {name: s["blocked_for_s"] for name, s in client.pool.snapshot().items()}
    assert sorted(paused.values())[0] == 0 and sorted(paused.values())[1] > 2.5


def test_retry_after_beyond_max_wait_goes_back_to_the_caller():
    client, waits = mock_client(lambda r: bc_error(429, "TooManyRequests", "slow", {"Retry-After": "600"}))
    with pytest.raises(BcRetryableError) as info:
        client.company(COMPANY).get("customers", ORDER_ID)
    assert info.value.retry_after == 600.0 and waits == []


def test_transient_get_failures_exhaust_policy_then_raise_retryable_with_backoff():
    client, waits = mock_client(lambda r: bc_error(504, "GatewayTimeout", "late"),
                                retry=RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0))
    with pytest.raises(BcRetryableError) as info:
        client.company(COMPANY).get("customers", ORDER_ID)
    assert len(waits) == 3
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 1.5 <= waits[2] <= 3.0
    assert info.value.status == 504 and info.value.retry_after is not None


def test_post_with_503_retry_after_is_resent_but_504_is_ambiguous_and_not_resent():
    posts = []

    def handler(request):
        posts.append(request)
        if len(posts) == 1:
            return bc_error(503, "ServiceUnavailable", "busy", {"Retry-After": "1"})
        return bc_error(504, "GatewayTimeout", "late")

    client, waits = mock_client(handler)
    with pytest.raises(BcAmbiguousWriteError) as info:
        client.company(COMPANY).create("salesOrders", {"customerNumber": "10000"})
    assert len(posts) == 2 and waits == [1.0]
    assert info.value.status == 504 and info.value.method == "POST"
    assert client.metrics.snapshot()["ambiguous"] == 1


@pytest.mark.parametrize(
    ("exc", "ambiguous"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("connect"), False),
        (httpx.ReadTimeout("read"), True),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), True),
        (httpx.ReadError("reset"), True),
    ],
)
def test_post_transport_failures(exc, ambiguous):
    posts = []

    def handler(request):
        posts.append(request)
        if len(posts) == 1:
            raise exc
        return httpx.Response(201, json={"id": ORDER_ID})

    client, _ = mock_client(handler)
    co = client.company(COMPANY)
    if ambiguous:
        with pytest.raises(BcAmbiguousWriteError):
            co.create("salesOrders", {"customerNumber": "10000"})
        assert len(posts) == 1
    else:
        assert co.create("salesOrders", {"customerNumber": "10000"})["id"] == ORDER_ID
        assert len(posts) == 2


def test_get_transport_failures_are_retried():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ReadTimeout("read")
        return httpx.Response(200, json={"id": ORDER_ID})

    client, waits = mock_client(handler)
    assert client.company(COMPANY).get("items", ORDER_ID)["id"] == ORDER_ID
    assert len(waits) == 2
    assert client.metrics.snapshot()["statuses"] == {"200": 1, "error:ReadTimeout": 2}


def test_401_refreshes_the_token_once_then_fails_with_auth_error():
    cred = FakeCredential()
    tokens = []

    def handler(request):
        tokens.append(request.headers["Authorization"])
        if len(tokens) == 1:
            return bc_error(401, "Authentication_InvalidCredentials", "expired")
        return httpx.Response(200, json={"ok": True})

    client, _ = mock_client(handler, credentials=[cred])
    assert client.company(COMPANY).get("items", ORDER_ID) == {"ok": True}
    assert tokens[0] != tokens[1] and cred.calls == 2
    assert cred.scopes[0] == ("https://api.businesscentral.dynamics.com/.default",)

    client2, _ = mock_client(lambda r: bc_error(401, "Authentication_InvalidCredentials", "no"))
    with pytest.raises(BcAuthError):
        client2.company(COMPANY).get("items", ORDER_ID)
    assert client2.metrics.snapshot()["requests"] == 2


def test_token_is_cached_between_requests():
    cred = FakeCredential()
    client, _ = mock_client(lambda r: httpx.Response(200, json={}), credentials=[cred])
    for _ in range(5):
        client.company(COMPANY).get("items", ORDER_ID)
    assert cred.calls == 1


def test_update_sends_if_match_and_json_body():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": ORDER_ID, "displayName": "New"})

    client, _ = mock_client(handler)
    client.company(COMPANY).update("customers", ORDER_ID, {"displayName": "New"}, etag='W/"JzE7Jw=="')
    req = seen[0]
    assert req.method == "PATCH" and req.headers["If-Match"] == 'W/"JzE7Jw=="'
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.content) == {"displayName": "New"}


def test_update_with_retry_rereads_after_stale_etag():
    state = {"etag": 'W/"1"', "creditLimit": 100, "reads": 0}

    def handler(request):
        if request.method == "GET":
            state["reads"] += 1
            if state["reads"] == 1:
                # somebody else changes the record right after our first read
                result = {"id": ORDER_ID, "creditLimit": state["creditLimit"], "@odata.etag": state["etag"]}
                state["etag"], state["creditLimit"] = 'W/"2"', 150
                return httpx.Response(200, json=result)
            return httpx.Response(200, json={"id": ORDER_ID, "creditLimit": state["creditLimit"],
                                             "@odata.etag": state["etag"]})
        if request.headers["If-Match"] != state["etag"]:
            return bc_error(409, "Request_EntityChanged", "Another user has already changed the record.")
        state["creditLimit"] = json.loads(request.content)["creditLimit"]
        return httpx.Response(200, json={"creditLimit": state["creditLimit"]})

    client, _ = mock_client(handler)
    result = client.company(COMPANY).update_with_retry(
        "customers", ORDER_ID, lambda r: {"creditLimit": r["creditLimit"] + 10}
    )
    assert result == {"creditLimit": 160} and state["reads"] == 2


def test_update_with_retry_gives_up_with_conflict():
    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, json={"id": ORDER_ID, "@odata.etag": 'W/"1"'})
        return bc_error(409, "Request_EntityChanged", "changed")

    client, _ = mock_client(handler)
    with pytest.raises(BcConflictError):
        client.company(COMPANY).update_with_retry("customers", ORDER_ID, lambda r: {"x": 1}, max_attempts=3)
    assert client.metrics.snapshot()["requests_by_entity"] == {"GET customers": 3, "PATCH customers": 3}


def test_delete_404_after_an_unanswered_attempt_counts_as_done():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("lost")
        return bc_error(404, "BadRequest_NotFound", "gone")

    client, _ = mock_client(handler)
    client.company(COMPANY).delete("salesOrders", ORDER_ID, etag="*")
    assert [c.headers["If-Match"] for c in calls] == ["*", "*"]

    client2, _ = mock_client(lambda r: bc_error(404, "BadRequest_NotFound", "gone"))
    with pytest.raises(BcPermanentError):
        client2.company(COMPANY).delete("salesOrders", ORDER_ID, etag="*")


def test_bound_action_url():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(204)

    client, _ = mock_client(handler)
    assert client.company(COMPANY).action("salesOrders", ORDER_ID, "shipAndInvoice") is None
    assert seen[0].method == "POST"
    assert seen[0].url.path.endswith(f"/companies({COMPANY})/salesOrders({ORDER_ID})/Microsoft.NAV.shipAndInvoice")


def test_batch_chunks_at_100_and_returns_per_operation_results():
    bodies = []

    def handler(request):
        assert request.url.path.endswith("/api/v2.0/$batch")
        body = json.loads(request.content)
        bodies.append((request, body))
        responses = []
        for op in body["requests"]:
            if op["body"]["displayName"] == "bad":
                responses.append({"id": op["id"], "status": 400, "headers": {},
                                  "body": {"error": {"code": "Application_FieldValidationException",
                                                     "message": "bad name"}}})
            else:
                responses.append({"id": op["id"], "status": 201, "headers": {"Content-Type": "application/json"},
                                  "body": {"displayName": op["body"]["displayName"]}})
        return httpx.Response(200, json={"responses": list(reversed(responses))})

    client, _ = mock_client(handler)
    names = [f"c{i}" for i in range(250)]
    names[120] = "bad"
    ops = [BatchOp("POST", "customers", {"displayName": n}) for n in names]
    results = client.company(COMPANY).batch(ops)
    assert [len(b["requests"]) for _, b in bodies] == [100, 100, 50]
    first = bodies[0][1]["requests"][0]
    assert first["url"] == f"companies({COMPANY})/customers" and first["method"] == "POST"
    assert first["headers"]["Content-Type"] == "application/json"
    assert len(results) == 250
    assert [r.body["displayName"] for r in results if r.ok] == [n for n in names if n != "bad"]
    bad = results[120]
    assert not bad.ok and isinstance(bad.error, BcPermanentError) and bad.error.code.startswith("Application")
    assert "Isolation" not in bodies[0][0].headers


def test_isolated_batch_sends_header_and_refuses_more_than_100():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"responses": [{"id": "1", "status": 204}]})

    client, _ = mock_client(handler)
    client.batch([BatchOp("DELETE", f"companies({COMPANY})/customers({ORDER_ID})", headers={"If-Match": "*"})],
                 isolation_snapshot=True)
    assert seen[0].headers["Isolation"] == "snapshot"
    with pytest.raises(ValueError):
        client.batch([BatchOp("GET", "companies")] * 101, isolation_snapshot=True)


def test_create_once_returns_existing_without_posting():
    seen = []

    def handler(request):
        seen.append(request)
        if request.method == "GET" and "salesInvoices" in request.url.path:
            return httpx.Response(200, json={"value": [{"id": "inv", "externalDocumentNumber": "SHOP-1"}]})
        if request.method == "GET":
            return httpx.Response(200, json={"value": []})
        raise AssertionError("must not POST")

    client, _ = mock_client(handler)
    lookup = f"externalDocumentNumber eq {odata_string('SHOP-1')}"
    result = client.company(COMPANY).create_once("salesOrders", {"externalDocumentNumber": "SHOP-1"}, lookup,
                                                 also_in=["salesInvoices"])
    assert not result.created and result.entity_set == "salesInvoices" and result.record["id"] == "inv"
    assert query(seen[0])["$filter"] == "externalDocumentNumber eq 'SHOP-1'"


def test_create_once_recovers_after_ambiguous_post():
    store = []

    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, json={"value": list(store)})
        store.append({"id": ORDER_ID, **json.loads(request.content)})
        return bc_error(504, "GatewayTimeout", "late")  # committed, but the answer is lost

    client, waits = mock_client(handler)
    result = client.company(COMPANY).create_once(
        "salesOrders", {"externalDocumentNumber": "SHOP-2"}, "externalDocumentNumber eq 'SHOP-2'",
        settle_delays=(0.25,),
    )
    assert result.created and result.recovered and result.record["id"] == ORDER_ID
    assert len(store) == 1 and waits == [0.25]


def test_create_once_reposts_when_lookup_proves_nothing_was_committed():
    posts = []

    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, json={"value": []})
        posts.append(request)
        if len(posts) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(201, json={"id": ORDER_ID})

    client, _ = mock_client(handler)
    result = client.company(COMPANY).create_once("salesOrders", {"a": 1}, "externalDocumentNumber eq 'S'",
                                                 settle_delays=(0.0, 0.0))
    assert result.created and not result.recovered and len(posts) == 2


def test_odata_page_and_companies_urls():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"value": [{"name": "CRONUS"}]})

    client, _ = mock_client(handler)
    assert client.companies() == [{"name": "CRONUS"}]
    rows = list(client.odata_page("CRONUS O'Neil & Co", "ItemCard", filter="Location_Filter eq 'EAST'",
                                  select=["No", "Inventory"]))
    assert rows == [{"name": "CRONUS"}]
    assert seen[0].url.path == "/v2.0/tenant1/production/api/v2.0/companies"
    raw_path = seen[1].url.raw_path.decode().split("?")[0]
    assert unquote(raw_path) == "/v2.0/tenant1/production/ODataV4/Company('CRONUS O''Neil & Co')/ItemCard"
    assert "&" not in raw_path  # the company name is escaped
    assert query(seen[1]) == {"$filter": "Location_Filter eq 'EAST'", "$select": "No,Inventory"}


def test_decimal_and_dates_serialise():
    from datetime import date
    from decimal import Decimal

    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(201, json={})

    client, _ = mock_client(handler)
    client.company(COMPANY).create("salesOrders", {"unitPrice": Decimal("12.34"), "orderDate": date(2024, 5, 1)})
    assert seen == [{"unitPrice": 12.34, "orderDate": "2024-05-01"}]


def test_tokens_and_secrets_never_in_logs_or_reprs(caplog):
    cred = FakeCredential()
    client, _ = mock_client(lambda r: httpx.Response(200, json={"value": []}), credentials=[cred])
    with caplog.at_level(logging.DEBUG):
        list(client.company(COMPANY).list("customers"))
        client.metrics.log_summary()
    token = client.pool.members[0].tokens.bearer()
    text = caplog.text + repr(client) + repr(client.pool) + repr(client.pool.members[0].tokens)
    assert "BC GET customers -> 200" in caplog.text
    assert token not in text and token.split(".")[1] not in text


def test_metrics_snapshot_shape():
    responses = iter([bc_error(503, "Busy", "busy", {"Retry-After": "0"}), httpx.Response(200, json={})])
    client, _ = mock_client(lambda r: next(responses))
    client.company(COMPANY).get("items", ORDER_ID)
    snap = client.metrics.snapshot()
    assert snap["calls"] == 1 and snap["requests"] == 2 and snap["server_busy"] == 1 and snap["retries"] == 1
    assert snap["requests_by_entity"] == {"GET items": 2}
    assert snap["latency_ms"]["count"] == 2 and sum(snap["latency_ms"]["buckets"].values()) == 2
    json.dumps(snap)


def test_token_endpoint_failure_is_an_auth_error_and_releases_the_slot():
    from azure.core.exceptions import ClientAuthenticationError

    class Broken:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.")

    client, _ = mock_client(lambda r: httpx.Response(200, json={}), credentials=[Broken()])
    with pytest.raises(BcAuthError, match="AADSTS7000215"):
        client.company(COMPANY).get("items", ORDER_ID)
    assert client.pool.snapshot()["principal1"]["in_flight"] == 0


def test_batch_of_reads_is_retried_but_batch_of_writes_is_not():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            return bc_error(504, "GatewayTimeout", "late")
        return httpx.Response(200, json={"responses": [{"id": "1", "status": 200, "body": {"value": []}}]})

    client, _ = mock_client(handler)
    results = client.company(COMPANY).batch([BatchOp("GET", "customers")])
    assert results[0].ok and len(calls) == 2

    calls.clear()
    with pytest.raises(BcAmbiguousWriteError):
        client.company(COMPANY).batch([BatchOp("POST", "customers", {"displayName": "x"})])
    assert len(calls) == 1


def test_a_throttled_answer_logs_the_marker_the_throttling_alert_counts(caplog):
    import logging

    import httpx

    from core.bc import BcClient, CredentialPool, RetryPolicy
    from tests.bc.fakes import FakeCredential

    answers = iter([httpx.Response(429, headers={"Retry-After": "0"}, json={"error": {"code": "x", "message": "m"}}),
                    httpx.Response(200, json={"value": []})])
    client = BcClient(api_root="https://bc.test/v2.0/t/production/api/v2.0",
                      pool=CredentialPool([FakeCredential("app1")]),
                      http=httpx.Client(transport=httpx.MockTransport(lambda request: next(answers))),
                      retry=RetryPolicy(max_attempts=3, base_delay=0, max_delay=0), sleep=lambda s: None)
    with caplog.at_level(logging.WARNING, logger="core.bc"):
        assert list(client.company("00000000-0000-0000-0000-000000000001").list("items")) == []
    assert any("bc_throttled status=429" in r.getMessage() for r in caplog.records)
