from decimal import Decimal

import pytest
from pydantic import ValidationError

from core.models import OrderLine, StockLevel


def test_money_is_decimal_and_float_is_refused():
    line = OrderLine(external_id="1", quantity="2", unit_price="19.99", discount_amount=1)
    assert line.unit_price == Decimal("19.99") and line.net_amount == Decimal("38.98")
    with pytest.raises(ValidationError, match="never float"):
        OrderLine(external_id="1", quantity=1, unit_price=19.99)


def test_stock_towards_a_shop_is_never_negative():
    with pytest.raises(ValidationError):
        StockLevel(sku="A", location="", quantity=-1)
