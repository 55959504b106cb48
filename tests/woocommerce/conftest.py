"""The WooCommerce emulator over real HTTP, a shop config pointing at it, and a webhook receiver."""

from __future__ import annotations

import uuid

import pytest

from core.config import Shop, check_config
from core.state import Storage
from core.sync.context import Context
from sandbox.woo_emulator import WooEmulator
from tests.shop_emulators.conftest import Receiver

API = "/wp-json/wc/v3"
AUTH = ("ck_test", "cs_test")
WOO_SETTINGS = {"WOO_CREDENTIALS": "ck_test:cs_test"}


def woo_shop(url: str, flows: tuple[str, ...] = ("orders",)) -> Shop:
    return Shop(key="woo-se", platform="woocommerce", url=url, webhook_secret_setting="WOO_SECRET",
                api_token_setting="WOO_CREDENTIALS", flows=list(flows))


@pytest.fixture
def woo():
    emu = WooEmulator(consumer_key="ck_test", consumer_secret="cs_test").start()
    yield emu
    emu.stop()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def ctx(woo, storage_connection, monkeypatch):
    """A storage-backed context with one WooCommerce shop (orders flow) on the emulator; webhook secret "x"."""
    monkeypatch.setenv("WOO_CREDS", "ck_test:cs_test")
    monkeypatch.setenv("SECRET", "x")
    key = f"wc-{uuid.uuid4().hex[:8]}"
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
platform = "woocommerce"
url = "{woo.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "WOO_CREDS"
flows = ["orders"]
[[routing]]
company = "se"
''')
    assert not problems, problems
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    return Context(config=config, storage=storage)
