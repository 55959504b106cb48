"""Money at BC's precision (issue 13 item 6): a WooCommerce shop that rounds tax at the subtotal sends line
totals with fractions of a cent, either way. BC gets discounts in cents, never negative, and the difference
goes to one rounding line; the BC total matches the shop's to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.state import SyncStatus
from sandbox.samples import woo_order
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(240)


def subtotal_rounded_order() -> dict:
    order = woo_order(8701, [("2000", 3, "29.99"), ("3000", 3, "29.99")], modified="2026-11-20T09:31:00")
    # 3 × 29.99 incl. 25 % VAT = 89.97; tax rounded at the subtotal leaves 4 decimals on each line
    for line, tax in zip(order["line_items"], ("17.9943", "17.9937"), strict=True):
        line.update({"subtotal": "71.9760", "total": "71.9760", "subtotal_tax": tax, "total_tax": tax,
                     "taxes": [{"id": 1, "total": tax, "subtotal": tax}]})
    order["cart_tax"] = "35.9880"
    order["total_tax"] = f"{Decimal('35.9880') + Decimal(order['shipping_tax']):.4f}"
    order["total"] = f"{Decimal('89.9703') + Decimal('89.9697') + Decimal('39.00'):.2f}"
    return order


def test_fractional_woocommerce_lines_reach_bc_in_cents_without_negative_discounts():
    with LocalStack() as stack:
        order = subtotal_rounded_order()
        assert stack.send_woo("order.created", order).status == 200
        stack.wait_until_settled()
        record = stack.synclog.get("orders", "woo-demo", "8701")
        assert record.status is SyncStatus.SUCCESS, (record.code, record.message)
        [bc_order] = stack.bc.records(stack.company_id("se"), "salesOrders", externalDocumentNumber="WC-8701")
        lines = stack.bc.records(stack.company_id("se"), "salesOrderLines", documentId=bc_order["id"])
        for line in lines:
            discount = Decimal(str(line["discountAmount"]))
            assert discount >= 0 and discount == discount.quantize(Decimal("0.01")), line
            assert Decimal(str(line["amountIncludingTax"])).as_tuple().exponent >= -2, line
        rounding = [line for line in lines if "Rounding" in line.get("description", "")]
        assert len(rounding) <= 1
        assert Decimal(str(bc_order["totalAmountIncludingTax"])) == Decimal(order["total"])
