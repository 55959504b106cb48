"""Geins' stock answer through HTTP, both shapes: wrapped under `Resource` when every row took, the bare
StockEnvelope when a row failed (G1 SKILL.md: "on an error the same object comes back unwrapped"), and the
bridge's client reads the counts from either; OrderQuery's StatusList and date fields are held to the values
G1 order.md documents."""

from __future__ import annotations

import httpx

from sandbox.geins_emulator.emulator import QUERY_STATUSES
from tests.platforms_geins.conftest import client_of


def call(emu, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{emu.base_url}/API{path}", auth=(emu.user, emu.password),
                         headers={"X-ApiKey": emu.api_key}, timeout=10, **kwargs)


def test_stock_is_wrapped_when_every_row_took_and_bare_when_one_failed(geins):
    geins.add_item("1000", stock=3)
    ok = call(geins, "PUT", "/Product/Stock", params={"productItemIdType": 1},
              json=[{"Id": "1000", "Stock": 5, "StockType": 0}]).json()
    assert ok["Message"] == "Success." and ok["Resource"]["UpdateCount"] == 1
    failed = call(geins, "PUT", "/Product/Stock", params={"productItemIdType": 1},
                  json=[{"Id": "1000", "Stock": 6, "StockType": 0}, {"Id": "NOPE", "Stock": 1, "StockType": 0}]).json()
    assert "Resource" not in failed
    assert failed["UpdateCount"] == 1 and [r["Id"] for r in failed["NotFound"]] == ["NOPE"]


def test_the_bridge_reads_the_counts_from_either_shape_over_http(geins):
    geins.add_item("1000", stock=3)
    with client_of(geins) as api:
        wrapped = api.set_stock([{"Id": "1000", "Stock": 4, "StockType": 0}])
        bare = api.set_stock([{"Id": "1000", "Stock": 9, "StockType": 0}, {"Id": "NOPE", "Stock": 1, "StockType": 0},
                              {"Id": "1000", "Stock": -2, "StockType": 0}])
    assert wrapped["UpdateCount"] == 1 and wrapped["NotFound"] == [] and wrapped["Invalid"] == []
    assert bare["UpdateCount"] == 1 and [r["Id"] for r in bare["NotFound"]] == ["NOPE"]
    assert [r["Stock"] for r in bare["Invalid"]] == [-2]
    assert geins.items["1000"]["Stock"] == 9


def test_status_list_takes_only_the_documented_statuses(geins):
    geins.add_order(geins.make_order([("1000", 1, "199.00")]))
    assert call(geins, "POST", "/Order/Query/1", json={"StatusList": ",".join(QUERY_STATUSES)}).status_code == 200
    for bad in ("pending-payment", "completed,shipped", "Completed"):
        answer = call(geins, "POST", "/Order/Query/1", json={"StatusList": bad})
        assert answer.status_code == 400 and answer.json()["Message"] == "The request is invalid.", bad
    assert call(geins, "POST", "/Order/Query/1", json={"StatusList": 5}).status_code == 400


def test_a_date_filter_that_is_no_date_time_is_refused_not_a_crash(geins):
    for bad in ("yesterday", 12, ["2026-01-01"]):
        answer = call(geins, "POST", "/Order/Query/1", json={"UpdatedAfter": bad})
        assert answer.status_code == 400 and "UpdatedAfter" in answer.json()["Details"][0], bad
