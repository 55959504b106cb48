"""Centra end to end through the local stack (sandbox Functions host, Azurite, BC emulator) and the Centra
emulator: stock out of BC into Centra's warehouses, an order in by webhook, its BC shipment out to Centra,
a completed return in as a BC credit memo. Every assertion reads an emulator or the sync log."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync import stock
from core.sync.context import get_context
from sandbox.centra_emulator import CentraEmulator
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(240)

SHOP = "centra-demo"


def centra_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "centra"
url = "{url}"
webhook_secret_setting = "CENTRA_DEMO_WEBHOOK_SECRET"
api_token_setting = "CENTRA_DEMO_API_TOKEN"
flows = ["orders", "stock", "shipments", "refunds"]

items = {{ "TEE-S-BLK" = "1000:S-BLK", "TEE-M-BLK" = "1000:M-BLK" }}

[shops.stock]
committed = "none"

[shops.shipments]
carriers = {{ "DHL" = "DHL Express" }}

[shops.locations]
"1" = ["MAIN"]
"2" = ["WEB"]

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def centra():
    emu = CentraEmulator(token="centra-e2e-token").start()  # noqa: S106
    emu.warehouses[2] = "Web warehouse"
    emu.add_variant(2001, {"One Size": "2000"})
    emu.add_variant(2002, {"One Size": "IPOD2008PINK"})
    emu.add_variant(2003, {"S": "TEE-S-BLK", "M": "TEE-M-BLK"})
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(centra):
    with LocalStack(config_extra=centra_toml(centra.base_url),
                    settings={"CENTRA_DEMO_API_TOKEN": centra.token}) as s:
        yield s


def bc_stock(stack, item: str, variant: str = "") -> dict[str, int]:
    [record] = stack.bc.records(stack.company_id("se"), "items", number=item)
    by_location: dict[str, int] = {}
    for key, quantity in (record.get("_stock") or {}).items():
        location, code = key.split("|", 1)
        if code == variant:
            by_location[location] = by_location.get(location, 0) + int(quantity)
    return by_location


def test_bc_stock_per_location_lands_in_the_mapped_centra_warehouses_and_only_changes_go_again(stack, centra):
    run = stock.export_stock_levels(get_context(), SHOP, full=True)

    for sku, item, variant in (("2000", "2000", ""), ("IPOD2008PINK", "IPOD2008PINK", ""),
                               ("TEE-M-BLK", "1000", "M-BLK"), ("TEE-S-BLK", "1000", "S-BLK")):
        expected = bc_stock(stack, item, variant)
        assert centra.stock_of(sku, 1) == expected.get("MAIN", 0), sku
        assert centra.stock_of(sku, 2) == expected.get("WEB", 0), sku  # 0 where BC has none at WEB
    assert centra.stock_of("IPOD2008PINK", 2) == 5 and centra.stock_of("TEE-M-BLK", 1) == 30
    assert run.failed == 0 and run.applied == 8
    assert run.unknown > 0  # BC items the Centra catalog does not have are skipped, not failed
    calls = centra.counters["setStock"]

    # nothing changed in BC: a delta run writes nothing
    again = stock.export_stock_levels(get_context(), SHOP)
    assert again.changes == 0 and centra.counters["setStock"] == calls

    # a manual count in Centra is overwritten by the next full push: BC is the master
    centra.stock[(1, 2001, "One Size")] = 999
    stock.export_stock_levels(get_context(), SHOP, full=True)
    assert centra.stock_of("2000", 1) == 100
    record = stack.synclog.get("stock", SHOP, "sku:3000")
    assert record is None or record.status is SyncStatus.SKIPPED

