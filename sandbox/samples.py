"""Sample shop orders for the demo and the end-to-end tests, in the platforms' webhook shapes.

Written by us (not copied from the corpus) and internally consistent: Swedish prices with 25 % VAT
included, SKUs that exist in the BC emulator's demo seed (sandbox/bc_emulator/seed.py).
"""

from __future__ import annotations

import json
from decimal import Decimal

VAT = Decimal("0.25")


def _tax_included(amount: Decimal) -> Decimal:
    return (amount * VAT / (1 + VAT)).quantize(Decimal("0.01"))


def shopify_order(order_id: int, lines: list[tuple[str, int, str]], *, email: str = "anna.andersson@example.com",
                  shipping: str = "49.00", discount_per_line: str = "0", number: int | None = None,
                  financial_status: str = "paid", updated_at: str = "2026-11-20T10:00:05+01:00") -> dict:
    """A Shopify orders/paid body. `lines` = [(sku, quantity, unit price incl. VAT)]."""
    number = number or order_id - 5000
    line_items, subtotal, tax_total, discounts = [], Decimal(0), Decimal(0), Decimal(0)
    for n, (sku, quantity, price) in enumerate(lines, start=1):
        gross = Decimal(price) * quantity
        discount = Decimal(discount_per_line)
        tax = _tax_included(gross - discount)
        subtotal += gross - discount
        tax_total += tax
        discounts += discount
        line_items.append({
            "id": order_id * 100 + n, "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id * 100 + n}",
            "sku": sku, "title": f"Product {sku}", "variant_title": "", "variant_id": order_id * 1000 + n,
            "product_id": 700 + n, "quantity": quantity, "price": price, "gift_card": False,
            "requires_shipping": True, "taxable": True,
            "discount_allocations": (
                [{"amount": f"{discount:.2f}", "discount_application_index": 0}] if discount else []),
            "tax_lines": [{"title": "Moms", "rate": 0.25, "price": f"{tax:.2f}"}],
        })
    ship = Decimal(shipping)
    ship_tax = _tax_included(ship)
    tax_total += ship_tax
    total = subtotal + ship
    address = {"first_name": "Anna", "last_name": "Andersson", "address1": "Storgatan 1", "address2": "",
               "city": "Göteborg", "zip": "41101", "province": "", "country": "Sweden", "country_code": "SE",
               "phone": "+46701112233", "company": None, "name": "Anna Andersson"}
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{number}",
        "order_number": number, "email": email, "created_at": "2026-11-20T10:00:00+01:00",
        "updated_at": updated_at, "processed_at": "2026-11-20T10:00:00+01:00", "cancelled_at": None,
        "financial_status": financial_status, "test": False, "currency": "SEK", "presentment_currency": "SEK",
        "taxes_included": True, "source_name": "web", "payment_gateway_names": ["shopify_payments"],
        "customer": {"id": 9001, "email": email, "first_name": "Anna", "last_name": "Andersson"},
        "billing_address": address, "shipping_address": address,
        "line_items": line_items,
        "shipping_lines": [{"id": order_id * 10, "title": "Standard", "code": "Standard", "price": f"{ship:.2f}",
                            "discount_allocations": [],
                            "tax_lines": [{"title": "Moms", "rate": 0.25, "price": f"{ship_tax:.2f}"}]}],
        "discount_applications": [{"type": "discount_code", "value": discount_per_line, "allocation_method": "each",
                                   "target_type": "line_item", "code": "WELCOME"}] if discounts else [],
        "total_discounts": f"{discounts:.2f}", "subtotal_price": f"{subtotal:.2f}", "total_tax": f"{tax_total:.2f}",
        "total_price": f"{total:.2f}", "total_tip_received": "0.00", "tags": "", "note": None,
    }


