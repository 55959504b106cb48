"""Shopify's customers listing for the customers reconcile, against the emulator over HTTP: customers changed in
a window, each as the customers/update webhook body the customers flow parses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NeedsAttention
from core.platforms.shopify import parse
from core.platforms.shopify.client import client_for
from tests.customers.samples import shopify_customer
from tests.platform_clients.conftest import SHOPIFY_SETTINGS, shopify, shopify_shop  # noqa: F401 - fixture

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_customers_changed_in_the_window_over_several_pages_in_the_webhook_shape(shopify):  # noqa: F811
    inside = []
    for minute in range(-3, 15):  # window [T0, T0+11min): 11 customers in it, the others before or after
        body = shopify_customer(9100 + minute + 3, email=f"c{minute + 3}@example.com",
                                updated_at=(T0 + timedelta(minutes=minute)).isoformat())
        shopify.add_customer(body)
        if 0 <= minute < 11:
            inside.append(body["id"])
    with client_for(shopify_shop(shopify.base_url), SHOPIFY_SETTINGS, page_size=4) as shop:
        listed = list(shop.customers_updated_between(T0, T0 + timedelta(minutes=11)))
    assert [c["id"] for c in listed] == inside  # oldest change first, each exactly once
    assert shopify.counters["customers"] == 3 and shopify.counters["rest"] == 11
    first = parse.parse_customer(listed[0], "shopify-se")
    assert (first.external_id, first.email, first.first_name) == ("9103", "c3@example.com", "Karin")
    assert parse.parse_customer_addresses(listed[0])[0].city == "Stockholm"


def test_the_listed_customer_is_the_webhook_body_and_a_deleted_one_is_passed_over(shopify):  # noqa: F811
    body = shopify_customer(9201, updated_at=T0.isoformat())
    shopify.add_customer(body)
    gone = shopify.add_customer(shopify_customer(9202, updated_at=T0.isoformat()))
    with client_for(shopify_shop(shopify.base_url), SHOPIFY_SETTINGS) as shop:
        listing = shop.customers_updated_between(T0, T0 + timedelta(minutes=1))
        first = next(listing)
        del shopify.data.customers[gone["id"]]  # deleted between the listing and its read
        rest = list(listing)
    assert rest == [] and first["id"] == 9201
    # field for field what customers/update sends (the emulator stores the REST body, times in shop offset)
    assert {k: v for k, v in first.items() if k not in ("updated_at", "created_at")} == \
        {k: v for k, v in body.items() if k not in ("updated_at", "created_at")}


def test_the_emulator_refuses_a_customers_search_it_does_not_know(shopify):  # noqa: F811
    with client_for(shopify_shop(shopify.base_url), SHOPIFY_SETTINGS) as shop, pytest.raises(NeedsAttention):
        shop.graphql("query($q: String!) { customers(first: 5, query: $q) { nodes { id } } }",
                     {"q": "tag:vip"}, operation="customers")
