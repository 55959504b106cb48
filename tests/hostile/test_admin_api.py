"""The admin API under hostile input: every answer a 4xx with a reason, never a 500; nosniff on every response;
record detail does not serve a huge payload back whole."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from core.state import Inbox, Storage, SyncLog, SyncStatus
from core.sync import operations as ops
from core.sync.context import Context, set_context
from functions import operations as ops_functions

HUGE_ID = "9" * (5 * 1024 * 1024)


@pytest.fixture
def ctx(azurite, storage_connection):
    storage = Storage(connection_string=azurite.connection_string)
    storage.ensure_resources()
    context = Context(config=None, storage=storage)
    set_context(context)
    yield context
    set_context(None)


def call(trigger, method: str = "GET", *, raw: bytes = b"", route_params: dict | None = None,
         params: dict | None = None) -> func.HttpResponse:
    req = func.HttpRequest(method, "http://localhost/api/ops", body=raw, params=params or {},
                           route_params=route_params or {}, headers={"content-type": "application/json"})
    return trigger.build().get_user_function()(req)


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"flow": "orders", "shop": "s", "external_id": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    json.dumps({"flow": "orders", "shop": "s", "external_id": HUGE_ID}).encode(),
    json.dumps({"flow": "orders", "shop": "s", "external_id": {"$ne": 1}}).encode(),
    json.dumps({"status": ["needs_attention"]}).encode(),
    json.dumps({"status": "needs_attention", "shop": "s" * 100_000}).encode(),
    b'{"flow": "orders", "shop": "s", "external_id": NaN}',
])
def test_hostile_retry_requests_are_4xx(ctx, raw):
    response = call(ops_functions.ops_retry, "POST", raw=raw)
    assert 400 <= response.status_code < 500, response.get_body()[:200]
    assert "error" in json.loads(response.get_body())


@pytest.mark.parametrize("queue", [["orders-import"], {"q": 1}, 0, False, "x" * 10_000])
def test_a_replay_poison_queue_that_is_no_queue_name_is_400(ctx, queue):
    response = call(ops_functions.ops_replay_poison, "POST", raw=json.dumps({"queue": queue}).encode())
    assert response.status_code == 400


def test_a_5_mb_external_id_in_the_record_path_is_400(ctx):
    response = call(ops_functions.ops_record, route_params={"flow": "orders", "shop": "s", "external_id": HUGE_ID})
    assert response.status_code == 400
    response = call(ops_functions.ops_records, params={"shop": HUGE_ID})
    assert response.status_code == 400


def test_record_detail_cuts_a_huge_payload(ctx):
    raw = b'{"note": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    ref = Inbox(ctx.storage).store("hostile-admin", raw, {})
    SyncLog(ctx.storage).record("orders", "hostile-admin", "big-1", SyncStatus.NEEDS_ATTENTION, payload_ref=ref,
                                message="big", resolution="look")
    response = call(ops_functions.ops_record, route_params={"flow": "orders", "shop": "hostile-admin",
                                                            "external_id": "big-1"})
    assert response.status_code == 200
    assert len(response.get_body()) < ops.MAX_DETAIL_PAYLOAD + 16 * 1024
    payload = json.loads(response.get_body())["payload"]
    assert payload["size"] == len(raw) and payload["truncated"] is True and payload["json"] is None


def test_every_admin_response_says_nosniff(ctx):
    for response in (call(ops_functions.health), call(ops_functions.ops_page),
                     call(ops_functions.ops_records, params={"limit": "x"}),
                     call(ops_functions.ops_retry, "POST", raw=b"{}")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
