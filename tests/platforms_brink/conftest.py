"""The Brink emulator over HTTP and a Brink shop config pointing at it."""

from __future__ import annotations

import pytest

from core.config import Shop
from sandbox.brink_emulator import BrinkEmulator

API_KEY = "brink-test-key"
KEY_SETTINGS = {"BRINK_KEY": API_KEY}


def brink_shop(url: str = "https://api.test.brinkcommerce.com", *, api_key_setting: str = "BRINK_KEY") -> Shop:
    return Shop(key="brink-se", platform="brink", url=url, webhook_secret_setting="BRINK_SECRET",
                api_token_setting=api_key_setting, flows=["orders", "stock"])


@pytest.fixture
def brink():
    emu = BrinkEmulator(api_key=API_KEY).start()
    yield emu
    emu.stop()
