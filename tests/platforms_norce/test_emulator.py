"""Gaps the audit of the Norce emulator closed: each test failed on the emulator before it. Sources are the
docs.norce.io pages named in sandbox/norce_emulator/emulator.py's rules inventory."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.platforms_norce.test_client import token


@pytest.fixture
def bearer(norce) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(norce)}"}


def onhand_header(bearer: dict, **fields) -> dict[str, str]:
    return {**bearer, "X-StormConnect-Header": json.dumps({"AccountId": 7, **fields}, separators=(",", ":"))}


def import_onhands(norce, headers: dict, rows: list[dict]) -> httpx.Response:
    return httpx.post(f"{norce.base_url}/commerce/connect/4.0/Product/ImportOnhands", json=rows, headers=headers,
                      timeout=5)


ROW = {"PartNo": "1000", "WarehouseCode": "WH1", "LocationCode": "MAIN", "OnhandValue": 5}


def test_onhand_fields_may_be_named_by_their_integer_codes(norce, bearer):
    # x-stormconnect-header-skuonhand: "[integer|string]", example {"SkuOnhandFieldsThatAreSet":[3]}; 3 = OnhandValue
    norce.skus.add("1000")
    answer = import_onhands(norce, onhand_header(bearer, FullFile=False, SkuOnhandFieldsThatAreSet=[3]), [ROW])
    assert answer.status_code == 200
    assert norce.onhand_of("1000") == {("WH1", "MAIN"): 5}


def test_onhand_header_requires_full_file_and_known_fields(norce, bearer):
    # FullFile and SkuOnhandFieldsThatAreSet are both "Required"; only the documented fields exist
    norce.skus.add("1000")
    for fields in ({"SkuOnhandFieldsThatAreSet": ["OnhandValue"]},
                   {"FullFile": "no", "SkuOnhandFieldsThatAreSet": ["OnhandValue"]},
                   {"FullFile": False, "SkuOnhandFieldsThatAreSet": ["Onhand"]},
                   {"FullFile": False, "SkuOnhandFieldsThatAreSet": [7]},
                   {"FullFile": False, "SkuOnhandFieldsThatAreSet": []}):
        assert import_onhands(norce, onhand_header(bearer, **fields), [ROW]).status_code == 400, fields
    assert norce.onhand_of("1000") == {} and norce.imports == []


def test_a_full_file_deactivates_the_onhand_it_does_not_name_in_the_places_it_imports(norce, bearer):
    # W §1.2: "FullFile:true deactivates every on-hand record not in the payload for the warehouses and
    # locations it includes"
    norce.skus.update({"1000", "2000"})
    partial = onhand_header(bearer, FullFile=False, SkuOnhandFieldsThatAreSet=["OnhandValue"])
    import_onhands(norce, partial, [ROW, {**ROW, "PartNo": "2000"}, {**ROW, "PartNo": "2000", "LocationCode": "B"}])
    full = onhand_header(bearer, FullFile=True, SkuOnhandFieldsThatAreSet=["OnhandValue"])
    assert import_onhands(norce, full, [{**ROW, "OnhandValue": 4}]).status_code == 200
    assert norce.inactive_onhand == {("2000", "WH1", "MAIN")}  # WH1/B was not in the file's places
    import_onhands(norce, partial, [{**ROW, "PartNo": "2000", "OnhandValue": 1}])
    assert norce.inactive_onhand == set()  # sent again: active again


def test_send_order_status_takes_an_integer_basket_and_the_current_statuses(norce, bearer):
    status = f"{norce.base_url}/commerce/connect/4.0/Order/SendOrderStatus"
    # SendOrderStatusRequest.ClientOrderRef: "integer <int32>"
    for reference in ("B-1043", 1.5, 2**31, True):
        answer = httpx.post(status, json={"ClientOrderRef": reference, "OrderStatus": "Delivered"}, headers=bearer)
        assert answer.status_code == 400, reference
    # the nc-latest operation's enum adds pickup statuses the schema page does not list
    answer = httpx.post(status, json={"ClientOrderRef": 1043, "OrderStatus": "ReadyForPickup"}, headers=bearer)
    assert answer.status_code == 200
    assert httpx.post(status, json={"ErpOrderNo": "SO-1", "OrderStatus": "Invoiced"}, headers=bearer).status_code == 200


def test_a_delivery_note_package_status_is_one_norce_knows(norce, bearer):
    order = norce.add_order(norce.make_order([("1000", 1, "159.20")]))
    note = f"{norce.base_url}/commerce/connect/4.0/Order/CreateDeliveryNote"
    body = {"NoteNo": "S-1", "OrderNo": order["order_no"], "DeliverynoteItems": [{"ItemNo": "1000", "Qty": 1}],
            "DeliveryNotePackages": [{"ParcelNumber": "JJD1", "StatusId": 5}]}
    # DeliveryNotePackage.StatusId: 4 Delivered, 6 Canceled, 11 Ready for pickup, 12 Pickedup, 20 Reserved
    assert httpx.post(note, json=body, headers=bearer).status_code == 400
    body["DeliveryNotePackages"] = [{"ParcelNumber": 123}]
    assert httpx.post(note, json=body, headers=bearer).status_code == 400
    body["DeliveryNotePackages"] = [{"ParcelNumber": "JJD1", "StatusId": 4}]
    assert httpx.post(note, json=body, headers=bearer).status_code == 200
