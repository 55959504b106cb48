"""Brink refunds: an OrderRefunded event (contract 2.5 [V: B3]; its rows' fields are our reading, parse.REFUND_FIELDS
[U]) priced from the order as imported; OrderRefundedFailed is kept, not credited; hostile events get our errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BridgeError, NeedsAttention, Skip
from core.models import Refund
from core.platforms.brink import parse, webhooks
from sandbox.brink_emulator import BrinkEmulator
from tests.hostile.strategies import mutated

D = Decimal


@pytest.fixture
def emu():
    return BrinkEmulator()  # not started: its order and event builders only


def placed(emu, lines, **options):
    data = emu.add_order(emu.make_order(lines, **options))
    return data, parse.parse_order(emu.event(data), "brink-se")


def refunded(emu, data, lines, kind="OrderRefunded", **options):
    return emu.event(emu.make_refund(data["id"], lines, **options), kind)


def test_a_refund_naming_lines_only_is_priced_from_the_order_line(emu):
    data, order = placed(emu, [("1000", 2, "199.00"), ("2000", 1, "89.00")])
    refund = parse.parse_refund(refunded(emu, data, [("line-1", 1)], shipping=True), "brink-se", order=order)
    assert (refund.order_external_id, refund.currency, refund.prices_include_tax) == (data["id"], "SEK", True)
    [line] = refund.lines
    assert (line.order_line_external_id, line.sku, line.quantity) == ("line-1", "1000", D(1))
    assert (line.amount, line.tax_amount) == (D("199.00"), D("39.80"))  # 199 − 199 / 1.25
    assert refund.shipping_amount == D("49.00") and refund.total == D("248.00")


@pytest.mark.parametrize("priced", [False, True])
def test_net_prices_with_a_discount_refund_the_units_share_plus_tax(emu, priced):
    data, order = placed(emu, [("1000", 3, "159.20")], includes_tax=False, line_discount="7.60", shipping="39.20")
    refund = parse.parse_refund(refunded(emu, data, [("line-1", 2)], shipping=True, priced=priced), "brink-se",
                                order=order)
    [line] = refund.lines
    # 2 × 159.20 − 2/3 of 7.60 = 318.40 − 5.07 = 313.33 net, 78.33 tax; shipping 39.20 + 9.80 tax
    assert (line.amount, line.tax_amount) == (D("313.33"), D("78.33"))
    assert refund.prices_include_tax is False and refund.shipping_amount == D("39.20")
    assert refund.total == D("313.33") + D("78.33") + D("39.20") + D("9.80")


def test_amounts_on_the_refund_row_are_used_when_it_carries_them(emu):
    data, order = placed(emu, [("1000", 2, "199.00")])
    event = refunded(emu, data, [("line-1", 2)], priced=True)
    event["detail"]["data"]["orderLines"][0].update(salePriceAmount=15000, totalTaxAmount=6000)  # Brink's price
    refund = parse.parse_refund(event, "brink-se", order=order)
    assert (refund.lines[0].amount, refund.lines[0].tax_amount, refund.total) == (D("300.00"), D("60.00"),
                                                                                   D("300.00"))


def test_a_row_the_order_does_not_have_or_more_than_it_sold_is_refused(emu):
    data, order = placed(emu, [("1000", 2, "199.00")])
    event = refunded(emu, data, [("line-1", 1)])
    event["detail"]["data"]["orderLines"][0]["id"] = "line-9"
    with pytest.raises(NeedsAttention) as unknown:
        parse.parse_refund(event, "brink-se", order=order)
    event["detail"]["data"]["orderLines"][0].update(id="line-1", quantity=3)
    with pytest.raises(NeedsAttention) as too_many:
        parse.parse_refund(event, "brink-se", order=order)
    assert unknown.value.code == too_many.value.code == "inconsistent_payload"
    assert "line-9" in unknown.value.message and "refunds 3 of line line-1" in too_many.value.message


def test_without_the_order_the_refund_is_not_guessed(emu):
    data, _ = placed(emu, [("1000", 1, "199.00")])
    with pytest.raises(NeedsAttention) as caught:
        parse.load_refund(refunded(emu, data, [("line-1", 1)]), _shop(), lambda order_id: None)
    assert caught.value.code == "order_not_imported" and data["id"] in caught.value.message


def test_a_failed_refund_is_skipped_with_its_reason(emu):
    data, order = placed(emu, [("1000", 1, "199.00")])
    event = refunded(emu, data, [("line-1", 1)], kind="OrderRefundedFailed")
    with pytest.raises(Skip) as caught:
        parse.parse_refund(event, "brink-se", order=order)
    assert "OrderRefundedFailed" in caught.value.reason and "nothing to credit" in caught.value.reason


def test_refund_events_go_to_the_refunds_flow_once_per_event(emu):
    data, _ = placed(emu, [("1000", 1, "199.00")])
    event = refunded(emu, data, [("line-1", 1)])
    delivery = webhooks.describe(json.dumps(event).encode(), {})
    assert (delivery.topic, delivery.flow) == ("OrderRefunded", "refunds")
    assert delivery.resource_id == event["detail"]["data"]["id"] and delivery.delivery_id == f"event:{event['id']}"
    failed = webhooks.describe(json.dumps({**event, "detail-type": "OrderRefundedFailed"}).encode(), {})
    assert (failed.topic, failed.flow, failed.resource_id) == ("OrderRefundedFailed", "refunds",
                                                               delivery.resource_id)
    # the legacy webhook's "refunded" state names the order only: still not read as a refund
    assert webhooks.describe(b'{"service":"order","state":"refunded","orderId":"x"}', {}).flow is None


def test_the_emulator_refuses_refunding_what_was_not_sold(emu):
    data, _ = placed(emu, [("1000", 2, "199.00")])
    emu.make_refund(data["id"], [("line-1", 1)], shipping=True)
    with pytest.raises(ValueError, match="units left"):
        emu.make_refund(data["id"], [("line-1", 2)])
    with pytest.raises(ValueError, match="already refunded"):
        emu.make_refund(data["id"], [("line-1", 1)], shipping=True)
    with pytest.raises(ValueError, match="no line"):
        emu.make_refund(data["id"], [("line-7", 1)])


def _shop():
    from tests.platforms_brink.conftest import brink_shop

    return brink_shop()


_EMU = BrinkEmulator()
_DATA = _EMU.add_order(_EMU.make_order([("1000", 2, "199.00"), ("2000", 1, "89.00")], includes_tax=False,
                                       line_discount="3.00"))
_ORDER = parse.parse_order(_EMU.event(_DATA), "brink-se")


def _seed(priced: bool) -> dict:
    _EMU.refunded.clear()  # each seed is the first refund of the order
    return _EMU.event(_EMU.make_refund(_DATA["id"], [("line-1", 1), ("line-2", 1)], shipping=True, priced=priced),
                      "OrderRefunded")


_SEEDS = [_seed(False), _seed(True)]


@given(data=st.data())
def test_the_refund_parser_answers_or_raises_ours(data):
    event = data.draw(mutated(_SEEDS))
    try:
        refund = parse.parse_refund(event, "brink-se", order=_ORDER)
    except BridgeError:
        return
    assert isinstance(refund, Refund) and refund.order_external_id == _DATA["id"]


def test_a_uuid_refund_id_fits_the_credit_memo_number():
    from core.platforms.brink.flows import refund_reference
    from core.sync.refund_mapping import credit_memo_number
    from tests.platforms_brink.conftest import brink_shop

    refund = Refund(platform="brink", shop="brink-se", external_id="c3bf3e43-691e-4967-834e-56edac0fef03",
                    order_external_id="o", created_at="2026-12-01T10:00:00Z", currency="SEK", total=D(1))
    assert refund_reference(refund.external_id) == "C3BF3E43691E4967" and refund_reference("R-7") == "R-7"
    # formerly "BR-100001-Rc3bf…" (47 characters) was refused as too long for BC
    assert credit_memo_number("BR-100001", refund, brink_shop()) == "BR-100001-RC3BF3E43691E4967"


def test_a_refund_of_gift_cards_only_is_skipped_not_credited(emu):
    data, order = placed(emu, [("1000", 1, "199.00")])
    event = refunded(emu, data, [("line-1", 1)])
    event["detail"]["data"].update(orderLines=[], giftCards=[{"id": "gc-1"}])
    with pytest.raises(Skip) as caught:
        parse.parse_refund(event, "brink-se", order=order)
    assert "gift cards or vouchers only" in caught.value.reason


def test_the_credit_memo_preview_prices_a_brink_refund_from_the_order_given(emu):
    from core.preview import parse_refund_payload

    data, order = placed(emu, [("1000", 2, "199.00")])
    event = refunded(emu, data, [("line-1", 2)])
    assert parse_refund_payload(event, _shop(), order).total == D("398.00")  # `preview --order <order event>`
    with pytest.raises(NeedsAttention, match="has not received"):
        parse_refund_payload(event, _shop())
