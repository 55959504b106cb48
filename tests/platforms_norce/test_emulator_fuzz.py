"""Fuzzing the Norce emulator's routes over HTTP (Hypothesis): malformed JSON, bodies and Connect headers of the
wrong types, and odd query strings are answered 2xx or 4xx like Norce's API — never a dropped connection or an
unhandled error."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sandbox.norce_emulator import NorceEmulator
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 2**40), st.floats(allow_nan=False), st.text(max_size=8))
KEYS = ["AccountId", "FullFile", "SkuOnhandFieldsThatAreSet", "SkuPriceListFieldsThatAreSet", "CompanyFieldsThatAreSet",
        "CustomerFieldsThatAreSet", "IgnoreSkuPriceListFieldsWhenEmpty", "Skus", "PartNo", "WarehouseCode",
        "LocationCode", "OnhandValue", "PriceLists", "Code", "PriceSale", "Companies", "Customers", "Name",
        "ClientOrderRef", "ErpOrderNo", "OrderStatus", "Items", "Rows", "Quantity", "DeliveryNo", "Onhand"]
SHAPED = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=16)
# a header value is visible ASCII (what HTTP carries); JSON is dumped ASCII-escaped
HEADER = st.one_of(st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=20), st.fixed_dictionaries(
    {"AccountId": st.one_of(st.just(7), _scalar)},
    optional={"FullFile": _scalar, "SkuOnhandFieldsThatAreSet": SHAPED, "SkuPriceListFieldsThatAreSet": SHAPED,
              "CompanyFieldsThatAreSet": SHAPED, "CustomerFieldsThatAreSet": SHAPED,
              "IgnoreSkuPriceListFieldsWhenEmpty": SHAPED}).map(json.dumps))
POSTS = ["Product/ImportOnhands", "Product/ImportSkuPriceLists", "Customer/ImportCompanies",
         "Order/CreateDeliveryNote", "Order/SendOrderStatus"]
GETS = ["/commerce/order/1.1/GetOrderByBasket", "/commerce/order/1.1/GetOrder", "/commerce/query/3.0/Orders/Orders",
        "/commerce/connect/4.0/Job/Get", "/commerce/connect/4.0/Job/GetLog"]
QUERY_KEYS = ["basketId", "id", "$filter", "$skip", "$select", "$orderby", "$top"]


@pytest.fixture(scope="module")
def emu():
    e = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7).start()
    e.add_order(e.make_order([("1000", 1, "10.00")]))
    token = e.handle("POST", "/identity/1.0/connect/token", {},
                     f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
                     "&scope=stage".encode())[1]["access_token"]
    e.fuzz_headers = {"Authorization": f"Bearer {token}", "ApplicationId": "1234"}
    yield e
    e.stop()



@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(POSTS), HEADER,
       st.one_of(SHAPED.map(lambda v: json.dumps(v).encode()), st.binary(max_size=40)))
def test_any_connect_import_is_answered_2xx_or_4xx(emu, operation, header, content):
    response = httpx.post(f"{emu.base_url}/commerce/connect/4.0/{operation}", content=content, timeout=10,
                          headers={**emu.fuzz_headers, "X-StormConnect-Header": header,
                                   "Content-Type": "application/json"})
    assert 200 <= response.status_code < 500, (operation, header, content, response.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(GETS), st.lists(st.tuples(st.sampled_from(QUERY_KEYS), st.text(max_size=12)), max_size=4))
@example("/commerce/query/3.0/Orders/Orders",  # found by the fuzzing: it dropped the connection
         [("$filter", "orderDate ge 2026-01-01T00:00:00Z and orderDate lt 2026-01-02T00:00:00Z"), ("$skip", "x")])
def test_any_read_query_is_answered_2xx_or_4xx(emu, path, params):
    response = httpx.get(emu.base_url + path, params=params, headers=emu.fuzz_headers, timeout=10)
    assert 200 <= response.status_code < 500, (path, params, response.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=60))
def test_any_token_request_is_answered_2xx_or_4xx(emu, content):
    response = httpx.post(f"{emu.base_url}/identity/1.0/connect/token", content=content, timeout=10,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 200 <= response.status_code < 500, (content, response.text)
