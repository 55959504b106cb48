"""What Norce answers to the Connect imports, as a property (the pattern of tests/hostile): whatever the import
answer, `Job/Get` and `Job/GetLog` bodies are — the documented shapes with values replaced by hostile ones or
keys deleted — the price, stock and company writers return a result or raise one of our errors, never a
crash. Seeds: the documented job answer and the job log sample of the corpus (norce-connect-job_log-1.json)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import BridgeError
from core.platforms.norce import flows
from core.sync import product_mapping as pm
from core.sync import stock_mapping as sm
from tests.hostile.strategies import mutated

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "docs-examples"
LOG = json.loads((CORPUS / "norce-connect-job_log-1.json").read_text())
LOG_NAMING = [*LOG, {"SeverityId": 3, "Message": "Sku A not found.", "ImportedRow": json.dumps({"PartNo": "A"})}]
ANSWER = {"StatusCode": "OK", "Description": "", "JobId": 900,  # contract §1.2 [N6]
          "ValidationSummary": {"NrOfItemsInTotal": 2, "NrOfValidationFailures": 1, "Messages": ["Row 1: A"]}}
JOB = {"JobId": 900, "StatusId": 2, "IsFinished": True, "Totals": 2, "Fail": 0, "Insert": 0, "Updates": 2}


class Hostile:
    price_list, prices_include_tax, shop_key, application_key, account_id = "SE-B2C", False, "p", "k", 7

    def __init__(self, answer, job, log):
        self.answer, self._job, self._log = answer, job, log

    def _import(self, *args, **kwargs):
        return self.answer if isinstance(self.answer, dict) else {}  # client._answer: a non-object is {}

    import_sku_prices = import_onhands = import_companies = _import

    def job(self, job_id):
        return self._job if isinstance(self._job, dict) else {}

    def job_log(self, job_id):
        return [e for e in self._log if isinstance(e, dict)] if isinstance(self._log, list) else []


def change(item: str, sku: str) -> pm.ProductChange:
    variant = pm.ShopVariant(sku=sku, variant="", option="", price=Decimal("10"))
    return pm.ProductChange(pm.ShopProduct(item=item, title=item, status=pm.ACTIVE, category="",
                                           variants=(variant,)), {}, (variant,))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=mutated([ANSWER]), job=mutated([JOB]), log=mutated([LOG, LOG_NAMING]), which=st.integers(0, 2))
def test_the_writers_answer_any_job_bodies_with_a_result_or_our_error(answer, job, log, which):
    client = Hostile(answer, job, log)
    try:
        if which == 0:
            writer = flows.ProductWriter(client, sleep=lambda s: None)
            writer.max_polls = 2
            result = writer.update([change("A", "A"), change("B", "B")], {})
            assert len(result.applied) + len(result.failed) == 2
        elif which == 1:
            writer = flows.StockWriter(client, "run", sleep=lambda s: None)
            writer.max_polls = 2
            result = writer.write([sm.Change("A", "WH1/MAIN", 1, None), sm.Change("B", "WH1/MAIN", 2, None)], {})
            assert len(result.applied) + len(result.failed) == 2
        else:
            writer = flows.CompanyWriter(client, sleep=lambda s: None)
            writer.max_polls = 2
            writer.push({"number": "A", "displayName": "A AB", "type": "Company", "country": "SE"})
    except BridgeError:
        pass
