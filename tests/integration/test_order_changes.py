"""Orders that change after import: updates (flag or apply, by policy), cancellations, and both after BC
shipped and invoiced the order."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync.context import get_context
from sandbox.samples import shopify_order
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as s:
        yield s


def bc_order(stack, ext_no):
    found = stack.bc.records(stack.company_id("se"), "salesOrders", externalDocumentNumber=ext_no)
    return found[0] if found else None


def deliver(stack, topic, payload):
    assert stack.send_shopify(topic, payload).status == 200
    stack.wait_until_settled()
    return stack.synclog.get("orders", "shopify-demo", str(payload["id"]))


def test_an_unchanged_update_keeps_the_record_and_a_real_change_needs_attention_by_default(stack):
    original = shopify_order(7301, [("2000", 1, "89.00")])
    assert deliver(stack, "orders/paid", original).status is SyncStatus.SUCCESS
    # tags or fulfilment status changed: nothing BC cares about
    record = deliver(stack, "orders/updated", {**original, "tags": "vip", "updated_at": "2026-11-20T11:00:00+01:00"})
    assert record.status is SyncStatus.SUCCESS and "Duplicate delivery ignored" in record.history[-1]["message"]
    changed = shopify_order(7301, [("2000", 3, "89.00")], updated_at="2026-11-20T12:00:00+01:00")
    record = deliver(stack, "orders/updated", changed)
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "changed_after_import"
    assert 'on_update = "apply"' in record.resolution and "Retry" in record.resolution
    assert float(bc_order(stack, "SH-2301")["totalAmountIncludingTax"]) == 89.00 + 49.00  # BC untouched
    # the operator updates BC by hand, then presses Retry: the record closes
    from core.sync.operations import retry_record

    retry_record(get_context(), record)
    stack.wait_until_settled()
    assert stack.synclog.get("orders", "shopify-demo", "7301").status is SyncStatus.SUCCESS
    # a further change flags the order again
    again = shopify_order(7301, [("2000", 4, "89.00")], updated_at="2026-11-20T13:00:00+01:00")
    assert deliver(stack, "orders/updated", again).code == "changed_after_import"


def test_with_the_apply_policy_the_open_bc_order_gets_the_shops_lines(stack):
    original = shopify_order(7302, [("2000", 1, "89.00"), ("3000", 1, "249.00")])
    assert deliver(stack, "orders/paid", original).status is SyncStatus.SUCCESS
    text = stack.config_path.read_text().replace('shipping_as = "account"',
                                                 'shipping_as = "account"\non_update = "apply"')
    stack.config_path.write_text(text)
    stack.reload_config_from_file()
    try:
        changed = shopify_order(7302, [("2000", 2, "89.00")], updated_at="2026-11-20T12:30:00+01:00")
        record = deliver(stack, "orders/updated", changed)
        assert record.status is SyncStatus.SUCCESS, record.message
        order = bc_order(stack, "SH-2302")
        lines = stack.bc.records(stack.company_id("se"), "salesOrderLines", documentId=order["id"])
        assert sorted((line["lineObjectNumber"], float(line["quantity"])) for line in lines) == [
            ("2000", 2.0), ("3010", 1.0)]
        assert float(order["totalAmountIncludingTax"]) == 2 * 89.00 + 49.00
    finally:
        stack.config_path.write_text(text.replace('\non_update = "apply"', ""))
        stack.reload_config_from_file()


def test_a_cancelled_order_deletes_the_open_bc_order(stack):
    original = shopify_order(7303, [("3000", 1, "249.00")])
    assert deliver(stack, "orders/paid", original).status is SyncStatus.SUCCESS
    assert bc_order(stack, "SH-2303") is not None
    cancelled = {**original, "cancelled_at": "2026-11-20T13:00:00+01:00", "updated_at": "2026-11-20T13:00:00+01:00"}
    record = deliver(stack, "orders/cancelled", cancelled)
    assert record.status is SyncStatus.SUCCESS and "deleted" in record.bc_document
    assert bc_order(stack, "SH-2303") is None
    # a late update of the cancelled order does not bring it back
    late = {**original, "updated_at": "2026-11-20T14:00:00+01:00", "tags": "late"}
    assert deliver(stack, "orders/updated", late).status is SyncStatus.SKIPPED
    assert bc_order(stack, "SH-2303") is None


def test_cancelling_or_changing_after_bc_shipped_and_invoiced_needs_attention(stack):
    original = shopify_order(7304, [("1100", 1, "599.00")])
    assert deliver(stack, "orders/paid", original).status is SyncStatus.SUCCESS
    order = bc_order(stack, "SH-2304")
    get_context().bc.company(stack.company_id("se")).action("salesOrders", order["id"], "shipAndInvoice")
    assert bc_order(stack, "SH-2304") is None  # BC turned it into a posted shipment and invoice
    cancelled = {**original, "cancelled_at": "2026-11-21T09:00:00+01:00", "updated_at": "2026-11-21T09:00:00+01:00"}
    record = deliver(stack, "orders/cancelled", cancelled)
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "cancelled_after_invoice"
    assert "credit memo" in record.resolution
