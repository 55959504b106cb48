"""The Centra emulator over HTTP, shop and BC company configs for the id-only platforms' tests."""

from __future__ import annotations

import pytest

from core.config import Company, GlAccounts, Shop
from sandbox.centra_emulator import CentraEmulator

TOKEN_SETTINGS = {"CENTRA_TOKEN": "centra-test-token"}

# a Swedish company mapping the tax rates the corpus and the emulator use (25 %, and 0 % for rounding)
COMPANY_SE = Company(key="se", bc_company_id="5a1c7e2e-8f4b-4f0e-9c55-1c2d3e4f5a6b", name="CRONUS SE",
                     currency="SEK", tax_codes={"25": "VAT25", "12": "VAT12", "0": "VAT0"},
                     gl_accounts=GlAccounts(shipping_account="3100", fees="3900", rounding="3950"),
                     payment_methods={"adyen-drop-in": "ADYEN"})


def centra_shop(url: str = "https://example.centra.com") -> Shop:
    return Shop(key="centra-se", platform="centra", url=url, webhook_secret_setting="CENTRA_SECRET",
                api_token_setting="CENTRA_TOKEN")


@pytest.fixture
def centra():
    emu = CentraEmulator(token="centra-test-token").start()
    yield emu
    emu.stop()
