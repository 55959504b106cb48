"""The check every created sales document gets: BC's total against the shop's, to the cent."""

from decimal import Decimal

import pytest

from core.config import load_config
from core.errors import NeedsAttention
from core.sync.totals import settle_bc_total

COMPANY = load_config().company("se")  # rounding_tolerance 0.05, rounding account 8999


class FakeCompanyApi:
    def __init__(self):
        self.created = []

    def create(self, path, body):
        self.created.append((path, body))
        return body


def settle(co, bc_total, shop_total):
    return settle_bc_total(co, COMPANY, document={"totalAmountIncludingTax": bc_total}, lines_path="salesOrders(x)/l",
                           shop_total=Decimal(shop_total), rounding_tax_code="VAT0", what="Sales order 1",
                           against="the shop total", resolution="fix it")


def test_equal_totals_add_nothing():
    co = FakeCompanyApi()
    assert settle(co, 516.0, "516.00") == "Totals match." and co.created == []


def test_a_cent_within_tolerance_gets_one_rounding_line_on_the_rounding_account():
    co = FakeCompanyApi()
    note = settle(co, 515.99, "516.00")
    [(path, line)] = co.created
    assert path == "salesOrders(x)/l"
    assert (line["lineType"], line["lineObjectNumber"], line["unitPrice"], line["taxCode"]) == (
        "Account", "8999", Decimal("0.01"), "VAT0")
    assert "0.01" in note


def test_a_difference_beyond_tolerance_needs_attention_and_changes_nothing():
    co = FakeCompanyApi()
    with pytest.raises(NeedsAttention) as exc:
        settle(co, 500.00, "516.00")
    assert exc.value.code == "total_mismatch" and "16.00" in exc.value.message and exc.value.resolution == "fix it"
    assert co.created == []


def test_the_fence_runs_just_before_a_rounding_line_and_not_at_all_when_totals_match():
    """The orders pipeline passes its fence check as `before_write`: a BC write is fenced, no write costs none."""
    co, events = FakeCompanyApi(), []
    real_create = co.create
    co.create = lambda path, body: events.append("write") or real_create(path, body)

    def check():
        events.append("fence")

    settle_bc_total(co, COMPANY, document={"totalAmountIncludingTax": 516.0}, lines_path="l",
                    shop_total=Decimal("516.00"), rounding_tax_code=None, what="w", against="a", resolution="r",
                    before_write=check)
    assert events == []
    settle_bc_total(co, COMPANY, document={"totalAmountIncludingTax": 515.99}, lines_path="l",
                    shop_total=Decimal("516.00"), rounding_tax_code=None, what="w", against="a", resolution="r",
                    before_write=check)
    assert events == ["fence", "write"]
