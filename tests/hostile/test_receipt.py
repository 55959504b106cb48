"""Webhook receipt as an attacker meets it (core/sync/receive.py, functions/webhooks.py): uniform 401, 413 on
size, authentic-but-unusable bodies kept and flagged with 200, nothing unsigned parsed, nosniff everywhere,
WooCommerce's receipt policy. Against Azurite, with the example config plus a Shopware shop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import azure.functions as func
import pytest

from core.config import EXAMPLE_CONFIG, check_config
from core.platforms import shopify, woocommerce
from core.state import Inbox, Storage, SyncLog, SyncStatus
from core.sync.context import Context, set_context
from core.sync.receive import FLOW_QUEUES, RECEIPT_FLOW, Reply, receive_webhook
from functions import payouts as payout_functions
from functions import webhooks as webhook_functions
from tests.conftest import corpus_file

SHOPIFY_SECRET = "shopify-hostile-secret"
WOO_SECRET = "woo-hostile-secret"
SHOPWARE_SECRET = "shopware-hostile-secret"
# Shops of their own (not the demo shops): what these tests queue must not reach another test's worker.
HOSTILE_SHOPS = '''
[[shops]]
key = "hostile-shopify"
platform = "shopify"
url = "https://hostile.myshopify.com"
webhook_secret_setting = "HOSTILE_SHOPIFY_SECRET"
flows = ["orders"]

[[shops]]
key = "hostile-woo"
platform = "woocommerce"
url = "https://woo.example.com"
webhook_secret_setting = "HOSTILE_WOO_SECRET"
flows = ["orders"]

[[shops]]
key = "shopware-hostile"
platform = "shopware"
url = "https://shopware.example.com"
webhook_secret_setting = "SHOPWARE_HOSTILE_SECRET"
flows = ["orders"]

[[routing]]
company = "se"
'''


@pytest.fixture(scope="module")
def storage(azurite) -> Storage:
    storage = Storage(connection_string=azurite.connection_string)
    storage.ensure_resources()
    return storage


@pytest.fixture
def ctx(storage, monkeypatch):
    monkeypatch.setenv("HOSTILE_SHOPIFY_SECRET", SHOPIFY_SECRET)
    monkeypatch.setenv("HOSTILE_WOO_SECRET", WOO_SECRET)
    monkeypatch.setenv("SHOPWARE_HOSTILE_SECRET", SHOPWARE_SECRET)
    config, problems = check_config(EXAMPLE_CONFIG.read_text() + HOSTILE_SHOPS)
    assert problems == []
    context = Context(config=config, storage=storage)
    set_context(context)
    yield context
    set_context(None)
    for queue in FLOW_QUEUES.values():  # take what these tests queued off the shared queues
        client = storage.queue(queue)
        for message in list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=5)):
            if "hostile" in message.content:
                client.delete_message(message)
            else:
                client.update_message(message, visibility_timeout=0)


def shopify_signed(raw: bytes, topic: str = "orders/create", event: str = "evt-1") -> dict[str, str]:
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    return {"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": topic, "X-Shopify-Event-Id": event}


def woo_signed(raw: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(WOO_SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    return {"X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": "order.created"}


def kept(ctx, shop: str, raw: bytes):
    """The needs-attention record of an unusable body, checked to point at exactly these bytes."""
    key = f"body:{hashlib.sha256(raw).hexdigest()[:32]}"
    record = SyncLog(ctx.storage).get(RECEIPT_FLOW, shop, key)
    assert record is not None and record.status is SyncStatus.NEEDS_ATTENTION and record.resolution
    assert Inbox(ctx.storage).load(record.payload_ref)[0] == raw
    return record


# ---------------------------------------------------------------------------------------------- 401 / 413

def test_unknown_shop_and_bad_signature_get_the_same_answer_and_the_log_tells_which(ctx, caplog):
    caplog.set_level(logging.WARNING, logger="core.sync.receive")
    raw = b'{"id": 1}'
    unknown = receive_webhook(ctx, "no-such-shop", raw, shopify_signed(raw))
    forged = receive_webhook(ctx, "hostile-shopify", raw, {**shopify_signed(raw), "X-Shopify-Hmac-Sha256": "AAAA"})
    assert (unknown.status, unknown.text) == (forged.status, forged.text) == (401, "invalid signature")
    messages = [r.getMessage() for r in caplog.records]
    assert any("no shop 'no-such-shop'" in m for m in messages)
    assert any("shop=hostile-shopify" in m and "signature missing or invalid" in m for m in messages)


def test_an_unsigned_body_is_never_described(ctx, monkeypatch):
    described = []
    monkeypatch.setattr(shopify.webhooks, "describe", lambda raw, headers: described.append(raw))
    assert receive_webhook(ctx, "hostile-shopify", b"[" * 200_000, {"X-Shopify-Topic": "orders/create"}).status == 401
    assert described == []


def test_a_body_over_the_limit_is_413_before_the_signature_or_the_shop_is_looked_at(ctx, monkeypatch):
    monkeypatch.setenv("BRIDGE_MAX_WEBHOOK_BYTES", "1024")
    big = b"x" * 1025
    assert receive_webhook(ctx, "no-such-shop", big, {}).status == 413
    assert receive_webhook(ctx, "hostile-shopify", big, shopify_signed(big)).status == 413

    class Unread(func.HttpRequest):
        def get_body(self):
            raise AssertionError("the body was read")

    req = Unread("POST", "http://localhost/api/webhooks/hostile-shopify", body=b"",
                 route_params={"shop": "hostile-shopify"}, headers={"Content-Length": str(100 * 1024 * 1024)})
    response = webhook_functions.receive_shop_webhook.build().get_user_function()(req)
    assert response.status_code == 413 and response.headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------------------ authentic but unusable

@pytest.mark.parametrize("body", [
    b'{"id": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}",  # crashed describe() with RecursionError
    b'{"id": 820982911946154508, "total_price": 1e309}',  # a price no BC document can hold
    b'{"id": "' + b"7" * 5000 + b'"}',  # an id no record key can hold
])
def test_a_signed_but_unusable_shopify_body_is_kept_flagged_and_acknowledged(ctx, body):
    reply = receive_webhook(ctx, "hostile-shopify", body, shopify_signed(body))
    assert reply.status == 200
    record = kept(ctx, "hostile-shopify", body)
    assert record.code in ("malformed_payload", "unusable_identity")


def test_a_signed_shopware_body_with_a_400_digit_timestamp_is_kept_not_a_500(ctx):
    raw = b'{"data": {"event": "checkout.order.placed", "payload": {"order": {"id": "a1"}}}, "timestamp": ' \
          + b"9" * 400 + b"}"
    signature = hmac.new(SHOPWARE_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    reply = receive_webhook(ctx, "shopware-hostile", raw, {"shopware-shop-signature": signature})
    assert reply.status == 200
    assert kept(ctx, "shopware-hostile", raw).code == "malformed_payload"


def test_a_describe_bug_still_keeps_the_authentic_body(ctx, monkeypatch):
    monkeypatch.setattr(shopify.webhooks, "describe", lambda raw, headers: {}["boom"])
    raw = b'{"id": 4242}'
    assert receive_webhook(ctx, "hostile-shopify", raw, shopify_signed(raw)).status == 200
    assert kept(ctx, "hostile-shopify", raw).code == "unreadable_webhook"


def test_an_ordinary_signed_order_is_still_queued(ctx):
    raw = corpus_file("shopify-order-6.json").read_bytes()
    order = json.loads(raw)["order"]
    raw = json.dumps(order).encode()
    reply = receive_webhook(ctx, "hostile-shopify", raw, shopify_signed(raw, event=f"evt-{order['id']}-hostile"))
    assert (reply.status, reply.text) in ((200, "queued"), (200, "duplicate"))


def test_a_signed_body_with_non_ascii_delivery_headers_is_stored(ctx):
    """Headers are not signed: a replayed body with a crafted header must not make the payload unstorable."""
    raw = b'{"id": 777001}'
    headers = {**shopify_signed(raw, event="evt-\u2603-777001"), "X-Shopify-Shop-Domain": "x\u00e9\u2603.example"}
    assert receive_webhook(ctx, "hostile-shopify", raw, headers) == Reply(200, "queued")
    record = SyncLog(ctx.storage).get("orders", "hostile-shopify", "777001")
    assert Inbox(ctx.storage).load(record.payload_ref)[0] == raw


# --------------------------------------------------------------------------------- WooCommerce policy

@pytest.fixture
def woo_disables_webhooks(monkeypatch):
    """The WooCommerce engineer's flag (a stand-in until their change is merged)."""
    monkeypatch.setattr(woocommerce.webhooks, "RECEIPT_FAILURES_DISABLE_WEBHOOK", True, raising=False)


