"""A Norce shop exporting BC companies without `application_key` in [shops.norce]: one actionable
needs-attention on the shop (not one per BC company), written once while the setting is missing, resolved when
it is set, and every company exported then. End to end: BC emulator → core.sync.customer_export → the Norce
emulator, the sync log in Azurite."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync import customer_export
from core.sync.context import get_context
from sandbox.norce_emulator import NorceEmulator
from sandbox.stack import LocalStack
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET
from tests.platforms_norce.test_companies_e2e import KEY, SETTING, SHOP, shop_toml

pytestmark = pytest.mark.timeout(180)
FLOW = customer_export.FLOW


def without_key(url: str) -> str:
    return shop_toml(url).replace(f'application_key = "{KEY}"\n', "")


@pytest.fixture
def norce():
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7,
                        application_key=KEY).start()
    yield emu
    emu.stop()


@pytest.fixture
def stack(norce):
    from core.platforms.norce import flows

    with pytest.MonkeyPatch.context() as mp, LocalStack(
            host=False, config_extra=without_key(norce.base_url),
            settings={SETTING: f"{CLIENT_ID}:{CLIENT_SECRET}"}) as s:
        for name, value in s.settings.items():
            mp.setenv(name, value)
        mp.setattr(flows.CompanyWriter, "poll_seconds", 0.01)
        yield s


def attention(stack) -> list:
    return [r for r in stack.synclog.query(flow=FLOW, shop=SHOP) if r.status is SyncStatus.NEEDS_ATTENTION]


def test_a_missing_application_key_is_one_needs_attention_for_the_shop_until_it_is_set(stack, norce):
    assert "application_key" not in without_key(norce.base_url)
    co = get_context().bc.company(stack.company_id("se"))
    customers = [co.create("customers", {"displayName": name, "type": "Company", "country": "SE",
                                         "taxRegistrationNumber": f"SE55667788{n:02d}01"})
                 for n, name in enumerate(("Verktyg Norr AB", "Snickeri Syd AB", "Bygg Väst AB"))]

    for _ in range(3):  # three runs, several BC companies (these and the sandbox's): one record, written once
        customer_export.export_customers(get_context())
    [record] = attention(stack)
    assert (record.external_id, record.code) == (customer_export.SHOP_RECORD, "missing_setting")
    assert "application_key" in record.resolution and f'"{SHOP}"' in record.resolution
    assert record.attempts == 1 and len(record.history) == 1
    assert norce.company_imports == []
    assert all(stack.synclog.get(FLOW, SHOP, c["id"]) is None for c in customers)

    stack.reload_config(shop_toml(norce.base_url))  # the operator sets application_key
    customer_export.export_customers(get_context())
    assert [r for r in attention(stack) if r.code == "missing_setting"] == []
    assert stack.synclog.get(FLOW, SHOP, customer_export.SHOP_RECORD).status is SyncStatus.SUCCESS
    assert {c["number"] for c in customers} <= set(norce.companies)  # the cursor waited for the fix
    assert all(stack.synclog.get(FLOW, SHOP, c["id"]).status is SyncStatus.SUCCESS for c in customers)
