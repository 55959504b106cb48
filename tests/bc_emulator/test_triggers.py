"""The modelled BC triggers on the demo seed, where the contract suite cannot reach (card fields the API pages do
not show: Item "Allow Invoice Disc.", Customer "Bill-to Customer No." / "Prices Including VAT", stock per
location)."""

from __future__ import annotations

import pytest

from sandbox.bc_emulator import demo_id


def post(client, company, set_name, body, **params):
    return client.post(f"companies({company})/{set_name}", json=body, params=params)


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def patch(client, company, set_name, record, body):
    return client.patch(f"companies({company})/{set_name}({record['id']})", json=body,
                        headers={"If-Match": record["@odata.etag"]})


def test_items_without_allow_invoice_disc_take_no_invoice_discount(client, company):
    """Seed: SHIPPING and GIFTWRAP have Allow Invoice Disc. = No (Sales Line copies it from the item)."""
    only_shipping = created(post(client, company, "salesOrders", {"customerNumber": "20000", "salesOrderLines": [
        {"lineType": "Item", "lineObjectNumber": "SHIPPING", "quantity": 1, "unitPrice": 49}]}))
    refused = patch(client, company, "salesOrders", only_shipping, {"discountAmount": 5})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Application_DialogException"
    message = refused.json()["error"]["message"]
    assert "does not include lines where the Allow Invoice Disc. field is selected" in message

    mixed = created(post(client, company, "salesOrders", {"customerNumber": "20000", "salesOrderLines": [
        {"lineType": "Item", "lineObjectNumber": "1000", "quantity": 1, "unitPrice": 100},
        {"lineType": "Item", "lineObjectNumber": "SHIPPING", "quantity": 1, "unitPrice": 49}]}))
    assert patch(client, company, "salesOrders", mixed, {"discountAmount": 20}).status_code == 200
    lines = client.get(f"companies({company})/salesOrders({mixed['id']})/salesOrderLines").json()["value"]
    assert [line["invoiceDiscountAllocation"] for line in lines] == [20, 0]


def test_zero_or_negative_discount_in_a_deep_insert_is_accepted(client, company):
    """ApplyInvDiscBasedOnAmt errors only for InvoiceDiscountAmount > 0 on a zero base."""
    order = created(post(client, company, "salesOrders", {"customerNumber": "20000", "discountAmount": 0,
                                                           "salesOrderLines": [{"lineObjectNumber": "1000",
                                                                                "quantity": 1}]}))
    assert order["discountAmount"] == 0


def test_customer_bill_to_and_prices_including_vat_come_from_the_card(client, company):
    billed = created(post(client, company, "salesOrders", {"customerNumber": "40000"}))
    assert (billed["customerNumber"], billed["billToCustomerNumber"]) == ("40000", "10000")
    assert billed["billToName"] == "Adatum AB"
    gross = created(post(client, company, "salesCreditMemos", {"customerNumber": "50000"}))
    net = created(post(client, company, "salesCreditMemos", {"customerNumber": "WEB-SE"}))
    assert (gross["pricesIncludeTax"], net["pricesIncludeTax"]) == (True, False)


def test_invoice_of_a_billed_customer_is_paid_by_the_bill_to(emu, client, company):
    order = created(post(client, company, "salesOrders", {"customerNumber": "40000", "salesOrderLines": [
        {"lineObjectNumber": "1000", "quantity": 1, "unitPrice": 80}]}))
    assert client.post(f"companies({company})/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"
                       ).status_code == 204
    (invoice,) = emu.records(company, "salesInvoices", orderNumber=order["number"])
    journal = demo_id("SE", "customerPaymentJournals", "GENERAL")
    payments = f"companies({company})/customerPaymentJournals({journal})/customerPayments"
    payment = created(client.post(payments, json={"appliesToInvoiceId": invoice["id"], "amount": -100}))
    assert (payment["customerNumber"], payment["customerId"]) == ("10000", demo_id("SE", "customers", "10000"))
    assert client.post(f"companies({company})/journals({journal})/Microsoft.NAV.post").status_code == 204
    (paid,) = emu.records(company, "salesInvoices", id=invoice["id"])
    assert paid["status"] == "Paid"
    (adatum,) = emu.records(company, "customers", number="10000")
    (nils,) = emu.records(company, "customers", number="40000")
    assert (adatum["balanceDue"], nils["balanceDue"]) == (0, 0)


def test_payment_naming_the_sell_to_customer_fails_at_posting(emu, client, company):
    order = created(post(client, company, "salesOrders", {"customerNumber": "40000", "salesOrderLines": [
        {"lineObjectNumber": "1000", "quantity": 1, "unitPrice": 80}]}))
    client.post(f"companies({company})/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice")
    (invoice,) = emu.records(company, "salesInvoices", orderNumber=order["number"])
    journal = demo_id("SE", "customerPaymentJournals", "GENERAL")
    payments = f"companies({company})/customerPaymentJournals({journal})/customerPayments"
    created(client.post(payments, json={"customerNumber": "40000", "appliesToInvoiceNumber": invoice["number"],
                                        "amount": -100}))
    post_ = client.post(f"companies({company})/journals({journal})/Microsoft.NAV.post")
    assert post_.status_code == 400
    assert f"Document No.: {invoice['number']}" in post_.json()["error"]["message"]
    assert "Customer No.: 40000" in post_.json()["error"]["message"]
    assert len(emu.records(company, "customerPayments")) == 1  # nothing posted