def woo_order(order_id: int, lines: list[tuple[str, int, str]], *, email: str = "erik.svensson@example.com",
              shipping: str = "39.00", status: str = "processing",
              modified: str = "2026-11-20T09:30:00") -> dict:
    """A WooCommerce order.created body (REST v3 shape), prices incl. 25 % VAT."""
    items, total, tax_total = [], Decimal(0), Decimal(0)
    for n, (sku, quantity, price) in enumerate(lines, start=1):
        gross = Decimal(price) * quantity
        tax = _tax_included(gross)
        net = gross - tax
        total += gross
        tax_total += tax
        items.append({
            "id": order_id * 10 + n, "name": f"Product {sku}", "product_id": 300 + n, "variation_id": 0,
            "quantity": quantity, "sku": sku, "price": float(net / quantity),
            "subtotal": f"{net:.2f}", "subtotal_tax": f"{tax:.2f}", "total": f"{net:.2f}", "total_tax": f"{tax:.2f}",
            "taxes": [{"id": 1, "total": f"{tax:.2f}", "subtotal": f"{tax:.2f}"}], "meta_data": [],
        })
    ship = Decimal(shipping)
    ship_tax = _tax_included(ship)
    total += ship
    tax_total += ship_tax
    address = {"first_name": "Erik", "last_name": "Svensson", "company": "", "address_1": "Lilla torg 2",
               "address_2": "", "city": "Malmö", "state": "", "postcode": "21120", "country": "SE", "email": email,
               "phone": ""}
    return {
        "id": order_id, "parent_id": 0, "number": str(order_id), "status": status, "currency": "SEK",
        "prices_include_tax": True, "date_created": "2026-11-20T09:29:00", "date_created_gmt": "2026-11-20T08:29:00",
        "date_modified": modified, "date_modified_gmt": modified, "date_paid_gmt": "2026-11-20T08:29:30",
        "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": f"{ship - ship_tax:.2f}",
        "shipping_tax": f"{ship_tax:.2f}", "cart_tax": f"{tax_total - ship_tax:.2f}", "total": f"{total:.2f}",
        "total_tax": f"{tax_total:.2f}", "customer_id": 0, "billing": address, "shipping": address,
        "payment_method": "klarna", "payment_method_title": "Klarna", "created_via": "checkout",
        "line_items": items,
        "tax_lines": [{"id": 1, "rate_code": "SE-MOMS-1", "rate_id": 1, "label": "Moms", "compound": False,
                       "tax_total": f"{tax_total - ship_tax:.2f}", "shipping_tax_total": f"{ship_tax:.2f}",
                       "rate_percent": 25}],
        "shipping_lines": [{"id": order_id * 10, "method_title": "Standard", "method_id": "flat_rate",
                            "total": f"{ship - ship_tax:.2f}", "total_tax": f"{ship_tax:.2f}",
                            "taxes": [{"id": 1, "total": f"{ship_tax:.2f}"}]}],
        "fee_lines": [], "coupon_lines": [], "refunds": [],
    }


def dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _money_set(amount: Decimal, currency: str) -> dict:
    value = {"amount": f"{amount:.2f}", "currency_code": currency}
    return {"shop_money": value, "presentment_money": dict(value)}


def shopify_refund(refund_id: int, order_id: int, lines: list[tuple[int, str, int, str]], *, shipping: str = "0",
                   adjustment: str = "0", restock: bool = True, currency: str = "SEK",
                   created_at: str = "2026-11-25T09:00:00+01:00", note: str = "Returned") -> dict:
    """A Shopify refunds/create body for an order built by shopify_order (prices incl. 25 % VAT).

    `lines` = [(line number n of the order, 1-based, sku, quantity, unit price incl. VAT)]; the refunded
    line item is the order's line `order_id * 100 + n`. `shipping` = refunded shipping incl. VAT;
    `adjustment` = money refunded beyond the lines (goodwill; an order adjustment). The refund
    transaction carries the sum of all parts, as Shopify's does."""
    items, total = [], Decimal(0)
    for n, sku, quantity, price in lines:
        subtotal = Decimal(price) * quantity
        tax = _tax_included(subtotal)
        total += subtotal
        line_id = order_id * 100 + n
        items.append({
            "id": refund_id * 10 + n, "line_item_id": line_id, "quantity": quantity,
            "restock_type": "return" if restock else "no_restock", "location_id": None,
            "subtotal": float(subtotal), "subtotal_set": _money_set(subtotal, currency),
            "total_tax": float(tax), "total_tax_set": _money_set(tax, currency),
            "line_item": {
                "id": line_id, "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}", "sku": sku,
                "title": f"Product {sku}", "variant_id": order_id * 1000 + n, "quantity": quantity,
                "price": price, "price_set": _money_set(Decimal(price), currency), "gift_card": False,
                "total_discount": "0.00", "total_discount_set": _money_set(Decimal(0), currency),
                "tax_lines": [{"title": "Moms", "rate": 0.25, "price": f"{tax:.2f}"}],
            },
        })
    ship = Decimal(shipping)
    shipping_lines = []
    if ship:
        total += ship
        shipping_lines.append({"id": refund_id * 10, "shipping_line_id": order_id * 10,
                               "subtotal_amount_set": _money_set(ship, currency),
                               "tax_amount_set": _money_set(_tax_included(ship), currency)})
    extra = Decimal(adjustment)
    adjustments = []
    if extra:
        total += extra
        adjustments.append({"id": refund_id * 10 + 9, "kind": "refund_discrepancy", "reason": "Goodwill",
                            "amount": f"{-extra:.2f}", "amount_set": _money_set(-extra, currency),
                            "tax_amount": "0.00", "tax_amount_set": _money_set(Decimal(0), currency)})
    return {
        "id": refund_id, "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}", "order_id": order_id,
        "created_at": created_at, "processed_at": created_at, "note": note, "restock": restock,
        "refund_line_items": items, "refund_shipping_lines": shipping_lines, "order_adjustments": adjustments,
        "transactions": [{"id": refund_id * 10 + 1, "order_id": order_id, "kind": "refund", "status": "success",
                          "amount": f"{total:.2f}", "currency": currency, "gateway": "shopify_payments"}],
        "duties": [], "return": None,
    }
