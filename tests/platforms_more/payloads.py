"""Hand-written Magento and Shopware payloads (own fixtures, beside the public corpus).

Every amount below was computed by hand as the platform computes it; the comments show the arithmetic.
"""

from __future__ import annotations

import copy


def magento_configurable_order() -> dict:
    """Order currency SEK, base currency EUR (base = order / 10). A configurable hoodie (parent row 10 carries
    the amounts, child row 11 the chosen simple product) with 10 % off taken from prices incl. 25 % tax, a
    simple product, shipping with tax.

    hoodie: 2 × 400 net = 800, incl. tax 1000, discount 100 incl. tax = 80 net + 20 compensation,
            tax (800 − 80) × 25 % = 180
    bottle: 1 × 200 net, tax 50;  shipping 80 net, tax 20
    grand total = subtotal 1000 + shipping 80 − discount 100 + tax 250 + compensation 20 = 1250
    """
    order = {
        "entity_id": "901", "increment_id": "000000901", "state": "processing", "status": "processing",
        "created_at": "2025-05-02 10:00:00", "updated_at": "2025-05-02 10:05:00",
        "order_currency_code": "SEK", "base_currency_code": "EUR", "store_id": 2,
        "customer_id": "77", "customer_is_guest": 0, "customer_email": "buyer@example.com",
        "customer_firstname": "Bo", "customer_lastname": "Buyer", "coupon_code": "TENOFF",
        "discount_description": "TENOFF",
        "subtotal": 1000, "shipping_amount": 80, "shipping_tax_amount": 20, "shipping_discount_amount": 0,
        "shipping_discount_tax_compensation_amount": 0, "discount_amount": -100,
        "discount_tax_compensation_amount": 20, "tax_amount": 250, "grand_total": 1250,
        "shipping_description": "Flat Rate - Fixed",
        "billing_address": {"firstname": "Bo", "lastname": "Buyer", "company": "Buyer AB",
                            "street": ["Drottninggatan 1", "3 tr"], "city": "Stockholm", "postcode": "11151",
                            "country_id": "SE", "telephone": "+46700000000", "vat_id": "SE556000000001"},
        "payment": {"method": "checkmo", "parent_id": "901"},
        "extension_attributes": {
            "shipping_assignments": [{"shipping": {"method": "flatrate_flatrate", "address": {
                "firstname": "Bo", "lastname": "Buyer", "street": ["Lagergatan 9"], "city": "Solna",
                "postcode": "17000", "country_id": "SE"}}}],
            "item_applied_taxes": [{"type": "shipping", "applied_taxes": [{"code": "SE", "percent": 25}]}],
        },
        "items": [
            {"item_id": "10", "sku": "MH01-M-Red", "name": "Chaz Hoodie", "product_type": "configurable",
             "product_id": "1200", "qty_ordered": 2, "price": 400, "row_total": 800, "price_incl_tax": 500,
             "row_total_incl_tax": 1000, "tax_percent": 25, "tax_amount": 180, "discount_amount": 100,
             "discount_tax_compensation_amount": 20,
             "product_options": {"attributes_info": [{"label": "Color", "value": "Red"},
                                                     {"label": "Size", "value": "M"}]}},
            {"item_id": "11", "parent_item_id": "10", "sku": "MH01-M-Red", "name": "Chaz Hoodie-M-Red",
             "product_type": "simple", "product_id": "1234", "qty_ordered": 2, "price": 0, "row_total": 0,
             "tax_percent": 0, "tax_amount": 0, "discount_amount": 0},
            {"item_id": "12", "sku": "WB04", "name": "Bottle", "product_type": "simple", "product_id": "300",
             "qty_ordered": 1, "price": 200, "row_total": 200, "tax_percent": 25, "tax_amount": 50,
             "discount_amount": 0},
        ],
    }
    base = {}
    for key in ("subtotal", "shipping_amount", "shipping_tax_amount", "shipping_discount_amount",
                "discount_amount", "discount_tax_compensation_amount", "tax_amount", "grand_total"):
        base["base_" + key] = order[key] / 10
    base["base_shipping_discount_tax_compensation_amnt"] = 0
    order.update(base)
    for item in order["items"]:
        for key in ("price", "row_total", "tax_amount", "discount_amount", "discount_tax_compensation_amount"):
            if key in item:
                item["base_" + key] = item[key] / 10
    return order


