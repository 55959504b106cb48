"""Prices BC → Norce end to end through the local stack (sandbox Functions host, Azurite, the BC emulator): the
products flow reads BC items and variants and writes Norce sale prices by `ImportSkuPriceLists` jobs into the
Norce emulator, to the cent, reading each job's log back. Every assertion reads the Norce emulator or the run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.platforms.norce import flows
from core.sync import products
from core.sync.context import bc_client_from_config, get_context
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID
from sandbox.norce_emulator import NorceEmulator
from sandbox.stack import LocalStack
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.timeout(180)

SHOP = "norce-prices"
SETTING = "NORCE_PRICES_API_CLIENT"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "norce"
url = "{url}"
webhook_secret_setting = "NORCE_PRICES_WEBHOOK_SECRET"
api_token_setting = "{SETTING}"
flows = ["products"]

[shops.products]
item_filter = "number in ('1000', '2000', '3000', 'IPOD2008PINK', 'SHIPPING')"
shop_price_list = "SE-B2C"
prices_include_tax = false

[shops.items]
"1000-S-BLK" = "1000:S-BLK"
"1000-M-BLK" = "1000:M-BLK"

[shops.norce]
application_id = "1234"
account_id = 7
scope = "stage"

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def norce():
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(norce):
    with LocalStack(config_extra=shop_toml(norce.base_url), settings={SETTING: f"{CLIENT_ID}:{CLIENT_SECRET}"}) as s:
        yield s


def test_bc_prices_land_on_the_norce_price_list_to_the_cent_and_what_norce_refuses_fails_alone(stack, norce,
                                                                                              monkeypatch):
    monkeypatch.setattr(flows.ProductWriter, "poll_seconds", 0.01)
    norce.skus.update({"1000-S-BLK", "1000-M-BLK", "2000", "3000", "SHIPPING"})  # not IPOD2008PINK
    ctx = get_context()
    run = products.export_products(ctx, SHOP, full=True)

    # BC unitPrice is excluding VAT, as Norce price imports want it: sent as is, per part number
    assert {part: norce.price_of(part) for part in ("1000-S-BLK", "1000-M-BLK", "2000", "3000")} == {
        "1000-S-BLK": Decimal("199.00"), "1000-M-BLK": Decimal("199.00"), "2000": Decimal("89.00"),
        "3000": Decimal("249.00")}
    header, rows = norce.price_imports[0]
    assert header["SkuPriceListFieldsThatAreSet"] == ["PriceSale"] and header["FullFile"] is False
    assert {row["CurrencyCode"] for row in rows} == {"SEK"} and {row["PriceListCode"] for row in rows} == {"SE-B2C"}
    # IPOD2008PINK: Norce has no such part (job log warning); SHIPPING: price 0, which Norce would ignore
    assert (run.updated, run.failed) == (3, 2), run.failures
    assert any("IPOD2008PINK" in f and "not found" in f for f in run.failures)
    assert any("SHIPPING" in f and "price 0" in f for f in run.failures)
    assert "SHIPPING" not in {row["PartNo"] for _, sent in norce.price_imports for row in sent}

    # a BC price change: the next delta run sends that item and the two that failed, nothing else
    co = bc_client_from_config(ctx.config).company(DEMO_COMPANY_SE_ID)
    item = co.first("items", filter="number eq '2000'")
    co.update("items", item["id"], {"unitPrice": 99.5}, etag=item["@odata.etag"])
    imports = len(norce.price_imports)
    again = products.export_products(ctx, SHOP)
    assert norce.price_of("2000") == Decimal("99.50")
    assert sorted(row["PartNo"] for _, sent in norce.price_imports[imports:] for row in sent) == [
        "2000", "IPOD2008PINK"]
    assert (again.updated, again.failed) == (1, 2)
