"""Retention also removes what no record points to any more: superseded payloads and old delivery ids."""

from datetime import UTC, datetime, timedelta

from core.state import Deliveries, Inbox, SyncLog, SyncStatus
from core.sync import operations as ops


def test_superseded_payloads_and_old_delivery_identities_are_pruned_but_referenced_payloads_stay(
        ctx, shop, unique_name):
    storage = ctx.storage
    storage.tables.create_table_if_not_exists(unique_name + "L")
    storage.tables.create_table_if_not_exists(unique_name + "D")
    storage.blobs.get_container_client(unique_name).create_container()
    synclog, inbox = SyncLog(storage, unique_name + "L"), Inbox(storage, unique_name)
    ctx.__dict__["synclog"], ctx.__dict__["inbox"] = synclog, inbox
    first = inbox.store(shop, b'{"id": 1, "v": 1}')  # orders/create
    latest = inbox.store(shop, b'{"id": 1, "v": 2}')  # orders/updated: the record now points here
    synclog.record("orders", shop, "1", SyncStatus.NEEDS_ATTENTION, payload_ref=latest, resolution="map SKU")
    deliveries = Deliveries(storage, unique_name + "D")
    deliveries.remember(shop, "evt-1", first)

    import core.sync.operations as module

    original = module.Deliveries
    module.Deliveries = lambda storage: deliveries  # the test's own table
    try:
        result = ops.prune_synclog(ctx, days=30, now=datetime.now(UTC) + timedelta(days=31))
    finally:
        module.Deliveries = original

    assert not inbox.container.get_blob_client(first).exists()
    assert inbox.container.get_blob_client(latest).exists()  # the record still needs it for a retry
    assert synclog.get("orders", shop, "1").status is SyncStatus.NEEDS_ATTENTION
    assert result.superseded_payloads == 1 and result.deliveries == 1
    assert not deliveries.seen(shop, "evt-1")
