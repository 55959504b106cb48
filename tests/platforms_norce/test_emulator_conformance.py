"""The Norce emulator held to its sources mechanically: the documented request examples are accepted and refused
with a documented required field removed; the emulator's answers and pushes carry the documented fields and
types; the published samples in ../shared/corpus have the shape the emulator answers. Sources: docs.norce.io
(pages named per test), ../shared/contracts/platforms-wave2.md §1 (W), ../shared/corpus (C)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from core.platforms.norce import flows
from sandbox.norce_emulator import NorceEmulator
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CONNECT = "/commerce/connect/4.0"

# Header examples as the header specification pages publish them (AccountId 1):
# …/connect/productservice/x-stormconnect-header-skuonhand, …-skuprices; …/connect/customerservice/x-stormconnect-header
ONHAND_EXAMPLE = {"AccountId": 1, "FullFile": False, "SkuOnhandFieldsThatAreSet": [3], "SerializationType": 0}
PRICES_EXAMPLE = {"AccountId": 1, "FullFile": False, "SkuPriceListFieldsThatAreSet": [3, 6, 8], "SerializationType": 0}
COMPANY_EXAMPLE = {"AccountId": 1, "CompanyFieldsThatAreSet": [0, 2, 3, 4, 5, 6, 9, 10, 11, 14, 17, 18, 19, 20, 12, 22],
                   "CustomerFieldsThatAreSet": [0, 2, 14, 3, 6, 9, 11, 12, 13], "AccountFieldsThatAreSet": [1, 3, 4],
                   "SerializationType": 0}
KEY = "15d62d1f-3a4e-4111-845a-4db40bf08e87"  # the ApplicationKey example of the Connect order schemas
IMPORTS = {  # route → (header example, a row, the row's required fields ("*" in W §1.2/§1.4, importcompanies))
    "Product/ImportOnhands": (ONHAND_EXAMPLE, {"PartNo": "1000", "WarehouseCode": "WH1", "LocationCode": "MAIN",
                                              "OnhandValue": 3}, ("PartNo", "WarehouseCode", "LocationCode")),
    "Product/ImportSkuPriceLists": (PRICES_EXAMPLE, {"PartNo": "1000", "PriceListCode": "SE-B2C", "PriceSale": 99.5},
                                    ("PartNo", "PriceListCode")),
    "Customer/ImportCompanies": (COMPANY_EXAMPLE, {"ApplicationKey": KEY, "Code": "C1", "Name": "Verktyg AB",
                                                   "OrganizationNo": "5566778899"}, ("ApplicationKey",)),
}
REQUIRED_HEADER = {"Product/ImportOnhands": ("AccountId", "FullFile", "SkuOnhandFieldsThatAreSet"),
                   "Product/ImportSkuPriceLists": ("AccountId", "FullFile", "SkuPriceListFieldsThatAreSet"),
                   "Customer/ImportCompanies": ("AccountId", "CompanyFieldsThatAreSet")}


@pytest.fixture
def emu():
    with NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, account_id=1, application_key=KEY,
                       job_polls_before_done=0) as emulator:
        emulator.skus.add("1000")
        yield emulator


def bearer(emu) -> dict[str, str]:
    answer = httpx.post(f"{emu.base_url}/identity/1.0/connect/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "stage"})
    return {"Authorization": f"Bearer {answer.json()['access_token']}", "ApplicationId": emu.application_id}


def connect(emu, operation: str, body, header: dict | None = None) -> httpx.Response:
    headers = bearer(emu) | ({"X-StormConnect-Header": json.dumps(header)} if header is not None else {})
    return httpx.post(f"{emu.base_url}{CONNECT}/{operation}", json=body, headers=headers, timeout=5)


def same_shape(value, sample) -> bool:
    """`value` has the JSON type of the published `sample` value (null in a sample: any type or null)."""
    if sample is None:
        return True
    if isinstance(sample, bool):
        return isinstance(value, bool)
    if isinstance(sample, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(sample))


@pytest.mark.parametrize("operation", sorted(IMPORTS))
def test_a_documented_header_example_is_accepted_and_refused_without_a_required_field(emu, operation):
    header, row, _ = IMPORTS[operation]
    assert connect(emu, operation, [row], header).status_code == 200
    for field in REQUIRED_HEADER[operation]:
        stripped = {k: v for k, v in header.items() if k != field}
        assert connect(emu, operation, [row], stripped).status_code == 400, field


@pytest.mark.parametrize("operation", sorted(IMPORTS))
def test_a_row_without_a_required_field_is_a_validation_failure(emu, operation):
    header, row, required = IMPORTS[operation]
    for field in required:
        answer = connect(emu, operation, [row, {k: v for k, v in row.items() if k != field}], header).json()
        summary = answer["ValidationSummary"]
        assert (summary["NrOfItemsInTotal"], summary["NrOfValidationFailures"]) == (2, 1), field


def test_the_job_answers_have_the_documented_fields_and_types(emu):
    # JobResponse, JobDto, JobLogDto: docs.norce.io/api-reference/schemas/connectjob
    answer = connect(emu, "Product/ImportOnhands", [IMPORTS["Product/ImportOnhands"][1]], ONHAND_EXAMPLE).json()
    assert set(answer) == {"StatusCode", "Description", "JobId", "ValidationSummary"}
    assert isinstance(answer["JobId"], str) and answer["JobId"].isdigit()  # "JobId string <int32>"
    summary = answer["ValidationSummary"]
    assert set(summary) == {"NrOfItemsInTotal", "NrOfValidationFailures", "Messages"}
    assert all(type(summary[k]) is int for k in ("NrOfItemsInTotal", "NrOfValidationFailures"))
    job = httpx.get(f"{emu.base_url}{CONNECT}/Job/Get?id={answer['JobId']}", headers=bearer(emu), timeout=5).json()
    for field in ("JobId", "StatusId", "Totals", "Fail", "Insert", "Updates"):
        assert type(job[field]) is int, field
    assert job["StatusId"] in (1, 2, 3, 4) and job["IsFinished"] is True
    # the JobCompletedEvent sample names the job with the same integer JobId (C docs-examples)
    event = json.loads((CORPUS / "docs-examples" / "norce-job_completed_event-schema-1.json").read_text())
    assert same_shape(job["JobId"], event["JobId"]) and same_shape(job["StatusId"], event["StatusId"])


def test_the_job_log_has_the_shape_of_the_published_example(emu):
    published = json.loads((CORPUS / "docs-examples" / "norce-connect-job_log-1.json").read_text())
    answer = connect(emu, "Product/ImportOnhands", [{**IMPORTS["Product/ImportOnhands"][1], "PartNo": "NOPE"}],
                     ONHAND_EXAMPLE).json()
    log = httpx.get(f"{emu.base_url}{CONNECT}/Job/GetLog?id={answer['JobId']}", headers=bearer(emu), timeout=5).json()
    assert [e["SeverityId"] for e in log] == [1, 2, 1]  # started, the unknown SKU's warning, finished
    for entry in log:
        assert set(entry) == set(published[0])
        assert all(same_shape(entry[k], published[1][k]) for k in entry)
        assert isinstance(entry["ImportedRow"], str | None)
        # published TimeStamps carry no offset ("2023-07-31T16:24:37.967"); the emulator's neither
        assert datetime.fromisoformat(entry["TimeStamp"]).tzinfo is None
    assert all(datetime.fromisoformat(e["TimeStamp"]).tzinfo is None for e in published)
    # and the bridge reads the published log as Norce wrote it: one warning, which names no part number
    assert [flows._severity(e) for e in published] == [1, 2, 1]
    assert flows._named({"1000"}, [e for e in published if flows._severity(e) >= 2]) == {}


def test_order_status_and_delivery_note_request_samples_are_accepted_and_refused_without_required_fields(emu):
    # request samples of …/connect/orderservice/nc-latest/operation/SendOrderStatus and …/order/sendorderstatus
    status = {"ClientOrderRef": 0, "ErpOrderNo": "string", "OrderStatus": "Allocation", "AccountId": 0, "Infos": []}
    assert connect(emu, "Order/SendOrderStatus", status).status_code == 200
    assert connect(emu, "Order/SendOrderStatus", {**status, "OrderStatus": None}).status_code == 400
    assert connect(emu, "Order/SendOrderStatus", {**status, "ErpOrderNo": None}).status_code == 400  # and ref 0
    order = emu.add_order(emu.make_order([("1000", 1, "159.20")]))
    note = {"DeliveryDate": "2026-12-03", "NoteNo": "S-1", "OrderNo": order["order_no"],
            "BuyerCustomerCode": "", "DeliveryMode": "DHL", "DeliveryName": "Test Person",
            "DeliverynoteItems": [{"ItemNo": "1000", "Qty": 1, "RowNumber": 1, "Comment": "", "Description": ""}],
            "DeliveryNotePackages": [{"ParcelNumber": "JJD1", "StatusId": 4}]}
    for field in ("NoteNo", "OrderNo", "DeliverynoteItems"):
        assert connect(emu, "Order/CreateDeliveryNote", {k: v for k, v in note.items() if k != field}
                       ).status_code == 400, field
    assert connect(emu, "Order/CreateDeliveryNote", note).status_code == 200


ORDER_ITEM_REQUIRED = ("Discount", "LineNo", "PartNo", "Quantity", "Quantity2", "Type", "TypeGroup", "UnitPrice",
                       "UnitPriceOriginal", "UnitVat", "VatRate")  # …/connect/orderservice/openapi/schemas/orderitem
ITEM_TYPES = {"Undefined", "ErpStandard", "Refurbished", "Freight", "Insurance", "GiftCertificate", "Bid", "Download",
              "Structure", "Invoice"}
ITEM_TYPE_GROUPS = {"Undefined", "Physical", "Virtual", "Fee", "Service", "AddedFee"}


@pytest.mark.parametrize("freight_as", ["item", "fee"])
def test_the_pushed_order_request_has_the_documented_fields(emu, freight_as):
    order = emu.add_order(emu.make_order([("1000", 2, "159.20", "10.00")], freight_as=freight_as))
    request = emu.order_request(order["basket"])
    for item in request["Items"]:
        assert all(item.get(f) is not None for f in ORDER_ITEM_REQUIRED)
        assert item["Type"] in ITEM_TYPES and item["TypeGroup"] in ITEM_TYPE_GROUPS
        assert type(item["Quantity"]) is int and item["UnitVat"] == pytest.approx(item["UnitPrice"] * item["VatRate"]
                                                                                  / 100, abs=0.01)
    # OrderRequest (…/order-notification): ClientOrderRef ≤ 50, CurrencyCode ISO 4217, OrderType 1|3|5, Header
    assert isinstance(request["ClientOrderRef"], str) and len(request["ClientOrderRef"]) <= 50
    assert re.fullmatch(r"[A-Z]{3}", request["CurrencyCode"]) and request["OrderType"] in (1, 3, 5)
    uuid.UUID(request["Header"]["ApplicationKey"])
    for party in ("SellTo", "BillTo", "ShipTo"):
        assert re.fullmatch(r"[A-Z]{2}", request[party]["Person"]["Address"]["Country"])  # ISO 3166-1 alpha-2
    for fee in request["Fees"]:
        assert set(fee) == {"Amount", "Description", "Type", "VatRate"} and fee["Type"] in (0, 1)


def test_the_event_body_has_the_fields_and_types_of_the_published_schema_example(emu):
    published = json.loads((CORPUS / "norce-order_confirmed_event-schema-1.json").read_text())
    order = emu.add_order(emu.make_order([("1000", 1, "159.20")]))
    body = emu.event_body(order["basket"])
    assert set(body) == set(published)
    assert all(same_shape(body[k], published[k]) for k in published)


def test_the_fetched_order_and_the_query_listing_have_the_documented_fields(emu):
    order = emu.add_order(emu.make_order([("1000", 1, "159.20")]))
    answer = httpx.get(f"{emu.base_url}/commerce/order/1.1/GetOrderByBasket?basketId={order['basket']}",
                       headers=bearer(emu), timeout=5).json()
    # W §1.1(b) [N4]: the order-service Order; items [N4s]
    assert {"Id", "QuotationId", "OrderNo", "OrderDate", "Status", "Source", "Currency", "SellTo", "BillTo", "ShipTo",
            "OrderTotalIncVat", "OrderTotalExVat", "PaymentMethod", "DeliveryMethod", "TypeId", "Items",
            "Info"} <= set(answer)
    for item in answer["Items"]:
        assert {"RowNumber", "PartNo", "Name", "QtyOrdered", "UnitPrice", "UnitDiscount", "RowAmount", "VatRate",
                "Type", "Status", "UnitPriceIncVat"} <= set(item)
        assert 1 <= item["VatRate"] < 2  # a multiplier: "25% VAT equals a VatRate of 1.25"
    for party in ("SellTo", "BillTo", "ShipTo"):
        assert set(answer[party]) == {"Company", "Customer", "Address"}  # CustomerData [N4]
    listing = httpx.get(f"{emu.base_url}/commerce/query/3.0/Orders/Orders", headers=bearer(emu), timeout=5, params={
        "$filter": "orderDate ge 2000-01-01T00:00:00Z and orderDate lt 2100-01-01T00:00:00Z"}).json()
    assert set(listing["value"][0]) == {"id", "orderNo", "orderDate"}  # Query rows are camelCase [N3]


def test_customer_fields_on_a_company_import_need_customers_among_the_company_fields(emu):
    # customerservice x-stormconnect-header: CustomerFieldsThatAreSet "Not required for ImportCompanies, but if
    # used there, 'Customers' must be set in CompanyFieldsThatAreSet"
    _, row, _ = IMPORTS["Customer/ImportCompanies"]
    without = {**COMPANY_EXAMPLE, "CompanyFieldsThatAreSet": [c for c in COMPANY_EXAMPLE["CompanyFieldsThatAreSet"]
                                                              if c != 14]}
    assert connect(emu, "Customer/ImportCompanies", [row], without).status_code == 400
    only_companies = {k: v for k, v in without.items()
                      if k not in ("CustomerFieldsThatAreSet", "AccountFieldsThatAreSet")}
    assert connect(emu, "Customer/ImportCompanies", [row], only_companies).status_code == 200