def magento_bundle_order() -> dict:
    """A dynamic-price bundle: the parent row has no amount, its two children carry them (no tax)."""
    order = copy.deepcopy(magento_configurable_order())
    order.update(order_currency_code="EUR", base_currency_code="EUR")
    order["items"] = [
        {"item_id": "20", "sku": "BUNDLE-1", "name": "Sprite kit", "product_type": "bundle", "product_id": "50",
         "qty_ordered": 1, "price": 0, "row_total": 0, "tax_percent": 0, "tax_amount": 0, "discount_amount": 0},
        {"item_id": "21", "parent_item_id": "20", "sku": "BALL", "name": "Ball", "product_type": "simple",
         "product_id": "51", "qty_ordered": 1, "price": 30, "row_total": 30, "tax_percent": 0, "tax_amount": 0,
         "discount_amount": 0},
        {"item_id": "22", "parent_item_id": "20", "sku": "ROPE", "name": "Rope", "product_type": "simple",
         "product_id": "52", "qty_ordered": 2, "price": 5, "row_total": 10, "tax_percent": 0, "tax_amount": 0,
         "discount_amount": 0},
    ]
    for key in list(order):
        if key.startswith("base_") and key != "base_currency_code":
            del order[key]
    order.update(subtotal=40, shipping_amount=0, shipping_tax_amount=0, discount_amount=0,
                 discount_tax_compensation_amount=0, tax_amount=0, grand_total=40)
    del order["extension_attributes"]["item_applied_taxes"]
    return order


def magento_creditmemo() -> dict:
    """Refund one hoodie of the configurable order (in EUR base = SEK order here, no conversion):
    40 net − 4 net discount (5 incl. tax − 1 compensation) = 36 net, tax 9; shipping 8 + tax 2;
    adjustment refund 3, adjustment fee 1 → grand total 36 + 9 + 8 + 2 + 3 − 1 = 57."""
    return {
        "entity_id": "55", "order_id": "901", "created_at": "2025-05-10 09:00:00",
        "order_currency_code": "EUR", "base_currency_code": "EUR",
        "shipping_amount": 8, "shipping_tax_amount": 2, "adjustment_positive": 3, "adjustment_negative": 1,
        "grand_total": 57, "customer_note": "damaged",
        "items": [
            {"order_item_id": "10", "sku": "MH01-M-Red", "qty": 1, "price": 40, "row_total": 40,
             "discount_amount": 5, "discount_tax_compensation_amount": 1, "tax_amount": 9},
            {"order_item_id": "11", "sku": "MH01-M-Red", "qty": 1, "price": 0, "row_total": 0,
             "discount_amount": 0, "tax_amount": 0},
            {"order_item_id": "12", "sku": "WB04", "qty": 0, "price": 20, "row_total": 0, "tax_amount": 0},
        ],
    }


def _taxes(*parts: tuple[float, float, float]) -> list[dict]:
    return [{"tax": tax, "taxRate": rate, "price": price} for tax, rate, price in parts]


