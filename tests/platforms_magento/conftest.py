"""A Magento shop on the Magento emulator inside the local stack (Azurite, BC emulator, Functions host), and
signed Adobe I/O Events deliveries to it."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.magento_emulator import MagentoEmulator
from sandbox.stack import LocalStack

SHOP = "magento-se"
SINGLE = "magento-single"  # a single-source shop: no [shops.locations]
TOKEN = "magento-integration-token"  # noqa: S105 - the emulator's test token


def magento_shop(url: str, flows: str = '"orders", "refunds", "stock", "shipments", "products", "customers"') -> str:
    """The [[shops]] entry appended to the example config (the example's [[routing]] rules stay first)."""
    return f'''
[[shops]]
key = "{SHOP}"
platform = "magento"
url = "{url}"
webhook_secret_setting = "MAGENTO_IO_PUBLIC_KEY"
api_token_setting = "MAGENTO_TOKEN"
flows = [{flows}]
items = {{ "TEE-S-BLK" = "1000:S-BLK" }}

[shops.orders]
import_on = "paid"
customer_strategy = "match_email_then_create"
prefix = "MG-"

[shops.stock]
committed = "none"

[shops.locations]
"default" = ["MAIN", "WEB"]
"store1" = ["STORE1"]

[shops.shipments]
carriers = {{ "DHL" = "DHL", "POSTNORD" = "PostNord" }}

[shops.products]
item_filter = "number in ('2000', '3000', 'IPOD2008PINK')"
prices_include_tax = false

[[routing]]
shop = "{SHOP}"
company = "se"
'''


def single_source_shop(url: str) -> str:
    return f'''
[[shops]]
key = "{SINGLE}"
platform = "magento"
url = "{url}"
webhook_secret_setting = "MAGENTO_IO_PUBLIC_KEY"
api_token_setting = "MAGENTO_TOKEN"
flows = ["stock"]

[shops.stock]
committed = "none"

[[routing]]
shop = "{SINGLE}"
company = "se"
'''


class Signer:
    """Signs CloudEvents as Adobe I/O Events does (RSA-SHA256 over the raw body, two key slots)."""

    def __init__(self):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def event(self, name: str, value: dict) -> tuple[bytes, dict]:
        body = json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "urn:uuid:test",
                           "type": f"com.adobe.commerce.{name}", "datacontenttype": "application/json",
                           "event_id": str(uuid.uuid4()), "data": {"key": str(uuid.uuid4()), "value": value}}).encode()
        signature = base64.b64encode(self.private.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
        return body, {"content-type": "application/json", "x-adobe-digital-signature-1": signature,
                      "x-adobe-public-key1-path": "/prod/keys/pub-key-1.pem"}


@pytest.fixture(scope="module")
def signer():
    return Signer()


@pytest.fixture(scope="module")
def magento():
    emu = MagentoEmulator(access_token=TOKEN).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def single():
    """The single-source shop's own Magento (its source items never mix with the multi-source shop's)."""
    emu = MagentoEmulator(access_token=TOKEN).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(magento, single, signer):
    # a single-line app setting: the key's newlines as \n escapes (webhooks.public_keys accepts them)
    settings = {"MAGENTO_TOKEN": TOKEN, "MAGENTO_IO_PUBLIC_KEY": signer.public_pem.replace("\n", "\\n")}
    config = magento_shop(magento.base_url) + single_source_shop(single.base_url)
    with LocalStack(config_extra=config, settings=settings) as s:
        yield s
