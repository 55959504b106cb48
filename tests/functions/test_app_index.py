"""The real function_app as the Functions host indexes it: names, triggers, routes, auth levels, queues,
schedules. `app.get_functions()` works once per app object, so the index is built once per test run."""

from __future__ import annotations

import json

import pytest

from core.state import names


@pytest.fixture(scope="session")
def index() -> dict[str, dict]:
    import function_app

    return {f.get_function_name(): json.loads(f.get_function_json()) for f in function_app.app.get_functions()}


def trigger(index, name) -> dict:
    return next(b for b in index[name]["bindings"] if b["direction"] == "IN" or b["type"].endswith("Trigger"))


def test_the_webhook_route_is_one_url_per_shop_authenticated_by_signature(index):
    binding = trigger(index, "receive_shop_webhook")
    assert binding["type"] == "httpTrigger" and binding["route"] == "webhooks/{shop}"
    assert sorted(m.upper() for m in binding["methods"]) == ["GET", "POST"]  # GET: registration challenges
    assert binding["authLevel"] == "ANONYMOUS"  # the HMAC over the raw body is the authentication


def test_every_flow_has_its_worker_or_timer(index):
    workers = {trigger(index, n)["queueName"]: n for n in index if trigger(index, n)["type"] == "queueTrigger"}
    for queue in names.QUEUES:
        assert queue in workers, f"nothing consumes {queue}"
    timers = {n for n in index if trigger(index, n)["type"] == "timerTrigger"}
    assert {"reconcile_orders", "export_shipments", "export_products", "prune_sync_log"} <= timers


def test_the_order_worker_and_the_reconcile_timer(index):
    worker = trigger(index, "import_order")
    assert worker["type"] == "queueTrigger" and worker["queueName"] == names.ORDERS_IMPORT
    assert worker["connection"] == names.STORAGE_SETTING
    timer = trigger(index, "reconcile_orders")
    assert timer["type"] == "timerTrigger" and timer["schedule"] == "0 */5 * * * *" and timer["useMonitor"] is True


def test_every_queue_the_app_listens_on_is_a_known_queue_and_every_poison_queue_is_drained(index):
    queues = {trigger(index, n)["queueName"] for n in index if trigger(index, n)["type"] == "queueTrigger"}
    known = set(names.QUEUES) | {names.poison_queue(q) for q in names.QUEUES}
    assert queues <= known
    assert {names.poison_queue(q) for q in names.QUEUES} <= queues


def test_only_signed_notification_endpoints_and_health_are_anonymous(index):
    http = {n: trigger(index, n) for n in index if trigger(index, n)["type"] == "httpTrigger"}
    anonymous = {n for n, b in http.items() if b["authLevel"] == "ANONYMOUS"}
    # shops and payment providers cannot send a function key: their signature over the raw body is the auth;
    # the signed-in admin routes require an Entra principal themselves (tests/operations/test_sign_in.py)
    signed_in = {n for n, b in http.items() if b["route"].startswith("cockpit/")}
    assert signed_in and all(n.startswith("signed_in_") for n in signed_in)
    # Norce's Order Receiver sends HTTP Basic credentials, checked in constant time (tests/platforms_norce)
    assert anonymous == {"receive_shop_webhook", "receive_payout_notification", "receive_norce_order", "health",
                         *signed_in}
    assert all(b["authLevel"] == "ADMIN" for b in http.values() if b["route"].startswith("ops/"))
