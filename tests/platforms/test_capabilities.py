"""The capability table in docs/platforms.md is read from the code, and every gap has a reason."""

from pathlib import Path

from core import capabilities
from core.platforms import PLATFORMS

DOC = Path(__file__).resolve().parents[2] / "docs" / "platforms.md"
START, END = "<!-- capabilities:start -->", "<!-- capabilities:end -->"


def test_every_missing_flow_has_a_reason_and_no_present_flow_has_one():
    assert capabilities.problems() == []


def test_the_docs_table_is_the_one_the_code_gives():
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert documented == capabilities.table(), "regenerate it: python -m core.capabilities"


def test_a_flow_is_present_only_when_its_code_exists(monkeypatch):
    # take Shopify's stock writer away: the cell must turn into a gap, which then needs a reason
    from core.sync import stock

    monkeypatch.delitem(stock.WRITERS, "shopify")
    assert not capabilities.present("shopify", "stock")
    assert any("shopify does not carry stock" in p for p in capabilities.problems())


def test_id_only_platforms_need_a_client_that_fetches_orders():
    for name, package in PLATFORMS.items():
        if hasattr(package.parse, "load_order") and capabilities.present(name, "orders"):
            assert hasattr(package, "client"), name
