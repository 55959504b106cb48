"""Protocol contract of Business Central API v2.0 (contracts/bc-api.md), runnable against BC itself.

Only `bc_api` (client with base URL = API root and auth) and `bc_company_id` are used, and data is
discovered rather than assumed (first customer, first Inventory item with a price, a payment journal), so
the same tests run against a real BC sandbox when BC_CONTRACT_* is set (see conftest.py). Documents created
here carry a unique external document number.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

EMPTY = "00000000-0000-0000-0000-000000000000"


def company_path(cid: str, rest: str) -> str:
    return f"companies({cid})/{rest}"


def error_of(response: httpx.Response) -> dict:
    return response.json()["error"]


def first(api: httpx.Client, cid: str, set_name: str, filter_: str | None = None) -> dict:
    params = {"$top": "1"}
    if filter_:
        params["$filter"] = filter_
    response = api.get(company_path(cid, set_name), params=params)
    assert response.status_code == 200, response.text
    rows = response.json()["value"]
    assert rows, f"no {set_name} matching {filter_!r} in this company"
    return rows[0]


@pytest.fixture
def customer(bc_api, bc_company_id) -> dict:
    return first(bc_api, bc_company_id, "customers", "blocked eq '_x0020_'")


@pytest.fixture
def items(bc_api, bc_company_id) -> list[dict]:
    response = bc_api.get(company_path(bc_company_id, "items"),
                          params={"$filter": "type eq 'Inventory' and unitPrice gt 0 and blocked eq false",
                                  "$top": "2"})
    rows = response.json()["value"]
    assert len(rows) == 2
    return rows


def ext_no() -> str:
    return f"ct-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def created(bc_api, bc_company_id):
    """Collects (set, id) of created documents and deletes what is left at the end."""
    made: list[tuple[str, str]] = []
    yield made
    for set_name, key in made:
        bc_api.delete(company_path(bc_company_id, f"{set_name}({key})"), headers={"If-Match": "*"})


def make_order(api, cid, customer, items, created, **extra) -> dict:
    body = {
        "customerNumber": customer["number"],
        "externalDocumentNumber": ext_no(),
        "salesOrderLines": [
            {"lineType": "Item", "lineObjectNumber": items[0]["number"], "quantity": 3, "unitPrice": 10.5},
            {"lineType": "Item", "itemId": items[1]["id"], "quantity": 1, "unitPrice": 99.99},
        ],
        **extra,
    }
    response = api.post(company_path(cid, "salesOrders"), json=body, params={"$expand": "salesOrderLines"})
    assert response.status_code == 201, response.text
    order = response.json()
    created.append(("salesOrders", order["id"]))
    return order


# -- auth, companies, basics ---------------------------------------------------------------------------------


def test_request_without_bearer_token_is_401(bc_api):
    response = httpx.get(str(bc_api.base_url) + "companies", timeout=30)
    assert response.status_code == 401
    if response.content:
        assert error_of(response)["code"] == "Authentication_InvalidCredentials"


def test_companies_list_contains_the_company_with_its_fields(bc_api, bc_company_id):
    response = bc_api.get("companies")
    assert response.status_code == 200
    ids = {c["id"] for c in response.json()["value"]}
    assert bc_company_id in ids
    one = bc_api.get(f"companies({bc_company_id})").json()
    assert {"id", "name", "displayName", "systemVersion"} <= set(one)


def test_every_record_has_a_weak_etag_and_last_modified(bc_api, bc_company_id, customer):
    assert customer["@odata.etag"].startswith('W/"')
    assert customer["lastModifiedDateTime"].endswith("Z")
    assert len(customer["id"]) == 36


def test_missing_record_is_404_not_found(bc_api, bc_company_id):
    response = bc_api.get(company_path(bc_company_id, f"customers({uuid.uuid4()})"))
    assert response.status_code == 404
    assert error_of(response)["code"] == "BadRequest_NotFound"
    assert "CorrelationId:" in error_of(response)["message"]


# -- sales orders ---------------------------------------------------------------------------------------------


def test_deep_insert_creates_order_with_lines_and_computed_totals(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    lines = order["salesOrderLines"]
    assert [line["quantity"] for line in lines] == [3, 1]
    assert lines[0]["amountExcludingTax"] == pytest.approx(31.5)
    assert lines[1]["amountExcludingTax"] == pytest.approx(99.99)
    assert order["totalAmountExcludingTax"] == pytest.approx(31.5 + 99.99)
    assert order["totalAmountIncludingTax"] == pytest.approx(
        order["totalAmountExcludingTax"] + order["totalTaxAmount"])
    assert order["totalTaxAmount"] == pytest.approx(sum(line["totalTaxAmount"] for line in lines))
    assert order["status"] == "Draft"
    assert order["customerNumber"] == customer["number"]
    assert order["number"]


def test_order_without_customer_names_the_missing_fields(bc_api, bc_company_id):
    response = bc_api.post(company_path(bc_company_id, "salesOrders"), json={"externalDocumentNumber": ext_no()})
    assert response.status_code == 400
    assert 'A "customerNumber" or a "customerId" must be provided.' in error_of(response)["message"]


@pytest.mark.parametrize("field,value", [("number", "X1"), ("totalAmountIncludingTax", 5), ("status", "Open"),
                                         ("customerName", "Someone")])
def test_read_only_field_in_body_is_rejected_naming_it(bc_api, bc_company_id, customer, field, value):
    response = bc_api.post(company_path(bc_company_id, "salesOrders"),
                           json={"customerNumber": customer["number"], field: value})
    assert response.status_code == 400
    assert field in error_of(response)["message"]


def test_unknown_property_is_rejected(bc_api, bc_company_id, customer):
    response = bc_api.post(company_path(bc_company_id, "salesOrders"),
                           json={"customerNumber": customer["number"], "shippingAgent": "DHL"})
    assert response.status_code == 400
    assert "shippingAgent" in error_of(response)["message"]


def test_external_document_number_is_uppercased_code35(bc_api, bc_company_id, customer, created):
    response = bc_api.post(company_path(bc_company_id, "salesOrders"),
                           json={"customerNumber": customer["number"], "externalDocumentNumber": "shop-#1001-ab"})
    assert response.status_code == 201
    created.append(("salesOrders", response.json()["id"]))
    assert response.json()["externalDocumentNumber"] == "SHOP-#1001-AB"
    too_long = bc_api.post(company_path(bc_company_id, "salesOrders"),
                           json={"customerNumber": customer["number"], "externalDocumentNumber": "X" * 36})
    assert too_long.status_code == 400
    assert error_of(too_long)["code"] == "Application_StringExceededLength"


def test_prefer_return_no_content_gives_204_with_location(bc_api, bc_company_id, customer, created):
    response = bc_api.post(company_path(bc_company_id, "salesOrders"), json={"customerNumber": customer["number"]},
                           headers={"Prefer": "return-no-content"})
    assert response.status_code == 204
    assert "salesOrders(" in response.headers["Location"]
    created.append(("salesOrders", response.headers["Location"].rsplit("(", 1)[1].rstrip(")")))


def test_line_with_item_and_account_is_rejected(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    accounts = bc_api.get(company_path(bc_company_id, "accounts"), params={"$top": "1"}).json()["value"]
    response = bc_api.post(company_path(bc_company_id, f"salesOrders({order['id']})/salesOrderLines"),
                           json={"itemId": items[0]["id"], "accountId": accounts[0]["id"], "quantity": 1})
    assert response.status_code == 400
    assert 'Both "itemId" and "accountId"' in error_of(response)["message"]


def test_line_with_unknown_item_id_is_rejected(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.post(company_path(bc_company_id, f"salesOrders({order['id']})/salesOrderLines"),
                           json={"lineType": "Item", "itemId": str(uuid.uuid4()), "quantity": 1})
    assert response.status_code == 400
    assert "Item does not exist." in error_of(response)["message"]


def test_company_level_lines_need_a_document_filter(bc_api, bc_company_id, customer, items, created):
    response = bc_api.get(company_path(bc_company_id, "salesOrderLines"))
    assert response.status_code == 400
    assert "You must specify an Id or a Document Id to get the lines." in error_of(response)["message"]
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.get(company_path(bc_company_id, "salesOrderLines"),
                          params={"$filter": f"documentId eq {order['id']}"})
    assert response.status_code == 200
    assert len(response.json()["value"]) == 2


# -- ETags ----------------------------------------------------------------------------------------------------


def test_patch_without_if_match_is_400_invalid_token(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.patch(company_path(bc_company_id, f"salesOrders({order['id']})"),
                            json={"externalDocumentNumber": "X"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "BadRequest_InvalidToken"
    assert "Could not validate the client concurrency token" in error_of(response)["message"]


def test_patch_with_stale_etag_is_409_entity_changed(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    path = company_path(bc_company_id, f"salesOrders({order['id']})")
    stale = bc_api.get(path).json()["@odata.etag"]
    first_patch = bc_api.patch(path, json={"externalDocumentNumber": ext_no()}, headers={"If-Match": stale})
    assert first_patch.status_code == 200
    assert first_patch.json()["@odata.etag"] != stale
    second = bc_api.patch(path, json={"externalDocumentNumber": ext_no()}, headers={"If-Match": stale})
    assert second.status_code == 409
    assert error_of(second)["code"] == "Request_EntityChanged"
    assert "Another user has already changed the record." in error_of(second)["message"]


def test_if_match_star_is_accepted_and_delete_is_204(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    path = company_path(bc_company_id, f"salesOrders({order['id']})")
    assert bc_api.patch(path, json={"externalDocumentNumber": ext_no()}, headers={"If-Match": "*"}).status_code == 200
    assert bc_api.delete(path).status_code == 400
    assert bc_api.delete(path, headers={"If-Match": "*"}).status_code == 204
    assert bc_api.get(path).status_code == 404


def test_duplicate_customer_number_is_409(bc_api, bc_company_id, customer):
    response = bc_api.post(company_path(bc_company_id, "customers"),
                           json={"number": customer["number"], "displayName": "Duplicate"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "Internal_EntityWithSameKeyExists"


# -- OData query options ---------------------------------------------------------------------------------------


def test_filter_in_startswith_and_select(bc_api, bc_company_id, items):
    numbers = [i["number"] for i in items]
    response = bc_api.get(company_path(bc_company_id, "items"), params={
        "$filter": f"number in ('{numbers[0]}','{numbers[1]}')", "$select": "number,inventory"})
    assert response.status_code == 200
    rows = response.json()["value"]
    assert sorted(r["number"] for r in rows) == sorted(numbers)
    assert set(rows[0]) == {"@odata.etag", "number", "inventory"}
    prefix = numbers[0][:2]
    started = bc_api.get(company_path(bc_company_id, "items"),
                         params={"$filter": f"startswith(number,'{prefix}')"}).json()["value"]
    assert started and all(r["number"].startswith(prefix) for r in started)


def test_filter_string_escaping_and_comparisons(bc_api, bc_company_id, customer):
    response = bc_api.get(company_path(bc_company_id, "customers"),
                          params={"$filter": "displayName eq 'O''Brien does not exist'"})
    assert response.status_code == 200 and response.json()["value"] == []
    by_id = bc_api.get(company_path(bc_company_id, "customers"), params={"$filter": f"id eq {customer['id']}"})
    assert [c["number"] for c in by_id.json()["value"]] == [customer["number"]]
    since = bc_api.get(company_path(bc_company_id, "customers"),
                       params={"$filter": "lastModifiedDateTime gt 2000-01-01T00:00:00Z", "$top": "5"})
    assert since.status_code == 200 and since.json()["value"]


def test_unknown_property_in_filter_is_400(bc_api, bc_company_id):
    response = bc_api.get(company_path(bc_company_id, "items"), params={"$filter": "nosuchfield eq 1"})
    assert response.status_code == 400


def test_expand_lines_and_dimension_set_lines(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.get(company_path(bc_company_id, f"salesOrders({order['id']})"),
                          params={"$expand": "salesOrderLines($select=sequence,quantity),dimensionSetLines",
                                  "$select": "number"})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order["number"]
    assert [set(line) for line in body["salesOrderLines"]] == [{"@odata.etag", "sequence", "quantity"}] * 2
    # A new document carries its customer's default dimensions (Sales Header CreateDimFromDefaultDim).
    defaults = bc_api.get(company_path(bc_company_id, f"customers({customer['id']})/defaultDimensions")).json()
    assert {(d["code"], d["valueCode"]) for d in body["dimensionSetLines"]} == {
        (d["dimensionCode"], d["dimensionValueCode"]) for d in defaults["value"] if d["dimensionValueCode"]}


def test_server_paging_with_maxpagesize_gives_absolute_next_links(bc_api, bc_company_id):
    seen, url, pages = [], company_path(bc_company_id, "items"), 0
    params = {"$select": "id"}
    while url and pages < 50:
        response = bc_api.get(url, params=params, headers={"Prefer": "odata.maxpagesize=2"})
        assert response.status_code == 200
        assert "odata.maxpagesize=2" in response.headers.get("Preference-Applied", "")
        body = response.json()
        assert len(body["value"]) <= 2
        seen += [r["id"] for r in body["value"]]
        url, params = body.get("@odata.nextLink"), None
        if url:
            assert url.startswith("http")
        pages += 1
    total = bc_api.get(company_path(bc_company_id, "items"), params={"$select": "id"}).json()["value"]
    assert len(seen) == len(set(seen)) == len(total)
    assert pages >= 2


# -- $batch ----------------------------------------------------------------------------------------------------


def test_batch_runs_operations_and_returns_responses_by_id(bc_api, bc_company_id, customer):
    requests = [{"method": "GET", "id": f"r{i}", "url": company_path(bc_company_id, f"customers({customer['id']})"),
                 "headers": {}} for i in range(3)]
    response = bc_api.post("$batch", json={"requests": requests})
    assert response.status_code == 200
    answers = response.json()["responses"]
    assert sorted(a["id"] for a in answers) == ["r0", "r1", "r2"]
    assert all(a["status"] == 200 and a["body"]["number"] == customer["number"] for a in answers)


def test_batch_over_100_operations_is_400(bc_api, bc_company_id):
    requests = [{"method": "GET", "id": str(i), "url": company_path(bc_company_id, "currencies"), "headers": {}}
                for i in range(101)]
    assert bc_api.post("$batch", json={"requests": requests}).status_code == 400


def test_snapshot_batch_rolls_back_everything_on_failure(bc_api, bc_company_id, customer):
    ext = ext_no()
    good = {"method": "POST", "id": "good", "url": company_path(bc_company_id, "salesOrders"),
            "headers": {"Content-Type": "application/json"},
            "body": {"customerNumber": customer["number"], "externalDocumentNumber": ext}}
    bad = {"method": "POST", "id": "bad", "url": company_path(bc_company_id, "salesOrders"),
           "headers": {"Content-Type": "application/json"}, "body": {"externalDocumentNumber": ext}}
    response = bc_api.post("$batch", json={"requests": [good, bad]}, headers={"Isolation": "snapshot"})
    statuses = {a["id"]: a["status"] for a in response.json().get("responses", [])}
    assert response.status_code >= 400 or statuses.get("bad", 400) >= 400
    found = bc_api.get(company_path(bc_company_id, "salesOrders"),
                       params={"$filter": f"externalDocumentNumber eq '{ext.upper()}'"}).json()["value"]
    assert found == []


# -- posting ---------------------------------------------------------------------------------------------------


def ship_and_invoice(api, cid, order) -> dict:
    response = api.post(company_path(cid, f"salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"))
    assert response.status_code == 204, response.text
    invoices = api.get(company_path(cid, "salesInvoices"),
                       params={"$filter": f"orderNumber eq '{order['number']}'"}).json()["value"]
    assert len(invoices) == 1
    return invoices[0]


def test_ship_and_invoice_turns_the_order_into_invoice_and_shipment(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    invoice = ship_and_invoice(bc_api, bc_company_id, order)
    assert invoice["externalDocumentNumber"] == order["externalDocumentNumber"]
    assert invoice["status"] == "Open"
    assert invoice["totalAmountIncludingTax"] == pytest.approx(order["totalAmountIncludingTax"])
    assert bc_api.get(company_path(bc_company_id, f"salesOrders({order['id']})")).status_code == 404
    shipments = bc_api.get(company_path(bc_company_id, "salesShipments"),
                           params={"$filter": f"orderNumber eq '{order['number']}'"}).json()["value"]
    assert len(shipments) == 1
    lines = bc_api.get(company_path(bc_company_id, f"salesShipments({shipments[0]['id']})/salesShipmentLines"))
    assert sorted(line["quantity"] for line in lines.json()["value"]) == [1, 3]
    again = bc_api.post(company_path(bc_company_id, f"salesInvoices({invoice['id']})/Microsoft.NAV.post"))
    assert again.status_code == 400
    assert "The action can be applied to a draft invoice only." in error_of(again)["message"]


def test_charge_line_is_accepted_but_ship_and_invoice_fails(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.post(company_path(bc_company_id, f"salesOrders({order['id']})/salesOrderLines"),
                           json={"lineType": "Charge", "lineObjectNumber": "S-FREIGHT", "quantity": 1,
                                 "unitPrice": 49})
    assert response.status_code == 201, response.text
    post = bc_api.post(company_path(bc_company_id, f"salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"))
    assert post.status_code == 400
    assert "You must assign item charge S-FREIGHT if you want to invoice it." in error_of(post)["message"]


def test_draft_invoice_post(bc_api, bc_company_id, customer, items, created):
    response = bc_api.post(company_path(bc_company_id, "salesInvoices"), json={
        "customerNumber": customer["number"], "externalDocumentNumber": ext_no(),
        "salesInvoiceLines": [{"lineType": "Item", "itemId": items[0]["id"], "quantity": 1, "unitPrice": 10}]})
    assert response.status_code == 201
    draft = response.json()
    created.append(("salesInvoices", draft["id"]))
    assert draft["status"] == "Draft"
    post = bc_api.post(company_path(bc_company_id, f"salesInvoices({draft['id']})/Microsoft.NAV.post"))
    assert post.status_code == 204
    posted = bc_api.get(company_path(bc_company_id, f"salesInvoices({draft['id']})")).json()
    assert posted["status"] == "Open"


def test_credit_memo_invoice_link_is_validated(bc_api, bc_company_id, customer, items, created):
    invoice = ship_and_invoice(bc_api, bc_company_id, make_order(bc_api, bc_company_id, customer, items, created))
    path = company_path(bc_company_id, "salesCreditMemos")
    mismatch = bc_api.post(path, json={"customerNumber": customer["number"], "invoiceId": invoice["id"],
                                       "invoiceNumber": "NOPE-1"})
    assert mismatch.status_code == 400
    assert 'The "invoiceId" and "invoiceNumber" do not match to a specific Invoice.' in error_of(mismatch)["message"]
    unknown = bc_api.post(path, json={"customerNumber": customer["number"], "invoiceId": str(uuid.uuid4())})
    assert unknown.status_code == 400
    good = bc_api.post(path, json={"customerNumber": customer["number"], "invoiceId": invoice["id"],
                                   "salesCreditMemoLines": [{"lineType": "Item", "itemId": items[0]["id"],
                                                             "quantity": 1, "unitPrice": 10.5}]})
    assert good.status_code == 201, good.text
    memo = good.json()
    created.append(("salesCreditMemos", memo["id"]))
    assert memo["invoiceNumber"] == invoice["number"]
    assert bc_api.post(company_path(bc_company_id, f"salesCreditMemos({memo['id']})/Microsoft.NAV.post")
                       ).status_code == 204


def test_customer_payment_with_positive_amount_fails_on_post(bc_api, bc_company_id, customer, items, created):
    invoice = ship_and_invoice(bc_api, bc_company_id, make_order(bc_api, bc_company_id, customer, items, created))
    journal = first(bc_api, bc_company_id, "customerPaymentJournals")
    payments = company_path(bc_company_id, f"customerPaymentJournals({journal['id']})/customerPayments")
    existing = bc_api.get(payments).json()["value"]
    assert existing == [], "the payment journal must be empty for this test"
    response = bc_api.post(payments, json={"customerNumber": customer["number"], "appliesToInvoiceId": invoice["id"],
                                           "amount": invoice["totalAmountIncludingTax"]})
    assert response.status_code == 201, response.text
    payment = response.json()
    try:
        post = bc_api.post(company_path(bc_company_id, f"journals({journal['id']})/Microsoft.NAV.post"))
        assert post.status_code == 400
        assert "must be negative" in error_of(post)["message"]
        fixed = bc_api.patch(f"{payments}({payment['id']})", json={"amount": -invoice["totalAmountIncludingTax"]},
                             headers={"If-Match": "*"})
        assert fixed.status_code == 200
        post = bc_api.post(company_path(bc_company_id, f"journals({journal['id']})/Microsoft.NAV.post"))
        assert post.status_code == 204, post.text
        paid = bc_api.get(company_path(bc_company_id, f"salesInvoices({invoice['id']})")).json()
        assert paid["status"] == "Paid" and paid["remainingAmount"] == 0
    finally:
        bc_api.delete(f"{payments}({payment['id']})", headers={"If-Match": "*"})


def test_empty_journal_post_says_nothing_to_post(bc_api, bc_company_id):
    journal = first(bc_api, bc_company_id, "customerPaymentJournals")
    lines = bc_api.get(company_path(bc_company_id, f"customerPaymentJournals({journal['id']})/customerPayments"))
    assert lines.json()["value"] == []
    post = bc_api.post(company_path(bc_company_id, f"journals({journal['id']})/Microsoft.NAV.post"))
    assert post.status_code == 400
    assert "There is nothing to post." in error_of(post)["message"]


# -- what the APIV2 pages and the Base App behind them do (issue 10) ----------------------------------------------


def two_customers(api, cid) -> list[dict]:
    rows = api.get(company_path(cid, "customers"), params={"$filter": "blocked eq '_x0020_'", "$top": "2"})
    assert rows.status_code == 200, rows.text
    assert len(rows.json()["value"]) == 2
    return rows.json()["value"]


def gl_account(api, cid) -> dict:
    return first(api, cid, "accounts", "directPosting eq true and blocked eq false")


def test_deep_insert_with_header_discount_fails_before_any_line_exists(bc_api, bc_company_id, customer, items):
    """APIV2SalesOrders OnInsertRecord → UpdateDiscount → codeunit 56 ApplyInvDiscBasedOnAmt: no line yet, so the
    discount base is zero and BC refuses; nothing is created."""
    ext = ext_no()
    response = bc_api.post(company_path(bc_company_id, "salesOrders"), json={
        "customerNumber": customer["number"], "externalDocumentNumber": ext, "discountAmount": 5,
        "salesOrderLines": [{"lineType": "Item", "itemId": items[0]["id"], "quantity": 2, "unitPrice": 10}]})
    assert response.status_code == 400
    assert "Allow Invoice Disc." in error_of(response)["message"]
    found = bc_api.get(company_path(bc_company_id, "salesOrders"),
                       params={"$filter": f"externalDocumentNumber eq '{ext.upper()}'"}).json()["value"]
    assert found == []


def test_discount_patched_after_creation_is_spread_over_item_lines_only(bc_api, bc_company_id, customer, items,
                                                                        created):
    """Create, then PATCH discountAmount with If-Match. G/L account lines never take invoice discount (Sales Line
    CopyFromGLAccount clears Allow Invoice Disc.); a document of G/L lines only has no base at all."""
    account = gl_account(bc_api, bc_company_id)
    order = make_order(bc_api, bc_company_id, customer, items, created)
    path = company_path(bc_company_id, f"salesOrders({order['id']})")
    added = bc_api.post(f"{path}/salesOrderLines", json={"lineType": "Account", "lineObjectNumber": account["number"],
                                                         "quantity": 1, "unitPrice": 40})
    assert added.status_code == 201, added.text
    etag = bc_api.get(path).json()["@odata.etag"]
    patched = bc_api.patch(path, json={"discountAmount": 13.15}, headers={"If-Match": etag})
    assert patched.status_code == 200, patched.text
    lines = bc_api.get(f"{path}/salesOrderLines").json()["value"]
    by_type = {line["lineType"]: line for line in lines}
    assert by_type["Account"]["invoiceDiscountAllocation"] == 0
    assert sum(line["invoiceDiscountAllocation"] for line in lines) == pytest.approx(13.15)
    assert patched.json()["totalAmountExcludingTax"] == pytest.approx(31.5 + 99.99 + 40 - 13.15)

    only_gl = bc_api.post(company_path(bc_company_id, "salesOrders"), json={
        "customerNumber": customer["number"], "externalDocumentNumber": ext_no(),
        "salesOrderLines": [{"lineType": "Account", "lineObjectNumber": account["number"], "quantity": 1,
                             "unitPrice": 40}]})
    assert only_gl.status_code == 201, only_gl.text
    created.append(("salesOrders", only_gl.json()["id"]))
    refused = bc_api.patch(company_path(bc_company_id, f"salesOrders({only_gl.json()['id']})"),
                           json={"discountAmount": 5}, headers={"If-Match": only_gl.json()["@odata.etag"]})
    assert refused.status_code == 400
    assert "Allow Invoice Disc." in error_of(refused)["message"]


@pytest.fixture
def customer_with_default_dimension(bc_api, bc_company_id, created):
    """A new customer with one default dimension (the first dimension that has a value)."""
    for dimension in bc_api.get(company_path(bc_company_id, "dimensions")).json()["value"]:
        values = bc_api.get(company_path(bc_company_id, f"dimensions({dimension['id']})/dimensionValues")).json()
        if values["value"]:
            break
    else:
        pytest.fail("no dimension with values in this company")
    made = bc_api.post(company_path(bc_company_id, "customers"), json={"displayName": f"Contract {ext_no()}"})
    assert made.status_code == 201, made.text
    new = made.json()
    default = bc_api.post(company_path(bc_company_id, f"customers({new['id']})/defaultDimensions"), json={
        "dimensionId": dimension["id"], "dimensionValueId": values["value"][0]["id"]})
    assert default.status_code == 201, default.text
    assert default.json()["parentType"] == "Customer" and default.json()["parentId"] == new["id"]
    yield new, dimension, values["value"]
    created.append(("customers", new["id"]))


def test_customer_default_dimensions_are_copied_and_a_header_line_with_the_same_code_is_refused(
        bc_api, bc_company_id, customer_with_default_dimension, items, created):
    """Sales Header copies the customer's default dimensions; APIV2DimensionSetLines then refuses a second line
    with that code (RecordAlreadyExistErr). The way: read the document's lines, PATCH the existing one."""
    new_customer, dimension, values = customer_with_default_dimension
    clash = bc_api.post(company_path(bc_company_id, "salesOrders"), json={
        "customerNumber": new_customer["number"], "externalDocumentNumber": ext_no(),
        "dimensionSetLines": [{"code": dimension["code"], "valueCode": values[-1]["code"]}]})
    assert clash.status_code == 400
    assert "The dimension set line already exists." in error_of(clash)["message"]

    order = make_order(bc_api, bc_company_id, new_customer, items, created)
    lines_path = company_path(bc_company_id, f"salesOrders({order['id']})/dimensionSetLines")
    (line,) = bc_api.get(lines_path).json()["value"]
    assert (line["code"], line["valueCode"]) == (dimension["code"], values[0]["code"])
    again = bc_api.post(lines_path, json={"code": dimension["code"], "valueCode": values[-1]["code"]})
    assert again.status_code == 400
    patched = bc_api.patch(f"{lines_path}({line['id']})", json={"valueCode": values[-1]["code"]},
                           headers={"If-Match": line["@odata.etag"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["valueCode"] == values[-1]["code"]


def test_order_date_is_the_document_date_and_becomes_the_invoice_date(bc_api, bc_company_id, customer, items,
                                                                      created):
    """APIV2SalesOrders binds orderDate to "Document Date"; posting keeps it as the invoice's invoiceDate, while
    postingDate stays the posting date."""
    from datetime import date, timedelta

    posting = date.today().isoformat()
    document = (date.today() - timedelta(days=10)).isoformat()
    order = make_order(bc_api, bc_company_id, customer, items, created, orderDate=document, postingDate=posting)
    assert (order["orderDate"], order["postingDate"]) == (document, posting)
    invoice = ship_and_invoice(bc_api, bc_company_id, order)
    assert (invoice["invoiceDate"], invoice["postingDate"]) == (document, posting)


def test_credit_memo_takes_its_tax_basis_from_the_customer(bc_api, bc_company_id, customer, items, created):
    """pricesIncludeTax is Editable = false on APIV2SalesCreditMemos: the memo has the customer's basis (the same
    a draft invoice of that customer gets by default), whatever the invoice it applies to had."""
    path = company_path(bc_company_id, "salesCreditMemos")
    refused = bc_api.post(path, json={"customerNumber": customer["number"], "pricesIncludeTax": True})
    assert refused.status_code == 400
    assert "Control 'pricesIncludeTax' is read-only." in error_of(refused)["message"]
    draft = bc_api.post(company_path(bc_company_id, "salesInvoices"), json={"customerNumber": customer["number"]})
    assert draft.status_code == 201
    created.append(("salesInvoices", draft.json()["id"]))
    basis = draft.json()["pricesIncludeTax"]
    order = make_order(bc_api, bc_company_id, customer, items, created, pricesIncludeTax=not basis)
    invoice = ship_and_invoice(bc_api, bc_company_id, order)
    assert invoice["pricesIncludeTax"] is (not basis)
    memo = bc_api.post(path, json={"customerNumber": customer["number"], "invoiceId": invoice["id"]})
    assert memo.status_code == 201, memo.text
    created.append(("salesCreditMemos", memo.json()["id"]))
    assert memo.json()["pricesIncludeTax"] is basis


@pytest.mark.parametrize("field", ["sellToAddressLine2", "shipToAddressLine2"])
def test_address_line_2_holds_50_characters(bc_api, bc_company_id, customer, created, field):
    """Sales Header "Sell-to Address 2" / "Ship-to Address 2" are Text[50]."""
    path = company_path(bc_company_id, "salesOrders")
    fits = bc_api.post(path, json={"customerNumber": customer["number"], field: "x" * 50})
    assert fits.status_code == 201, fits.text
    created.append(("salesOrders", fits.json()["id"]))
    too_long = bc_api.post(path, json={"customerNumber": customer["number"], field: "x" * 51})
    assert too_long.status_code == 400
    assert error_of(too_long)["code"] == "Application_StringExceededLength"


@pytest.mark.parametrize("sent", ["G/L Account", "G_x002F_L_x0020_Account"])
def test_journal_account_type_is_answered_encoded(bc_api, bc_company_id, sent):
    """Enum members travel as OData identifiers; the body takes the plain name too (Microsoft's own example)."""
    journal = first(bc_api, bc_company_id, "journals")
    account = gl_account(bc_api, bc_company_id)
    lines = company_path(bc_company_id, f"journals({journal['id']})/journalLines")
    made = bc_api.post(lines, json={"accountType": sent, "accountNumber": account["number"], "amount": 1,
                                    "description": "contract test"})
    assert made.status_code == 201, made.text
    line = made.json()
    try:
        assert line["accountType"] == "G_x002F_L_x0020_Account"
        found = bc_api.get(lines, params={"$filter": f"id eq {line['id']} and accountType eq "
                                                     "'G_x002F_L_x0020_Account'"}).json()["value"]
        assert [f["id"] for f in found] == [line["id"]]
    finally:
        bc_api.delete(f"{lines}({line['id']})", headers={"If-Match": "*"})


@pytest.fixture
def payment_journal(bc_api, bc_company_id):
    journal = first(bc_api, bc_company_id, "customerPaymentJournals")
    path = company_path(bc_company_id, f"customerPaymentJournals({journal['id']})/customerPayments")
    assert bc_api.get(path).json()["value"] == [], "the payment journal must be empty for this test"
    yield journal, path
    for line in bc_api.get(path).json()["value"]:
        bc_api.delete(f"{path}({line['id']})", headers={"If-Match": "*"})


def test_customer_payment_without_customer_takes_the_invoices_bill_to(bc_api, bc_company_id, items, created,
                                                                      payment_journal):
    """APIV2CustomerPayments appliesToInvoiceNumber: no customer given → the invoice's Bill-to Customer No. A payment
    naming the sell-to customer is accepted, but posting finds no open entry of that customer to apply to."""
    sell_to, bill_to = two_customers(bc_api, bc_company_id)
    order = make_order(bc_api, bc_company_id, sell_to, items, created, billToCustomerNumber=bill_to["number"])
    assert order["billToCustomerNumber"] == bill_to["number"]
    invoice = ship_and_invoice(bc_api, bc_company_id, order)
    journal, path = payment_journal
    filled = bc_api.post(path, json={"appliesToInvoiceNumber": invoice["number"],
                                     "amount": -invoice["totalAmountIncludingTax"]})
    assert filled.status_code == 201, filled.text
    assert filled.json()["customerNumber"] == bill_to["number"]
    assert filled.json()["appliesToInvoiceId"] == invoice["id"]
    bc_api.delete(f"{path}({filled.json()['id']})", headers={"If-Match": "*"})

    wrong = bc_api.post(path, json={"customerNumber": sell_to["number"], "appliesToInvoiceNumber": invoice["number"],
                                    "amount": -invoice["totalAmountIncludingTax"]})
    assert wrong.status_code == 201, wrong.text
    post = bc_api.post(company_path(bc_company_id, f"journals({journal['id']})/Microsoft.NAV.post"))
    assert post.status_code == 400
    assert bc_api.get(company_path(bc_company_id, f"salesInvoices({invoice['id']})")).json()["status"] == "Open"


def test_unknown_applies_to_invoice_number_is_accepted_and_fails_at_posting(bc_api, bc_company_id, customer,
                                                                            payment_journal):
    journal, path = payment_journal
    made = bc_api.post(path, json={"customerNumber": customer["number"], "appliesToInvoiceNumber": "NOSUCH-1",
                                   "amount": -10})
    assert made.status_code == 201, made.text
    assert made.json()["appliesToInvoiceNumber"] == "NOSUCH-1"
    assert made.json()["appliesToInvoiceId"] == EMPTY
    post = bc_api.post(company_path(bc_company_id, f"journals({journal['id']})/Microsoft.NAV.post"))
    assert post.status_code == 400
    assert [p["id"] for p in bc_api.get(path).json()["value"]] == [made.json()["id"]]
    unknown_id = bc_api.post(path, json={"customerNumber": customer["number"], "appliesToInvoiceId": str(uuid.uuid4()),
                                         "amount": -10})
    assert unknown_id.status_code == 400
    assert "appliesToInvoiceId" in error_of(unknown_id)["message"]


def test_credit_memo_item_line_returns_the_goods_to_stock(bc_api, bc_company_id, customer, items, created):
    """Posting a credit memo puts an Item line's quantity back in inventory; a G/L line moves no goods."""
    location = first(bc_api, bc_company_id, "locations")
    account = gl_account(bc_api, bc_company_id)
    item_path = company_path(bc_company_id, f"items({items[0]['id']})")
    invoice = ship_and_invoice(bc_api, bc_company_id, make_order(bc_api, bc_company_id, customer, items, created))
    before = bc_api.get(item_path).json()["inventory"]
    memo = bc_api.post(company_path(bc_company_id, "salesCreditMemos"), json={
        "customerNumber": customer["number"], "invoiceId": invoice["id"], "salesCreditMemoLines": [
            {"lineType": "Item", "itemId": items[0]["id"], "quantity": 2, "unitPrice": 10.5,
             "locationId": location["id"]},
            {"lineType": "Account", "lineObjectNumber": account["number"], "quantity": 1, "unitPrice": 5}]})
    assert memo.status_code == 201, memo.text
    created.append(("salesCreditMemos", memo.json()["id"]))
    post = bc_api.post(company_path(bc_company_id, f"salesCreditMemos({memo.json()['id']})/Microsoft.NAV.post"))
    assert post.status_code == 204, post.text
    assert bc_api.get(item_path).json()["inventory"] == pytest.approx(before + 2)


def test_customer_needs_a_display_name_and_an_item_takes_no_inventory_on_insert(bc_api, bc_company_id):
    """APIV2Customers NotProvidedCustomerNameErr; APIV2Items InsertItem refuses inventory (post an adjustment by
    PATCH instead)."""
    nameless = bc_api.post(company_path(bc_company_id, "customers"), json={"phoneNumber": "1"})
    assert nameless.status_code == 400
    assert 'A "displayName" must be provided.' in error_of(nameless)["message"]
    stocked = bc_api.post(company_path(bc_company_id, "items"), json={"displayName": "Contract item", "inventory": 5})
    assert stocked.status_code == 400
    assert "Inventory cannot be changed during on insert." in error_of(stocked)["message"]


def test_line_with_unknown_account_id_is_rejected(bc_api, bc_company_id, customer, items, created):
    order = make_order(bc_api, bc_company_id, customer, items, created)
    response = bc_api.post(company_path(bc_company_id, f"salesOrders({order['id']})/salesOrderLines"),
                           json={"lineType": "Account", "accountId": str(uuid.uuid4()), "quantity": 1})
    assert response.status_code == 400
    assert "Account does not exist." in error_of(response)["message"]
