"""`python -m core preview` on every Shopify and WooCommerce order of ../shared/corpus, as a subprocess.

Per file, explicitly: the shop total, BC's total and the problems that remain with a config that maps
every tax rate, gateway and G/L account the corpus uses (tests/sync/fixtures/corpus.toml).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from core.config import load_config
from core.sync.order_mapping import document_total, tax_rates
from tests.conftest import ROOT, corpus_file

CORPUS_CONFIG = Path(__file__).parent / "fixtures" / "corpus.toml"

# file → (shop total, document total, problem codes in order, skipped?)
EXPECTED = {
    # cancelled docs sample; total_discounts 20.00 with no allocation → header invoice discount
    "shopify-order-1.json": ("388.00", "388.00", [], True),
    # docs sample whose lines (3 × 199.00) do not add up to total_price 409.94: reported, not rounded
    "shopify-order-2.json": ("409.94", "632.82", ["inconsistent_payload"], True),
    # two discount applications allocated to lines; both lines have empty SKUs
    "shopify-order-4.json": ("186.90", "186.90", ["unresolved_item", "unresolved_item"], False),
    # 2016 order without *_set fields; empty SKUs
    "shopify-order-5.json": ("1018.00", "1018.00", ["unresolved_item", "unresolved_item"], False),
    # taxes included, 20 % FR VAT, USD shop basis
    "shopify-order-6.json": ("255.79", "255.79", [], False),
    # on-hold (unpaid) order, 18 % tax excluded
    "woocommerce-order-1.json": ("17.70", "17.70", [], True),
    # a zero-value test order with an empty SKU
    "woocommerce-order-3.json": ("0.00", "0.00", ["unresolved_item"], False),
}


def run_preview(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "preview", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def records(result: subprocess.CompletedProcess) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return {Path(r["source"]).name: r for r in map(json.loads, lines)}


@pytest.fixture(scope="module")
def corpus_previews() -> dict[str, dict]:
    shopify = [str(corpus_file(n)) for n in EXPECTED if n.startswith("shopify")]
    woo = [str(corpus_file(n)) for n in EXPECTED if n.startswith("woocommerce")]
    found = records(run_preview("--config", str(CORPUS_CONFIG), "--platform", "shopify", *shopify))
    found |= records(run_preview("--config", str(CORPUS_CONFIG), "--platform", "woocommerce", *woo))
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_order_previews_to_the_cent(name, corpus_previews):
    shop_total, doc_total, problems, skipped = EXPECTED[name]
    record = corpus_previews[name]
    assert (record["shop_total"], record["document_total"]) == (shop_total, doc_total)
    assert [p["code"] for p in record["problems"]] == problems
    assert (record["skip"] is not None) is skipped
    assert all(p["message"] and p["resolution"] for p in record["problems"])
    if "inconsistent_payload" not in problems:
        assert record["shop_total"] == record["document_total"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_printed_body_is_complete(name, corpus_previews):
    """The printed sales_order alone reproduces the document total, and every shop line is in it."""
    record = corpus_previews[name]
    body = record["sales_order"]
    company = load_config(CORPUS_CONFIG).company(record["company"])
    discount = D(record["after_create"]["discountAmount"])
    assert str(document_total(body, tax_rates(company), body["pricesIncludeTax"], discount)) == record["document_total"]
    payload = json.loads(corpus_file(name).read_text())
    payload = payload.get("order", payload)
    items = [ln for ln in body["salesOrderLines"] if ln["lineType"] == "Item" and ln["lineObjectNumber"] != "6130"]
    assert len(items) == len(payload["line_items"])
    assert body["externalDocumentNumber"] == body["externalDocumentNumber"].upper()


def test_corpus_bodies_in_detail(corpus_previews):
    first = corpus_previews["shopify-order-1.json"]["sales_order"]
    # the invoice discount is set after creation, never deep-inserted (APIV2SalesOrders OnInsertRecord)
    assert "discountAmount" not in first and first["currencyCode"] == ""
    assert corpus_previews["shopify-order-1.json"]["after_create"] == {"discountAmount": "20.00",
                                                                         "dimensionSetLines": []}
    assert first["externalDocumentNumber"] == "SH-1234" and first["customerNumber"] == "WEB"
    assert [ln["lineObjectNumber"] for ln in first["salesOrderLines"]] == ["IPOD2008PINK", "IPOD2008PINK", "6130"]
    woo = corpus_previews["woocommerce-order-1.json"]["sales_order"]
    assert woo["currencyCode"] == "INR" and woo["salesOrderLines"][0]["taxCode"] == "VAT18"
    assert woo["externalDocumentNumber"] == "WC-205"
    sixth = corpus_previews["shopify-order-6.json"]["sales_order"]
    assert sixth["pricesIncludeTax"] is True and sixth["salesOrderLines"][0]["taxCode"] == "VAT20"
    assert len(sixth["salesOrderLines"]) == 1  # the free shipping line adds nothing


def test_presentment_basis_routes_the_eur_order_to_the_eur_company():
    [record] = records(run_preview("--config", str(CORPUS_CONFIG), "--platform", "shopify", "--shop", "shopify-eur",
                                   str(corpus_file("shopify-order-6.json")))).values()
    assert (record["company"], record["shop_total"], record["document_total"]) == ("eu", "233.99", "233.99")
    body = record["sales_order"]
    assert body["currencyCode"] == "" and body["customerNumber"] == "WEB-FR"
    assert body["salesOrderLines"][0]["unitPrice"] == "233.99"
    assert record["problems"] == []


def test_example_config_reports_what_it_does_not_map():
    """config/example.toml (no --config) maps 25/12/6/0 % only: the 18 % WooCommerce order cannot reach
    the shop total, and the preview says why."""
    [record] = records(run_preview("--platform", "woocommerce", str(corpus_file("woocommerce-order-1.json")))).values()
    assert record["shop"] == "woo-demo" and record["company"] == "se"
    assert [p["code"] for p in record["problems"]] == ["tax_code_unmapped", "total_mismatch"]
    assert (record["shop_total"], record["document_total"]) == ("17.70", "15.00")
    assert D(record["shop_total"]) - D(record["document_total"]) == D("2.70")


def test_unreadable_input_exits_2(tmp_path):
    not_json = tmp_path / "broken.json"
    not_json.write_text("{ nope")
    not_order = tmp_path / "product.json"
    not_order.write_text(corpus_file("shopify-product-1.json").read_text())
    good = str(corpus_file("shopify-order-6.json"))
    result = run_preview("--platform", "shopify", str(not_json), str(not_order), good)
    assert result.returncode == 2
    assert "broken.json: not JSON" in result.stderr
    assert "product.json" in result.stderr and "malformed" not in result.stderr  # the operator's words, not codes
    assert "not a usable order" in result.stderr
    # the good file is still previewed
    assert [Path(json.loads(x)["source"]).name for x in result.stdout.splitlines()] == ["shopify-order-6.json"]


def test_a_bad_file_of_any_kind_is_reported_and_the_batch_goes_on(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000)  # json.loads raises RecursionError, not one of our errors
    good = str(corpus_file("shopify-order-6.json"))
    result = run_preview("--platform", "shopify", str(deep), good, str(tmp_path / "missing.json"), good)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "deep.json: not JSON" in result.stderr and "missing.json: cannot read" in result.stderr
    assert [Path(json.loads(x)["source"]).name for x in result.stdout.splitlines()] == ["shopify-order-6.json"] * 2


def test_wrong_shop_for_platform_exits_2():
    result = run_preview("--platform", "shopify", "--shop", "woo-demo", str(corpus_file("shopify-order-6.json")))
    assert result.returncode == 2 and "woocommerce shop" in result.stderr


# --- credit memos ---------------------------------------------------------------------------------

INVOICE_2 = {  # the posted invoice shopify-refund-2 applies to, as GET salesInvoices(<id>)?$expand=… answers
    "id": "9b0f1c9e-0000-4000-8000-000000000002", "number": "103002", "externalDocumentNumber": "SH-1002",
    "status": "Open", "customerNumber": "WEB", "currencyCode": "USD", "pricesIncludeTax": False,
    "salesInvoiceLines": [
        {"id": f"l{n}", "sequence": n * 10000, "lineType": "Item", "lineObjectNumber": sku,
         "itemId": f"00000000-0000-4000-8000-00000000000{n}", "itemVariantId": "00000000-0000-0000-0000-000000000000",
         "locationId": "00000000-0000-4000-8000-0000000000b1", "description": sku, "quantity": 1,
         "unitPrice": 199.0, "taxPercent": 6}
        for n, sku in ((1, "IPOD2008BLACK"), (2, "IPOD2008GREEN"))],
}


def test_credit_memo_preview_of_a_corpus_refund_with_its_invoice_file(tmp_path):
    invoice = tmp_path / "invoice-103002.json"
    invoice.write_text(json.dumps(INVOICE_2))
    refund = str(corpus_file("shopify-refund-2.json"))
    args = ("--document", "credit-memo", "--config", str(CORPUS_CONFIG), "--platform", "shopify",
            "--invoice", str(invoice))
    [record] = records(run_preview(*args, refund)).values()
    memo = record["credit_memo"]
    assert (record["company"], record["invoice"], memo["invoiceNumber"]) == ("us", "103002", "103002")
    assert memo["externalDocumentNumber"] == "SH-1002-R509562969" and "pricesIncludeTax" not in memo
    assert (record["prices_include_tax"], record["basis"].startswith("assumed")) == (False, True)
    lines = memo["salesCreditMemoLines"]
    # restocked (refund "restock": true): item lines returning the goods at the invoice lines' location
    assert [(x["lineType"], x["unitPrice"], x["locationId"]) for x in lines] == [
        ("Item", "199", "00000000-0000-4000-8000-0000000000b1")] * 2
    # the corpus refund pays back 209.00 for 2 × 199.00 + tax: reported, never rounded away
    assert [p["code"] for p in record["problems"]] == ["inconsistent_payload"]
    [gross] = records(run_preview(*args, "--prices-include-tax", "yes", refund)).values()
    assert gross["prices_include_tax"] is True and gross["basis"].startswith("given")
    assert [x["unitPrice"] for x in gross["credit_memo"]["salesCreditMemoLines"]] == ["202.98", "202.98"]


def test_credit_memo_preview_needs_an_invoice_and_goes_on_after_a_bad_refund(tmp_path):
    no_invoice = run_preview("--document", "credit-memo", "--platform", "shopify",
                             str(corpus_file("shopify-refund-2.json")))
    assert no_invoice.returncode == 2 and "--invoice" in no_invoice.stderr
    invoice = tmp_path / "invoice.json"
    invoice.write_text(json.dumps(INVOICE_2))
    result = run_preview("--document", "credit-memo", "--config", str(CORPUS_CONFIG), "--platform", "shopify",
                         "--invoice", str(invoice), str(corpus_file("shopify-order-6.json")),
                         str(corpus_file("shopify-refund-1.json")))
    assert result.returncode == 2 and "shopify-order-6.json" in result.stderr
    assert [Path(json.loads(x)["source"]).name for x in result.stdout.splitlines()] == ["shopify-refund-1.json"]


# --- payout journals ------------------------------------------------------------------------------


def test_payout_journal_preview_of_the_adyen_corpus_settlement_reconciles_to_the_cent(tmp_path):
    from core.config import EXAMPLE_CONFIG

    config = tmp_path / "usd.toml"  # the example config with the SE company booking in the settlement's USD
    config.write_text(Path(EXAMPLE_CONFIG).read_text().replace('currency = "SEK"', 'currency = "USD"', 1)
                      .replace('prefix = "SH-"', 'prefix = ""', 1))
    settlement = str(corpus_file("payments/adyen-settlement-details-batch-380.csv"))
    result = run_preview("--document", "payout-journal", "--config", str(config), "--source", "adyen-se",
                         settlement, str(tmp_path / "missing.csv"))
    assert result.returncode == 2 and "missing.csv: cannot read" in result.stderr
    [record] = records_any(result)
    assert (record["payout"], record["company"], record["problems"]) == ("adyen:380", "se", [])
    assert record["assumed"]  # offline: says what it took for granted
    applied = [p for p in record["payments"] if "appliesToInvoiceNumber" in p]
    assert applied and all(D(p["amount"]) < 0 and "customerNumber" not in p for p in applied)
    [fee] = record["fees"]
    assert fee["accountType"] == "G/L Account" and fee["accountNumber"] == "6100"
    moved = -sum(D(line["amount"]) for line in [*record["payments"], *record["fees"]])
    assert moved == D(record["net_total"]) == D("55308.07")


def records_any(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(x) for x in result.stdout.strip().splitlines()]
