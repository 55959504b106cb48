"""The customers listings of the other platforms, against their emulators over HTTP: customers changed in a
window, each in the shape the customers flow parses (core/sync/customers.reconcile_customers reads them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.platforms.magento import parse as magento_parse
from core.platforms.magento.client import MagentoClient
from sandbox.magento_emulator import MagentoEmulator

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def magento():
    emu = MagentoEmulator(access_token="tok").start()
    yield emu
    emu.stop()


def test_magento_customers_updated_in_the_window_over_pages_and_one_second(magento):
    inside = []
    for n, minute in enumerate([-2, 0, 0, 0, 3, 7, 11, 12]):  # window [T0, T0+11min); three share T0
        customer = magento.add_customer(f"m{n}@example.com", firstname=f"M{n}", lastname="Berg")
        magento.touch_customer(customer["id"], T0 + timedelta(minutes=minute))
        if 0 <= minute < 11:
            inside.append(customer["id"])
    client = MagentoClient(magento.base_url, "tok", sleep=lambda _: None, page_size=2)
    try:
        listed = list(client.customers_updated_between(T0, T0 + timedelta(minutes=11)))
    finally:
        client.close()
    assert [c["id"] for c in listed] == inside  # oldest change first, each once, even across a full second
    first = magento_parse.parse_customer(listed[0], "magento-se")
    assert (first.external_id, first.email, first.first_name) == (str(inside[0]), "m1@example.com", "M1")
    assert magento_parse.customer_updated_at(listed[0]) == T0


def test_shopware_customers_changed_or_created_in_the_window_with_their_addresses():
    from core.platforms.shopware import parse as shopware_parse
    from core.platforms.shopware.client import client_for
    from sandbox.shopware_emulator import ShopwareEmulator
    from sandbox.shopware_emulator.emulator import iso
    from tests.platforms_shopware.conftest import CLIENT_ID, SECRET, SETTINGS, shopware_shop

    sw = ShopwareEmulator(client_id=CLIENT_ID, client_secret=SECRET).start()
    try:
        expected = []
        # (createdAt, updatedAt) in minutes from T0; window [T0, T0+10min). Never changed = updatedAt null.
        for n, (created, updated) in enumerate([(-60, 2), (-60, -5), (1, None), (4, None), (-60, 12), (5, 6),
                                                (-60, 2), (-60, 3)]):
            customer = sw.make_customer(f"s{n}@example.com")
            customer.update(createdAt=iso(T0 + timedelta(minutes=created)),
                            updatedAt=None if updated is None else iso(T0 + timedelta(minutes=updated)))
            sw.add_customer(customer)
            changed = updated if updated is not None else created
            if 0 <= changed < 10:
                expected.append((updated is None, changed, n, customer["id"]))
        with client_for(shopware_shop(sw.base_url), SETTINGS, sleep=lambda _: None, page_size=2) as api:
            listed = list(api.customers_updated_between(T0, T0 + timedelta(minutes=10)))
    finally:
        sw.stop()
    # changed ones first (by updatedAt), then the never-changed ones created in the window (by createdAt)
    # (sorted by the time, then id, as the client asks: ties at one instant come in id order)
    assert [c["id"] for c in listed] == [e[-1] for e in sorted(expected, key=lambda e: (e[0], e[1], e[-1]))]
    first = next(c for c in listed if c["email"] == "s0@example.com")
    assert shopware_parse.parse_customer(first, "shopware-de").email == "s0@example.com"
    assert shopware_parse.parse_customer_addresses(first)[0].city == "Berlin"  # addresses came with it


def test_geins_users_updated_since_over_batched_pages_and_a_misspelt_filter_refused():
    import httpx

    from core.platforms.geins import parse as geins_parse
    from sandbox.geins_emulator import GeinsEmulator
    from tests.platforms_geins.conftest import client_of

    emu = GeinsEmulator(page_size=2).start()
    try:
        expected = []
        for n, minute in enumerate([-3, 0, 1, 2, 5, 30]):  # UpdatedAfter only: everything from T0 on comes
            user = emu.add_user(f"g{n}@example.com", updated=T0 + timedelta(minutes=minute))
            if minute >= 0:
                expected.append(user["UserId"])
        emu.add_user("inactive@example.com", updated=T0 + timedelta(minutes=3), Active=False)
        client = client_of(emu)
        try:
            listed = list(client.customers_updated_between(T0, T0 + timedelta(minutes=10)))
        finally:
            client.close()
        # the emulator refuses a field UserProfileQuery does not have (UpdatedBefore is an order filter only)
        refused = httpx.post(f"{emu.api_url}/User/Query/1", json={"UpdatedBefore": "2026-03-01T12:00:00Z"},
                             headers={"X-ApiKey": emu.api_key}, auth=(emu.user, emu.password))
    finally:
        emu.stop()
    assert [u["UserId"] for u in listed] == expected and "AvailableMarkets" not in listed[0]
    customer = geins_parse.parse_customer(listed[0], "geins-se")
    assert (customer.external_id, customer.email) == (str(expected[0]), "g1@example.com")
    assert refused.status_code == 400 and refused.json()["Details"] == ["UpdatedBefore"]