def test_woo_missing_secret_is_answered_200_kept_unverified_and_flagged(ctx, monkeypatch, woo_disables_webhooks):
    monkeypatch.delenv("HOSTILE_WOO_SECRET")
    raw = b'{"id": 991, "date_modified_gmt": "2026-12-01T10:00:00"}'
    reply = receive_webhook(ctx, "hostile-woo", raw, woo_signed(raw))
    assert reply.status == 200
    record = kept(ctx, "hostile-woo", raw)
    assert record.code == "webhook_secret_missing" and "HOSTILE_WOO_SECRET" in record.resolution
    assert record.flow == RECEIPT_FLOW  # no queue: Retry cannot import an unverified body


def test_woo_storage_failure_is_answered_200_with_an_alarm(ctx, monkeypatch, caplog, woo_disables_webhooks):
    def broken_store(*args, **kwargs):
        raise OSError("storage unreachable")

    monkeypatch.setattr(Inbox, "store", broken_store)
    raw = b'{"id": 992, "date_modified_gmt": "2026-12-01T10:00:00"}'
    assert receive_webhook(ctx, "hostile-woo", raw, woo_signed(raw)).status == 200
    assert any("ALARM" in r.getMessage() for r in caplog.records)


def test_woo_bad_signature_is_still_401(ctx, woo_disables_webhooks):
    raw = b'{"id": 993}'
    assert receive_webhook(ctx, "hostile-woo", raw, {**woo_signed(raw), "X-WC-Webhook-Signature": "AAAA"}).status == 401


