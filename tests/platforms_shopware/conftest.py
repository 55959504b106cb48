"""The Shopware emulator over real HTTP and a shop pointing at it."""

from __future__ import annotations

import pytest

from core.config import Shop
from sandbox.shopware_emulator import ShopwareEmulator

CLIENT_ID, SECRET = "SWIATESTCLIENT", "test-secret"
SETTINGS = {"SHOPWARE_CREDENTIALS": f"{CLIENT_ID}:{SECRET}"}


def shopware_shop(url: str, **extra) -> Shop:
    return Shop(key="shopware-de", platform="shopware", url=url, webhook_secret_setting="SW_SECRET",
                api_token_setting="SHOPWARE_CREDENTIALS", **extra)


@pytest.fixture
def sw():
    emu = ShopwareEmulator(client_id=CLIENT_ID, client_secret=SECRET).start()
    yield emu
    emu.stop()


@pytest.fixture
def client(sw):
    from core.platforms.shopware.client import client_for

    with client_for(shopware_shop(sw.base_url), SETTINGS, sleep=lambda _: None) as api:
        yield api
