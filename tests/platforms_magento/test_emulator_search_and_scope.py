"""The Magento emulator's searchCriteria and store scopes, held to magento2's code: every condition type
Mysql::prepareSqlCondition knows filters as its SQL does, an unknown one falls back to `eq` (no error), `is` and a
bad regexp are the masked 500 of a database error, a non-integer pageSize is the Webapi's 400 — and whatever the
query string, the emulator answers over HTTP (a property test). /rest/<store>/V1 and /rest/all/V1 select the store
(Magento_Webapi's PathProcessor); the bridge saves products through `all` so their values stay global."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.platforms.magento.client import MagentoClient
from sandbox.magento_emulator import MagentoEmulator
from sandbox.magento_emulator.emulator import CONDITION_TYPES

TOKEN = "t0ken"  # noqa: S105


@pytest.fixture(scope="module")
def emu():
    e = MagentoEmulator(access_token=TOKEN).start()
    e.add_product("MB-01", name="Shirt", price=10)
    e.add_product("MB-02", name="Shorts", price=25)
    e.add_product("CFG-1", name="Configurable", type_id="configurable", price=0)
    e.products["MB-02"]["color_set"] = "red,blue"
    e.products["MB-01"]["special_price"] = None
    yield e
    e.stop()


def search(emu, filters: list[tuple[str, str, str]], path: str = "/rest/V1/products", **extra) -> httpx.Response:
    params = {"searchCriteria[pageSize]": "50", **extra}
    for n, (field, value, condition) in enumerate(filters):
        base = f"searchCriteria[filter_groups][0][filters][{n}]"
        params.update({f"{base}[field]": field, f"{base}[value]": value, f"{base}[condition_type]": condition})
    return httpx.get(emu.base_url + path, params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def skus(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(item["sku"] for item in response.json()["items"])


@pytest.mark.parametrize(("field", "value", "condition", "expected"), [
    ("sku", "mb-%", "like", ["MB-01", "MB-02"]),          # LIKE, case-insensitive collation
    ("sku", "MB-0_", "nlike", ["CFG-1"]),
    ("sku", "MB-01,CFG-1", "nin", ["MB-02"]),
    ("price", "20", "from", ["MB-02"]),                   # from/to: >= and <=, numbers compared as numbers
    ("price", "10", "to", ["CFG-1", "MB-01"]),
    ("price", "9", "gt", ["MB-02", "MB-01"][::-1]),
    ("color_set", "blue", "finset", ["MB-02"]),           # FIND_IN_SET(value, field)
    ("color_set", "blue", "nfinset", []),                 # NULL (no value) matches no comparison
    ("special_price", "", "null", ["CFG-1", "MB-01", "MB-02"]),
    ("special_price", "", "notnull", []),
    ("name", "^sh", "regexp", ["MB-01", "MB-02"]),
    ("name", "", "seq", []),                              # seq '' is IS NULL
    ("name", "Shirt", "sneq", ["CFG-1", "MB-02"]),        # sneq 'x' is !=
    ("name", "hort", "fulltext", ["MB-02"]),              # FilterProcessor: like %value%
])
def test_the_condition_types_of_prepare_sql_condition_filter_as_magento_does(emu, field, value, condition, expected):
    assert condition in CONDITION_TYPES or condition == "fulltext"
    assert skus(search(emu, [(field, value, condition)])) == sorted(expected)


def test_an_unknown_condition_type_filters_as_eq_without_an_error(emu):
    # prepareSqlCondition: no key of its map, so the condition's value becomes a plain (eq) condition
    for unknown in ("moreq", "notin", "banana"):
        assert skus(search(emu, [("sku", "MB-02", unknown)])) == ["MB-02"]


def test_is_and_a_bad_regexp_are_the_masked_database_error(emu):
    for filters in ([("sku", "x", "is")], [("name", "([", "regexp")]):
        response = search(emu, filters)
        assert response.status_code == 500
        assert response.json()["message"].startswith("Internal Error. Details are available in Magento log file. "
                                                      "Report ID: webapi-")


def test_a_non_integer_page_size_is_the_webapi_type_error(emu):
    response = search(emu, [], **{"searchCriteria[pageSize]": "ten"})
    assert response.status_code == 400
    assert response.json()["message"] == ('Error occurred during "pageSize" processing. The "ten" value\'s type is '
                                          'invalid. The "int" type was expected. Verify and try again.')


def test_without_a_page_size_every_row_is_one_page(emu):
    response = httpx.get(emu.base_url + "/rest/V1/products", params={"searchCriteria[currentPage]": "1"},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.json()["total_count"] == 3 and len(response.json()["items"]) == 3


_criteria_key = st.one_of(
    st.sampled_from(["searchCriteria[pageSize]", "searchCriteria[currentPage]",
                     "searchCriteria[sortOrders][0][field]", "searchCriteria[sortOrders][0][direction]"]),
    st.builds(lambda g, f, part: f"searchCriteria[filter_groups][{g}][filters][{f}][{part}]",
              st.sampled_from(["0", "1", "x"]), st.sampled_from(["0", "1"]),
              st.sampled_from(["field", "value", "condition_type"])),
    st.text(max_size=30).map(lambda t: f"searchCriteria{t}"),
)
_criteria_value = st.one_of(st.sampled_from([*CONDITION_TYPES, "moreq", "sku", "name", "price", "-1", "0", "%",
                                             "\\", "(["]), st.text(max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_criteria_key, _criteria_value), max_size=8))
def test_any_search_criteria_query_is_answered_over_http(emu, pairs):
    response = httpx.get(emu.base_url + "/rest/V1/products", params=pairs,
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    # 2xx or 4xx, or the masked 500 Magento answers for what its database refuses (`is`, a bad regexp, a filter
    # without a field); never a dropped connection
    if response.status_code == 500:
        assert response.json()["message"].startswith("Internal Error. Details are available in Magento log file.")
    else:
        assert response.status_code in (200, 400), response.text


# ---- store scopes (Magento_Webapi's PathProcessor)

def test_rest_all_and_store_codes_select_the_store_and_other_codes_match_no_route():
    emu = MagentoEmulator(access_token=TOKEN).start()
    try:
        emu.add_product("MB-01", name="Shirt")
        emu.add_store("se", 2)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        # through the default store view (/rest/V1 = /rest/default/V1), a name is that view's override
        response = httpx.put(f"{emu.base_url}/rest/V1/products/MB-01", json={"product": {"name": "Skjorta"}},
                             headers=headers, timeout=10)
        assert response.status_code == 200 and response.json()["name"] == "Skjorta"
        assert emu.products["MB-01"]["name"] == "Shirt" and emu.product_overrides[("MB-01", 1)] == {"name": "Skjorta"}
        for path, name in (("/rest/all/V1/products", "Shirt"), ("/rest/se/V1/products", "Shirt"),
                           ("/rest/default/V1/products", "Skjorta")):
            page = httpx.get(emu.base_url + path, params={"searchCriteria[pageSize]": "5"}, headers=headers,
                             timeout=10)
            assert page.json()["items"][0]["name"] == name, path
        # through `all` (the admin store) it is the global value
        httpx.put(f"{emu.base_url}/rest/all/V1/products/MB-01", json={"product": {"name": "Tee"}}, headers=headers,
                  timeout=10)
        assert emu.products["MB-01"]["name"] == "Tee"
        unknown = httpx.get(f"{emu.base_url}/rest/nowhere/V1/products", params={"searchCriteria[pageSize]": "5"},
                            headers=headers, timeout=10)
        assert unknown.status_code == 404 and unknown.json()["message"] == "Request does not match any route."
        assert [r["store"] for r in emu.requests] == ["default", "all", "se", "default", "all", "nowhere"]
    finally:
        emu.stop()


def test_the_bridge_saves_a_product_name_globally_through_rest_all():
    emu = MagentoEmulator(access_token=TOKEN).start()
    try:
        emu.add_product("MB-01", name="Shirt")
        with MagentoClient(emu.base_url, TOKEN, max_attempts=1) as client:
            saved = client.update_product("MB-01", {"name": "Tee", "status": 2})
        assert saved["name"] == "Tee"
        assert emu.products["MB-01"]["name"] == "Tee" and emu.products["MB-01"]["status"] == 2
        assert emu.product_overrides == {}  # no store view override left behind
        assert emu.requests[-1]["path"] == "/rest/all/V1/products/MB-01"
    finally:
        emu.stop()
