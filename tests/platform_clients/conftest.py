"""Emulators over real HTTP and shop configs pointing at them."""

from __future__ import annotations

import pytest

from core.config import Shop
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator

SHOPIFY_SETTINGS = {"SHOPIFY_TOKEN": "shpat_test"}
WOO_SETTINGS = {"WOO_CREDENTIALS": "ck_test:cs_test"}


def shopify_shop(url: str) -> Shop:
    return Shop(key="shopify-se", platform="shopify", url=url, webhook_secret_setting="SHOPIFY_SECRET",
                api_token_setting="SHOPIFY_TOKEN")


def woo_shop(url: str) -> Shop:
    return Shop(key="woo-se", platform="woocommerce", url=url, webhook_secret_setting="WOO_SECRET",
                api_token_setting="WOO_CREDENTIALS")


@pytest.fixture
def shopify():
    emu = ShopifyEmulator(shop_domain="bridge-demo.myshopify.com", access_token="shpat_test").start()
    yield emu
    emu.stop()


@pytest.fixture
def woo():
    emu = WooEmulator(consumer_key="ck_test", consumer_secret="cs_test").start()
    yield emu
    emu.stop()
