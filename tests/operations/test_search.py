"""Find anything: a record by the shop's order number, its external id, the BC document number or the e-mail."""

from __future__ import annotations

import json

import httpx
import pytest

from core.state import SyncLog, SyncStatus
from functions import operations as fo
from tests.operations.conftest import http, received_order
from tests.operations.test_sign_in import SESSION_COOKIE, signed_in_host  # noqa: F401 - the fixture

ORDER_ID = "gid://shopify/Order/5905123456789"


@pytest.fixture
def order_1043(ctx, shop):
    raw = json.dumps({"id": 5905123456789, "name": "#1043", "order_number": 1043,
                      "email": "Anna.Berg@example.com", "customer": {"email": "anna.berg@example.com"}}).encode()
    received_order(ctx, shop, ORDER_ID, raw)
    SyncLog(ctx.storage).record("orders", shop, ORDER_ID, SyncStatus.SUCCESS, bc_document="salesOrders 101005",
                                message="Imported.")
    # another order of the same shop, which no search below may return
    other = json.dumps({"id": 1, "name": "#1044", "email": "someone@example.com"}).encode()
    received_order(ctx, shop, "gid://shopify/Order/1", other)
    return shop


@pytest.mark.parametrize("query", ["1043", "#1043", ORDER_ID, "5905123456789", "101005",
                                   "anna.berg@example.com", "ANNA.BERG@example.com"])
def test_an_order_is_found_by_number_id_bc_document_or_email(ctx, order_1043, query):
    status, found = http(fo.ops_search, params={"q": query, "shop": order_1043})
    assert status == 200, found
    assert [r["external_id"] for r in found["records"]] == [ORDER_ID]
    assert found["records"][0]["bc_document"] == "salesOrders 101005"


def test_a_search_matches_whole_values_and_honours_the_filters(ctx, order_1043):
    assert http(fo.ops_search, params={"q": "104", "shop": order_1043})[1]["count"] == 0  # not a prefix match
    assert http(fo.ops_search, params={"q": "1043", "shop": order_1043, "status": "failed"})[1]["count"] == 0
    assert http(fo.ops_search, params={"q": "1043", "shop": order_1043, "flow": "refunds"})[1]["count"] == 0
    assert http(fo.ops_search, params={"q": " ", "shop": order_1043})[0] == 400


def test_a_reader_finds_an_order_through_the_signed_in_api_and_the_page_has_the_search_box(
        ctx, order_1043, signed_in_host):  # noqa: F811 - the fixture
    with httpx.Client(base_url=signed_in_host, timeout=10, cookies={SESSION_COOKIE: "reader-session"}) as reader:
        found = reader.get("/api/cockpit/search", params={"q": "#1043", "shop": order_1043}).json()
        page = reader.get("/api/cockpit/page").text
    assert [r["external_id"] for r in found["records"]] == [ORDER_ID]
    assert 'id="search-text"' in page and 'id="filter-from"' in page  # the search box and its filters
