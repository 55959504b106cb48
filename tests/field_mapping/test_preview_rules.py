"""`python -m core preview` shows what each field rule gave, in the previewed body and on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.field_mapping.test_field_mapping import magento_cod_payload


def test_preview_shows_the_fee_line_and_the_rule_results(tmp_path: Path):
    payload = tmp_path / "magento-cod.json"
    payload.write_text(json.dumps(magento_cod_payload()))
    result = subprocess.run(
        [sys.executable, "-m", "core", "preview", "--platform", "magento", "--shop", "magento-cod",
         "--config", str(Path(__file__).parent / "fields.toml"), str(payload)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["problems"] == []
    assert record["field_rules"] == [{"rule": "cod-fee", "target": "charge",
                                      "path": "extension_attributes.msp_cod_amount", "value": "5.33"}]
    fee = record["sales_order"]["salesOrderLines"][-1]
    assert (fee["lineObjectNumber"], fee["unitPrice"]) == ("6170", "5.33")
    assert record["shop_total"] == record["document_total"] == "414.93"
