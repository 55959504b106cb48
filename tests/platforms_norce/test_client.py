"""The Norce client against the emulator over HTTP (tokens, errors, retries), and the emulator against the
contract (contracts/platforms-wave2.md §1): it refuses what Norce refuses."""

from __future__ import annotations

import json

import httpx
import pytest

from core.errors import NeedsAttention, Retryable
from core.platforms.norce import parse
from core.platforms.norce.client import NorceClient, client_for
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET, norce_shop


def client(norce, **options) -> NorceClient:
    defaults = {"scope": "stage", "application_id": "1234", "account_id": 7, "sleep": lambda s: None}
    return NorceClient(norce.base_url, CLIENT_ID, CLIENT_SECRET, **{**defaults, **options})


def test_one_token_serves_many_clients_and_a_revoked_token_is_renewed_once(norce):
    order = norce.add_order(norce.make_order([("1000", 1, "159.20")]))
    for _ in range(3):
        with client(norce) as api:
            assert api.order(order["basket"])["QuotationId"] == int(order["basket"])
    assert norce.counters["tokens"] == 1  # the token endpoint allows 3 a minute: it is cached
    norce.revoke_tokens()
    with client(norce) as api:
        assert api.order(order["basket"]) is not None
    assert norce.counters["tokens"] == 2 and norce.counters["unauthorized"] == 1


def test_an_unknown_basket_is_none_and_load_order_says_not_found(norce):
    with client(norce) as api:
        assert api.order("999999") is None and api.order_by_id("1") is None
    with pytest.raises(NeedsAttention) as err:
        parse.load_order(b'{"OrderId": 1, "ClientOrderRef": "999999"}', norce_shop(norce.base_url),
                         client_factory=lambda shop: client(norce))
    assert err.value.code == "order_not_found" and "999999" in err.value.message


def test_an_event_with_only_an_order_id_is_fetched_by_id(norce):
    order = norce.add_order(norce.make_order([("1000", 1, "159.20")]))
    raw = json.dumps({"OrderId": order["order_id"], "ClientOrderRef": "0"}).encode()
    parsed = parse.load_order(raw, norce_shop(norce.base_url), client_factory=lambda shop: client(norce))
    assert parsed.external_id == order["basket"]
    assert ("GET", f"/commerce/order/1.1/GetOrder?id={order['order_id']}") in norce.requests


def test_wrong_credentials_and_a_missing_application_id_need_a_person(norce):
    with pytest.raises(NeedsAttention) as err:
        NorceClient(norce.base_url, CLIENT_ID, "wrong", scope="stage", application_id="1234").order("1")
    assert err.value.code == "shop_auth_failed" and "wrong" not in err.value.message + err.value.resolution
    with pytest.raises(NeedsAttention) as err:
        client(norce, application_id="").order("1")
    assert err.value.code == "shop_auth_failed"


def test_429_and_5xx_are_retried_then_retryable(norce):
    order = norce.add_order(norce.make_order([("1000", 1, "159.20")]))
    with client(norce) as api:
        api.order(order["basket"])  # token first
        norce.fail_next(429, retry_after=0)
        assert api.order(order["basket"]) is not None
        norce.fail_next(503, count=5)
        with pytest.raises(Retryable):
            api.order(order["basket"])
        norce.fail_next(400)
        with pytest.raises(NeedsAttention) as err:
            api.order(order["basket"])
        assert err.value.code == "shop_api_error"


def test_client_for_reads_client_id_and_secret_from_the_named_setting(norce):
    shop = norce_shop(norce.base_url)
    with pytest.raises(NeedsAttention) as err:
        client_for(shop, {})
    assert err.value.code == "missing_setting" and "NORCE_API" in err.value.message
    api = client_for(shop, {"NORCE_API": f"{CLIENT_ID}:{CLIENT_SECRET}"}, sleep=lambda s: None)
    assert api.account_id == 7 and api.order("1") is None


# ---- the emulator against the contract ----


def token(norce) -> str:
    return httpx.post(f"{norce.base_url}/identity/1.0/connect/token", timeout=5, data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "scope": "stage"}).json()["access_token"]


def test_emulator_refuses_what_the_contract_refuses(norce):
    base = norce.base_url
    # §1 Auth [N1]: unknown client; [N2]: Query and the order service need ApplicationId
    bad = httpx.post(f"{base}/identity/1.0/connect/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x", "scope": "stage"})
    assert bad.status_code == 400
    bearer = {"Authorization": f"Bearer {token(norce)}"}
    assert httpx.get(f"{base}/commerce/order/1.1/GetOrderByBasket?basketId=1").status_code == 401
    assert httpx.get(f"{base}/commerce/query/3.0/Orders/Orders", headers=bearer).status_code == 401
    # §1.2 [N6]: the X-StormConnect-Header is a JSON string with the AccountId
    onhands = f"{base}/commerce/connect/4.0/Product/ImportOnhands"
    rows = [{"PartNo": "1000", "WarehouseCode": "WH1", "LocationCode": "MAIN", "OnhandValue": 5}]
    assert httpx.post(onhands, json=rows, headers=bearer).status_code == 400
    wrong_account = {**bearer, "X-StormConnect-Header": json.dumps({"AccountId": 8,
                                                                    "SkuOnhandFieldsThatAreSet": ["OnhandValue"]})}
    assert httpx.post(onhands, json=rows, headers=wrong_account).status_code == 400
    # PartNo, WarehouseCode and LocationCode are required: counted as validation failures
    header = {**bearer, "X-StormConnect-Header": json.dumps({"AccountId": 7, "FullFile": False,
                                                             "SkuOnhandFieldsThatAreSet": ["OnhandValue"]})}
    answer = httpx.post(onhands, json=[{"PartNo": "1000", "OnhandValue": 1}], headers=header).json()
    assert answer["ValidationSummary"]["NrOfValidationFailures"] == 1 and answer["JobId"]
    # §1.3 [N10]: SendOrderStatus needs a reference and a status of the enum
    status = f"{base}/commerce/connect/4.0/Order/SendOrderStatus"
    assert httpx.post(status, json={"OrderStatus": "Delivered"}, headers=bearer).status_code == 400
    assert httpx.post(status, json={"ClientOrderRef": 1043, "OrderStatus": "Shipped"}, headers=bearer
                      ).status_code == 400
    assert httpx.post(status, json={"ClientOrderRef": 1043, "OrderStatus": "Delivered"}, headers=bearer
                      ).status_code == 200


def test_emulator_throttles_the_token_endpoint(norce):
    norce.token_limit = 2
    token(norce), token(norce)
    throttled = httpx.post(f"{norce.base_url}/identity/1.0/connect/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "stage"})
    assert throttled.status_code == 429  # 3 a minute per IP [N1]


def test_the_query_listing_never_follows_a_next_page_to_another_host():
    from datetime import UTC, datetime

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/connect/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.example/steal"})

    api = NorceClient("https://demo.api-se.norce.tech", "c", "s", transport=httpx.MockTransport(answer),
                      sleep=lambda s: None)
    with pytest.raises(NeedsAttention) as err:
        list(api.orders_updated_between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)))
    assert err.value.code == "shop_api_error" and "evil.example" in err.value.message
