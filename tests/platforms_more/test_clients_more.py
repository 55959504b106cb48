"""The Magento and Shopware clients against their emulators over real HTTP: window paging, auth, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.config import Shop
from core.errors import NeedsAttention, Retryable
from core.platforms import magento, shopware
from sandbox.magento_emulator import MagentoEmulator
from sandbox.shopware_emulator import ShopwareEmulator

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MAGENTO_SETTINGS = {"MAGENTO_TOKEN": "integration-token"}
SHOPWARE_SETTINGS = {"SHOPWARE_CREDENTIALS": "SWIATESTCLIENT:test-secret"}


def magento_shop(url: str) -> Shop:
    return Shop(key="magento-se", platform="magento", url=url, webhook_secret_setting="MAGENTO_KEY",
                api_token_setting="MAGENTO_TOKEN")


def shopware_shop(url: str) -> Shop:
    return Shop(key="shopware-de", platform="shopware", url=url, webhook_secret_setting="SW_SECRET",
                api_token_setting="SHOPWARE_CREDENTIALS")


@pytest.fixture
def mage():
    emu = MagentoEmulator(access_token="integration-token").start()
    yield emu
    emu.stop()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sw(clock):
    emu = ShopwareEmulator(client_id="SWIATESTCLIENT", client_secret="test-secret", token_lifetime=600,
                           clock=clock).start()
    yield emu
    emu.stop()


# --- Magento -------------------------------------------------------------------------------------------


def test_magento_client_needs_a_token_and_a_wrong_one_is_refused(mage):
    with pytest.raises(NeedsAttention) as missing:
        magento.client.client_for(magento_shop(mage.base_url), {})
    assert missing.value.code == "missing_setting" and "MAGENTO_TOKEN" in missing.value.resolution
    with pytest.raises(NeedsAttention) as refused:
        list(magento.client.client_for(magento_shop(mage.base_url), {"MAGENTO_TOKEN": "wrong"})
             .orders_updated_between(T0, T0 + timedelta(hours=1)))
    assert refused.value.code == "shop_auth_failed" and "Magento_Sales::sales" in refused.value.message
    assert "standalone Bearer" in refused.value.resolution and "wrong" not in str(refused.value)


def test_magento_orders_in_the_window_over_several_pages(mage):
    expected = []
    for minute in range(-3, 30):  # window [T0, T0+25min)
        mage.add_order(mage.make_order(100 + minute, T0 + timedelta(minutes=minute)))
        if 0 <= minute < 25:
            expected.append(100 + minute)
    for n in range(14):  # more orders in one second than fit on a page
        mage.add_order(mage.make_order(500 + n, T0 + timedelta(minutes=10)))
        expected.append(500 + n)
    with magento.client.client_for(magento_shop(mage.base_url), MAGENTO_SETTINGS, page_size=10) as client:
        listed = [o["entity_id"] for o in client.orders_updated_between(T0, T0 + timedelta(minutes=25))]
    assert sorted(listed) == sorted(expected) and len(listed) == len(set(listed)) == 39
    queries = [r["query"] for r in mage.requests if r["path"] == "/rest/V1/orders"]
    assert all(q["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gteq" for q in queries)
    assert all(q["searchCriteria[sortOrders][0][field]"] == "updated_at" for q in queries)


def test_magento_page_beyond_the_end_is_not_read_twice(mage):
    for n in range(20):  # exactly two full pages: Magento would answer page 3 with page 2 again
        mage.add_order(mage.make_order(n + 1, T0 + timedelta(seconds=0)))
    with magento.client.client_for(magento_shop(mage.base_url), MAGENTO_SETTINGS, page_size=10) as client:
        listed = [o["entity_id"] for o in client.orders_updated_between(T0, T0 + timedelta(minutes=1))]
    assert sorted(listed) == list(range(1, 21))


def test_magento_an_order_changing_during_the_listing_does_not_hide_others(mage):
    for minute in range(30):
        mage.add_order(mage.make_order(minute + 1, T0 + timedelta(minutes=minute)))
    listed = []
    with magento.client.client_for(magento_shop(mage.base_url), MAGENTO_SETTINGS, page_size=10) as client:
        for order in client.orders_updated_between(T0, T0 + timedelta(hours=1)):
            listed.append(order["entity_id"])
            if len(listed) == 5:
                mage.touch_order(1, T0 + timedelta(hours=2))  # leaves the window: page numbers shift
    assert listed == list(range(1, 31))


def test_magento_order_lookup_retries_and_parses(mage):
    mage.add_order(mage.make_order(7, T0))
    sleeps = []
    with magento.client.client_for(magento_shop(mage.base_url), MAGENTO_SETTINGS, sleep=sleeps.append) as client:
        mage.fail_next(503, count=2, retry_after=0.25)
        order = client.order(7)
        assert client.order(8) is None
        mage.fail_next(503, count=5)
        with pytest.raises(Retryable):
            client.order(7)
    assert sleeps[:2] == [0.25, 0.25]
    parsed = magento.parse.parse_order(order, "magento-se")
    assert parsed.number == "000000007" and parsed.totals.total == magento.parse.money("56.25")


# --- Shopware ------------------------------------------------------------------------------------------


def test_shopware_client_needs_id_and_secret_and_wrong_ones_are_refused(sw):
    for settings in ({}, {"SHOPWARE_CREDENTIALS": "only-id"}):
        with pytest.raises(NeedsAttention) as missing:
            shopware.client.client_for(shopware_shop(sw.base_url), settings)
        assert missing.value.code == "missing_setting"
    with pytest.raises(NeedsAttention) as refused:
        wrong = {"SHOPWARE_CREDENTIALS": "SWIATESTCLIENT:nope"}
        shopware.client.client_for(shopware_shop(sw.base_url), wrong).order("x")
    assert refused.value.code == "shop_auth_failed" and "FRAMEWORK__INVALID_CLIENT" in refused.value.message
    assert "nope" not in str(refused.value)


def test_shopware_orders_updated_and_never_updated_in_the_window(sw):
    expected = []
    for minute in range(-3, 30):
        updated = sw.add_order(sw.make_order(T0 - timedelta(days=1), T0 + timedelta(minutes=minute)))
        created = sw.add_order(sw.make_order(T0 + timedelta(minutes=minute)))  # updatedAt null
        if 0 <= minute < 25:
            expected += [updated["id"], created["id"]]
    sw.add_order(sw.make_order(T0 + timedelta(minutes=5), T0 + timedelta(hours=3)))  # changed after the window
    for _ in range(12):  # a whole page at one instant
        expected.append(sw.add_order(sw.make_order(T0 - timedelta(days=2), T0 + timedelta(minutes=7)))["id"])
    with shopware.client.client_for(shopware_shop(sw.base_url), SHOPWARE_SETTINGS, page_size=10) as client:
        listed = [o["id"] for o in client.orders_updated_between(T0, T0 + timedelta(minutes=25))]
    assert sorted(listed) == sorted(expected) and len(listed) == len(set(listed)) == 62
    searches = [r["body"] for r in sw.requests if r["path"] == "/api/search/order"]
    assert all("lineItems" in s["associations"] and "currency" in s["associations"] for s in searches)
    assert sw.tokens_issued == 1  # one token for the whole listing


def test_shopware_token_is_renewed_when_it_expires_or_is_revoked(sw, clock):
    order = sw.add_order(sw.make_order(T0))
    with shopware.client.client_for(shopware_shop(sw.base_url), SHOPWARE_SETTINGS, clock=clock) as client:
        assert client.order(order["id"])["orderNumber"] == order["orderNumber"]
        clock.now += 580  # within 30 s of the 600 s lifetime: a fresh token before the call
        assert client.order(order["id"]) is not None
        sw.revoke_tokens()  # the shop forgot the token: one 401, a new token, the call again
        assert client.order(order["id"]) is not None
        assert client.order("missing") is None
    assert sw.tokens_issued == 3 and client.tokens_fetched == 3


def test_shopware_retries_and_order_parses(sw):
    order = sw.add_order(sw.make_order(T0, quantity=2))
    sleeps = []
    with shopware.client.client_for(shopware_shop(sw.base_url), SHOPWARE_SETTINGS, sleep=sleeps.append) as client:
        sw.fail_next(429, count=1, retry_after=1.5)
        fetched = client.order(order["id"])
    assert sleeps == [1.5]
    parsed = shopware.parse.parse_order(fetched, "shopware-de")
    assert parsed.totals.total == shopware.parse.money("238.0") and parsed.paid is True
