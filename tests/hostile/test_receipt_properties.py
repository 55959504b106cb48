"""The receipt contract as a property, for every platform: whatever arrives — signed or not, hostile body,
hostile headers — receive_webhook answers 200, 401 or 413 and never raises; a correctly signed body is always
answered 200 (kept, even when unusable). Storage is in memory here: the Azurite-backed behaviour is in
test_receipt.py; this is about the answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given
from hypothesis import strategies as st

from core.config import EXAMPLE_CONFIG, check_config
from core.platforms import PLATFORMS
from core.sync import receive
from core.sync.context import Context
from tests.hostile.strategies import corpus, mutated_bytes
from tests.hostile.test_properties import headers as hostile_headers

SECRET = "property-secret"
MAGENTO_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
MAGENTO_PEM = MAGENTO_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
SHOPS = "".join(f'''
[[shops]]
key = "prop-{name}"
platform = "{name}"
url = "https://{name}.example.com"
webhook_secret_setting = "PROP_{name.upper()}_SECRET"
flows = ["orders", "refunds", "customers"]
''' for name in PLATFORMS) + '\n[[routing]]\ncompany = "se"\n'


def signed(name: str, raw: bytes) -> dict[str, str]:
    """The headers the platform would send with `raw` (its documented signature scheme)."""
    mac = hmac.new(SECRET.encode(), raw, hashlib.sha256)
    if name in ("shopify", "woocommerce"):
        header = "X-Shopify-Hmac-Sha256" if name == "shopify" else "X-WC-Webhook-Signature"
        return {header: base64.b64encode(mac.digest()).decode(), "X-Shopify-Topic": "orders/create",
                "X-WC-Webhook-Topic": "order.created"}
    if name == "shopware":
        return {"shopware-shop-signature": mac.hexdigest()}
    if name == "centra":
        t = str(int(time.time()))
        v1 = hmac.new(SECRET.encode(), t.encode() + b"." + raw, hashlib.sha256).hexdigest()
        return {"X-Centra-Signature": f"t={t},v1={v1}"}
    if name == "magento":
        signature = MAGENTO_KEY.sign(raw, padding.PKCS1v15(), hashes.SHA256())
        return {"x-adobe-digital-signature-1": base64.b64encode(signature).decode()}
    return {"X-Webhook-Secret": SECRET}  # norce, brink, geins: a static secret header


class Memory:
    """Inbox, SyncLog and Deliveries in memory, with the methods receipt uses."""

    def __init__(self):
        self.blobs, self.records = {}, {}

    def store(self, shop, raw, headers=None, source="webhook"):
        ref = f"{shop}/{len(self.blobs)}"
        self.blobs[ref] = raw
        return ref

    def record(self, flow, shop, external_id, status, **fields):
        self.records[(flow, shop, external_id)] = (status, fields)

    def get(self, flow, shop, external_id):
        return None

    def note(self, *args):
        pass

    def seen(self, shop, delivery_id):
        return False

    def remember(self, *args):
        pass


@pytest.fixture(scope="module")
def ctx():
    config, problems = check_config(EXAMPLE_CONFIG.read_text() + SHOPS)
    assert problems == []
    context = Context(config=config, storage=None)
    memory = Memory()
    context.__dict__.update(inbox=memory, synclog=memory, deliveries=memory)  # the cached_property slots
    return context


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    for name in PLATFORMS:
        monkeypatch.setenv(f"PROP_{name.upper()}_SECRET", MAGENTO_PEM if name == "magento" else SECRET)
    monkeypatch.setattr(receive, "enqueue", lambda storage, queue, envelope: "message-id")


@pytest.mark.parametrize("name", sorted(PLATFORMS))
@given(data=st.data())
def test_every_request_gets_a_deliberate_answer_and_an_authentic_one_gets_200(ctx, name, data):
    raw = data.draw(mutated_bytes(corpus(name)))
    if name == "shopware" and data.draw(st.booleans()):  # a fresh timestamp, so the replay window passes
        raw = raw.replace(b'"timestamp":', b'"timestamp": ' + str(int(time.time())).encode() + b', "was":', 1)
    authentic = data.draw(st.booleans())
    given_headers = {**data.draw(hostile_headers), **(signed(name, raw) if authentic else {})}
    reply = receive.receive_webhook(ctx, f"prop-{name}", raw, given_headers)
    assert reply.status in (200, 401, 413)
    if not authentic:  # nothing unsigned is accepted, except a platform's documented URL check
        assert reply.status == 401 or reply.text == "pong", reply
    if authentic and name != "shopware":  # Shopware: a corpus body keeps its old timestamp → a replay, 401
        assert reply.status == 200, reply
    if authentic and name == "shopware" and b'"was":' in raw:
        assert reply.status == 200, reply


def test_the_signing_here_is_what_the_platforms_verify(ctx):
    """Without this, the property's "authentic" half could be testing 401s."""
    for name in PLATFORMS:
        raw = json.dumps(corpus(name)[0]).encode()
        secret = MAGENTO_PEM if name == "magento" else SECRET
        assert PLATFORMS[name].webhooks.verify(raw, signed(name, raw), secret) or name == "shopware", name
