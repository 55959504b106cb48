"""Order status Invoiced (core/platforms/norce/flows.invoice_posted): sent once BC has invoiced the order in
full, never for a partial invoice (Norce has no partly-invoiced status, SendOrderStatusRequest enum [N10])."""

from __future__ import annotations

import pytest

from core.errors import Skip
from core.platforms.norce import flows
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET, norce_shop


@pytest.fixture
def shop(norce, monkeypatch):
    monkeypatch.setenv("NORCE_API", f"{CLIENT_ID}:{CLIENT_SECRET}")
    return norce_shop(norce.base_url)


def test_a_partial_invoice_is_skipped_and_tells_norce_nothing(norce, shop):
    with pytest.raises(Skip) as skipped:
        flows.invoice_posted(shop, "1043", {"number": "103001"}, lambda: False)
    assert "103001" in skipped.value.reason and "completes" in skipped.value.reason
    assert norce.order_statuses == []


def test_the_invoice_that_completes_the_order_sets_invoiced(norce, shop):
    pushed = flows.invoice_posted(shop, "1043", {"number": "103002"}, lambda: True)
    assert norce.order_statuses == [{"ClientOrderRef": 1043, "OrderStatus": "Invoiced", "AccountId": 7}]
    assert pushed.data == {"status": "Invoiced"} and "103002" in pushed.message


def test_an_order_without_a_numeric_basket_needs_a_person_before_anything_is_sent(norce, shop):
    # SendOrderStatusRequest.ClientOrderRef is an integer (docs.norce.io …/schemas/sendorderstatusrequest); an
    # external order's ClientOrderRef may be any text (OrderRequest: "for orders from external source this is
    # their number"). Before: the delivery note went out, then Norce refused the status.
    from core.errors import NeedsAttention
    from core.platforms.norce.client import client_for
    from core.sync.shipment_mapping import Tracking

    order = norce.make_order([("1000", 1, "159.20")])
    order.update(basket="EXT-7", order_no="EXT-7")
    norce.add_order(order)
    shipment = {"number": "102001", "shipmentDate": "2026-12-03",
                "salesShipmentLines": [{"lineType": "Item", "lineObjectNumber": "1000", "quantity": 1}]}
    with client_for(shop) as client, pytest.raises(NeedsAttention) as err:
        flows.ShipmentWriter(client).push(shop, "EXT-7", shipment, Tracking("DHL", "JJD1"), lambda: True)
    assert err.value.code == "norce_reference_not_numeric" and "Norce Admin" in err.value.resolution
    with pytest.raises(NeedsAttention):
        flows.invoice_posted(shop, "EXT-7", {"number": "103003"}, lambda: True)
    assert norce.delivery_notes == [] and norce.order_statuses == []
