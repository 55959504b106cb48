"""The admin API on real Azurite: a failing record is visible with its resolution, retry replays exactly the
stored payload, poisoned messages are visible as failed and replayable, retention prunes only successes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import azure.functions as func

from core.errors import NeedsAttention
from core.state import Envelope, Inbox, SyncLog, SyncStatus, enqueue, names
from core.sync.runner import Outcome, run_item
from functions import operations as fo
from tests.operations.conftest import call, http, received_order, take_message

ORDER_ID = "gid://shopify/Order/5905"
RAW = b'{"id": 5905, "name": "#1001", "gateway": "klarna", "note": "caf\xc3\xa9"}'


def fail_unmapped_gateway(ctx, envelope):
    raise NeedsAttention('Shopify gateway "klarna" has no BC payment method.',
                         resolution='map Shopify gateway "klarna" to a BC payment method in [payment_methods]',
                         code="unmapped_gateway")


def test_a_failing_record_shows_in_status_and_records_with_its_resolution_and_payload(ctx, shop):
    envelope = received_order(ctx, shop, ORDER_ID, RAW)
    assert run_item(ctx, names.ORDERS_IMPORT, envelope, fail_unmapped_gateway) == SyncStatus.NEEDS_ATTENTION

    status, counts = http(fo.ops_status)
    assert status == 200
    assert counts["by_shop"][shop] == {"needs_attention": 1}
    assert counts["by_flow"]["orders"]["needs_attention"] >= 1
    assert {"flow": "orders", "shop": shop, "status": "needs_attention", "count": 1} in counts["rows"]
    assert set(counts["queues"]) == set(names.QUEUES)

    status, listing = http(fo.ops_records, params={"status": "attention", "shop": shop})
    assert status == 200 and listing["count"] == 1
    record = listing["records"][0]
    assert record["external_id"] == ORDER_ID and record["status"] == "needs_attention"
    assert record["resolution"] == 'map Shopify gateway "klarna" to a BC payment method in [payment_methods]'
    assert record["code"] == "unmapped_gateway"
    assert http(fo.ops_records, params={"status": "success", "shop": shop})[1]["count"] == 0
    assert http(fo.ops_records, params={"status": "bogus"})[0] == 400

    # The id travels URL-encoded in the path; Azure's front end leaves %2F encoded, the sandbox decodes all.
    for as_delivered in (quote(ORDER_ID, safe=""), ORDER_ID.replace("/", "%2F"), ORDER_ID):
        status, detail = http(fo.ops_record, route_params={"flow": "orders", "shop": shop,
                                                            "external_id": as_delivered})
        assert status == 200, as_delivered
        assert detail["external_id"] == ORDER_ID
        assert detail["payload"]["ref"] == envelope.payload_ref
        assert detail["payload"]["json"] == json.loads(RAW)
        assert detail["payload"]["headers"] == {"x-shopify-topic": "orders/paid"}  # never authorization
        assert [h["status"] for h in detail["history"]] == ["received", "needs_attention"]
        assert detail["queue"] == names.ORDERS_IMPORT
    missing = http(fo.ops_record, route_params={"flow": "orders", "shop": shop, "external_id": "nope"})
    assert missing[0] == 404


def test_retry_after_the_fix_replays_exactly_the_stored_payload_and_success_clears_the_record(ctx, shop):
    envelope = received_order(ctx, shop, ORDER_ID, RAW)
    run_item(ctx, names.ORDERS_IMPORT, envelope, fail_unmapped_gateway)

    status, queued = http(fo.ops_retry, "POST", body={"flow": "orders", "shop": shop, "external_id": ORDER_ID})
    assert status == 200 and queued["payload_ref"] == envelope.payload_ref and queued["queue"] == names.ORDERS_IMPORT
    message_id, content = take_message(ctx.storage, names.ORDERS_IMPORT, shop)
    assert message_id == queued["message_id"]
    replayed = Envelope.loads(content)
    same = {"flow", "shop", "external_id", "event_id", "payload_ref", "topic", "retries"}
    assert replayed.model_dump(include=same) == envelope.model_dump(include=same)
    assert replayed.source == "replay"
    assert SyncLog(ctx.storage).get("orders", shop, ORDER_ID).status == SyncStatus.RECEIVED

    seen = []

    def fixed_import(ctx_, env):
        raw, _ = ctx_.inbox.load(env.payload_ref)
        seen.append(raw)
        return Outcome(message="Created sales order 101005", bc_company="se", bc_document="salesOrders 101005")

    assert run_item(ctx, names.ORDERS_IMPORT, replayed, fixed_import) == SyncStatus.SUCCESS
    assert seen == [RAW]  # byte for byte what the shop sent
    record = SyncLog(ctx.storage).get("orders", shop, ORDER_ID)
    assert record.status == SyncStatus.SUCCESS and record.bc_document == "salesOrders 101005"
    assert record.attempts == 2
    assert http(fo.ops_records, params={"status": "attention", "shop": shop})[1]["count"] == 0


def test_retry_all_by_filter_requeues_each_matching_record_once_and_refuses_bulk_successes(ctx, shop):
    envelopes = [received_order(ctx, shop, f"gid://shopify/Order/{n}", b'{"n": %d}' % n) for n in (1, 2, 3)]
    for envelope in envelopes[:2]:
        run_item(ctx, names.ORDERS_IMPORT, envelope, fail_unmapped_gateway)
    run_item(ctx, names.ORDERS_IMPORT, envelopes[2], lambda c, e: Outcome("ok"))

    status, result = http(fo.ops_retry, "POST", body={"status": "needs_attention", "flow": "orders", "shop": shop})
    assert status == 200 and result["count"] == 2 and result["errors"] == []
    assert {r["payload_ref"] for r in result["requeued"]} == {e.payload_ref for e in envelopes[:2]}
    taken = [Envelope.loads(take_message(ctx.storage, names.ORDERS_IMPORT, shop)[1]) for _ in range(2)]
    assert sorted(e.external_id for e in taken) == ["gid://shopify/Order/1", "gid://shopify/Order/2"]

    assert http(fo.ops_retry, "POST", body={"status": "success", "shop": shop})[0] == 400
    assert http(fo.ops_retry, "POST", body={})[0] == 400
    assert http(fo.ops_retry, "POST", body={"flow": "orders", "shop": shop, "external_id": "missing"})[0] == 404


def test_a_record_whose_payload_is_gone_is_not_retried_and_says_why(ctx, shop):
    envelope = received_order(ctx, shop, "7", b"{}")
    run_item(ctx, names.ORDERS_IMPORT, envelope, fail_unmapped_gateway)
    Inbox(ctx.storage).delete(envelope.payload_ref)
    status, body = http(fo.ops_retry, "POST", body={"flow": "orders", "shop": shop, "external_id": "7"})
    assert status == 409 and "no longer exists" in body["error"]


def _poison_message(body: str, message_id: str) -> func.QueueMessage:
    return func.QueueMessage(id=message_id, body=body.encode())


def test_there_is_one_poison_handler_per_queue_and_each_logs_its_message_as_failed(ctx, shop):
    app = func.FunctionApp()
    app.register_functions(fo.bp)
    poison_triggers = {
        json.loads(f.get_function_json())["bindings"][0].get("queueName") for f in app.get_functions()
    }
    assert {names.poison_queue(q) for q in names.QUEUES} <= poison_triggers
    for queue, handler in fo.POISON_HANDLERS.items():
        envelope = received_order(ctx, shop, f"id-{queue}", b"{}", flow=fo.ops.QUEUE_FLOWS[queue])
        call(handler, _poison_message(envelope.dumps(), f"m-{queue}"))
        record = SyncLog(ctx.storage).get(envelope.flow, shop, f"id-{queue}")
        assert record.status == SyncStatus.FAILED and record.code == "poisoned", queue
        assert names.poison_queue(queue) in record.message and f"m-{queue}" in record.message


def test_a_poisoned_message_is_visible_as_failed_and_replay_puts_everything_back(ctx, shop, payouts_queues):
    # 1. The poison handler already consumed one message into the sync log.
    consumed = received_order(ctx, shop, "po_1", b'{"payout": 1}', flow="payouts")
    run_item(ctx, names.PAYOUTS_IMPORT, consumed, fail_unmapped_gateway)  # the last error, kept in the message
    call(fo.POISON_HANDLERS[names.PAYOUTS_IMPORT], _poison_message(consumed.dumps(), "poison-msg-1"))
    status, listing = http(fo.ops_records, params={"status": "failed", "shop": shop})
    assert status == 200 and [r["external_id"] for r in listing["records"]] == ["po_1"]
    assert "payouts-import-poison" in listing["records"][0]["message"]
    assert "no BC payment method" in listing["records"][0]["message"]
    assert listing["records"][0]["resolution"]
    # 2. Another is still sitting in the poison queue (its handler has not run), 3. a non-envelope message.
    waiting = received_order(ctx, shop, "po_2", b'{"payout": 2}', flow="payouts")
    enqueue(ctx.storage, names.poison_queue(names.PAYOUTS_IMPORT), waiting)
    raw_message = json.dumps({"not": "an envelope", "shop_hint": shop})
    call(fo.POISON_HANDLERS[names.PAYOUTS_IMPORT], _poison_message(raw_message, "poison-raw-1"))
    raw_record = SyncLog(ctx.storage).get("payouts", "_unknown", "poison-raw-1")
    assert raw_record.status == SyncStatus.FAILED and raw_record.code == "unreadable_message"
    assert http(fo.ops_status)[1]["queues"][names.PAYOUTS_IMPORT]["poison"] == 1

    status, result = http(fo.ops_replay_poison, "POST", body={"queue": names.PAYOUTS_IMPORT})
    assert status == 200 and result["errors"] == [] and result["moved_from_poison"] == 1
    assert result["count"] == 3
    client = ctx.storage.queue(names.PAYOUTS_IMPORT)
    contents = [m.content for m in client.receive_messages(messages_per_page=32, max_messages=32)]
    envelopes = [Envelope.loads(c) for c in contents if c != raw_message]
    assert sorted((e.external_id, e.payload_ref) for e in envelopes) == [
        ("po_1", consumed.payload_ref), ("po_2", waiting.payload_ref)]
    assert contents.count(raw_message) == 1  # re-sent unchanged
    assert ctx.storage.queue(names.poison_queue(names.PAYOUTS_IMPORT)).peek_messages() == []
    for external_id in ("po_1", "po_2"):
        assert SyncLog(ctx.storage).get("payouts", shop, external_id).status == SyncStatus.RECEIVED
    # Replaying again finds nothing left: each piece of work was queued once.
    assert http(fo.ops_replay_poison, "POST", body={"queue": names.PAYOUTS_IMPORT})[1]["count"] == 0
    assert http(fo.ops_replay_poison, "POST", body={"queue": "nope"})[0] == 400


def test_retention_prunes_only_old_successes_and_skips_with_their_payloads(ctx, shop, unique_name, monkeypatch):
    # The retention test gets its own table and container: pruning works on the whole log.
    storage = ctx.storage
    storage.tables.create_table_if_not_exists(unique_name + "L")
    storage.blobs.get_container_client(unique_name).create_container()
    synclog, inbox = SyncLog(storage, unique_name + "L"), Inbox(storage, unique_name)
    ctx.__dict__["synclog"], ctx.__dict__["inbox"] = synclog, inbox
    refs = {}
    for status in SyncStatus:
        for age in ("old", "new"):
            refs[status, age] = inbox.store(shop, f"{status}-{age}".encode())
            synclog.record("orders", shop, f"{status}-{age}", status, payload_ref=refs[status, age])
    shared = synclog.get("orders", shop, "failed-old").payload_ref
    synclog.record("orders", shop, "success-sharing", SyncStatus.SUCCESS, payload_ref=shared)
    old = datetime.now(UTC) - timedelta(days=31)
    for entity in list(synclog.client.list_entities()):
        if "-old" in entity["ExternalId"] or "sharing" in entity["ExternalId"]:
            entity["UpdatedAt"] = old
            synclog.client.upsert_entity(entity)

    monkeypatch.setenv("BRIDGE_RETENTION_DAYS", "30")
    call(fo.prune_sync_log, None)

    left = {r.external_id for r in synclog.query()}
    pruned = {"success-old", "skipped-old", "success-sharing"}
    assert left == {f"{s}-{a}" for s in SyncStatus for a in ("old", "new")} - pruned
    for (status, age), ref in refs.items():
        exists = inbox.container.get_blob_client(ref).exists()
        assert exists == (f"{status}-{age}" not in pruned), (status, age)
    assert inbox.container.get_blob_client(shared).exists()  # a failed record still needs it

    monkeypatch.setenv("BRIDGE_RETENTION_DAYS", "0")
    assert fo.ops.retention_days() == 30
    monkeypatch.setenv("BRIDGE_RETENTION_DAYS", "7")
    assert fo.ops.retention_days() == 7
