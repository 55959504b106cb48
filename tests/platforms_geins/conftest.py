"""The Geins emulator over real HTTP, a shop pointing at it, and a client with no real sleeping."""

from __future__ import annotations

import pytest

from core.config import Shop
from core.platforms.geins.client import GeinsClient
from sandbox.geins_emulator import GeinsEmulator

SETTING = "GEINS_TEST_API_CREDENTIALS"


def geins_shop(url: str, flows: tuple[str, ...] = ("orders",)) -> Shop:
    return Shop(key="geins-se", platform="geins", url=url, webhook_secret_setting="GEINS_SECRET",
                api_token_setting=SETTING, flows=list(flows))


def client_of(emu: GeinsEmulator, **options) -> GeinsClient:
    return GeinsClient(emu.base_url, emu.api_key, emu.user, emu.password, sleep=lambda _s: None, **options)


@pytest.fixture
def geins():
    emu = GeinsEmulator().start()
    yield emu
    emu.stop()
