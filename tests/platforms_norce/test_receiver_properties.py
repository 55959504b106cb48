"""The Order Receiver's receipt as a property (the pattern of tests/hostile/test_receipt_properties.py): whatever
Norce — or anyone — POSTs, with whatever headers, `receive_order_request` answers 200, 401 or 413 and never
raises; with the right Basic credentials the answer is 200 and an OrderResponse, OK exactly when the body is an
OrderRequest that was stored and queued."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import EXAMPLE_CONFIG, check_config
from core.sync import order_receiver, receive
from core.sync.context import Context
from sandbox.norce_emulator import NorceEmulator
from tests.hostile.strategies import mutated_bytes
from tests.hostile.test_properties import headers as hostile_headers
from tests.hostile.test_receipt_properties import Memory

CREDENTIALS = "norce:property-pw"
SHOP = '''
[[shops]]
key = "prop-norce"
platform = "norce"
url = "https://demo.api-se.norce.tech"
webhook_secret_setting = "PROP_NORCE_SECRET"
flows = ["orders"]
[shops.norce]
order_receiver_setting = "PROP_NORCE_RECEIVER"
[[routing]]
shop = "prop-norce"
company = "se"
'''


def _seeds() -> list:
    emu = NorceEmulator()
    orders = [emu.add_order(emu.make_order([("1000", 2, "159.20", "15.92")])),
              emu.add_order(emu.make_order([("2000", 1, "71.20")], freight_as="fee"))]
    return [emu.order_request(o["basket"]) for o in orders]


SEEDS = _seeds()


@pytest.fixture(scope="module")
def ctx():
    config, problems = check_config(EXAMPLE_CONFIG.read_text() + SHOP)
    assert problems == []
    context = Context(config=config, storage=None)
    memory = Memory()
    context.__dict__.update(inbox=memory, synclog=memory, deliveries=memory)
    return context


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("PROP_NORCE_RECEIVER", CREDENTIALS)
    monkeypatch.setattr(receive, "enqueue", lambda storage, queue, envelope: "message-id")


def basic(value: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode()}


@settings(max_examples=120, deadline=timedelta(seconds=5))
@given(data=st.data())
def test_every_push_gets_a_deliberate_answer(ctx, data):
    raw = data.draw(mutated_bytes(SEEDS))
    authentic = data.draw(st.booleans())
    headers = {**data.draw(hostile_headers),
               **(basic(CREDENTIALS) if authentic else {"Authorization": data.draw(st.text(max_size=40))})}
    reply = order_receiver.receive_order_request(ctx, "prop-norce", raw, headers)
    assert reply.status in (200, 401, 413)
    if not authentic:
        assert reply.status == 401
        return
    assert reply.status == 200
    answer = json.loads(reply.text)
    assert answer["StatusCode"] in ("OK", "Failed") and answer["HasErpOrderNo"] is False
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # the receiver bounds depth itself; the test's own read must not fail
        body = None
    readable = (isinstance(body, dict) and isinstance(body.get("Items"), list)
                and str(body.get("ClientOrderRef") or "").strip() not in ("", "0"))
    if answer["StatusCode"] == "OK":
        assert readable  # OK only for an OrderRequest, and only once stored and queued


def test_the_unmutated_seeds_are_answered_ok(ctx):
    for seed in SEEDS:
        reply = order_receiver.receive_order_request(ctx, "prop-norce", json.dumps(seed).encode(), basic(CREDENTIALS))
        assert json.loads(reply.text)["StatusCode"] == "OK"
