"""`python -m core status | records | retry | replay-poison`: against the app's storage (AzureWebJobsStorage)."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.errors import NeedsAttention
from core.logging_setup import uninstall_logging
from core.state import Envelope, SyncLog, SyncStatus, enqueue, names
from core.sync.runner import run_item
from tests.operations.conftest import received_order, take_message


@pytest.fixture(autouse=True)
def _logging_restored():
    yield
    uninstall_logging()


def needs_mapping(ctx, envelope):
    raise NeedsAttention("Shipping method \"Express\" has no BC shipment method.",
                         resolution='add "Express" to [companies.shipping_methods]', code="unmapped_shipping")


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_status_and_records_show_the_record_that_needs_attention(ctx, shop, capsys):
    run_item(ctx, names.ORDERS_IMPORT, received_order(ctx, shop, "gid://shopify/Order/31", b"{}"), needs_mapping)

    code, out = run(capsys, "status", "--json")
    assert code == 0 and json.loads(out)["by_shop"][shop] == {"needs_attention": 1}
    code, out = run(capsys, "status")
    assert code == 0 and "needs_attention" in out and "orders-import" in out
    assert run(capsys, "status", "--fail-on-attention")[0] == 1

    code, out = run(capsys, "records", "--shop", shop)
    assert code == 0
    header, rule, row = out.splitlines()
    assert header.split() == ["updated", "flow", "shop", "external", "id", "status", "message", "resolution"]
    assert "gid://shopify/Order/31" in row and "needs_attention" in row and 'add "Express"' in row
    code, out = run(capsys, "records", "--shop", shop, "--status", "success", "--json")
    assert code == 0 and json.loads(out) == []
    assert run(capsys, "records", "--status", "nonsense")[0] == 2


def test_retry_one_and_retry_by_status_requeue_the_stored_payloads(ctx, shop, capsys):
    first = received_order(ctx, shop, "gid://shopify/Order/41", b'{"n": 41}')
    second = received_order(ctx, shop, "gid://shopify/Order/42", b'{"n": 42}')
    for envelope in (first, second):
        run_item(ctx, names.ORDERS_IMPORT, envelope, needs_mapping)

    code, out = run(capsys, "retry", "orders", shop, "gid://shopify/Order/41", "--json")
    assert code == 0 and json.loads(out)["requeued"][0]["payload_ref"] == first.payload_ref
    assert Envelope.loads(take_message(ctx.storage, names.ORDERS_IMPORT, shop)[1]).payload_ref == first.payload_ref

    code, out = run(capsys, "retry", "--status", "needs_attention", "--shop", shop)
    assert code == 0 and "1 record(s) queued again." in out and "gid://shopify/Order/42" in out
    assert Envelope.loads(take_message(ctx.storage, names.ORDERS_IMPORT, shop)[1]).payload_ref == second.payload_ref
    assert SyncLog(ctx.storage).get("orders", shop, "gid://shopify/Order/42").status == SyncStatus.RECEIVED

    assert run(capsys, "retry", "orders", shop, "no-such-order")[0] == 2
    assert run(capsys, "retry", "orders", shop)[0] == 2
    assert run(capsys, "retry", "--status", "success")[0] == 2


def test_replay_poison_moves_messages_back(ctx, shop, capsys, payouts_queues):
    stuck = received_order(ctx, shop, "po_9", b"{}", flow="payouts")
    enqueue(ctx.storage, names.poison_queue(names.PAYOUTS_IMPORT), stuck)
    code, out = run(capsys, "replay-poison", "--queue", names.PAYOUTS_IMPORT)
    assert code == 0 and "1 message(s) moved back" in out and "po_9" in out
    assert Envelope.loads(take_message(ctx.storage, names.PAYOUTS_IMPORT, shop)[1]).payload_ref == stuck.payload_ref
    assert run(capsys, "replay-poison", "--queue", "nope")[0] == 2
