"""Fixtures for the operations tests: the app's storage on Azurite, the triggers called as the host would."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import azure.functions as func
import pytest

from core.config import load_config
from core.state import Envelope, Inbox, Storage, SyncLog, SyncStatus, names
from core.sync.context import Context, set_context


@pytest.fixture(scope="session")
def app_storage(azurite) -> Storage:
    storage = Storage(connection_string=azurite.connection_string)
    storage.ensure_resources()
    return storage


@pytest.fixture
def ctx(app_storage, storage_connection):
    """The process context the triggers use (the example config; state in Azurite under the app's names)."""
    context = Context(config=load_config(), storage=app_storage)
    set_context(context)
    yield context
    set_context(None)


@pytest.fixture
def shop(unique_name, app_storage):
    """A shop key unique to the test: the app's tables and queues are shared, records are told apart by shop.

    Afterwards its records and queued messages are removed, so later tests (end-to-end ones waiting for
    the orders flow to settle) never see them."""
    key = f"shop-{unique_name}"
    yield key
    synclog = SyncLog(app_storage)
    for record in list(synclog.query(shop=key)):
        synclog.delete(record)
    for queue in [q for base in names.QUEUES for q in (base, names.poison_queue(base))]:
        client = app_storage.queue(queue)
        for message in list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=5)):
            if key in message.content:
                client.delete_message(message)
            else:
                client.update_message(message, visibility_timeout=0)


def call(builder, *args):
    """Run a decorated trigger function (a FunctionBuilder) the way the worker does."""
    return builder.build().get_user_function()(*args)


def http(builder, method: str = "GET", *, params: dict | None = None, body=None,
         route_params: dict | None = None) -> tuple[int, dict | str]:
    raw = b"" if body is None else json.dumps(body).encode()
    req = func.HttpRequest(method, "http://localhost/api/ops", params=params or {}, body=raw,
                           route_params=route_params or {}, headers={"content-type": "application/json"})
    response = call(builder, req)
    text = response.get_body().decode()
    try:
        return response.status_code, json.loads(text)
    except json.JSONDecodeError:
        return response.status_code, text


def received_order(ctx, shop: str, external_id: str, raw: bytes, flow: str = "orders") -> Envelope:
    """What webhook receipt leaves behind: the raw payload in the inbox and a received record."""
    ref = Inbox(ctx.storage).store(shop, raw, {"x-shopify-topic": "orders/paid", "authorization": "Bearer no"})
    envelope = Envelope(flow=flow, shop=shop, external_id=external_id, event_id=f"evt-{external_id}",
                        payload_ref=ref, topic="orders/paid")
    SyncLog(ctx.storage).record(flow, shop, external_id, SyncStatus.RECEIVED, payload_ref=ref,
                                event_id=envelope.event_id, topic=envelope.topic, message="Received; queued.")
    return envelope


def take_message(storage: Storage, queue: str, shop: str) -> tuple[str, str]:
    """Remove and return (id, content) of the message on `queue` for `shop`; others are left visible."""
    client = storage.queue(queue)
    messages = list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=5))
    found = None
    for message in messages:
        if found is None and shop in message.content:
            client.delete_message(message)
            found = message.id, message.content
        else:
            client.update_message(message, visibility_timeout=0)
    if found is None:
        raise AssertionError(f"no message for {shop} on {queue}")
    return found


@pytest.fixture
def payouts_queues(ctx):
    """The payouts queues start and end empty (replay-poison works on whole queues)."""
    for queue in (names.PAYOUTS_IMPORT, names.poison_queue(names.PAYOUTS_IMPORT)):
        ctx.storage.queue(queue).clear_messages()
    failed = SyncLog(ctx.storage).query(flow="payouts", status=SyncStatus.FAILED)
    for record in list(failed):
        SyncLog(ctx.storage).delete(record)
    yield
    for queue in (names.PAYOUTS_IMPORT, names.poison_queue(names.PAYOUTS_IMPORT)):
        ctx.storage.queue(queue).clear_messages()
    for record in list(SyncLog(ctx.storage).query(flow="payouts", shop="_unknown")):
        SyncLog(ctx.storage).delete(record)


# Headless Chromium, one per test session, for every page test (test_page.py, test_sign_in_browser.py).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; installed here on a fresh machine (playwright's own browser download is not used)."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package chromium (apt-get install -y chromium)")
    # one installer at a time: pytest-xdist workers (and parallel runs) would otherwise meet on dpkg's lock
    with open(Path(tempfile.gettempdir()) / "bc-commerce-bridge-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"], check=True,
                           env=env, capture_output=True)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
