"""The pure refund → credit memo mapping, on the corpus refunds and on our own consistent samples."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.config import Company, GlAccounts, load_config
from core.errors import NeedsAttention, Skip
from core.platforms.shopify.parse import parse_order
from core.platforms.shopify.parse import parse_refund as parse_shopify_refund
from core.platforms.woocommerce.parse import parse_refund as parse_woo_refund
from core.sync import refund_mapping as mapping
from sandbox.samples import shopify_order, shopify_refund
from tests.conftest import corpus_file

CONFIG = load_config()
SE = CONFIG.company("se")
SHOP = CONFIG.shop("shopify-demo")
US = Company(key="us", bc_company_id="11111111-2222-3333-4444-555555555555", currency="USD",
             tax_codes={"6": "VAT6", "0": "VAT0"}, gl_accounts=GlAccounts(shipping_account="3010", fees="3060",
                                                                          rounding="8999"))
INVOICE_ID = "9b0f1c9e-0000-4000-8000-000000000001"


def line(sequence: int, kind: str, number: str, price: str, quantity: str = "1", tax: str = "25", **extra) -> dict:
    return {"id": f"line-{sequence}", "sequence": sequence * 10000, "lineType": kind, "lineObjectNumber": number,
            "itemId": extra.pop("itemId", f"item-{number}" if kind == "Item" else mapping.EMPTY_GUID),
            "itemVariantId": mapping.EMPTY_GUID, "locationId": mapping.EMPTY_GUID, "description": f"Product {number}",
            "quantity": Decimal(quantity), "unitPrice": Decimal(price), "taxPercent": Decimal(tax), **extra}


def invoice(lines: list[dict], currency: str = "SEK", include_tax: bool = True, number: str = "103001") -> dict:
    return {"id": INVOICE_ID, "number": number, "externalDocumentNumber": "SH-2001", "status": "Open",
            "customerNumber": "20000", "currencyCode": currency, "pricesIncludeTax": include_tax,
            "salesInvoiceLines": lines}


ORDER_7001 = shopify_order(7001, [("1000", 2, "199.00"), ("2000", 1, "89.00")])
INVOICE_7001 = invoice([line(1, "Item", "1000", "199.00", "2"), line(2, "Item", "2000", "89.00"),
                        line(3, "Account", "3010", "49.00")])


def sample_refund(lines, **kwargs):
    return parse_shopify_refund(shopify_refund(91, 7001, lines, **kwargs), "shopify-demo", prices_include_tax=True)


def order_7001():
    return parse_order(ORDER_7001, "shopify-demo")


def test_returned_item_and_shipping_become_invoice_linked_lines_of_the_same_type_to_the_cent():
    refund = sample_refund([(1, "1000", 1, "199.00")], shipping="49.00")
    mapped = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="SH-2001-R91", currency_code="",
                                       order=order_7001())
    assert mapped.problems == []
    assert mapped.body == {
        "externalDocumentNumber": "SH-2001-R91", "creditMemoDate": "2026-11-25", "customerNumber": "20000",
        "invoiceId": INVOICE_ID, "invoiceNumber": "103001", "currencyCode": "",
        "salesCreditMemoLines": [
            {"lineType": "Item", "itemId": "item-1000", "description": "Product 1000", "quantity": Decimal(1),
             "unitPrice": Decimal("199"), "taxCode": "VAT25"},
            {"lineType": "Account", "lineObjectNumber": "3010", "description": "Refunded shipping",
             "quantity": Decimal(1), "unitPrice": Decimal("49.00"), "taxCode": "VAT25"},
        ],
    }
    assert mapped.shop_total == mapped.document_total == Decimal("248.00")
    assert mapped.notes == []
    assert mapped.header == {k: v for k, v in mapped.body.items() if k != "salesCreditMemoLines"}


def test_without_the_original_order_lines_are_matched_by_sku_and_taxed_by_the_invoice_lines_rate():
    refund = sample_refund([(2, "2000", 1, "89.00"), (1, "1000", 2, "199.00")])
    with_order = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="X", order=order_7001())
    without = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="X", order=None)
    assert without.body == with_order.body
    assert [(x["itemId"], x["quantity"], x["unitPrice"], x["taxCode"]) for x in without.body["salesCreditMemoLines"]] \
        == [("item-2000", 1, Decimal("89"), "VAT25"), ("item-1000", 2, Decimal("199"), "VAT25")]
    assert without.body["currencyCode"] == ""  # SEK is the company currency: BC wants it empty


def test_a_line_mapped_by_variant_id_is_found_through_the_original_order_only():
    order = shopify_order(7001, [("", 1, "89.00")])  # no SKU: [shops.items] maps the variant
    shop = SHOP.model_copy(update={"items": {"7001001": "2000"}})
    refund = sample_refund([(1, "", 1, "89.00")])
    inv = invoice([line(1, "Item", "2000", "89.00"), line(2, "Account", "3010", "49.00")])
    found = mapping.build_credit_memo(refund, inv, SE, shop, number="X", order=parse_order(order, "shopify-demo"))
    assert found.problems == [] and found.body["salesCreditMemoLines"][0]["itemId"] == "item-2000"
    lost = mapping.build_credit_memo(refund, inv, SE, shop, number="X", order=None)
    assert [p.code for p in lost.problems] == ["refund_line_not_invoiced"]
    assert "103001" in lost.problems[0].resolution


def test_a_restocked_line_returns_goods_at_the_invoice_lines_location_and_variant():
    inv = invoice([line(1, "Item", "1000", "199.00", "2", itemVariantId="var-1", locationId="loc-1")])
    mapped = mapping.build_credit_memo(sample_refund([(1, "1000", 1, "199.00")]), inv, SE, SHOP, number="X")
    [memo_line] = mapped.body["salesCreditMemoLines"]
    assert (memo_line["lineType"], memo_line["itemId"], memo_line["itemVariantId"], memo_line["locationId"]) == (
        "Item", "item-1000", "var-1", "loc-1")
    assert mapped.notes == []


def test_a_line_not_restocked_credits_money_on_a_g_l_line_and_returns_no_goods():
    # an Item line on a credit memo puts the goods back into inventory when posted: only for restocked lines
    inv = invoice([line(1, "Item", "1000", "199.00", "2", itemVariantId="var-1", locationId="loc-1")])
    refund = sample_refund([(1, "1000", 1, "199.00")], restock=False)
    mapped = mapping.build_credit_memo(refund, inv, SE, SHOP, number="X")
    [memo_line] = mapped.body["salesCreditMemoLines"]
    assert memo_line == {"lineType": "Account", "lineObjectNumber": SE.gl_accounts.refund_adjustments or "3060",
                         "description": "Product 1000 (not restocked)", "quantity": Decimal(1),
                         "unitPrice": Decimal("199"), "taxCode": "VAT25"}
    assert mapped.notes == ["1000: refunded without restock in the shop"]
    assert mapped.problems == [] and mapped.document_total == refund.total
    no_account = SE.model_copy(update={"gl_accounts": SE.gl_accounts.model_copy(
        update={"fees": "", "refund_adjustments": ""})})
    [problem] = mapping.build_credit_memo(refund, inv, no_account, SHOP, number="X").problems
    assert problem.code == "gl_account_missing" and "refund_adjustments" in problem.resolution


def test_corpus_refund_cancel_restocks_at_the_mapped_shop_location():
    # shopify-refund-2 with its lines cancelled before fulfilment (restock_type "cancel") at shop location 905684977
    payload = json.loads(corpus_file("shopify-refund-2.json").read_text())
    for item in payload["refund"]["refund_line_items"]:
        item.update(restock_type="cancel", location_id=905684977)
    refund = parse_shopify_refund(payload, "shopify-demo")
    assert [x.restock for x in refund.lines] == [True, True]
    inv = invoice([line(1, "Item", "IPOD2008BLACK", "199.00", tax="6", locationId="loc-main"),
                   line(2, "Item", "IPOD2008GREEN", "199.00", tax="6", locationId="loc-main")], currency="USD",
                  include_tax=False)
    mapped = mapping.build_credit_memo(refund, inv, US, SHOP, number="X", locations={"905684977": "loc-return"})
    assert [(x["lineType"], x["locationId"]) for x in mapped.lines] == [("Item", "loc-return"), ("Item", "loc-return")]
    unmapped = mapping.build_credit_memo(refund, inv, US, SHOP, number="X")
    assert [x["locationId"] for x in unmapped.lines] == ["loc-main", "loc-main"]


def test_the_memo_never_sends_prices_include_tax_and_prices_lines_in_the_basis_bc_gave_it():
    # APIV2SalesCreditMemos: pricesIncludeTax is Editable = false; BC takes the basis from the customer, which
    # can differ from the invoice's (the order set its own). The invoice of shopify-refund-2 is net, the
    # customer's "Prices Including VAT" is on: the lines are priced gross.
    refund = parse_shopify_refund(json.loads(corpus_file("shopify-refund-2.json").read_text()), "shopify-demo")
    inv = invoice([line(1, "Item", "IPOD2008BLACK", "199.00", tax="6"), line(2, "Item", "IPOD2008GREEN", "199.00",
                                                                               tax="6")], currency="USD",
                  include_tax=False)
    assumed = mapping.build_credit_memo(refund, inv, US, SHOP, number="X")
    gross = mapping.build_credit_memo(refund, inv, US, SHOP, number="X", prices_include_tax=True)
    assert "pricesIncludeTax" not in assumed.body and "pricesIncludeTax" not in gross.header
    assert (assumed.prices_include_tax, gross.prices_include_tax) == (False, True)
    assert [x["unitPrice"] for x in assumed.lines] == [Decimal("199"), Decimal("199")]
    assert [x["unitPrice"] for x in gross.lines] == [Decimal("202.98"), Decimal("202.98")]  # 199.00 + 3.98 tax


@pytest.mark.parametrize("memo_basis", [True, False])
def test_a_consistent_refund_reconciles_to_the_cent_in_either_basis(memo_basis):
    refund = sample_refund([(1, "1000", 1, "199.00"), (2, "2000", 1, "89.00")], shipping="49.00")
    mapped = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="X", order=order_7001(),
                                       prices_include_tax=memo_basis)
    assert mapped.problems == []
    assert mapped.document_total == mapped.shop_total == refund.total


def test_goodwill_beyond_the_lines_is_an_account_line_to_the_fees_account_at_zero_tax():
    refund = sample_refund([(2, "2000", 1, "89.00")], adjustment="10.00")
    mapped = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="X", order=order_7001())
    assert mapped.problems == []
    assert mapped.body["salesCreditMemoLines"][-1] == {
        "lineType": "Account", "lineObjectNumber": "3060", "description": "Refund adjustment: Returned",
        "quantity": Decimal(1), "unitPrice": Decimal("10.00"), "taxCode": "VAT0"}
    assert mapped.document_total == refund.total == Decimal("99.00")
    no_fees = SE.model_copy(update={"gl_accounts": SE.gl_accounts.model_copy(update={"fees": ""})})
    problems = mapping.build_credit_memo(refund, INVOICE_7001, no_fees, SHOP, number="X").problems
    assert [p.code for p in problems] == ["gl_account_missing"]
    assert "gl_accounts.refund_adjustments" in problems[0].resolution


def test_net_refund_amounts_go_gross_on_an_invoice_with_prices_incl_tax():
    # WooCommerce refund lines are net with tax beside them; the order was imported with prices incl. tax
    payload = {"id": 801, "amount": "187.50", "date_created_gmt": "2026-11-25T08:00:00",
               "line_items": [{"id": 1, "sku": "WOO-ALBUM", "quantity": -1, "total": "-120.00", "total_tax": "-30.00",
                               "meta_data": [{"key": "_refunded_item_id", "value": "80011"}]}],
               "shipping_lines": [], "_links": {"up": [{"href": "https://woo.example.com/wp-json/wc/v3/orders/8001"}]}}
    refund = parse_woo_refund(payload, "woo-demo", currency="SEK")
    inv = invoice([line(1, "Item", "WOO-ALBUM", "150.00")])
    mapped = mapping.build_credit_memo(refund, inv, SE, CONFIG.shop("woo-demo"), number="WC-8001-R801")
    assert mapped.body["salesCreditMemoLines"][0]["unitPrice"] == Decimal("150")
    # the remaining 37.50 is an amount-only part of the refund: an adjustment line
    assert mapped.body["salesCreditMemoLines"][1]["unitPrice"] == Decimal("37.50")
    assert mapped.problems == [] and mapped.document_total == Decimal("187.50")


def test_a_shop_tax_rounding_cent_gets_a_rounding_line():
    refund = parse_woo_refund(
        {"id": 5, "amount": "12.51", "date_created_gmt": "2026-11-25T08:00:00",
         "line_items": [{"id": 1, "sku": "1000", "quantity": -1, "total": "-10.00", "total_tax": "-2.51"}],
         "_links": {"up": [{"href": "https://x/wp-json/wc/v3/orders/9"}]}}, "woo-demo", currency="SEK")
    mapped = mapping.build_credit_memo(refund, invoice([line(1, "Item", "1000", "10.00")], include_tax=False),
                                       SE, CONFIG.shop("woo-demo"), number="X")
    assert mapped.problems == []
    assert mapped.rounding == Decimal("0.01") and mapped.document_total == Decimal("12.51")
    assert mapped.body["salesCreditMemoLines"][-1]["lineObjectNumber"] == "8999"


def test_corpus_shopify_refund_1_does_not_add_up_and_is_reported_not_fixed():
    refund = parse_shopify_refund(json.loads(corpus_file("shopify-refund-1.json").read_text()), "shopify-demo")
    inv = invoice([line(1, "Item", "IPOD2008PINK", "199.00", tax="0"), line(2, "Item", "IPOD2008PINK", "199.00",
                                                                              tax="0")], currency="USD",
                  include_tax=False)
    mapped = mapping.build_credit_memo(refund, inv, US, SHOP, number="#1001-R890088186047892319"[:35])
    # two refunded lines of 199.00 each (same SKU: each invoice line used once), but 85.00 paid back
    lines = mapped.body["salesCreditMemoLines"]
    # restock_type "no_restock": money credited on the adjustments account (fees fallback), no goods returned
    assert [(x["lineType"], x["lineObjectNumber"], x["unitPrice"], x["taxCode"]) for x in lines] == [
        ("Account", "3060", Decimal("199"), "VAT0"), ("Account", "3060", Decimal("199"), "VAT0")]
    assert [p.code for p in mapped.problems] == ["inconsistent_payload"]
    assert "398.00" in mapped.problems[0].message and "85.00" in mapped.problems[0].message
    assert mapped.body["currencyCode"] == ""  # USD is this company's currency


def test_corpus_shopify_refund_2_takes_the_invoice_lines_tax_rate():
    refund = parse_shopify_refund(json.loads(corpus_file("shopify-refund-2.json").read_text()), "shopify-demo")
    inv = invoice([line(1, "Item", "IPOD2008BLACK", "199.00", tax="6"), line(2, "Item", "IPOD2008GREEN", "199.00",
                                                                               tax="6")], currency="USD",
                  include_tax=False)
    mapped = mapping.build_credit_memo(refund, inv, US, SHOP, number="X")
    assert [x["taxCode"] for x in mapped.body["salesCreditMemoLines"]] == ["VAT6", "VAT6"]
    assert [x["lineObjectNumber"] if "lineObjectNumber" in x else x["itemId"]
            for x in mapped.body["salesCreditMemoLines"]] == ["item-IPOD2008BLACK", "item-IPOD2008GREEN"]
    assert mapped.notes == []  # restock = true
    assert [p.code for p in mapped.problems] == ["inconsistent_payload"]  # 405.96 of lines, 209.00 refunded


def test_corpus_woocommerce_refund_is_an_amount_only_credit():
    refund = parse_woo_refund(json.loads(corpus_file("woocommerce-refund-1.json").read_text()), "woo-demo",
                              currency="USD")
    assert refund.order_external_id == "723"
    mapped = mapping.build_credit_memo(refund, invoice([line(1, "Item", "X", "50.00", tax="0")], currency="USD",
                                                       include_tax=False), US, CONFIG.shop("woo-demo"), number="X")
    assert mapped.problems == []
    assert mapped.body["salesCreditMemoLines"] == [{
        "lineType": "Account", "lineObjectNumber": "3060", "description": "Refund adjustment",
        "quantity": Decimal(1), "unitPrice": Decimal("10.00"), "taxCode": "VAT0"}]


def test_a_refund_in_another_currency_than_the_invoice_needs_attention():
    refund = sample_refund([(1, "1000", 1, "199.00")], currency="EUR")
    problems = mapping.build_credit_memo(refund, INVOICE_7001, SE, SHOP, number="X").problems
    assert [p.code for p in problems] == ["currency_mismatch"]
    assert "currency_basis" in problems[0].resolution


def test_an_unmapped_tax_rate_is_a_problem_naming_the_setting():
    inv = invoice([line(1, "Item", "1000", "199.00", tax="21")])
    problems = mapping.build_credit_memo(sample_refund([(1, "1000", 1, "199.00")]), inv, SE, SHOP,
                                         number="X").problems
    assert [p.code for p in problems][:1] == ["tax_code_unmapped"] and '"21"' in problems[0].resolution


def test_credit_memo_number_from_ids_within_35_characters():
    refund = sample_refund([(1, "1000", 1, "199.00")])
    assert mapping.credit_memo_number("SH-2001", refund, SHOP) == "SH-2001-R91"
    long_id = refund.model_copy(update={"external_id": "890088186047892319"})
    assert mapping.credit_memo_number("SH-ABCDEFGHIJKLMNOPQ", long_id, SHOP) == "SH-R890088186047892319"
    with pytest.raises(NeedsAttention) as exc:
        mapping.credit_memo_number("X" * 30, refund.model_copy(update={"external_id": "9" * 40}), SHOP)
    assert exc.value.code == "external_document_number_too_long"


def test_a_refund_of_no_money_is_skipped():
    refund = sample_refund([(1, "1000", 1, "199.00")], adjustment="-199.00")
    assert refund.total == 0
    with pytest.raises(Skip):
        mapping.should_import(refund)
    mapping.should_import(sample_refund([(1, "1000", 1, "199.00")]))  # money moved: no skip


def test_with_several_invoices_the_one_holding_the_refunded_items_is_chosen():
    first = invoice([line(1, "Item", "2000", "89.00")], number="103001")
    second = {**invoice([line(1, "Item", "1000", "199.00", "2")], number="103002"), "id": "other"}
    refund = sample_refund([(1, "1000", 1, "199.00")])
    assert mapping.choose_invoice([first, second], refund, SHOP)["number"] == "103002"
    assert mapping.choose_invoice([first], refund, SHOP)["number"] == "103001"
