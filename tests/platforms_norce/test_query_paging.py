"""Query 3.0's server-driven paging on the Norce emulator: the next-page link keeps the request's query options
($filter, $select, $orderby) with $skip moved on, as OData paging does, and the bridge follows it as given;
$select and $orderby shape the rows; refused query options answer OData's 400."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from core.platforms.norce.client import NorceClient
from sandbox.norce_emulator import NorceEmulator
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

SINCE = datetime(2026, 3, 1, tzinfo=UTC)


def start(page_size: int) -> NorceEmulator:
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7,
                        page_size=page_size).start()
    for n in range(5):
        emu.add_order(emu.make_order([("1000", 1, "10.00")], created=SINCE + timedelta(hours=5 - n)))
    return emu


def query(emu, params: dict) -> httpx.Response:
    token = emu.handle("POST", "/identity/1.0/connect/token", {},
                       f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
                       "&scope=stage".encode())[1]["access_token"]
    return httpx.get(f"{emu.base_url}/commerce/query/3.0/Orders/Orders", params=params, timeout=10,
                     headers={"Authorization": f"Bearer {token}", "ApplicationId": "1234"})


FILTER = "orderDate ge 2026-03-01T00:00:00Z and orderDate lt 2026-03-02T00:00:00Z"


def test_the_next_link_keeps_select_and_orderby_and_the_rows_follow_them():
    emu = start(page_size=2)
    try:
        first = query(emu, {"$filter": FILTER, "$select": "id,orderDate", "$orderby": "orderDate desc"}).json()
        assert [set(r) for r in first["value"]] == [{"id", "orderDate"}] * 2  # $select
        dates = [r["orderDate"] for r in first["value"]]
        assert dates == sorted(dates, reverse=True)  # $orderby desc
        link = parse_qs(urlsplit(first["@odata.nextLink"]).query)
        assert link == {"$filter": [FILTER], "$select": ["id,orderDate"], "$orderby": ["orderDate desc"],
                        "$skip": ["2"]}
    finally:
        emu.stop()


def test_refused_query_options_answer_odata_400():
    emu = start(page_size=2)
    try:
        for params in ({"$filter": FILTER, "$select": "id,nope"}, {"$filter": FILTER, "$orderby": "nope"},
                       {"$filter": FILTER, "$skip": "two"}, {"$filter": FILTER, "$orderby": "id sideways"}):
            response = query(emu, params)
            assert response.status_code == 400 and set(response.json()["error"]) == {"code", "message"}, params
    finally:
        emu.stop()


def test_the_bridge_follows_every_next_link_as_given():
    emu = start(page_size=2)
    try:
        with NorceClient(emu.base_url, CLIENT_ID, CLIENT_SECRET, scope="stage", application_id="1234", account_id=7,
                         sleep=lambda s: None) as api:
            orders = list(api.orders_updated_between(SINCE, SINCE + timedelta(days=1)))
        assert len(orders) == 5
        listings = [urlsplit(path) for method, path in emu.requests if "/query/" in path]
        assert len(listings) == 3  # 2 + 2 + 1
        for listing in listings:  # every page asked with the bridge's own $select and $orderby
            asked = parse_qs(listing.query)
            assert asked["$select"] == ["id,orderNo,orderDate"] and asked["$orderby"] == ["orderDate,id"]
        assert [parse_qs(x.query).get("$skip") for x in listings] == [None, ["2"], ["4"]]
    finally:
        emu.stop()
