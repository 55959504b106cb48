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
