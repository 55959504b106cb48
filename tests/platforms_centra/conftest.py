"""The Centra emulator with a small catalog (two variants in warehouses 1 and 2) and a client on it."""

from __future__ import annotations

import pytest

from core.platforms.centra.client import CentraClient
from sandbox.centra_emulator import CentraEmulator

TOKEN = "centra-test-token"  # noqa: S105 - the emulator's


@pytest.fixture
def centra():
    emu = CentraEmulator(token=TOKEN).start()
    emu.warehouses[2] = "Store Stockholm"
    emu.add_variant(2001, {"S": "TEE-S", "M": "TEE-M"})
    emu.add_variant(2002, {"One Size": "CAP-1"})
    yield emu
    emu.stop()


@pytest.fixture
def client(centra):
    with CentraClient(centra.base_url, TOKEN, sleep=lambda s: None) as api:
        yield api
