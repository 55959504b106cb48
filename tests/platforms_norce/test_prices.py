"""Prices BC → Norce: the ProductWriter's `Product/ImportSkuPriceLists` jobs against the Norce emulator, and the
emulator held to the contract (§1.4 [N11]: header fields, required row fields, 0 prices ignored)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from core.errors import NeedsAttention
from core.platforms.norce import flows
from core.platforms.norce.client import NorceClient
from core.sync import product_mapping as m
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET


def client(norce, **options) -> NorceClient:
    return NorceClient(norce.base_url, CLIENT_ID, CLIENT_SECRET, application_id="1234", account_id=7, scope="stage",
                       **{"price_list": "SE-B2C", "shop_key": "norce-se", **options})


def change(item: str, *prices: tuple[str, str], fields: dict | None = None) -> m.ProductChange:
    variants = tuple(m.ShopVariant(sku=sku, variant="", option="", price=Decimal(price)) for sku, price in prices)
    product = m.ShopProduct(item=item, title=f"Item {item}", status=m.ACTIVE, category="", variants=variants)
    return m.ProductChange(product, fields or {}, variants)


def writer(norce, **options) -> flows.ProductWriter:
    made = flows.ProductWriter(client(norce, **options), sleep=lambda s: None)
    made.use_currency("sek")
    return made


def test_prices_land_per_part_number_on_the_configured_list_and_an_unknown_part_fails_alone(norce):
    norce.skus.update({"1000-S", "1000-M", "2000"})
    out = writer(norce)
    changes = [change("1000", ("1000-S", "199.00"), ("1000-M", "209.50")), change("2000", ("2000", "89.00")),
               change("4711", ("4711", "12.34"))]
    result = out.update(changes, out.discover(["1000-S", "1000-M", "2000", "4711"]))
    assert {c.item for c in result.applied} == {"1000", "2000"}
    [(failed, reason)] = result.failed
    assert failed.item == "4711" and "4711" in reason and "not found" in reason and "SE-B2C" in reason
    assert (norce.price_of("1000-S"), norce.price_of("1000-M"), norce.price_of("2000")) == (
        Decimal("199.00"), Decimal("209.50"), Decimal("89.00"))
    [(header, rows)] = norce.price_imports
    assert header == {"AccountId": 7, "FullFile": False, "SkuPriceListFieldsThatAreSet": ["PriceSale"],
                      "IgnoreSkuPriceListFieldsWhenEmpty": ["PriceSale"]}
    assert rows[0] == {"PartNo": "1000-S", "PriceListCode": "SE-B2C", "PriceSale": 199.0, "CurrencyCode": "SEK"}
    assert result.calls == 3  # the import, Job/Get until finished, Job/GetLog


def test_a_zero_price_is_refused_with_the_reason_and_never_sent_because_norce_ignores_it(norce):
    norce.skus.update({"5000", "6000"})
    norce.prices[("5000", "SE-B2C")] = {"PriceSale": Decimal("50.00"), "IsActive": True}
    out = writer(norce)
    result = out.update([change("5000", ("5000", "0")), change("6000", ("6000", "60"))], out.discover(["5000"]))
    [(failed, reason)] = result.failed
    assert failed.item == "5000" and "price 0" in reason and "old price" in reason
    assert [row["PartNo"] for row in norce.price_imports[-1][1]] == ["6000"]
    assert norce.price_of("5000") == Decimal("50.00")


def test_title_only_changes_send_nothing_and_products_are_not_created(norce):
    out = writer(norce)
    only_title = m.ProductChange(change("7000", ("7000", "1")).product, {"title": "New"}, ())
    result = out.update([only_title], {})
    assert result.applied == [only_title] and norce.price_imports == []
    created = out.create([only_title.product])
    assert "not built" in created.failed[0][1]


def test_no_price_list_or_prices_including_vat_need_attention_before_anything_is_sent(norce):
    with pytest.raises(NeedsAttention) as missing:
        writer(norce, price_list="").update([change("2000", ("2000", "89"))], {})
    assert missing.value.code == "missing_setting" and "shop_price_list" in missing.value.resolution
    with pytest.raises(NeedsAttention) as gross:
        writer(norce, prices_include_tax=True).update([change("2000", ("2000", "89"))], {})
    assert gross.value.code == "norce_price_basis_mismatch" and "prices_include_tax = false" in gross.value.resolution
    assert norce.price_imports == []


def test_a_row_norce_rejects_in_the_job_log_fails_its_product_and_a_failed_job_fails_the_batch(norce):
    norce.skus.update({"2000"})
    out = writer(norce)
    out.use_currency("EUR")  # not the list's currency: Norce rejects the row
    result = out.update([change("2000", ("2000", "8.90"))], {})
    assert "currency" in result.failed[0][1].casefold() and norce.price_of("2000") is None

    class Failing:
        price_list, prices_include_tax, shop_key = "SE-B2C", False, "x"

        def import_sku_prices(self, rows):
            return {"StatusCode": "OK", "JobId": 9}

        def job(self, job_id):
            return {"StatusId": flows.JOB_FAILED, "IsFinished": True}

        def job_log(self, job_id):
            return [{"SeverityId": 3, "Message": "Import file unreadable.", "ImportedRow": None}]

    failed = flows.ProductWriter(Failing()).update([change("1", ("1", "1")), change("2", ("2", "2"))], {})
    assert [c.item for c, _ in failed.failed] == ["1", "2"] and "unreadable" in failed.failed[0][1]


def test_a_product_never_straddles_two_jobs(norce):
    norce.skus.update({"A", "B1", "B2"})
    out = writer(norce)
    out.batch = 2
    result = out.update([change("A", ("A", "1")), change("B", ("B1", "2"), ("B2", "3"))], {})
    assert len(result.applied) == 2
    assert [[r["PartNo"] for r in rows] for _, rows in norce.price_imports] == [["A"], ["B1", "B2"]]


# ---- the emulator against the contract (§1.4, x-stormconnect-header-skuprices, skupricelistheader) ----

def post(norce, rows, header: dict | None) -> httpx.Response:
    api = client(norce)
    headers = {"X-StormConnect-Header": json.dumps(header)} if header is not None else {}
    try:
        return api.request("POST", "/commerce/connect/4.0/Product/ImportSkuPriceLists", json=rows, headers=headers)
    finally:
        api.close()


HEADER = {"AccountId": 7, "FullFile": False, "SkuPriceListFieldsThatAreSet": ["PriceSale"],
          "IgnoreSkuPriceListFieldsWhenEmpty": ["PriceSale"]}


@pytest.mark.parametrize("header", [
    None, {**HEADER, "AccountId": 8}, {k: v for k, v in HEADER.items() if k != "FullFile"},
    # IgnoreSkuPriceListFieldsWhenEmpty may be left out (the header page's example does), but what it names
    # "must be in SkuPriceListFieldsThatAreSet" and be one of its documented codes
    {**HEADER, "IgnoreSkuPriceListFieldsWhenEmpty": ["CostUnit"]},
    {**HEADER, "SkuPriceListFieldsThatAreSet": [3, 9], "IgnoreSkuPriceListFieldsWhenEmpty": [9]},
    {**HEADER, "SkuPriceListFieldsThatAreSet": ["Price"]}, {**HEADER, "SkuPriceListFieldsThatAreSet": []}])
def test_the_emulator_refuses_a_header_the_contract_does_not_allow(norce, header):
    assert post(norce, [{"PartNo": "X", "PriceListCode": "SE-B2C", "PriceSale": 1}], header).status_code == 400


def test_the_emulator_counts_rows_without_part_or_price_list_and_ignores_zero_prices(norce):
    norce.skus.update({"X", "Y"})
    norce.prices[("Y", "SE-B2C")] = {"PriceSale": Decimal("5"), "IsActive": True}
    answer = post(norce, [{"PartNo": "X", "PriceSale": 1}, {"PriceListCode": "SE-B2C", "PriceSale": 1},
                          {"PartNo": "X", "PriceListCode": "SE-B2C", "PriceSale": 10},
                          {"PartNo": "Y", "PriceListCode": "SE-B2C", "PriceSale": 0}],
                  {**HEADER, "SkuPriceListFieldsThatAreSet": [3], "IgnoreSkuPriceListFieldsWhenEmpty": []}).json()
    summary = answer["ValidationSummary"]
    assert summary["NrOfValidationFailures"] == 2
    assert "PriceListCode" in summary["Messages"][0] and "PartNo" in summary["Messages"][1]
    assert norce.price_of("X") == Decimal("10") and norce.price_of("Y") == Decimal("5")  # 0: old price kept


def test_the_emulator_full_file_deactivates_the_lists_other_prices(norce):
    norce.skus.update({"X", "Y"})
    norce.prices[("Y", "SE-B2C")] = {"PriceSale": Decimal("5"), "IsActive": True}
    post(norce, [{"PartNo": "X", "PriceListCode": "SE-B2C", "PriceSale": 10}], {**HEADER, "FullFile": True})
    assert norce.price_of("X") == Decimal("10") and norce.price_of("Y") is None
