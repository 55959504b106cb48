"""The Order Receiver's receipt (core/sync/order_receiver.py) against Azurite: every answer deliberate, OK only
once stored and queued, Failed (never a 500) when it cannot store; and the Basic-auth check."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from core.config import check_config
from core.platforms.norce import receiver
from core.state import Envelope, Storage, SyncStatus, names
from core.sync import order_receiver
from core.sync.context import Context
from sandbox.norce_emulator import NorceEmulator

CREDENTIALS = "norce:receiver-pw"


def basic(value: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode()}


@pytest.fixture
def ctx(storage_connection, monkeypatch):
    monkeypatch.setenv("SECRET", "x")
    monkeypatch.setenv("NORCE_RECEIVER", CREDENTIALS)
    key = f"nc-{uuid.uuid4().hex[:8]}"
    config, problems = check_config(f'''
[bc]
tenant_id_setting = "SECRET"
base_url_setting = "SECRET"
[[bc.credentials]]
auth = "static_token"
token_setting = "SECRET"
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "00000000-0000-0000-0000-000000000001"
currency = "SEK"
[[shops]]
key = "{key}"
platform = "norce"
url = "https://demo.api-se.norce.tech"
webhook_secret_setting = "SECRET"
flows = ["orders"]
[shops.norce]
order_receiver_setting = "NORCE_RECEIVER"
[[shops]]
key = "{key}-off"
platform = "norce"
url = "https://demo.api-se.norce.tech"
webhook_secret_setting = "SECRET"
flows = ["stock"]
[shops.norce]
order_receiver_setting = "NORCE_RECEIVER"
[[routing]]
company = "se"
''')
    assert not problems, problems
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    context = Context(config=config, storage=storage)
    context.shop_key = key
    return context


def order_body() -> bytes:
    emu = NorceEmulator()
    order = emu.add_order(emu.make_order([("1000", 1, "159.20")]))
    return json.dumps(emu.order_request(order["basket"])).encode()


@pytest.fixture
def queued(monkeypatch):
    """Every envelope the receipt queues (and queues for real): the shared queue may hold other tests' messages."""
    from core.sync import receive

    seen: list[tuple[str, Envelope]] = []
    real = receive.enqueue

    def spy(storage, queue, envelope):
        seen.append((queue, envelope))
        return real(storage, queue, envelope)

    monkeypatch.setattr(receive, "enqueue", spy)
    return seen


def test_a_stored_push_is_ok_and_queued_as_an_order(ctx, queued):
    raw = order_body()
    reply = order_receiver.receive_order_request(ctx, ctx.shop_key, raw, basic(CREDENTIALS))
    answer = json.loads(reply.text)
    assert reply.status == 200 and answer["StatusCode"] == "OK" and answer["HasErpOrderNo"] is False
    basket = json.loads(raw)["ClientOrderRef"]
    record = ctx.synclog.get("orders", ctx.shop_key, basket)
    assert record.status is SyncStatus.RECEIVED
    [(queue, envelope)] = queued
    assert queue == names.ORDERS_IMPORT
    assert (envelope.shop, envelope.external_id, envelope.topic) == (ctx.shop_key, basket, "OrderRequest")
    stored, headers = ctx.inbox.load(record.payload_ref)
    assert stored == raw  # the raw body, byte for byte
    assert "authorization" not in {k.lower() for k in headers}  # the Basic credentials are never kept


def test_storage_trouble_is_failed_never_a_500(ctx, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("storage down")

    monkeypatch.setattr(order_receiver, "_accept", broken)
    reply = order_receiver.receive_order_request(ctx, ctx.shop_key, order_body(), basic(CREDENTIALS))
    assert reply.status == 200 and json.loads(reply.text)["StatusCode"] == "Failed"


def test_orders_off_too_large_and_unauthenticated(ctx, monkeypatch):
    off = order_receiver.receive_order_request(ctx, f"{ctx.shop_key}-off", order_body(), basic(CREDENTIALS))
    assert json.loads(off.text)["StatusCode"] == "Failed" and "orders flow" in json.loads(off.text)["Description"]
    monkeypatch.setenv("BRIDGE_MAX_WEBHOOK_BYTES", "100")
    big = order_receiver.receive_order_request(ctx, ctx.shop_key, order_body(), basic(CREDENTIALS))
    assert big.status == 413 and json.loads(big.text)["StatusCode"] == "Failed"
    monkeypatch.delenv("BRIDGE_MAX_WEBHOOK_BYTES")
    for headers in ({}, basic("norce:wrong"), basic("norce"), {"Authorization": "Basic !!!"},
                    {"Authorization": "Bearer " + CREDENTIALS}):
        assert order_receiver.receive_order_request(ctx, ctx.shop_key, order_body(), headers).status == 401
    assert order_receiver.receive_order_request(ctx, "nobody", order_body(), basic(CREDENTIALS)).status == 401
    monkeypatch.delenv("NORCE_RECEIVER")  # the setting named but not set: nobody gets in
    assert order_receiver.receive_order_request(ctx, ctx.shop_key, order_body(), basic(CREDENTIALS)).status == 401


def test_credentials_match_is_exact():
    assert receiver.credentials_match(basic("u:p"), "u:p")
    assert receiver.credentials_match({"authorization": basic("u:p")["Authorization"]}, "u:p")
    for given, expected in (("u:p", ""), ("u:p", "u"), ("u:p2", "u:p"), ("u:", "u:p")):
        assert not receiver.credentials_match(basic(given), expected)


def test_a_retried_push_is_one_delivery_and_a_changed_one_is_another(ctx, queued):
    raw = order_body()
    first = order_receiver.receive_order_request(ctx, ctx.shop_key, raw, basic(CREDENTIALS))
    again = order_receiver.receive_order_request(ctx, ctx.shop_key, raw, basic(CREDENTIALS))
    assert json.loads(first.text)["StatusCode"] == json.loads(again.text)["StatusCode"] == "OK"
    changed = json.loads(raw)
    changed["Items"][0]["Quantity"] = 2
    basket = changed["ClientOrderRef"]
    order_receiver.receive_order_request(ctx, ctx.shop_key, json.dumps(changed).encode(), basic(CREDENTIALS))
    assert [e.external_id for _, e in queued] == [basket, basket]  # the retry is dropped, the change is not
