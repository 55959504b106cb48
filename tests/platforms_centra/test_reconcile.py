"""The Centra orders reconcile on documented routes (contract 4.1): orders created in the window (createdAt
filter, its documented "Y-m-d H:i:s" form) and, when the integration listens to Order events, the Events
system's unconfirmed Order events, confirmed only after the caller took them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import NeedsAttention

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LINES = [("TEE-S", 1, "199.00")]


def test_the_listing_uses_the_documented_created_at_filter_with_a_time_zone_margin(client, centra):
    inside = [centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=m)))["number"] for m in (0, 9)]
    centra.add_order(centra.make_order(LINES, updated=T0 - timedelta(hours=3)))  # in the margin, not the window
    centra.add_order(centra.make_order(LINES, updated=T0 + timedelta(minutes=10)))  # `until` is exclusive
    listed = [n["number"] for n in client.orders_updated_between(T0, T0 + timedelta(minutes=10))]
    assert listed == inside
    [listing] = [q for q in centra.queries if "orders(" in q]
    assert 'createdAt: {from: "2026-02-28 22:00:00", to: "2026-03-02 02:10:00"}' in listing
    assert "updatedAt: {" not in listing and "sort:" not in listing


def test_the_emulator_refuses_an_updated_at_filter_and_iso_bounds_on_orders(client):
    fields = "...bridgeOrder } }" + __import__("core.platforms.centra.client", fromlist=["x"]).ORDER_FIELDS
    for where, refusal in (('{updatedAt: {from: "2026-03-01 00:00:00", to: "2026-03-02 00:00:00"}}',
                            "OrderFilter' not to include unknown field 'updatedAt'"),
                           ('{createdAt: {from: "2026-03-01T00:00:00+00:00", to: "2026-03-02T00:00:00+00:00"}}',
                            '"Y-m-d H:i:s" form')):
        with pytest.raises(NeedsAttention, match=refusal):
            client.graphql(f"query {{ orders(where: {where}, limit: 10, page: 1) {{ {fields}")


def test_without_order_listeners_no_event_is_read(client, centra):
    centra.add_order(centra.make_order(LINES, updated=T0))
    list(client.orders_updated_between(T0, T0 + timedelta(minutes=1)))
    assert centra.counters["eventListeners"] == 1 and centra.counters["events"] == 0


def test_order_events_bring_changes_to_older_orders_once_and_are_confirmed_after_use(client, centra):
    old = centra.add_order(centra.make_order(LINES, updated=T0 - timedelta(days=5)))
    centra.listeners.add("Order")
    new = centra.add_order(centra.make_order(LINES, updated=T0))  # CREATED event, and in the window
    centra.touch_order(old["number"], T0 + timedelta(minutes=1), status="CANCELLED")  # UPDATED event
    centra.touch_order(old["number"], T0 + timedelta(minutes=2))  # a second event for the same order

    listed = [n["number"] for n in client.orders_updated_between(T0, T0 + timedelta(minutes=10))]

    assert listed == [new["number"], old["number"]]  # each order once
    assert all(e["confirmed"] for e in centra.events)
    assert [q for q in centra.queries if q.startswith("mutation")] and centra.counters["confirmEvents"] == 1


def test_events_stay_queued_when_the_caller_fails_with_their_order(client, centra):
    centra.listeners.add("Order")
    old = centra.add_order(centra.make_order(LINES, updated=T0 - timedelta(days=5)))
    listing = client.orders_updated_between(T0, T0 + timedelta(minutes=10))
    assert next(listing)["number"] == old["number"]
    listing.close()  # the reconcile failed while storing this order
    assert not any(e["confirmed"] for e in centra.events)
    assert [n["number"] for n in client.orders_updated_between(T0, T0 + timedelta(minutes=10))] == [old["number"]]
    assert all(e["confirmed"] for e in centra.events)


def test_a_token_without_event_read_still_reconciles_new_orders(client, centra, monkeypatch):
    new = centra.add_order(centra.make_order(LINES, updated=T0))
    original = client.graphql

    def no_events(query, variables=None):
        if "eventListeners" in query:
            raise NeedsAttention("Centra answered 200: Permission denied: Event:read", resolution="x",
                                 code="shop_api_error")
        return original(query, variables)

    monkeypatch.setattr(client, "graphql", no_events)
    assert [n["number"] for n in client.orders_updated_between(T0, T0 + timedelta(minutes=1))] == [new["number"]]


def test_retry_after_as_a_point_in_time_is_waited_out_in_seconds(centra):
    from core.platforms.centra.client import CentraClient

    waits = []
    centra.fail_next(429, retry_after=3)  # the emulator sends the point in time 3 s ahead, as Centra does (C3)
    with CentraClient(centra.base_url, "centra-test-token", sleep=waits.append) as api:
        assert api.order(1) is None
    assert len(waits) == 1 and 0 <= waits[0] <= 4
