"""Emulator behaviour beyond the portable contract: seed data, exact totals, stock, pages, paging volume,
webhooks, routing variants, the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sandbox.bc_emulator import DEMO_COMPANY_DE_ID, DEMO_COMPANY_SE_ID, BcEmulator, demo_id
from sandbox.ports import free_port, wait_for_port

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def post_order(client, company, **body) -> dict:
    response = client.post(f"companies({company})/salesOrders", json=body,
                           params={"$expand": "salesOrderLines($expand=dimensionSetLines),dimensionSetLines"})
    assert response.status_code == 201, response.text
    return response.json()


def test_demo_seed_has_two_companies_with_stable_ids(emu, client):
    companies = {c["name"]: c["id"] for c in client.get("companies").json()["value"]}
    assert companies == {"CRONUS SE": DEMO_COMPANY_SE_ID, "CRONUS DE": DEMO_COMPANY_DE_ID}
    assert emu.company_id("CRONUS DE") == DEMO_COMPANY_DE_ID
    assert BcEmulator(seed="demo").company_id("CRONUS SE") == DEMO_COMPANY_SE_ID
    web = client.get(f"companies({DEMO_COMPANY_DE_ID})/customers", params={"$filter": "number eq 'WEB-DE'"})
    assert web.json()["value"][0]["id"] == demo_id("DE", "customers", "WEB-DE")
    tax = client.get(f"companies({DEMO_COMPANY_SE_ID})/taxGroups").json()["value"]
    assert {t["code"] for t in tax} == {"VAT25", "VAT12", "VAT6", "VAT0"}


def test_seed_contains_the_skus_of_the_corpus_orders(emu):
    skus = set()
    for path in list(CORPUS.glob("shopify-order-*.json")) + list(CORPUS.glob("woocommerce-order-*.json")):
        data = json.loads(path.read_text())
        data = data.get("order", data)
        skus |= {line["sku"].upper() for line in data.get("line_items", []) if line.get("sku")}
    assert skus, "corpus orders with SKUs expected in ../shared/corpus"
    numbers = {i["number"] for i in emu.records(DEMO_COMPANY_SE_ID, "items")}
    assert skus <= numbers


def test_empty_seed_has_setup_but_no_customers_or_items():
    emu = BcEmulator(seed=None)
    assert emu.records(DEMO_COMPANY_SE_ID, "customers") == []
    assert emu.records(DEMO_COMPANY_SE_ID, "items") == []
    assert emu.records(DEMO_COMPANY_SE_ID, "taxGroups")


def test_totals_with_line_and_invoice_discounts_and_tax_rates(client, company):
    created = post_order(client, company, customerNumber="WEB-SE", salesOrderLines=[
        {"lineType": "Item", "lineObjectNumber": "1000", "quantity": 3, "unitPrice": 33.33, "discountAmount": 9.99},
        {"lineType": "Item", "lineObjectNumber": "3000", "quantity": 1, "unitPrice": 100},  # VAT6
        {"lineType": "Account", "lineObjectNumber": "3010", "quantity": 1, "unitPrice": 49},
        {"lineType": "Comment", "description": "Gift message"},
    ])
    path = f"companies({company})/salesOrders({created['id']})"
    patched = client.patch(path, json={"discountAmount": 10}, headers={"If-Match": created["@odata.etag"]})
    assert patched.status_code == 200, patched.text
    order = client.get(path, params={"$expand": "salesOrderLines"}).json()
    lines = order["salesOrderLines"]
    assert [line["taxPercent"] for line in lines] == [25, 6, 25, 0]
    assert lines[0]["amountExcludingTax"] == 90  # 99.99 − 9.99
    allocations = [line["invoiceDiscountAllocation"] for line in lines]
    # Only the Item lines (Allow Invoice Disc.) form the base 190 and share the discount; G/L and comment none.
    assert allocations == [pytest.approx(4.74), pytest.approx(5.26), 0, 0]
    net = [line["netAmount"] for line in lines]
    tax = [line["netTaxAmount"] for line in lines]
    assert order["totalAmountExcludingTax"] == pytest.approx(229)
    assert order["totalTaxAmount"] == pytest.approx(sum(tax))
    assert tax[1] == pytest.approx(round((100 - allocations[1]) * 0.06, 2))
    assert order["totalAmountIncludingTax"] == pytest.approx(sum(net) + sum(tax))


def test_prices_including_tax_back_out_the_tax_per_line(client, company):
    order = post_order(client, company, customerNumber="20000", pricesIncludeTax=True, salesOrderLines=[
        {"lineType": "Item", "lineObjectNumber": "2000", "quantity": 1, "unitPrice": 99.99}])
    line = order["salesOrderLines"][0]
    assert line["amountIncludingTax"] == 99.99
    assert line["amountExcludingTax"] == 79.99  # 99.99 / 1.25 = 79.992
    assert line["totalTaxAmount"] == 20.0
    assert order["totalAmountIncludingTax"] == 99.99


def test_line_validation_variants_locations_accounts_tax_codes(client, company):
    order = post_order(client, company, customerNumber="WEB-SE")
    lines = f"companies({company})/salesOrders({order['id']})/salesOrderLines"
    hoodie_variant = demo_id("SE", "itemVariants", "1100/M-GRY")
    wrong_variant = client.post(lines, json={"lineType": "Item", "lineObjectNumber": "1000", "quantity": 1,
                                             "itemVariantId": hoodie_variant})
    assert wrong_variant.status_code == 400
    bad_location = client.post(lines, json={"lineType": "Item", "lineObjectNumber": "1000", "quantity": 1,
                                            "locationId": demo_id("SE", "items", "nope")})
    assert bad_location.status_code == 400
    bad_account = client.post(lines, json={"lineType": "Account", "lineObjectNumber": "4711", "quantity": 1})
    assert bad_account.status_code == 400 and "G/L Account" in bad_account.json()["error"]["message"]
    bad_tax = client.post(lines, json={"lineType": "Item", "lineObjectNumber": "1000", "quantity": 1,
                                       "taxCode": "VAT99"})
    assert bad_tax.status_code == 400
    bad_item = client.post(lines, json={"lineType": "Item", "lineObjectNumber": "NOPE", "quantity": 1})
    assert bad_item.status_code == 400 and "Item does not exist." in bad_item.json()["error"]["message"]
    long_variant = client.post(f"companies({company})/items({demo_id('SE', 'items', '1000')})/itemVariants",
                               json={"code": "X" * 11})
    assert long_variant.json()["error"]["code"] == "Application_StringExceededLength"
    ok = client.post(lines, json={"lineType": "Item", "lineObjectNumber": "1100", "quantity": 1,
                                  "itemVariantId": hoodie_variant, "locationId": demo_id("SE", "locations", "WEB")})
    assert ok.status_code == 201


def test_ship_and_invoice_decrements_stock_at_location_and_variant(emu, client, company):
    before = emu.stock(company, "1100")
    order = post_order(
        client, company, customerNumber="20000", externalDocumentNumber="ship-1",
        dimensionSetLines=[{"code": "SALESCHANNEL", "valueCode": "SHOPIFY"}],
        salesOrderLines=[{"lineType": "Item", "lineObjectNumber": "1100", "quantity": 2,
                          "itemVariantId": demo_id("SE", "itemVariants", "1100/M-GRY"),
                          "locationId": demo_id("SE", "locations", "WEB"),
                          "dimensionSetLines": [{"code": "MARKET", "valueCode": "NO"}]},
                         {"lineType": "Item", "lineObjectNumber": "SHIPPING", "quantity": 1, "unitPrice": 49}])
    assert order["dimensionSetLines"][0]["valueCode"] == "SHOPIFY"
    assert order["salesOrderLines"][0]["dimensionSetLines"][0]["valueCode"] == "NO"
    response = client.post(f"companies({company})/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice")
    assert response.status_code == 204
    after = emu.stock(company, "1100")
    assert after[("WEB", "M-GRY")] == before[("WEB", "M-GRY")] - 2
    assert after[("MAIN", "M-GRY")] == before[("MAIN", "M-GRY")]
    item = client.get(f"companies({company})/items({demo_id('SE', 'items', '1100')})").json()
    assert item["inventory"] == sum(after.values())
    (invoice,) = emu.records(company, "salesInvoices", externalDocumentNumber="SHIP-1")
    dims = client.get(f"companies({company})/salesInvoices({invoice['id']})/dimensionSetLines").json()["value"]
    assert [d["valueCode"] for d in dims] == ["SHOPIFY"]
    assert emu.records(company, "salesOrders", externalDocumentNumber="SHIP-1") == []


def test_patching_item_inventory_posts_an_adjustment(client, company):
    path = f"companies({company})/items({demo_id('SE', 'items', '2000')})"
    item = client.get(path).json()
    response = client.patch(path, json={"inventory": item["inventory"] + 5}, headers={"If-Match": item["@odata.etag"]})
    assert response.status_code == 200 and response.json()["inventory"] == item["inventory"] + 5


def test_odata_item_card_flow_filters_give_per_location_inventory(emu, company):
    headers = {"Authorization": "Bearer t"}
    card = f"{emu.odata_root()}/Company('CRONUS SE')/ItemCard"
    main = httpx.get(card, headers=headers, params={"$filter": "No eq '1000' and Location_Filter eq 'MAIN'"})
    assert main.status_code == 200
    assert main.json()["value"][0]["Inventory"] == 60
    variant = httpx.get(card, headers=headers,
                        params={"$filter": "No eq '1000' and Location_Filter eq 'MAIN' and Variant_Filter eq 'M-BLK'"})
    assert variant.json()["value"][0]["Inventory"] == 30
    total = httpx.get(f"{card}('1000')", headers=headers).json()
    assert total["Inventory"] == 69
    bare = httpx.get(f"{emu.base_url}/ODataV4/Company('CRONUS%20SE')/ItemStockByLocation", headers=headers,
                     params={"$filter": "Item_No eq '1000' and Location_Code eq 'MAIN'"})
    assert sorted((r["Variant_Code"], r["Inventory"]) for r in bare.json()["value"]) == [
        ("L-BLK", 10), ("M-BLK", 30), ("S-BLK", 20)]
    assert httpx.get(card, params={"$top": "1"}).status_code == 401


def test_odata_posted_shipments_page_carries_tracking(emu, client, company):
    order = post_order(client, company, customerNumber="WEB-SE", externalDocumentNumber="trk-1", salesOrderLines=[
        {"lineType": "Item", "lineObjectNumber": "2000", "quantity": 1,
         "locationId": demo_id("SE", "locations", "MAIN")}])
    client.post(f"companies({company})/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice")
    (shipment,) = emu.records(company, "salesShipments", orderNumber=order["number"])
    emu.set_shipment_tracking(company, shipment["number"], "00340434161094012345", "POSTNORD")
    rows = httpx.get(f"{emu.odata_root()}/Company('CRONUS SE')/PostedSalesShipments",
                     headers={"Authorization": "Bearer t"},
                     params={"$filter": f"Order_No eq '{order['number']}'"}).json()["value"]
    assert rows[0]["Package_Tracking_No"] == "00340434161094012345"
    assert rows[0]["Shipping_Agent_Code"] == "POSTNORD"
    assert rows[0]["External_Document_No"] == "TRK-1" and rows[0]["Location_Code"] == "MAIN"


def test_paging_through_fifty_thousand_rows(emu, client, company):
    seeded = len(emu.records(company, "customers"))
    emu.bulk_insert(company, "customers", [
        {"number": f"B{i:06d}", "displayName": f"Bulk {i}", "type": "Person"} for i in range(50_000)])
    url, params, seen, pages = f"companies({company})/customers", {"$select": "number"}, 0, 0
    numbers = set()
    while url:
        body = client.get(url, params=params, headers={"Prefer": "odata.maxpagesize=5000"}).json()
        numbers.update(r["number"] for r in body["value"])
        seen += len(body["value"])
        url, params = body.get("@odata.nextLink"), None
        pages += 1
    assert seen == len(numbers) == 50_000 + seeded
    assert pages == 11
    filtered = client.get(f"companies({company})/customers",
                          params={"$filter": "startswith(number,'B0499')", "$count": "true", "$top": "3"}).json()
    assert filtered["@odata.count"] == 100 and len(filtered["value"]) == 3


def test_orderby_skip_top(client, company):
    rows = client.get(f"companies({company})/items",
                      params={"$orderby": "unitPrice desc,number", "$top": "3", "$skip": "1",
                              "$select": "number,unitPrice"}).json()["value"]
    prices = [r["unitPrice"] for r in rows]
    assert prices == sorted(prices, reverse=True) and len(rows) == 3


def test_routes_without_tenant_and_with_company_query(emu, company):
    headers = {"Authorization": "Bearer t"}
    no_tenant = httpx.get(f"{emu.api_root(tenant=None)}/companies({company})/currencies", headers=headers)
    assert no_tenant.status_code == 200
    by_query = httpx.get(f"{emu.api_root()}/items", params={"company": company, "$top": "1"}, headers=headers)
    assert by_query.status_code == 200 and len(by_query.json()["value"]) == 1


def test_invoice_post_on_draft_and_posted_invoice_cannot_be_patched(client, company):
    draft = client.post(f"companies({company})/salesInvoices", json={
        "customerNumber": "10000", "salesInvoiceLines": [{"lineType": "Item", "lineObjectNumber": "2000",
                                                          "quantity": 2}]}).json()
    assert draft["number"].startswith("S-INV") and draft["totalAmountExcludingTax"] == 178
    assert client.post(f"companies({company})/salesInvoices({draft['id']})/Microsoft.NAV.post").status_code == 204
    posted = client.get(f"companies({company})/salesInvoices({draft['id']})").json()
    assert posted["number"] == "103001" and posted["remainingAmount"] == 222.5
    patch = client.patch(f"companies({company})/salesInvoices({draft['id']})", json={"email": "x@example.com"},
                         headers={"If-Match": "*"})
    assert patch.status_code == 400


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    echo = True

    def log_message(self, *args):
        return

    def do_POST(self):  # noqa: N802
        from urllib.parse import parse_qs, urlsplit

        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        token = parse_qs(urlsplit(self.path).query).get("validationToken")
        payload = (token[0] if self.echo else "nope").encode() if token else b""
        if not token:
            type(self).received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def receiver():
    _Receiver.received = []
    _Receiver.echo = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver
    server.shutdown()


def test_webhook_subscription_handshake_and_notifications(emu, client, company, receiver):
    url, handler = receiver
    resource = f"/api/v2.0/companies({company})/salesOrders"
    sub = client.post("subscriptions", json={"notificationUrl": url, "resource": resource, "clientState": "s3cret"})
    assert sub.status_code == 201, sub.text
    assert sub.json()["expirationDateTime"] > sub.json()["lastModifiedDateTime"]
    order = post_order(client, company, customerNumber="WEB-SE")
    deadline = time.monotonic() + 5
    while not handler.received and time.monotonic() < deadline:
        time.sleep(0.05)
    items = [i for batch in handler.received for i in batch["value"]]
    assert items and items[0]["clientState"] == "s3cret"
    assert any(i["changeType"] == "created" and order["id"] in i["resource"] for i in items)
    handler.echo = False
    refused = client.post("subscriptions", json={"notificationUrl": url, "resource": resource})
    assert refused.status_code == 400
    sub_id = sub.json()["subscriptionId"]
    assert client.delete(f"subscriptions('{sub_id}')").status_code == 400
    assert client.delete(f"subscriptions('{sub_id}')", headers={"If-Match": "*"}).status_code == 204


def test_command_line_starts_a_server():
    port = free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen([sys.executable, "-m", "sandbox.bc_emulator", "--port", str(port), "--seed", "demo"],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, timeout=15)
        response = httpx.get(f"http://127.0.0.1:{port}/v2.0/t/production/api/v2.0/companies",
                             headers={"Authorization": "Bearer x"})
        assert response.status_code == 200 and len(response.json()["value"]) == 2
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_snapshot_batch_failure_reports_failed_dependency_for_the_others(emu, client, company):
    ops = [{"method": "POST", "id": "1", "url": f"companies({company})/salesOrders",
            "body": {"customerNumber": "WEB-SE", "externalDocumentNumber": "snap-1"}},
           {"method": "POST", "id": "2", "url": f"companies({company})/salesOrders",
            "body": {"customerNumber": "NOBODY"}}]
    answers = client.post("$batch", json={"requests": ops}, headers={"Isolation": "snapshot"}).json()["responses"]
    assert [a["status"] for a in answers] == [424, 400]
    assert emu.records(company, "salesOrders", externalDocumentNumber="SNAP-1") == []
    plain = client.post("$batch", json={"requests": ops}).json()["responses"]
    assert [a["status"] for a in plain] == [201, 400]
    assert len(emu.records(company, "salesOrders", externalDocumentNumber="SNAP-1")) == 1


def test_subscription_renewal_repeats_the_handshake(client, company, receiver):
    url, handler = receiver
    sub = client.post("subscriptions", json={"notificationUrl": url,
                                             "resource": f"api/v2.0/companies({company})/customers"}).json()
    path = f"subscriptions('{sub['subscriptionId']}')"
    assert client.patch(path, json={"clientState": "x"}).status_code == 400  # If-Match required
    renewed = client.patch(path, json={"clientState": "new"}, headers={"If-Match": sub["@odata.etag"]})
    assert renewed.status_code == 200 and renewed.json()["clientState"] == "new"
    handler.echo = False
    failed = client.patch(path, json={"clientState": "newer"}, headers={"If-Match": "*"})
    assert failed.status_code == 400
    unsupported = client.post("subscriptions", json={"notificationUrl": url,
                                                     "resource": f"api/v2.0/companies({company})/salesShipments"})
    assert unsupported.status_code == 400


def test_document_currency_defaults_to_lcy_and_accepts_foreign_codes(client, company):
    lcy = post_order(client, company, customerNumber="WEB-SE", currencyCode="SEK")
    assert lcy["currencyCode"] == "SEK" and lcy["currencyId"] == "00000000-0000-0000-0000-000000000000"
    usd = post_order(client, company, customerNumber="WEB-SE", currencyCode="usd")
    assert usd["currencyCode"] == "USD" and usd["currencyId"] == demo_id("SE", "currencies", "USD")
    bad = client.post(f"companies({company})/salesOrders", json={"customerNumber": "WEB-SE", "currencyCode": "XXX"})
    assert bad.status_code == 400 and '"currencyCode"' in bad.json()["error"]["message"]


def test_customers_and_contacts_are_created_with_numbers_and_types(client, company):
    person = client.post(f"companies({company})/customers",
                         json={"displayName": "Lisa Lind", "type": "Person", "email": "lisa@example.com"})
    assert person.status_code == 201 and person.json()["number"] == "C00010"
    assert client.post(f"companies({company})/customers", json={"type": "Alien", "displayName": "x"}
                       ).status_code == 400
    org = client.post(f"companies({company})/contacts", json={"displayName": "Lind AB", "type": "Company"}).json()
    member = client.post(f"companies({company})/contacts", json={"displayName": "Lisa Lind", "type": "Person",
                                                                 "companyNumber": org["number"]}).json()
    assert member["companyName"] == "Lind AB"


def test_general_journal_lines_post_fees(emu, client, company):
    fees = demo_id("SE", "journals", "FEES")
    lines = f"companies({company})/journals({fees})/journalLines"
    bad = client.post(lines, json={"accountNumber": "9999", "amount": 10})
    assert bad.status_code == 400
    line = client.post(lines, json={"accountType": "G/L Account", "accountNumber": "6100", "amount": 12.5,
                                    "balanceAccountType": "Bank Account", "balancingAccountNumber": "PSP-CLEARING",
                                    "description": "Stripe fees"})
    assert line.status_code == 201, line.text
    assert line.json()["accountId"] == demo_id("SE", "accounts", "6100")
    assert client.post(f"companies({company})/journals({fees})/Microsoft.NAV.post").status_code == 204
    assert client.get(lines).json()["value"] == []
    again = client.post(f"companies({company})/journals({fees})/Microsoft.NAV.post")
    assert "There is nothing to post." in again.json()["error"]["message"]
