"""The customers reconcile end to end: a customer changed in the shop emulator whose webhook never came →
reconcile_customers (the timer's body) → customers-import → sandbox Functions host → core.sync.customers → BC
emulator. The stack is the customers flow's own (tests/customers/test_customers_e2e.py): the host runs the
webhook and customers blueprints, timers off, so each test runs the reconcile itself with its own `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.platforms.shopify import client as shopify_client
from core.state import SyncStatus
from core.sync.context import get_context
from core.sync.customers import reconcile_customers
from tests.customers.samples import shopify_customer
from tests.customers.test_customers_e2e import customers, settled, stack  # noqa: F401 - the module's stack

SHOPIFY = "shopify-demo"


def test_a_customer_whose_webhook_never_came_reaches_bc_and_a_second_run_does_nothing(stack):  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0)
    stack.shopify.add_customer(shopify_customer(7301, email="missed.webhook@example.com", first="Maja",
                                                last="Holm", updated_at=(now - timedelta(minutes=3)).isoformat()))
    ctx = get_context()
    before = ctx.cursors.get("customers", SHOPIFY)

    assert reconcile_customers(ctx, now=now) == 1
    record = settled(stack, SHOPIFY, "7301")
    assert record.status is SyncStatus.SUCCESS, record.message
    [customer] = customers(stack, email="missed.webhook@example.com")
    assert customer["displayName"] == "Maja Holm" and record.bc_document == f"customers {customer['number']}"
    assert ctx.cursors.get("customers", SHOPIFY) == now and before != now
    # the next window overlaps the last (cursor minus 10 minutes) and sees the customer again: BC has it
    assert reconcile_customers(ctx, now=now + timedelta(minutes=1)) == 0
    assert len(customers(stack, email="missed.webhook@example.com")) == 1
    assert stack.synclog.get("customers", SHOPIFY, "7301").status is SyncStatus.SUCCESS


def test_a_customer_changed_after_import_is_queued_again_and_updated(stack):  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    body = shopify_customer(7302, email="moved@example.com", updated_at=(now - timedelta(minutes=4)).isoformat())
    assert stack.send_shopify("customers/create", body).status == 200
    assert settled(stack, SHOPIFY, "7302").status is SyncStatus.SUCCESS
    moved = {**body["default_address"], "city": "Göteborg", "zip": "411 01"}
    stack.shopify.add_customer({**body, "default_address": moved, "addresses": [moved],
                                "updated_at": (now - timedelta(minutes=1)).isoformat()})  # update not delivered

    assert reconcile_customers(get_context(), now=now) == 1
    record = settled(stack, SHOPIFY, "7302")
    assert record.status is SyncStatus.SUCCESS and "Updated BC customer" in record.message, record.message
    [customer] = customers(stack, email="moved@example.com")
    assert (customer["city"], customer["postalCode"]) == ("Göteborg", "411 01")


def test_the_cursor_stays_when_a_page_fails_and_the_next_run_finishes_the_window(stack, monkeypatch):  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    for number, minutes in ((7311, 3), (7312, 2)):
        stack.shopify.add_customer(shopify_customer(number, email=f"page{number}@example.com",
                                                    updated_at=(now - timedelta(minutes=minutes)).isoformat()))
    real = shopify_client.client_for

    def one_per_page_and_the_page_after_7311_refused(shop, *args, **options):
        client = real(shop, *args, page_size=1, **options)
        listing = client.graphql
        seen = []

        def graphql(query, variables=None, operation=""):
            if operation == "customers" and "7311" in seen:
                stack.shopify.fail_next(401)  # the token is revoked between two pages
            data = listing(query, variables, operation)
            seen.extend(n["legacyResourceId"] for n in (data.get("customers") or {}).get("nodes", []))
            return data

        client.graphql = graphql
        return client

    ctx = get_context()
    before = ctx.cursors.get("customers", SHOPIFY)
    monkeypatch.setattr(shopify_client, "client_for", one_per_page_and_the_page_after_7311_refused)
    assert reconcile_customers(ctx, now=now) == 0  # the shop's run failed: it counts nothing
    assert ctx.cursors.get("customers", SHOPIFY) == before  # not advanced: the next run reads the window again
    assert settled(stack, SHOPIFY, "7311").status is SyncStatus.SUCCESS  # the first page was queued already
    assert stack.synclog.get("customers", SHOPIFY, "7312") is None

    monkeypatch.setattr(shopify_client, "client_for", real)
    assert reconcile_customers(ctx, now=now) == 1  # 7311 is in BC in this form: only 7312 is new
    assert settled(stack, SHOPIFY, "7312").status is SyncStatus.SUCCESS
    assert ctx.cursors.get("customers", SHOPIFY) == now
    assert len(customers(stack, email="page7311@example.com")) == 1


def test_one_shop_failing_keeps_its_cursor_and_does_not_stop_the_next_shop(stack, monkeypatch):  # noqa: F811
    # WooCommerce offers no customers listing; a stand-in listing makes woo-demo a second shop to reconcile
    # (it comes after shopify-demo in the config, so a failure that stopped the loop would skip it)
    from core.platforms.woocommerce.client import WooClient
    from tests.customers.samples import woo_customer

    now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    body = woo_customer(7321, email="second.shop@example.com")
    monkeypatch.setattr(WooClient, "customers_updated_between", lambda self, since, until: iter([body]),
                        raising=False)
    ctx = get_context()
    shopify_before = ctx.cursors.get("customers", SHOPIFY)
    stack.shopify.fail_next(401)  # a revoked token: the Shopify shop's run fails on its first page

    assert reconcile_customers(ctx, now=now) == 1
    assert ctx.cursors.get("customers", SHOPIFY) == shopify_before
    assert ctx.cursors.get("customers", "woo-demo") == now
    record = settled(stack, "woo-demo", "7321")
    assert record.status is SyncStatus.SUCCESS, record.message
    assert len(customers(stack, email="second.shop@example.com")) == 1
