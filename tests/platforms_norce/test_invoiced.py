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
