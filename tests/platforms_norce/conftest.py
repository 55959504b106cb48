"""The Norce emulator and a local stack with one Norce shop (orders, stock, shipments) pointing at it."""

from __future__ import annotations

import pytest

from core.config import Shop
from core.platforms.norce.client import forget_tokens
from sandbox.norce_emulator import NorceEmulator

CLIENT_ID, CLIENT_SECRET = "bridge", "norce-test-secret"
RECEIVER_USER, RECEIVER_PASSWORD = "norce", "receiver-pw"
SETTINGS = {"NORCE_DEMO_API_CLIENT": f"{CLIENT_ID}:{CLIENT_SECRET}",
            "NORCE_DEMO_RECEIVER": f"{RECEIVER_USER}:{RECEIVER_PASSWORD}"}


def norce_toml(url: str, key: str = "norce-demo", flows: str = '["orders", "stock", "shipments"]') -> str:
    return f'''
[[shops]]
key = "{key}"
platform = "norce"
url = "{url}"
webhook_secret_setting = "NORCE_DEMO_WEBHOOK_SECRET"
api_token_setting = "NORCE_DEMO_API_CLIENT"
flows = {flows}

[shops.orders]
import_on = "paid"
customer_strategy = "default_customer"
prefix = "NC-"

[shops.locations]
"WH1/MAIN" = ["MAIN"]

[shops.norce]
application_id = "1234"
account_id = 7
scope = "stage"
order_receiver_setting = "NORCE_DEMO_RECEIVER"

[[routing]]
shop = "{key}"
company = "se"
'''


def norce_shop(url: str, **options) -> Shop:
    return Shop(key="norce-se", platform="norce", url=url, webhook_secret_setting="NORCE_SECRET",
                api_token_setting="NORCE_API", norce={"application_id": "1234", "account_id": 7, "scope": "stage"},
                **options)


@pytest.fixture
def norce():
    forget_tokens()
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7).start()
    yield emu
    emu.stop()
    forget_tokens()
