"""Magento (Adobe I/O Events RSA, Commerce webhooks) and Shopware (hex HMAC) signatures on raw bytes, and
the delivery identities."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.platforms import magento, shopware
from tests.conftest import corpus_file

# --- Magento / Adobe I/O Events --------------------------------------------------------------------


def key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, pem


@pytest.fixture(scope="module")
def keys():
    return key_pair(), key_pair()


def rsa_sign(private: rsa.RSAPrivateKey, data: bytes) -> str:
    return base64.b64encode(private.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def io_headers(raw: bytes, first: rsa.RSAPrivateKey, second: rsa.RSAPrivateKey) -> dict:
    return {"x-adobe-digital-signature-1": rsa_sign(first, raw), "x-adobe-digital-signature-2": rsa_sign(second, raw),
            "x-adobe-public-key1-path": "/prod/keys/pub-key-1.pem",
            "x-adobe-public-key2-path": "/prod/keys/pub-key-2.pem"}


def test_adobe_io_signature_on_the_raw_corpus_bytes(keys):
    (one, one_pem), (two, _) = keys
    raw = corpus_file("magento-order_event-1.json").read_bytes()
    assert magento.webhooks.verify(raw, io_headers(raw, one, two), one_pem) is True


def test_adobe_io_either_signature_is_enough_and_both_keys_may_be_configured(keys):
    (one, one_pem), (two, two_pem) = keys
    raw = b'{"id": "e-1"}'
    headers = io_headers(raw, one, two)
    assert magento.webhooks.verify(raw, headers, two_pem) is True  # only the second key configured
    assert magento.webhooks.verify(raw, {"X-Adobe-Digital-Signature-2": headers["x-adobe-digital-signature-2"]},
                                   one_pem + "\n" + two_pem) is True
    # a single-line app setting with \n escapes
    assert magento.webhooks.verify(raw, headers, one_pem.replace("\n", "\\n")) is True


@pytest.mark.parametrize("case", ["body-changed", "forged-key", "missing-headers", "garbage", "no-key", "bad-key"])
def test_adobe_io_forged_or_missing_signature(keys, case):
    (one, one_pem), (two, _) = keys
    forger, _ = key_pair() if case == "forged-key" else (one, None)
    raw = b'{"id": "e-1"}'
    headers = io_headers(raw, forger, forger)
    secret = one_pem
    if case == "body-changed":
        raw = b'{"id":"e-1"}'  # the same JSON, other bytes
    elif case == "missing-headers":
        headers = {}
    elif case == "garbage":
        headers = {"x-adobe-digital-signature-1": "not base64 ✓", "x-adobe-digital-signature-2": ""}
    elif case == "no-key":
        secret = ""
    elif case == "bad-key":
        secret = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"
    assert magento.webhooks.verify(raw, headers, secret) is False


def test_commerce_webhook_signature_is_over_the_base64_of_the_body(keys):
    (one, one_pem), _ = keys
    raw = b'{"eventName":"observer.sales_order_place_before","data":{"order":{}}}'
    good = {"x-adobe-commerce-webhook-signature": rsa_sign(one, base64.b64encode(raw))}
    assert magento.webhooks.verify(raw, good, one_pem) is True
    over_raw = {"x-adobe-commerce-webhook-signature": rsa_sign(one, raw)}
    assert magento.webhooks.verify(raw, over_raw, one_pem) is False
    delivery = magento.webhooks.describe(raw, good)
    assert (delivery.topic, delivery.flow, delivery.is_ping) == ("observer.sales_order_place_before", None, False)


def test_adobe_io_describe_uses_the_cloudevent_id_and_the_order_entity_id():
    raw = corpus_file("magento-order_event-1.json").read_bytes()
    delivery = magento.webhooks.describe(raw, {})
    assert delivery.topic == "com.adobe.commerce.observer.sales_order_save_commit_after"
    assert delivery.flow == "orders" and delivery.is_ping is False
    assert delivery.delivery_id == "80579197-e708-47bf-801c-7a82ec7d36c4"  # CloudEvent id, not event_id
    assert delivery.resource_id == "673"  # the body has no entity_id: the items' order_id names it


def test_adobe_io_creditmemo_refunds_unknown_topics_batches_and_challenge():
    memo = {"id": "c-1", "type": "com.adobe.commerce.observer.sales_order_creditmemo_save_commit_after",
            "data": {"value": {"entity_id": "55", "order_id": "673"}}}
    delivery = magento.webhooks.describe(json.dumps(memo).encode(), {})
    assert (delivery.flow, delivery.resource_id, delivery.delivery_id) == ("refunds", "55", "c-1")
    other = {"id": "p-1", "type": "com.adobe.commerce.observer.catalog_product_save_after", "data": {"value": {}}}
    assert magento.webhooks.describe(json.dumps(other).encode(), {}).flow is None
    assert magento.webhooks.describe(b"[]", {}).topic == "batch"
    assert magento.webhooks.describe(b'[{"id": "x"}]', {}).flow is None
    challenge = magento.webhooks.describe(b'{"challenge": "abc"}', {})
    assert challenge.is_ping is True and challenge.flow is None
    assert magento.webhooks.challenge_reply({"challenge": "abc123"}) == "abc123"
    assert magento.webhooks.challenge_reply({}) is None


def test_adobe_event_name_tolerates_an_environment_segment():
    assert magento.webhooks.event_name("com.adobe.commerce.env42.observer.sales_order_save_commit_after") == \
        "observer.sales_order_save_commit_after"


# --- Shopware ----------------------------------------------------------------------------------------

APP_SECRET = "app-secret-given-at-registration"
CORPUS_TIME = 123123123


def hex_sign(raw: bytes, secret: str = APP_SECRET) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_shopware_signature_on_the_raw_corpus_bytes():
    raw = corpus_file("shopware-product_written-1.json").read_bytes()
    headers = {"shopware-shop-signature": hex_sign(raw)}
    assert shopware.webhooks.verify(raw, headers, APP_SECRET, now=CORPUS_TIME + 60) is True
    assert shopware.webhooks.verify(raw, {"Shopware-Shop-Signature": hex_sign(raw).upper()}, APP_SECRET,
                                    now=CORPUS_TIME) is True


@pytest.mark.parametrize("raw_sent, headers, secret", [
    (b'{"timestamp":1}', {"shopware-shop-signature": hex_sign(b'{"timestamp": 1}')}, APP_SECRET),
    (b'{"timestamp": 1}', {"shopware-shop-signature": hex_sign(b'{"timestamp": 1}', "other")}, APP_SECRET),
    (b'{"timestamp": 1}', {}, APP_SECRET),
    (b'{"timestamp": 1}', {"shopware-shop-signature": base64.b64encode(b"x" * 32).decode()}, APP_SECRET),
    (b'{"timestamp": 1}', {"shopware-shop-signature": hex_sign(b'{"timestamp": 1}', "")}, ""),
], ids=["body-changed", "wrong-secret", "missing", "base64-not-hex", "empty-secret"])
def test_shopware_forged_or_missing_signature(raw_sent, headers, secret):
    assert shopware.webhooks.verify(raw_sent, headers, secret, now=1) is False


def test_shopware_stale_or_future_timestamp_is_a_replay():
    raw = corpus_file("shopware-product_written-1.json").read_bytes()
    headers = {"shopware-shop-signature": hex_sign(raw)}
    day = shopware.webhooks.REPLAY_WINDOW
    assert shopware.webhooks.verify(raw, headers, APP_SECRET, now=CORPUS_TIME + day) is True
    assert shopware.webhooks.verify(raw, headers, APP_SECRET, now=CORPUS_TIME + day + 1) is False
    assert shopware.webhooks.verify(raw, headers, APP_SECRET, now=CORPUS_TIME - day - 1) is False


def test_shopware_describe_written_event_uses_event_id_and_feeds_no_flow():
    raw = corpus_file("shopware-product_written-1.json").read_bytes()
    delivery = shopware.webhooks.describe(raw, {})
    assert (delivery.topic, delivery.resource_id, delivery.delivery_id, delivery.flow, delivery.is_ping) == (
        "product.written", "7b04ebe416db4ebc93de4d791325e1d9", "7b04ebe416db4ebc93de4d791325e1d9", None, False)


def test_shopware_order_placed_feeds_orders_with_the_order_id():
    body = {"data": {"event": "checkout.order.placed", "payload": {"order": {"id": "0a1b", "orderNumber": "1"}}},
            "source": {"url": "https://shop", "shopId": "s1", "eventId": "ev-7"}, "timestamp": 1700000000}
    delivery = shopware.webhooks.describe(json.dumps(body).encode(), {})
    assert (delivery.flow, delivery.resource_id, delivery.delivery_id) == ("orders", "0a1b", "ev-7")
    written = {"data": {"event": "order.written", "payload": [{"entity": "order", "primaryKey": "0a1b"}]},
               "source": {"shopId": "s1"}, "timestamp": 1700000001}
    delivery = shopware.webhooks.describe(json.dumps(written).encode(), {})
    # before 6.4.11 there is no eventId: event, order and timestamp identify the delivery; the ids-only
    # body feeds the orders flow, whose worker fetches the order (shopware.parse.load_order)
    raw = json.dumps(written).encode()
    assert (delivery.flow, delivery.resource_id, delivery.delivery_id) == (
        "orders", "0a1b", f"order.written:0a1b:{hashlib.sha256(raw).hexdigest()[:32]}")
