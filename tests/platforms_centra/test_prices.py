"""Centra prices: the ProductWriter (setPrices per variant on the configured pricelist, contract 4.4 with the
input shape of the ERP guide) against the emulator, and the emulator refusing what that shape does not allow."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.config import ProductExport, Shop
from core.errors import NeedsAttention
from core.platforms import part
from core.platforms.centra.flows import ProductWriter
from core.sync.product_mapping import ACTIVE, ProductChange, ShopProduct, ShopVariant


def product(item: str, *variants: tuple[str, str]) -> ShopProduct:
    return ShopProduct(item=item, title=f"Item {item}", status=ACTIVE, category="",
                       variants=tuple(ShopVariant(sku, "", sku, Decimal(price)) for sku, price in variants))


def change(p: ShopProduct, fields: bool = False) -> ProductChange:
    return ProductChange(p, p.fields() if fields else {}, p.variants)


@pytest.fixture
def writer(client):
    client.shop = Shop(key="centra-se", platform="centra", url="https://x", webhook_secret_setting="S",
                       api_token_setting="T", products=ProductExport(shop_price_list="1"))
    return ProductWriter(client)


def test_the_flows_find_the_centra_product_writer():
    assert part("centra", "ProductWriter") is ProductWriter


def test_prices_go_to_the_pricelist_per_variant_in_its_currency(writer, centra):
    centra.add_variant(2003, {"One Size": "MUG"}, product=7001)  # a second variant of TEE's product
    targets = writer.discover(["TEE-S", "TEE-M", "MUG"])
    result = writer.update([change(product("TEE", ("TEE-S", "249.00"), ("TEE-M", "249.00"), ("MUG", "99.5")),
                                   fields=True)], targets)
    assert not result.failed and result.calls == 1 and len(result.applied) == 1
    assert centra.prices == {(1, 2001): Decimal("249.00"), (1, 2003): Decimal("99.5")}
    assert "currencyIsoCode: \"SEK\"" in centra.queries[-1]


def test_sizes_of_one_variant_priced_differently_fail_that_product_and_send_nothing_of_it(writer, centra):
    targets = writer.discover(["TEE-S", "TEE-M", "CAP-1"])
    result = writer.update([change(product("TEE", ("TEE-S", "249.00"), ("TEE-M", "259.00"))),
                            change(product("CAP", ("CAP-1", "99.00")))], targets)
    [(failed, reason)] = result.failed
    assert failed.item == "TEE" and "per variant, not per size" in reason
    assert centra.prices == {(1, 2002): Decimal("99.00")}


def test_a_stale_variant_is_refused_and_looked_up_again(writer, centra):
    targets = {"TEE-S": {"variant": 2002, "size": "S", "product": 7001}}  # cached before Centra moved it
    result = writer.update([change(product("TEE", ("TEE-S", "1.00")))], targets)
    assert result.failed and result.gone == ["TEE-S"] and not centra.prices


def test_without_a_pricelist_the_run_stops_with_the_fix(client, centra):
    client.shop = Shop(key="centra-se", platform="centra", url="https://x", webhook_secret_setting="S",
                       api_token_setting="T")
    with pytest.raises(NeedsAttention) as missing:
        ProductWriter(client).update([change(product("CAP", ("CAP-1", "1")))],
                                     {"CAP-1": {"variant": 2002, "size": "One Size", "product": 7002}})
    assert missing.value.code == "missing_setting" and "shop_price_list" in missing.value.resolution


def test_new_products_are_refused_per_product(writer):
    result = writer.create([product("NEW", ("NEW-1", "10"))])
    assert result.failed[0][0].item == "NEW" and "create_missing" in result.failed[0][1]


def test_the_emulator_refuses_another_currency_and_a_string_price(client, centra):
    assert "not the pricelist's" in client.set_prices(1, "EUR", 7002, {2002: Decimal("1")})[0]["message"]
    with pytest.raises(NeedsAttention, match="Float cannot represent non numeric value"):
        client.mutate("setPrices", 'input: {pricelist: {id: 1}, productPrices: [{product: {id: 7002}, '
                      'individualVariantPrices: [{productVariant: {id: 2002}, price: {value: "1", '
                      'currencyIsoCode: "SEK"}}]}]}', "pricelist { id }")
    assert not centra.prices