def shopware_promotion_order() -> dict:
    """Gross prices, two tax rates and a 10 % cart promotion that Shopware split per rate.

    A: 1 × 100.00 at 19 %; B: 2 × 21.40 = 42.80 at 7 %; promotion −14.28 = −10.00 at 19 % and −4.28 at 7 %;
    shipping 4.90 at 19 % (tax 0.78). Total 100 + 42.80 − 14.28 + 4.90 = 133.42.
    Tax: 90 → 14.37, 38.52 → 2.52, 4.90 → 0.78 = 17.67; net 115.75.
    """
    return {
        "id": "0190aaaa0000700000000000000000a1", "orderNumber": "20001", "versionId": "v",
        "orderDateTime": "2025-06-01T12:00:00.000+00:00", "createdAt": "2025-06-01T12:00:01.000+00:00",
        "updatedAt": "2025-06-01T12:30:00.000+00:00",
        "currencyId": "b7d2554b0ce847cd82f3ac9bd1c0dfca", "currencyFactor": 1,
        "currency": {"isoCode": "EUR", "id": "b7d2554b0ce847cd82f3ac9bd1c0dfca"},
        "amountTotal": 133.42, "amountNet": 115.75, "positionPrice": 128.52, "shippingTotal": 4.9,
        "taxStatus": "gross", "salesChannelId": "sc-de", "customerComment": "leave at the door",
        "stateMachineState": {"technicalName": "open"},
        "orderCustomer": {"email": "kunde@example.com", "firstName": "Karl", "lastName": "Kunde",
                          "customerId": "c-1", "customerNumber": "10001", "customer": {"accountType": "private"}},
        "billingAddress": {"firstName": "Karl", "lastName": "Kunde", "street": "Hauptstr. 1", "zipcode": "10115",
                           "city": "Berlin", "country": {"iso": "DE"}, "company": "Kunde GmbH"},
        "transactions": [{"createdAt": "2025-06-01T12:00:02.000+00:00", "stateMachineState": {"technicalName": "paid"},
                          "paymentMethod": {"technicalName": "payment_invoice"}}],
        "deliveries": [{"id": "d-1", "shippingCosts": {"unitPrice": 4.9, "quantity": 1, "totalPrice": 4.9,
                                                       "calculatedTaxes": _taxes((0.78, 19, 4.9))},
                        "shippingMethod": {"name": "Standard", "technicalName": "standard"},
                        "shippingOrderAddress": {"firstName": "Karl", "lastName": "Kunde", "street": "Lager 2",
                                                 "zipcode": "10117", "city": "Berlin", "country": {"iso": "DE"}}}],
        "lineItems": [
            {"id": "la", "identifier": "pa", "type": "product", "label": "Jacket", "quantity": 1, "position": 1,
             "good": True, "productId": "pa", "payload": {"productNumber": "SW-JACKET", "parentId": "jacket",
                                                         "options": [{"group": "Size", "option": "L"}]},
             "price": {"unitPrice": 100.0, "quantity": 1, "totalPrice": 100.0,
                       "calculatedTaxes": _taxes((15.97, 19, 100.0))}},
            {"id": "lb", "identifier": "pb", "type": "product", "label": "Tea", "quantity": 2, "position": 2,
             "good": True, "productId": "pb", "payload": {"productNumber": "SW-TEA"},
             "price": {"unitPrice": 21.4, "quantity": 2, "totalPrice": 42.8,
                       "calculatedTaxes": _taxes((2.8, 7, 42.8))}},
            {"id": "lp", "identifier": "promo", "type": "promotion", "label": "10 % off", "quantity": 1,
             "position": 3, "good": False, "payload": {"code": "SUMMER10"},
             "price": {"unitPrice": -14.28, "quantity": 1, "totalPrice": -14.28,
                       "calculatedTaxes": _taxes((-1.6, 19, -10.0), (-0.28, 7, -4.28))}},
        ],
    }


def shopware_net_b2b_order() -> dict:
    """Net prices for a business customer: 3 × 100.00 at 19 % + shipping 10.00 at 19 % = 310.00 net,
    tax 58.90, total 368.90. Shipping tax split over two rates would give two shipping lines (see test)."""
    return {
        "id": "0190bbbb0000700000000000000000b2", "orderNumber": "20002",
        "orderDateTime": "2025-06-02T08:00:00.000+00:00", "createdAt": "2025-06-02T08:00:00.000+00:00",
        "updatedAt": None, "currencyId": "9a2fd3f0f1a44e2b8b0e4f5e0a1b2c3d", "currencyFactor": 1.1,
        "currency": {"isoCode": "CHF", "id": "9a2fd3f0f1a44e2b8b0e4f5e0a1b2c3d"},
        "amountTotal": 368.9, "amountNet": 310.0, "positionPrice": 300.0, "shippingTotal": 10.0,
        "price": {"taxStatus": "net", "totalPrice": 368.9, "netPrice": 310.0},
        "stateMachineState": {"technicalName": "open"},
        "orderCustomer": {"email": "einkauf@firma.example", "firstName": "Eva", "lastName": "Einkauf",
                          "company": "Firma AG", "customerId": "c-2", "customerNumber": "20002",
                          "vatIds": ["CHE-123.456.789"], "customer": {"accountType": "business"}},
        "transactions": [{"stateMachineState": {"technicalName": "open"},
                          "paymentMethod": {"technicalName": "payment_invoice"}}],
        "deliveries": [{"id": "d-2", "shippingCosts": {"totalPrice": 10.0,
                                                       "calculatedTaxes": _taxes((1.9, 19, 10.0))},
                        "shippingMethod": {"translated": {"name": "Freight"}}}],
        "lineItems": [
            {"id": "n1", "type": "product", "label": "Pallet", "quantity": 3, "unitPrice": 100.0,
             "totalPrice": 300.0, "good": True, "productId": "p-pallet", "payload": {"productNumber": "PALLET"},
             "price": {"unitPrice": 100.0, "quantity": 3, "totalPrice": 300.0,
                       "calculatedTaxes": _taxes((57.0, 19, 300.0))}},
        ],
    }