def test_default_dimensions_of_the_customer_are_on_every_new_document(client, company):
    for set_name in ("salesOrders", "salesInvoices", "salesCreditMemos"):
        doc = created(post(client, company, set_name, {"customerNumber": "WEB-SE"}, **{"$expand": "dimensionSetLines"}))
        assert [(d["code"], d["valueCode"], d["parentType"]) for d in doc["dimensionSetLines"]] == [
            ("SALESCHANNEL", "WEB", {"salesOrders": "Sales_x0020_Order", "salesInvoices": "Sales_x0020_Invoice",
                                     "salesCreditMemos": "Sales_x0020_Credit_x0020_Memo"}[set_name])]
    clash = post(client, company, "salesOrders", {"customerNumber": "WEB-SE", "dimensionSetLines": [
        {"code": "SALESCHANNEL", "valueCode": "SHOPIFY"}]})
    assert clash.status_code == 400
    assert clash.json()["error"]["code"] == "Application_DialogException"
    assert "The dimension set line already exists." in clash.json()["error"]["message"]
    other = created(post(client, company, "salesOrders", {"customerNumber": "WEB-SE", "dimensionSetLines": [
        {"code": "MARKET", "valueCode": "NO"}]}, **{"$expand": "dimensionSetLines"}))
    assert sorted(d["code"] for d in other["dimensionSetLines"]) == ["MARKET", "SALESCHANNEL"]


def test_default_dimensions_can_be_added_through_the_customer(client, company):
    customer = demo_id("SE", "customers", "30000")
    path = f"companies({company})/customers({customer})/defaultDimensions"
    made = created(client.post(path, json={"dimensionId": demo_id("SE", "dimensions", "MARKET"),
                                           "dimensionValueId": demo_id("SE", "dimensionValues", "MARKET/FI")}))
    assert (made["parentType"], made["dimensionCode"], made["dimensionValueCode"]) == ("Customer", "MARKET", "FI")
    again = client.post(path, json={"dimensionId": demo_id("SE", "dimensions", "MARKET")})
    assert again.status_code == 409
    order = created(post(client, company, "salesOrders", {"customerNumber": "30000"},
                         **{"$expand": "dimensionSetLines"}))
    assert [(d["code"], d["valueCode"]) for d in order["dimensionSetLines"]] == [("MARKET", "FI")]


def test_due_date_runs_from_the_document_date(emu, client, company):
    """Seed customers pay in 14 DAYS; Due Date = Document Date (orderDate) + 14 days, carried to the invoice."""
    order = created(post(client, company, "salesOrders", {"customerNumber": "20000", "orderDate": "2024-03-01",
                                                           "salesOrderLines": [{"lineObjectNumber": "1000",
                                                                                "quantity": 1}]}))
    client.post(f"companies({company})/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice")
    (invoice,) = emu.records(company, "salesInvoices", orderNumber=order["number"])
    assert (invoice["invoiceDate"], invoice["dueDate"]) == ("2024-03-01", "2024-03-15")
    memo = created(post(client, company, "salesCreditMemos", {"customerNumber": "20000",
                                                               "creditMemoDate": "2024-04-10"}))
    assert memo["dueDate"] == "2024-04-24"


def test_credit_memo_restocks_item_lines_at_their_location(emu, client, company):
    before = emu.stock(company, "2000")
    memo = created(post(client, company, "salesCreditMemos", {"customerNumber": "20000", "salesCreditMemoLines": [
        {"lineType": "Item", "lineObjectNumber": "2000", "quantity": 3, "unitPrice": 89,
         "locationId": demo_id("SE", "locations", "STORE1")},
        {"lineType": "Account", "lineObjectNumber": "3000", "quantity": 1, "unitPrice": 10}]}))
    assert client.post(f"companies({company})/salesCreditMemos({memo['id']})/Microsoft.NAV.post").status_code == 204
    after = emu.stock(company, "2000")
    assert after[("STORE1", "")] == before[("STORE1", "")] + 3
    assert after[("MAIN", "")] == before[("MAIN", "")]


@pytest.mark.parametrize("literal,status", [("'_x0020_'", 200), ("' '", 400), ("'Nope'", 400)])
def test_enum_filters_take_the_encoded_member(client, company, literal, status):
    response = client.get(f"companies({company})/customers", params={"$filter": f"blocked eq {literal}"})
    assert response.status_code == status
    if status == 200:
        assert {c["blocked"] for c in response.json()["value"]} == {"_x0020_"}


def test_item_type_is_answered_encoded(client, company):
    item = client.get(f"companies({company})/items({demo_id('SE', 'items', 'GIFTWRAP')})").json()
    assert item["type"] == "Non_x002D_Inventory"
