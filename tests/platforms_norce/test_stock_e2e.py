"""Stock BC → Norce: the stock flow reads the BC emulator (ItemStockByLocation page) and writes Norce on-hand
values by ImportOnhands jobs into the Norce emulator, reading each job's log back for per-item problems."""

from __future__ import annotations

import json
import uuid

import pytest

from core.config import check_config
from core.platforms.norce import flows
from core.state import Storage
from core.sync import stock
from core.sync import stock_mapping as m
from core.sync.context import Context, bc_client_from_config
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def bc_emulator():
    bc = BcEmulator(seed="demo").start()
    yield bc
    bc.stop()


@pytest.fixture
def ctx(bc_emulator, norce, storage_connection, monkeypatch):
    bc_emulator.reset()
    for name, value in {"BC_BASE_URL": bc_emulator.base_url, "BC_TENANT_ID": "t", "BC_DEV_TOKEN": "tok",
                        "SECRET": "x", "NORCE_API": f"{CLIENT_ID}:{CLIENT_SECRET}"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(flows.StockWriter, "poll_seconds", 0.01)
    key = f"nc-{uuid.uuid4().hex[:8]}"
    config, problems = check_config(f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[bc.pages]
stock_by_location = "ItemStockByLocation"
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
[[shops]]
key = "{key}"
platform = "norce"
url = "{norce.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "NORCE_API"
flows = ["stock"]
[shops.stock]
committed = "none"
[shops.locations]
"WH1/MAIN" = ["MAIN", "WEB"]
"WH1/STORE1" = ["STORE1"]
[shops.norce]
application_id = "1234"
account_id = 7
scope = "stage"
[[routing]]
company = "se"
''')
    assert not problems, problems
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    context = Context(config=config, storage=storage, bc_factory=bc_client_from_config)
    context.shop_key = key
    return context


def test_bc_stock_reaches_norce_per_warehouse_and_location_then_an_unchanged_run_imports_nothing(ctx, norce):
    norce.skus.update({"2000", "IPOD2008PINK", "BEDB-20-BK-2"})
    run = stock.export_stock_levels(ctx, ctx.shop_key)
    assert run.failed == 0, run.failures
    assert norce.onhand_of("2000") == {("WH1", "MAIN"): 100, ("WH1", "STORE1"): 12}
    assert norce.onhand_of("IPOD2008PINK") == {("WH1", "MAIN"): 30, ("WH1", "STORE1"): 0}  # MAIN 25 + WEB 5
    header, rows = norce.imports[0]
    assert header == {"AccountId": 7, "FullFile": False, "SkuOnhandFieldsThatAreSet": ["OnhandValue"]}
    assert {"PartNo", "WarehouseCode", "LocationCode", "OnhandValue"} == set(rows[0])
    # part numbers Norce does not have come back in the job log: not stocked, skipped until a full reconcile
    assert run.not_stocked > 0 and "3000" not in {p for p, *_ in norce.onhand}
    imports = len(norce.imports)
    again = stock.export_stock_levels(ctx, ctx.shop_key)
    assert again.changes == 0 and len(norce.imports) == imports


def test_the_job_log_fails_exactly_the_rows_it_names():
    class Client:
        def __init__(self):
            self.polls = 0

        def import_onhands(self, rows):
            self.rows = rows
            return {"StatusCode": "OK", "JobId": 5, "ValidationSummary": {"NrOfValidationFailures": 0}}

        def job(self, job_id):
            self.polls += 1
            return {"JobId": job_id, "StatusId": 2 if self.polls > 1 else 6, "IsFinished": self.polls > 1}

        def job_log(self, job_id):
            return [{"SeverityId": 1, "Message": "Starting import.", "ImportedRow": None},
                    {"SeverityId": 3, "Message": "Onhand rejected.", "ImportedRow": json.dumps({"PartNo": "B"})},
                    {"SeverityId": 2, "Message": "Sku C-1 not found, row ignored.", "ImportedRow": '{"PartNo": "C-'},
                    {"SeverityId": 1, "Message": "Import finished.", "ImportedRow": None}]

    client = Client()
    writer = flows.StockWriter(client, "run", sleep=lambda s: None)
    changes = [m.Change("A", "WH1/MAIN", 5, None), m.Change("B", "WH1/MAIN", 0, 3),
               m.Change("C-1", "WH1/MAIN", 2, None), m.Change("D", "MAIN", 1, None)]
    result = writer.write(changes, writer.discover(["A", "B", "C-1", "D"]))
    assert [c.sku for c in result.applied] == ["A"]
    failed = {c.sku: code for c, code, _ in result.failed}
    assert failed == {"B": "JOB_LOG", "C-1": flows.NOT_STOCKED, "D": "NO_LOCATION"}
    assert client.rows[1] == {"PartNo": "B", "WarehouseCode": "WH1", "LocationCode": "MAIN", "OnhandValue": 0}
    assert client.polls == 2  # polled until IsFinished


def test_a_failed_job_fails_its_batch_and_a_job_that_never_finishes_is_retried():
    from core.errors import Retryable

    class Client:
        def import_onhands(self, rows):
            return {"StatusCode": "OK", "JobId": 6}

        def job(self, job_id):
            return {"StatusId": 3, "IsFinished": True}

        def job_log(self, job_id):
            return [{"SeverityId": 3, "Message": "Import file unreadable.", "ImportedRow": None}]

    result = flows.StockWriter(Client(), "run").write([m.Change("A", "WH1/MAIN", 5, None)], {})
    assert result.failed[0][1] == "JOB_FAILED" and "unreadable" in result.failed[0][2]

    class Running(Client):
        def job(self, job_id):
            return {"StatusId": 6, "IsFinished": False}

    writer = flows.StockWriter(Running(), "run", sleep=lambda s: None)
    writer.max_polls = 3
    with pytest.raises(Retryable):
        writer.write([m.Change("A", "WH1/MAIN", 5, None)], {})
