"""The Geins emulator held to its sources mechanically: its answers carry only fields the Management API spec
documents, with the documented types and enums; the documented update and option fields are accepted one by one
and a field outside them (or a required one missing) is refused; the corpus webhook sample is what the emulator
posts. Source G1: github geins-io/sonora-agent-plugins plugins/sonora/skills/mgmtapi/references/{order.md
@06e17fb, shipping.md @ded327a, pricelist.md @06e17fb, product.md @abb3578, user.md @b51bab18}, generated from the
Management API's OpenAPI spec; C: ../shared/corpus."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sandbox.geins_emulator import GeinsEmulator
from sandbox.geins_emulator.emulator import webhook_body

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

# Field names of the G1 schemas (facts from the spec's field tables)
ORDER = {"Id", "ChannelId", "ExternalId", "PersonalId", "CustomerId", "CustomerEmail", "CustomerTypeId",
         "CustomerGroupId", "CustomerGroupName", "CustomerLoggedIn", "CreatedAt", "UpdatedAt", "CompletedAt", "Status",
         "Currency", "CurrencyRate", "MarketId", "MarketName", "Language", "OrderTotal", "ExpectedSum", "VATTotal",
         "OrderValueIncVat", "OrderValueExVat", "ItemValueIncVat", "ItemValueExVat", "Discount", "DiscountExVat",
         "FromBalance", "ShippingFee", "ShippingFeeExVat", "PaymentFee", "PaymentFeeExVat", "Message", "OrderMessages",
         "PaymentDetails", "ShippingDetails", "ShippingAddress", "BillingAddress", "Rows", "Refunds", "Ip", "UserAgent",
         "ServiceLocation", "CampaignCode", "CampaignCodeId", "Percent", "DesiredDeliveryDate", "Gender", "CartId",
         "SessionId", "ExternalOrderStatus", "CampaignIds", "CampaignNames", "MetaData", "PublicId", "GoodsLabel",
         "CustomerOrderNumber"}
ORDER_STATUSES = {"cancelled", "on-hold", "inactive", "refunded", "partial", "pending-payment", "backorder",
                  "completed", "pending"}
ROW = {"Id", "IdList", "ProductId", "Name", "ProductName", "ItemId", "ItemName", "ArticleNumber", "Total",
       "ExpectedTotalPriceIncVat", "DiscountRate", "Discount", "ExpectedTotalDiscountIncVat", "VATTotal", "VATRate",
       "Quantity", "PurchasePrice", "PaymentDetailId", "ShippingDetailId", "Market", "UnitPrice",
       "ProductContainerBuildId", "Message", "CartRowId", "ExternalId", "ProductContainerSelectionId",
       "ProductContainerName", "ExternalProductId", "ExternalProductItemId", "ParcelGroupId", "BrandName", "Gtin",
       "Weight", "Length", "Width", "Height", "Color", "Variant", "CampaignIds", "CampaignGroupData", "CampaignGroupId",
       "CampaignNames", "CategoryId", "RelatedProductsBuildId", "PackingLocationId", "ProductPriceCampaignId",
       "ProductPriceListId", "ProductPackageId", "ProductPackageName", "ProductPackageGroupId", "Status",
       "ExternalPriceSource", "ConfigurationId"}
ROW_STATUSES = {"ready", "returned", "shipped", "cancelled", "backorder"}
PAYMENT = {"Id", "PaymentId", "Name", "DisplayName", "TransactionId", "SecondaryTransactionId", "ReservationNumber",
           "ReservationDate", "PaymentDate", "Total", "Payed", "PaymentFee", "ShippingFee", "PaymentOption"}
SHIPPING = {"Id", "ShippingId", "Name", "ParcelNumber", "ShippingDate", "TrackingUrl", "ExternalDeliveryOptionId",
            "ExternalServiceId", "ExternalCarrierId", "ExternalDeliveryId", "PickupPoint", "ExternalDeliveryData"}
ADDRESS = {"Company", "CareOf", "State", "Country", "FirstName", "LastName", "Email", "AddressLine1", "AddressLine2",
           "AddressLine3", "Zip", "City", "Phone", "Mobile", "EntryCode"}
REFUND = {"Id", "OrderRowId", "PaymentDetailId", "ReturnId", "ArticleNumber", "CreatedAt", "Total", "ReasonCode",
          "Reason", "ToBalance", "Vat", "ItemId", "RefundType"}
PAGE_RESULT = {"BatchId", "Page", "RowCount", "PageCount", "PageSize", "HasMoreRows"}
ORDER_UPDATE = {"ExternalId": "SO-1", "ParcelNumber": "JJD1", "ExternalOrderStatus": 40, "ReturnParcelNumber": "R1",
                "GoodsLabel": "fragile", "CustomerOrderNumber": "PO-7"}
PARCEL_GROUP_OPTIONS = ("OrderIds", "OrderRowIds", "MarkAsDelivered", "SendDeliveryEmail", "SignalCapturesCreated",
                        "Force")
STOCK_ENVELOPE = {"Message", "Invalid", "NotFound", "UpdateCount"}
STOCK_READ = {"ItemId", "Stock", "StockOversellable", "StockStatic", "StockSellable"}  # W §3.2
PRICE_LIST = {"Id", "Name", "MarketId", "MarketPrefix", "Currency", "Forced", "CreatedAt", "Identifier", "Active",
              "ExVat", "AutoAddProducts", "ProductCount", "ProductSelectionQuery"}
USER = {"AvailableMarkets", "UserId", "SiteId", "Email", "FirstName", "LastName", "PhoneNr", "MobilePhoneNr", "Company",
        "Address", "Address2", "Address3", "DoorCode", "PersonalId", "Birthyear", "Zip", "City", "CareOf", "Country",
        "State", "CustomerGroupId", "CustomerGroupName", "MemberId", "MemberType", "CountryId", "UserTypeId",
        "GenderType", "MemberDiscount", "Newsletter", "Blacklisted", "Active", "CreatedOn", "UpdatedOn", "MetaData",
        "BlacklistedOn", "BlacklistReason"}
ENVELOPE = {"Resource", "Message", "Details"}


@pytest.fixture
def emu():
    with GeinsEmulator() as emulator:
        yield emulator


def call(emu: GeinsEmulator, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, emu.api_url + path, auth=(emu.user, emu.password),
                         headers={"X-ApiKey": emu.api_key}, timeout=5, **kwargs)


def an_order(emu) -> dict:
    order = emu.add_order(emu.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")], row_discount_percent=10,
                                         payment_fee="19.00", order_discount="20.00", from_balance="50.00"))
    emu.add_refund(order["Id"], [(order["Rows"][0]["Id"], "179.10"), (None, "49.00")])
    return order


def date_time(value) -> bool:
    return value is None or isinstance(datetime.fromisoformat(value), datetime)


def test_the_order_answer_has_only_documented_fields_with_their_types_and_enums(emu):
    order = call(emu, "GET", f"/Order/{an_order(emu)['Id']}/paymentdetails,shippingdetails,refunds").json()
    assert set(order) <= ORDER
    assert type(order["Id"]) is int and order["Status"] in ORDER_STATUSES
    uuid.UUID(order["PublicId"])
    assert all(date_time(order[f]) for f in ("CreatedAt", "UpdatedAt", "CompletedAt"))
    for money in ("OrderTotal", "ExpectedSum", "VATTotal", "OrderValueIncVat", "ItemValueIncVat", "Discount",
                  "FromBalance", "ShippingFee", "PaymentFee"):
        assert isinstance(order[money], int | float) and not isinstance(order[money], bool), money
    for row in order["Rows"]:
        assert set(row) <= ROW and row["Status"] in ROW_STATUSES
        assert 0 <= row["VATRate"] < 1  # "VAT rate. E.g. 25% = 0.25."
        assert type(row["Quantity"]) is int and type(row["ItemId"]) is int
    assert all(set(p) <= PAYMENT and isinstance(p["Payed"], bool) for p in order["PaymentDetails"])
    assert all(set(s) <= SHIPPING for s in order["ShippingDetails"])
    assert all(set(r) <= REFUND and date_time(r["CreatedAt"]) for r in order["Refunds"])
    for address in (order["ShippingAddress"], order["BillingAddress"]):
        assert set(address) <= ADDRESS and len(address["Country"]) == 2  # "ISO code of the country"


def test_the_paged_query_answers_a_paged_envelope(emu):
    an_order(emu)
    answer = call(emu, "POST", "/Order/Query/1", json={"UpdatedAfter": "2000-01-01T00:00:00Z"}).json()
    assert set(answer) == {"PageResult", *ENVELOPE} and set(answer["PageResult"]) == PAGE_RESULT
    uuid.UUID(answer["PageResult"]["BatchId"])  # "BatchId string (uuid)"
    assert all(set(o) <= ORDER for o in answer["Resource"])


def test_each_documented_order_update_field_is_accepted_and_others_refused(emu):
    order = an_order(emu)
    for field, value in ORDER_UPDATE.items():
        assert call(emu, "PATCH", f"/Order/{order['Id']}", json={field: value}).status_code == 200, field
    for field, value in (("TrackingUrl", "https://t.example"), ("Status", "completed"), ("Rows", [])):
        assert field in ORDER | SHIPPING and field not in ORDER_UPDATE
        assert call(emu, "PATCH", f"/Order/{order['Id']}", json={field: value}).status_code == 400, field


def test_parcel_group_options_are_accepted_and_order_ids_required(emu):
    order = an_order(emu)
    full = {"OrderIds": [order["Id"]], "OrderRowIds": [order["Rows"][0]["Id"]], "MarkAsDelivered": True,
            "SendDeliveryEmail": True, "SignalCapturesCreated": False, "Force": False}
    assert tuple(full) == PARCEL_GROUP_OPTIONS
    assert call(emu, "POST", "/Shipping/ParcelGroup", json={k: v for k, v in full.items() if k != "OrderIds"}
                ).status_code == 400  # OrderIds: "Required."
    answer = call(emu, "POST", "/Shipping/ParcelGroup", json=full).json()
    assert set(answer) == ENVELOPE and type(answer["Resource"]) is int  # Envelope-Int


def test_stock_answers_the_documented_envelopes(emu):
    item = emu.add_item("1000", stock=2)
    written = call(emu, "PUT", "/Product/Stock", params={"productItemIdType": 1},
                   json=[{"Id": "1000", "Stock": 5, "StockType": 0}]).json()
    assert written["Message"] == "Success." and set(written["Resource"]) == STOCK_ENVELOPE  # SKILL.md: under Resource
    read = call(emu, "POST", "/Product/Stock/Query", json=[item["ItemId"]]).json()
    assert set(read) == ENVELOPE and set(read["Resource"][0]) == STOCK_READ


def test_prices_and_price_lists_answer_the_documented_shapes(emu):
    emu.add_product("P1")
    lists = call(emu, "GET", "/PriceList/List").json()
    assert isinstance(lists, list) and all(set(p) <= PRICE_LIST for p in lists)  # a bare array
    # "Market ID * 1000000 + Type of price list (Ordinary=0, Sale=1, Campaign=2)"
    assert {p["Id"] - p["MarketId"] * 1_000_000 for p in lists} == {0, 1, 2}
    answer = call(emu, "PUT", "/PriceList/Price", params={"productIdType": 1, "pricesIncVat": "true"},
                  json=[{"PriceListId": 1000000, "ProductId": "P1", "Price": 100.0}]).json()
    assert set(answer) == STOCK_ENVELOPE  # PriceListPriceResponse: Message, Invalid, NotFound, UpdateCount


def test_the_user_answer_is_an_envelope_of_a_documented_profile(emu):
    user = emu.add_user("anna@example.com", company="Verktyg AB", updated=datetime(2026, 1, 2, tzinfo=UTC))
    answer = call(emu, "GET", f"/User/{user['UserId']}").json()
    assert set(answer) == ENVELOPE and set(answer["Resource"]) <= USER
    assert answer["Resource"]["UserTypeId"] in (1, 2) and date_time(answer["Resource"]["UpdatedOn"])


def test_the_webhook_body_is_the_published_sample(emu):
    published = json.loads((CORPUS / "geins-order_webhook-1.json").read_text())
    assert json.loads(webhook_body(published["entity"], published["action"], published["id"])) == published
