"""The Brink emulator held to its sources (RULES in sandbox/brink_emulator/emulator.py): the event catalogue's
required envelope and data fields (B3, contract 2.1/2.5), the legacy webhook bodies in ../shared/corpus (B5),
the unofficial SDK's documented calls (B6a stock, B6b prices) — and the paths the contract leaves unverified
kept behind the client's constants and named as such in docs/platforms.md."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from core.platforms.brink import client as brink_client
from tests.platforms_brink.conftest import API_KEY, KEY_SETTINGS, brink_shop

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"

# every Order event schema of the catalogue requires these (B3, e.g. …/domains/Order/events/OrderLinesModified)
ENVELOPE_REQUIRED = {"detail-type", "resources", "detail", "id", "source", "time", "region", "version", "account"}
# contract 2.1 [V: B3]: the Order that OrderCreated / OrderUpdated carry
ORDER_FIELDS = {"id", "reference", "date", "currencyCode", "countryCode", "languageCode", "storeGroupId", "channelType",
                "isTaxIncludedInPrice", "isTaxExempt", "taxationCountry", "billingAddress", "shippingAddress",
                "orderLines", "shippingFees", "discountOutcome", "discountRules", "payment", "totals"}
TOTALS = {"subTotal", "discountTotal", "shippingTotal", "taxTotal", "grandTotal", "giftCardTotal", "bonusTotal"}
# contract 2.5 [V: B3 OrderRefunded]
REFUND_REQUIRED = {"id", "orderId", "orderReference", "paymentProvider", "orderLines", "shippingFees", "giftCards",
                   "vouchers", "gifts", "created", "updated", "completed", "restarts", "revision"}


def call(brink, method: str, path: str, body=None, key: str | None = API_KEY) -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    return httpx.request(method, brink.base_url + path, json=body, headers=headers, timeout=10)


def test_an_event_has_every_envelope_field_the_catalogue_requires(brink):
    event = brink.event(brink.add_order(brink.make_order([("1000", 1, "199.00")])))
    assert set(event) >= ENVELOPE_REQUIRED
    assert event["source"] == "brink.external.v1" and event["detail-type"] == "OrderCreated"
    assert all(isinstance(event[k], str) for k in ("version", "id", "account", "region", "time"))
    assert isinstance(event["resources"], list) and datetime.fromisoformat(event["time"])
    assert set(event["detail"]) == {"metadata", "data"} and isinstance(event["detail"]["metadata"]["awsRequestId"], str)


def test_order_events_carry_the_whole_order_and_an_incrementing_version(brink):
    created = brink.add_order(brink.make_order([("1000", 1, "199.00")]))
    data = brink.event(created)["detail"]["data"]
    assert set(data) >= ORDER_FIELDS and set(data["totals"]) == TOTALS
    assert all(isinstance(v, int) and not isinstance(v, bool) for v in data["totals"].values())
    updated = brink.event(brink.update_order(created["id"], [("1000", 1, "199.00"), ("2000", 2, "99.00")]),
                          "OrderUpdated")["detail"]["data"]
    again = brink.event(brink.update_order(created["id"], [("2000", 1, "99.00")]), "OrderUpdated")["detail"]["data"]
    assert [data["version"], updated["version"], again["version"]] == [1, 2, 3]  # "always incrementing" (B3)
    # whole-order events: every update carries the complete order, not the change
    assert set(updated) == set(data) and len(updated["orderLines"]) == 2 and len(again["orderLines"]) == 1
    assert updated["id"] == again["id"] == created["id"] and again["reference"] == created["reference"]


def test_a_refund_event_has_the_fields_the_catalogue_requires(brink):
    order = brink.add_order(brink.make_order([("1000", 2, "199.00")]))
    refund = brink.make_refund(order["id"], [("line-1", 1)], shipping=True)
    assert set(refund) >= REFUND_REQUIRED and refund["orderId"] == order["id"]
    assert brink.event(refund, "OrderRefunded")["detail"]["data"] == refund


@pytest.mark.parametrize("name", ["brink-order_webhook-1.json", "brink-product_webhook-1.json"])
def test_the_legacy_webhook_bodies_have_the_documented_shape(brink, name):
    documented = json.loads((CORPUS / name).read_text())
    service, state = documented["service"], documented["state"]
    assert brink.legacy_body(service, state, "x") == {**documented, f"{service}Id": "x"}
    with pytest.raises(ValueError):
        brink.legacy_body(service, "deleted", "x")  # a state Brink does not send (B5)


def test_the_url_check_is_the_documented_body(brink):
    from sandbox.brink_emulator.emulator import PING

    assert json.loads((CORPUS / "brink-verification_webhook-1.json").read_text()) == PING


def test_the_documented_stock_call_is_answered_with_its_object_and_a_batch_is_refused(brink):
    brink.add_product("829655_10")
    documented = {"productId": "829655_10", "stock": 7}  # the SDK README's cURL (B6a)
    answer = call(brink, "PUT", "/productv1/stocks", documented)
    assert answer.status_code == 200 and answer.json() == documented  # read back as BrinkStockUpdate (B6a)
    assert call(brink, "PUT", "/productv1/stocks", [documented]).status_code == 400  # one product per call
    for missing in ("productId", "stock"):
        body = {k: v for k, v in documented.items() if k != missing}
        assert call(brink, "PUT", "/productv1/stocks", body).status_code == 400, missing
    assert call(brink, "PUT", "/productv1/stocks", documented, key=None).status_code == 403


def test_products_are_the_product_service_s_wrapped_list_with_the_sdk_s_types(brink):
    brink.add_product("829655_10", stock=3)
    answer = call(brink, "GET", "/productv1/products?ids=829655_10,nope").json()
    assert list(answer) == ["products"] and [p["id"] for p in answer["products"]] == ["829655_10"]
    assert answer["products"][0]["type"] in {"variant", "product", "bundle"}  # BrinkProductType (B6a)
    api = brink_client.client_for(brink_shop(brink.base_url), KEY_SETTINGS, sleep=lambda s: None)
    assert list(api.products(["829655_10", "nope"])) == ["829655_10"]  # the bridge reads the wrapper


def test_the_documented_price_body_is_taken_and_each_field_removed_is_refused(brink):
    brink.add_product("variant-1")
    documented = {"storeGroupId": "sg-1", "productVariantId": "variant-1",  # the README's example (B6b)
                  "productVariantPrices": [{"basePriceAmount": 5000, "salePriceAmount": 4500, "countryCode": "SE"}]}
    assert call(brink, "PUT", "/price/product-variant-prices", documented).status_code == 200
    for missing in ("storeGroupId", "productVariantId", "productVariantPrices"):
        body = {k: v for k, v in documented.items() if k != missing}
        assert call(brink, "PUT", "/price/product-variant-prices", body).status_code == 400, missing
    for missing in ("basePriceAmount", "salePriceAmount", "countryCode"):
        row = {k: v for k, v in documented["productVariantPrices"][0].items() if k != missing}
        body = {**documented, "productVariantPrices": [row]}
        assert call(brink, "PUT", "/price/product-variant-prices", body).status_code == 400, missing


def test_the_unverified_paths_stay_behind_the_client_and_the_docs_name_them():
    section = (ROOT / "docs" / "platforms.md").read_text().split("## Brink Commerce", 1)[1].split("\n## ", 1)[0]
    for path in (brink_client.ORDER_PATH, brink_client.DELIVERIES_PATH, brink_client.PRICES_PATH):
        shown = path.replace("{order_id}", "{orderId}")
        assert shown in section, path
        assert "nverified" in section.split(shown, 1)[1][:400] or "nverified" in section.split(shown, 1)[0][-400:]
    # the verified ones are the SDK's
    assert brink_client.STOCK_PATH == "/productv1/stocks"
