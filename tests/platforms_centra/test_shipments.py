"""Centra shipments: the ShipmentWriter (createShipment + completeShipment with tracking) against the
emulator, and the emulator held to contract 4.3 and the guide's unpaid-shipment example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms import part
from core.platforms.centra.flows import ShipmentWriter
from core.sync.shipment_mapping import Tracking

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "docs-examples"
SHOP = Shop(key="centra-se", platform="centra", url="https://x.centra.com", webhook_secret_setting="S",
            api_token_setting="T")
DHL = Tracking(company="DHL Express", number="JJD0001")


def bc_shipment(number: str, *lines: tuple[str, int], date: str = "2020-01-02") -> dict:
    return {"number": number, "shipmentDate": date,
            "salesShipmentLines": [{"lineType": "Item", "lineObjectNumber": item, "quantity": quantity, "sequence": n}
                                   for n, (item, quantity) in enumerate(lines)]}


def push(client, order_id, shipment, tracking=DHL):
    return ShipmentWriter(client).push(SHOP, str(order_id), shipment, tracking, lambda: True)


@pytest.fixture
def order(centra):
    return centra.add_order(centra.make_order([("TEE-S", 2, "199.00"), ("CAP-1", 1, "99.00")]))


def test_the_flows_find_the_centra_shipment_writer():
    assert part("centra", "ShipmentWriter") is ShipmentWriter


def test_the_corpus_unpaid_shipment_is_what_completion_has_to_wait_for():
    # the guide's "Creating an unpaid shipment" answer: created, good to go, not paid, not shipped
    answer = json.loads((CORPUS / "centra-shipment_create_unpaid-1.json").read_text())["data"]["createShipment"]
    assert answer["userErrors"] == [] and answer["shipment"]["isPaid"] is False
    assert answer["shipment"]["isGoodToGo"] is True and answer["shipment"]["isShipped"] is False


def test_a_bc_shipment_becomes_one_captured_and_completed_centra_shipment_with_tracking(client, centra, order):
    pushed = push(client, order["number"], bc_shipment("S-1", ("TEE-S", 2), ("CAP-1", 1)))

    [shipment] = centra.shipments.values()
    assert shipment["isShipped"] and shipment["isPaid"] and shipment["trackingNumber"] == "JJD0001"
    assert shipment["shipmentInfo"] == {"carrier": "DHL Express", "trackingNumber": "JJD0001"}
    assert shipment["shippedAt"].startswith("2020-01-02") and shipment["sendEmail"] is True
    assert shipment["additionalMessage"] == "BC shipment S-1"
    assert sorted(line["quantity"] for line in shipment["lines"]) == [1, 2]
    assert centra.orders[order["number"]]["status"] == "SHIPPED"
    assert [e["entryType"] for e in centra.orders[order["number"]]["paymentHistory"]] == ["AUTHORIZATION", "CAPTURE"]
    assert "JJD0001" in pushed.message and not pushed.attention


def test_partial_shipments_ship_what_is_left_and_a_shipment_of_nothing_left_is_skipped(client, centra, order):
    push(client, order["number"], bc_shipment("S-1", ("TEE-S", 1)))
    push(client, order["number"], bc_shipment("S-2", ("TEE-S", 1), ("CAP-1", 1)))
    assert [sum(line["quantity"] for line in s["lines"]) for s in centra.shipments.values()] == [1, 2]
    assert centra.orders[order["number"]]["status"] == "SHIPPED"
    with pytest.raises(Skip):
        push(client, order["number"], bc_shipment("S-3", ("TEE-S", 1)))


def test_a_retry_finds_its_own_shipment_and_never_creates_a_second(client, centra, order, monkeypatch):
    writer = ShipmentWriter(client)
    original = client.complete_shipment

    def lost(*args, **kwargs):  # completing fails the first time (an outage between the two calls)
        monkeypatch.setattr(client, "complete_shipment", original)
        raise NeedsAttention("lost", resolution="retry")

    monkeypatch.setattr(client, "complete_shipment", lost)
    with pytest.raises(NeedsAttention):
        writer.push(SHOP, str(order["number"]), bc_shipment("S-1", ("TEE-S", 2)), DHL, lambda: True)
    pushed = writer.push(SHOP, str(order["number"]), bc_shipment("S-1", ("TEE-S", 2)), DHL, lambda: True)
    assert len(centra.shipments) == 1 and next(iter(centra.shipments.values()))["isShipped"]
    assert "earlier attempt" in pushed.message
    again = writer.push(SHOP, str(order["number"]), bc_shipment("S-1", ("TEE-S", 2)), DHL, lambda: True)
    assert again.data["recovered"] and len(centra.shipments) == 1


def test_a_shipment_is_only_recognised_by_its_own_number(client, centra, order):
    push(client, order["number"], bc_shipment("S-10", ("TEE-S", 1)))
    push(client, order["number"], bc_shipment("S-1", ("TEE-S", 1)))  # "BC shipment S-1" is inside "… S-10"
    assert sorted(s["additionalMessage"] for s in centra.shipments.values()) == ["BC shipment S-1",
                                                                                 "BC shipment S-10"]


def test_an_order_captured_in_full_ships_as_paid_without_a_second_capture(client, centra, order):
    order["paymentHistory"].append({"entryType": "CAPTURE", "status": "SUCCESS",
                                    "value": {"value": order["grandTotal"]["value"]}})
    push(client, order["number"], bc_shipment("S-1", ("CAP-1", 1)))
    assert [e["entryType"] for e in order["paymentHistory"]].count("CAPTURE") == 1
    assert next(iter(centra.shipments.values()))["isShipped"]


def test_a_shipment_centra_could_not_capture_needs_attention_and_completes_once_paid(client, centra, order,
                                                                                   monkeypatch):
    create = client.create_shipment

    def capture_declined(data):  # the PSP declines: Centra creates the shipment, unpaid
        return create({k: v for k, v in data.items() if k != "capture"})

    monkeypatch.setattr(client, "create_shipment", capture_declined)
    with pytest.raises(NeedsAttention) as unpaid:
        push(client, order["number"], bc_shipment("S-1", ("TEE-S", 2)))
    assert unpaid.value.code == "shipment_unpaid" and "AMS" in unpaid.value.resolution
    [shipment] = centra.shipments.values()
    assert not shipment["isShipped"]
    shipment["isPaid"] = True  # captured by hand in AMS
    push(client, order["number"], bc_shipment("S-1", ("TEE-S", 2)))
    assert shipment["isShipped"] and len(centra.shipments) == 1


def test_items_the_order_does_not_have_need_attention_and_extra_items_are_reported(client, centra, order):
    with pytest.raises(NeedsAttention) as unmatched:
        push(client, order["number"], bc_shipment("S-1", ("OTHER", 1)))
    assert unmatched.value.code == "shipment_unmatched" and not centra.shipments
    pushed = push(client, order["number"], bc_shipment("S-2", ("TEE-S", 3)))
    assert "1 of 3 shipped have no open line" in pushed.attention


def test_a_cancelled_or_unknown_order_needs_attention(client, centra, order):
    with pytest.raises(NeedsAttention) as missing:
        push(client, 999, bc_shipment("S-1", ("TEE-S", 1)))
    assert missing.value.code == "shop_order_missing"
    order["status"] = "CANCELLED"
    with pytest.raises(NeedsAttention) as cancelled:
        push(client, order["number"], bc_shipment("S-1", ("TEE-S", 1)))
    assert cancelled.value.code == "shipped_after_cancel" and not centra.shipments


# ---- the emulator against contract 4.3 ----

def test_the_emulator_completes_only_paid_shipments_and_never_in_the_future(client, centra, order):
    line = order["lines"][0]["id"]
    shipment, errors = client.create_shipment({"order": {"number": order["number"]}, "isGoodToGo": True,
                                               "isPaid": False, "lines": [{"orderLine": {"id": line}, "quantity": 1}]})
    assert not errors and shipment["isPaid"] is False
    _, unpaid = client.complete_shipment(shipment["id"], {"shippedAt": "now"})
    assert "paid" in unpaid[0]["message"]
    centra.shipments[shipment["id"]]["isPaid"] = True
    _, future = client.complete_shipment(shipment["id"], {"shippedAt": "2999-01-01"})
    assert future[0]["path"] == ["input", "shippedAt"]
    done, errors = client.complete_shipment(shipment["id"], {"shippedAt": "now"})
    assert not errors and done["isShipped"]
    _, twice = client.complete_shipment(shipment["id"], {"shippedAt": "now"})
    assert "already" in twice[0]["message"]


def test_the_emulator_refuses_lines_of_another_order_and_more_than_is_left(client, centra, order):
    line = order["lines"][0]["id"]
    _, foreign = client.create_shipment({"order": {"number": order["number"]},
                                         "lines": [{"orderLine": {"id": 1}, "quantity": 1}]})
    assert foreign[0]["path"] == ["input", "lines", 0, "orderLine"]
    _, too_many = client.create_shipment({"order": {"number": order["number"]},
                                          "lines": [{"orderLine": {"id": line}, "quantity": 3}]})
    assert too_many[0]["path"] == ["input", "lines", 0, "quantity"]
    # `lines` may be left out in the schema (a deliveryGroup can stand for them), so no lines is a userError
    none = client.mutate("createShipment", f"input: {{order: {{number: {order['number']}}}}}", "shipment { id }")
    assert none["shipment"] is None and none["userErrors"][0]["path"] == ["input", "lines"]
    with pytest.raises(NeedsAttention, match="required field 'quantity'"):  # ShipmentLineInput.quantity: Int!
        client.mutate("createShipment", f"input: {{order: {{number: {order['number']}}}, "
                      f"lines: [{{orderLine: {{id: {line}}}}}]}}", "shipment { id }")
    assert not centra.shipments
