"""Fixtures for the BC emulator suite.

`bc_api` / `bc_company_id` are what the contract tests use: by default an emulator seeded with "demo"; with
BC_CONTRACT_BASE_URL (the API root, …/api/v2.0), BC_CONTRACT_TOKEN and BC_CONTRACT_COMPANY_ID set, a real
Business Central sandbox instead. Emulator-only tests use `emu` and `client`.
"""

from __future__ import annotations

import os

import httpx
import pytest

from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator

TOKEN = "test-token"


@pytest.fixture
def emu():
    emulator = BcEmulator(seed="demo").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emu):
    with httpx.Client(base_url=emu.api_root() + "/", headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=30) as c:
        yield c


@pytest.fixture
def company(emu) -> str:
    return DEMO_COMPANY_SE_ID


@pytest.fixture
def bc_target():
    """(api root, token, company id) of a real BC when configured, else of a fresh emulator."""
    url, token, company_id = (os.environ.get(k) for k in (
        "BC_CONTRACT_BASE_URL", "BC_CONTRACT_TOKEN", "BC_CONTRACT_COMPANY_ID"))
    if url and token and company_id:
        yield url.rstrip("/"), token, company_id
        return
    emulator = BcEmulator(seed="demo").start()
    yield emulator.api_root(), TOKEN, DEMO_COMPANY_SE_ID
    emulator.stop()


@pytest.fixture
def bc_api(bc_target):
    root, token, _ = bc_target
    with httpx.Client(base_url=root + "/", headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        yield c


@pytest.fixture
def bc_company_id(bc_target) -> str:
    return bc_target[2]
