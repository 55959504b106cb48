"""core/state against real Azurite: claims, the sync log, cursors, the inbox and the queue envelope."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.queue import QueueClient

from core.state import AlreadyClaimed, Bindings, Cursors, Deliveries, Envelope, Inbox, Storage, SyncLog, SyncStatus
from core.state import enqueue as enqueue_envelope


@pytest.fixture
def storage(storage_connection, unique_name):
    storage = Storage(connection_string=storage_connection)
    for table in ("B", "L", "C", "D"):
        storage.tables.create_table_if_not_exists(unique_name + table)
    storage.blobs.create_container(unique_name)
    storage.queues.create_queue(unique_name)
    return storage


def test_concurrent_claims_of_one_binding_have_exactly_one_winner(storage, unique_name):
    bindings = Bindings(storage, unique_name + "B")
    barrier = threading.Barrier(10)
    winners, losers, errors = [], [], []

    def claim(worker: int):
        barrier.wait()
        try:
            winners.append(bindings.claim("order", "shop-a", "gid://shopify/Order/42", f"w{worker}",
                                          lease=timedelta(minutes=5)))
        except AlreadyClaimed as exc:
            losers.append(exc.binding)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(winners) == 1 and len(losers) == 9
    assert {b.owner for b in losers} == {winners[0].owner}


def test_an_expired_claim_is_taken_over_by_exactly_one_worker_and_a_live_one_is_not(storage, unique_name):
    bindings = Bindings(storage, unique_name + "B")
    dead = bindings.claim("order", "s", "1", "dead-worker", lease=timedelta(seconds=-1))
    assert dead.lease_expired()
    taken = bindings.claim("order", "s", "1", "new-worker", lease=timedelta(minutes=5))
    assert taken.owner == "new-worker" and taken.data["taken_over_from"] == "dead-worker"
    with pytest.raises(AlreadyClaimed) as exc:
        bindings.claim("order", "s", "1", "third", lease=timedelta(minutes=5))
    assert exc.value.binding.owner == "new-worker"


def test_bind_records_the_bc_document_and_a_bound_binding_is_never_taken_over(storage, unique_name):
    bindings = Bindings(storage, unique_name + "B")
    claim = bindings.claim("order", "s", "7", "w1", lease=timedelta(seconds=30))
    bindings.bind(claim, bc_company="se", bc_entity="salesOrders", bc_id="guid-1", bc_number="101001")
    stored = bindings.get("order", "s", "7")
    assert stored.is_bound and stored.bc_number == "101001" and stored.lease_until is None
    with pytest.raises(AlreadyClaimed) as exc:
        bindings.claim("order", "s", "7", "w2", lease=timedelta(seconds=30))
    assert exc.value.binding.is_bound


def test_binding_update_with_a_stale_etag_is_refused(storage, unique_name):
    from azure.core.exceptions import ResourceModifiedError

    bindings = Bindings(storage, unique_name + "B")
    first = bindings.claim("order", "s", "8", "w1", lease=timedelta(minutes=1))
    stale = bindings.get("order", "s", "8")
    bindings.bind(first, bc_company="se", bc_entity="salesOrders", bc_id="x", bc_number="1")
    with pytest.raises(ResourceModifiedError):
        bindings.update(stale)


def test_sync_log_keeps_status_resolution_attempts_and_history(storage, unique_name):
    log = SyncLog(storage, unique_name + "L")
    log.record("orders", "shop-a", "1001", SyncStatus.RECEIVED, payload_ref="shop-a/x.json", event_id="e1")
    log.record("orders", "shop-a", "1001", SyncStatus.NEEDS_ATTENTION, attempt=True, code="unknown_sku",
               message="SKU ABC is not an item in BC", resolution="Create item ABC in BC or map it")
    log.record("orders", "shop-a", "1002", SyncStatus.SUCCESS, attempt=True, bc_document="salesOrders 101001")
    record = log.get("orders", "shop-a", "1001")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.attempts == 1
    assert record.payload_ref == "shop-a/x.json" and record.event_id == "e1"
    assert record.resolution.startswith("Create item ABC")
    assert [h["status"] for h in record.history] == ["received", "needs_attention"]
    attention = list(log.query(flow="orders", status=SyncStatus.NEEDS_ATTENTION))
    assert [r.external_id for r in attention] == ["1001"]
    assert {r.external_id for r in log.query(shop="shop-a")} == {"1001", "1002"}


def test_cursor_window_overlaps_and_advances_only_when_told(storage, unique_name):
    cursors = Cursors(storage, unique_name + "C")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    t1 = datetime(2026, 11, 2, tzinfo=UTC)
    first = cursors.window("orders", "s", start=start, overlap=timedelta(minutes=10), now=t1)
    assert first.since == start and first.until == t1
    # a failed run does not advance: the next window is the same
    again = cursors.window("orders", "s", start=start, overlap=timedelta(minutes=10), now=t1 + timedelta(hours=1))
    assert again.since == start
    cursors.advance("orders", "s", again)
    nxt = cursors.window("orders", "s", start=start, overlap=timedelta(minutes=10), now=t1 + timedelta(hours=2))
    assert nxt.since == t1 + timedelta(hours=1) - timedelta(minutes=10)
    # an older window finishing late never moves the cursor back
    cursors.advance("orders", "s", first)
    assert cursors.get("orders", "s") == t1 + timedelta(hours=1)


def test_inbox_keeps_raw_bytes_and_useful_headers_only(storage, unique_name):
    inbox = Inbox(storage, unique_name)
    raw = b'{"id": 1, "note": "caf\xc3\xa9"}  '
    ref = inbox.store("shop-a", raw, {"X-Shopify-Topic": "orders/paid", "X-Shopify-Hmac-Sha256": "sig",
                                      "Authorization": "Bearer t"})
    body, headers = inbox.load(ref)
    assert body == raw
    assert headers == {"x-shopify-topic": "orders/paid"}


def test_deliveries_remember_each_identity_once(storage, unique_name):
    deliveries = Deliveries(storage, unique_name + "D")
    assert not deliveries.seen("s", "evt/1")
    assert deliveries.remember("s", "evt/1", "ref")
    assert not deliveries.remember("s", "evt/1", "ref")
    assert deliveries.seen("s", "evt/1")


def test_enqueue_writes_base64_like_the_functions_host_expects(storage, unique_name):
    envelope = Envelope(flow="orders", shop="s", external_id="1", event_id="e", payload_ref="s/1.json")
    enqueue_envelope(storage, unique_name, envelope)
    raw_client = QueueClient.from_connection_string(storage.connection_string, unique_name)  # no decode policy
    wire = raw_client.receive_message().content
    decoded = json.loads(base64.b64decode(wire))
    assert decoded["payload_ref"] == "s/1.json" and decoded["flow"] == "orders"
    assert Envelope.loads(base64.b64decode(wire)) == envelope