def test_a_storage_outage_is_503_for_shops_that_retry_never_a_500(ctx, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("table service unreachable")

    monkeypatch.setattr(SyncLog, "get", unreachable)
    monkeypatch.setattr(SyncLog, "record", unreachable)
    raw = b'{"id": 995}'
    assert receive_webhook(ctx, "hostile-shopify", raw, shopify_signed(raw, event="evt-995")).status == 503


def test_without_the_flag_a_missing_secret_is_503_so_the_shop_retries(ctx, monkeypatch):
    monkeypatch.delenv("HOSTILE_SHOPIFY_SECRET")
    raw = b'{"id": 994}'
    assert receive_webhook(ctx, "hostile-shopify", raw, shopify_signed(raw)).status == 503


# ------------------------------------------------------------------------------------------- headers

def test_every_webhook_and_payout_answer_says_nosniff(ctx):
    trigger = webhook_functions.receive_shop_webhook.build().get_user_function()
    for method, shop, params in (("GET", "hostile-shopify", {"challenge": "<script>"}), ("POST", "nope", {})):
        req = func.HttpRequest(method, f"http://localhost/api/webhooks/{shop}", body=b"{}", params=params,
                               route_params={"shop": shop}, headers={})
        assert trigger(req).headers["X-Content-Type-Options"] == "nosniff"
    payout = payout_functions.receive_payout_notification.build().get_user_function()
    req = func.HttpRequest("POST", "http://localhost/api/payouts/nope", body=b"{}", route_params={"source": "nope"},
                           headers={})
    response = payout(req)
    assert response.status_code == 401 and response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_broken_config_or_storage_is_a_503_the_sender_retries_not_a_500(monkeypatch):
    def broken():
        raise RuntimeError("the integration config cannot be loaded")

    monkeypatch.setattr(webhook_functions, "get_context", broken)
    monkeypatch.setattr(payout_functions, "get_context", broken)
    req = func.HttpRequest("POST", "http://localhost/api/webhooks/x", body=b"{}", route_params={"shop": "x",
                                                                                                  "source": "x"})
    for trigger in (webhook_functions.receive_shop_webhook, payout_functions.receive_payout_notification):
        response = trigger.build().get_user_function()(req)
        assert response.status_code == 503 and response.headers["X-Content-Type-Options"] == "nosniff"
