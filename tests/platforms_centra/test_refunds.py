"""Centra returns → refunds: parse_refund on the documented Order API shape (corpus), a property over any
input, new_refunds against the emulator's Order API, and the emulator held to contract 4.5."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import RefundImport, Shop
from core.errors import NeedsAttention, Skip
from core.platforms import part
from core.platforms.centra.order_api import OrderApiClient, order_api_for
from core.platforms.centra.parse import parse_refund

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "docs-examples"


def corpus_returns() -> list[dict]:
    return json.loads((CORPUS / "centra-orderapi-get_returns-1.json").read_text())["returns"]


def shop(url: str = "http://127.0.0.1:1/api/order") -> Shop:
    return Shop(key="centra-se", platform="centra", url="https://x.centra.com", webhook_secret_setting="S",
                api_token_setting="T", refunds=RefundImport(order_api_url=url, order_api_key_setting="ORDER_KEY"))


def test_a_completed_corpus_return_is_a_refund_with_gross_lines_and_its_vat():
    refund = parse_refund(corpus_returns()[1], "centra-se")
    assert (refund.external_id, refund.order_external_id, refund.currency) == ("384", "20179", "GBP")
    [line] = refund.lines
    assert (line.sku, line.order_line_external_id, line.quantity) == ("PNKG8484", "60669", 1)
    assert line.amount == Decimal("54.50") and line.tax_amount == Decimal("9.08") and line.restock
    assert refund.prices_include_tax and refund.total == Decimal("54.50")
    assert refund.created_at == datetime(2019, 7, 11, 14, 33, 56, tzinfo=UTC)


def test_a_pending_corpus_return_is_not_a_refund_yet():
    with pytest.raises(Skip, match="not completed"):
        parse_refund(corpus_returns()[0], "centra-se")


def test_shipping_costs_and_vouchers_add_up_to_the_money_back():
    row = {**corpus_returns()[1], "shippingCost": 49, "handlingCost": 10, "returnCost": 25, "voucherValue": 5,
           "taxValue": 18.88, "products": [{**corpus_returns()[1]["products"][0], "quantity": 2, "sizeSku": "-M"}]}
    refund = parse_refund({"status": "ok", "returns": [row]}, "centra-se")
    assert refund.lines[0].sku == "PNKG8484-M" and refund.lines[0].amount == Decimal("109.00")
    assert refund.shipping_amount == Decimal(49) and refund.adjustment_amount == Decimal(-20)
    assert refund.total == Decimal("138.00")  # 109 + 49 + 10 − 25 − 5
    assert refund.lines[0].tax_amount == Decimal("13.02")  # 18.88 × 109 / 158 = 13.0248


def test_an_update_return_answer_is_read_too():
    assert parse_refund({"status": "ok", "return": corpus_returns()[1]}, "s").external_id == "384"


@pytest.mark.parametrize("payload", [None, [], {"returnId": 1}, {"status": "ok", "returns": []},
                                     {**{k: v for k, v in corpus_returns()[1].items()}, "products": "x"},
                                     {**corpus_returns()[1], "products": [{"quantity": "two", "price": 1}]}])
def test_unusable_returns_need_attention(payload):
    with pytest.raises(NeedsAttention) as exc:
        parse_refund(payload, "centra-se")
    assert exc.value.code == "malformed_payload"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["returnId", "orderId", "date", "currency", "products", "price", "quantity",
                                         "completed", "taxValue", "shippingCost", "return", "returns", "sku"]),
                        inner, max_size=6), max_leaves=20))
def test_any_input_is_a_refund_or_one_of_our_errors(payload):
    try:
        refund = parse_refund(payload, "centra-se")
    except (NeedsAttention, Skip):
        return
    assert refund.total == sum((line.amount for line in refund.lines), Decimal(0)) + refund.shipping_amount + \
        refund.adjustment_amount


# ---- new_refunds and the Order API ----

def test_the_flows_find_new_refunds():
    from core.platforms.centra.flows import new_refunds

    assert part("centra", "new_refunds") is new_refunds


def test_new_refunds_offers_completed_returns_over_several_pages_and_reaches_back(centra, monkeypatch):
    from core.platforms.centra import order_api
    from core.platforms.centra.flows import new_refunds

    monkeypatch.setenv("ORDER_KEY", centra.order_api_key)
    monkeypatch.setattr(order_api, "PAGE", 2)
    order = centra.add_order(centra.make_order([("TEE-S", 2, "199.00")]))
    line = order["lines"][0]["id"]
    now = datetime.now(UTC)
    old = centra.add_return(order["number"], [(line, 1)], created=now - timedelta(days=10))  # completed later
    pending = centra.add_return(order["number"], [(line, 1)], completed=False)
    recent = [centra.add_return(order["number"], [(line, 1)]) for _ in range(3)]
    centra.add_return(order["number"], [(line, 1)], created=now - timedelta(days=90))  # beyond the lookback

    found = list(new_refunds(None, shop(centra.order_api_url), now - timedelta(hours=1), now))
    assert sorted(d.external_id for d in found) == sorted(str(r["returnId"]) for r in [old, *recent])
    assert str(pending["returnId"]) not in {d.external_id for d in found}
    assert all(d.payload["completed"] is True and d.refund_ids == (d.external_id,) for d in found)
    assert centra.counters["rest"] == 3  # 5 returns in the reach, 2 a page


def test_the_order_api_needs_its_url_and_key_and_a_wrong_key_is_refused(centra, monkeypatch):
    monkeypatch.delenv("ORDER_KEY", raising=False)
    with pytest.raises(NeedsAttention) as missing:
        order_api_for(shop(centra.order_api_url))
    assert missing.value.code == "missing_setting" and "order_api_url" in missing.value.resolution
    with OrderApiClient(centra.order_api_url, "wrong") as api, pytest.raises(NeedsAttention) as refused:
        list(api.returns(datetime.now(UTC)))
    assert refused.value.code == "shop_auth_failed"


def test_the_emulator_refuses_a_newer_than_that_is_not_one_of_the_two_formats(centra):
    import httpx

    answer = httpx.get(centra.order_api_url + "/returns", params={"newer_than": "2024-01-01T10:00:00Z"},
                       headers={"API-Authorization": centra.order_api_key})
    assert answer.status_code == 400 and answer.json()["status"] == "no"
    ok = httpx.get(centra.order_api_url + "/returns", params={"newer_than": "2024-01-01 10:00:00"},
                   headers={"API-Authorization": centra.order_api_key})
    assert ok.json() == {"status": "ok", "returns": []}
