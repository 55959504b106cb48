"""The WooCommerce emulator over real HTTP, a shop config pointing at it, and a webhook receiver."""

from __future__ import annotations

import pytest

from core.config import Shop
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
