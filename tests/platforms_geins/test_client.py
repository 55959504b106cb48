"""The Geins client against the emulator over real HTTP: fetch by id, credentials, retries, and the paged
changed-since listing (BatchId) that re-walks a batch the data moved under, so no order is skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.geins import client as geins_client
from sandbox.geins_emulator import GeinsEmulator
from tests.platforms_geins.conftest import SETTING, client_of, geins_shop

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_order_by_id_missing_and_not_an_id(geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    with client_of(geins) as api:
        fetched = api.order(order["Id"])
        assert fetched["Rows"][0]["ArticleNumber"] == "1000"
        assert fetched["PaymentDetails"] and fetched["ShippingDetails"] is not None  # the include was sent
        assert api.order(123) is None
        with pytest.raises(NeedsAttention) as bad:
            api.order("1; DROP")
        assert bad.value.code == "malformed_payload"


def test_wrong_credentials_need_attention_and_never_show_the_password(geins):
    api = geins_client.GeinsClient(geins.base_url, geins.api_key, geins.user, "wrong-pw-secret",
                                   credentials_setting=SETTING, sleep=lambda _s: None)
    with pytest.raises(NeedsAttention) as err:
        api.order(1)
    assert err.value.code == "shop_auth_failed" and SETTING in err.value.resolution
    assert "wrong-pw-secret" not in err.value.message + err.value.resolution
    assert geins.counters["unauthorized"] == 1


def test_server_errors_are_retried_then_reported_as_retryable(geins):
    order = geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    geins.fail_next(503, 2)
    assert client_of(geins).order(order["Id"])["Id"] == order["Id"]
    geins.fail_next(500, 3)
    with pytest.raises(Retryable):
        client_of(geins, max_attempts=3).order(order["Id"])


def test_client_for_reads_key_user_and_a_password_with_colons():
    shop = geins_shop("https://mgmtapi.geins.io")
    api = geins_client.client_for(shop, {SETTING: "k-1:bridge@example.com:pa:ss"})
    assert str(api._http.base_url) == "https://mgmtapi.geins.io/API/"
    assert api._http.headers["X-ApiKey"] == "k-1"
    assert geins_client.credentials("k:u:pa:ss") == ("k", "u", "pa:ss")
    for value in ("", "k", "k:u", "k::pw", ":u:pw"):
        with pytest.raises(NeedsAttention) as err:
            geins_client.client_for(shop, {SETTING: value})
        assert err.value.code == "missing_setting" and SETTING in err.value.message
        assert "pw" not in err.value.message


def add_orders(emu: GeinsEmulator, count: int, start: datetime = T0) -> list[dict]:
    return [emu.add_order(emu.make_order([("1000", 1, "199.00")], updated=start + timedelta(minutes=n)))
            for n in range(count)]


def test_the_listing_pages_with_the_batch_id_and_yields_each_order_in_the_window_once():
    with GeinsEmulator(page_size=2) as emu:
        orders = add_orders(emu, 5)
        add_orders(emu, 1, start=T0 - timedelta(hours=2))  # before the window
        add_orders(emu, 1, start=T0 + timedelta(hours=2))  # after it
        got = list(client_of(emu).orders_updated_between(T0, T0 + timedelta(minutes=30)))
        assert [o["Id"] for o in got] == [o["Id"] for o in orders]
        assert emu.counters["requests"] == 3  # pages 1–3 of one batch
        assert got[0]["PaymentDetails"] is not None  # the include travelled with the batch


def test_an_order_at_the_lower_bound_is_in_the_window():
    with GeinsEmulator() as emu:
        [order] = add_orders(emu, 1)
        assert [o["Id"] for o in client_of(emu).orders_updated_between(T0, T0 + timedelta(minutes=1))] \
            == [order["Id"]]


def test_an_order_that_leaves_the_listing_while_paging_makes_the_walk_repeat_so_none_is_skipped():
    with GeinsEmulator(page_size=2) as emu:
        orders = add_orders(emu, 6)
        moved = []

        def change_first_order(page: int) -> None:
            if not moved:  # once: order 1 changes (its UpdatedAt leaves the window), the pages shift by one
                moved.append(emu.touch_order(orders[0]["Id"], T0 + timedelta(hours=5)))

        emu.between_pages = change_first_order
        got = [o["Id"] for o in client_of(emu).orders_updated_between(T0, T0 + timedelta(minutes=30))]
        # a single walk would have skipped order 3 (page 2 became orders 4–5); the repeat finds it
        assert sorted(got) == sorted(o["Id"] for o in orders) and len(got) == len(set(got))
        assert orders[2]["Id"] in got


def test_a_listing_that_keeps_changing_is_retryable_so_the_cursor_stays():
    with GeinsEmulator(page_size=1) as emu:
        orders = add_orders(emu, 3)
        flips = iter(range(1000))

        def flip(page: int) -> None:  # order 2 leaves the window and comes back, between every two pages
            out = next(flips) % 2 == 0
            emu.touch_order(orders[1]["Id"], T0 + (timedelta(hours=5) if out else timedelta(minutes=1)))

        emu.between_pages = flip
        with pytest.raises(Retryable):
            list(client_of(emu).orders_updated_between(T0, T0 + timedelta(minutes=30)))
        assert emu.counters["requests"] >= 2 * geins_client.WALK_ATTEMPTS  # every walk read ≥ 2 pages


def test_a_listing_that_grows_past_the_pages_it_announced_is_walked_again():
    with GeinsEmulator(page_size=2) as emu:
        orders = add_orders(emu, 4)
        grown = []

        def grow(page: int) -> None:  # between pages, two more orders appear inside the window, once
            if not grown:
                grown.extend(add_orders(emu, 2, start=T0 + timedelta(minutes=10)))

        emu.between_pages = grow
        got = [o["Id"] for o in client_of(emu).orders_updated_between(T0, T0 + timedelta(minutes=30))]
        assert sorted(got) == sorted(o["Id"] for o in orders + grown) and len(got) == len(set(got))


def test_an_order_in_the_last_fraction_of_a_second_of_the_window_is_in_it():
    with GeinsEmulator() as emu:
        [order] = add_orders(emu, 1)  # updated at T0 (whole second)
        until = T0 + timedelta(microseconds=400_000)
        assert [o["Id"] for o in client_of(emu).orders_updated_between(T0 - timedelta(minutes=5), until)] \
            == [order["Id"]]
