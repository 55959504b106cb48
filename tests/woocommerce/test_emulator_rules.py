"""The WooCommerce emulator against the controller behaviour each rule cites (over real HTTP).

Every test names the WooCommerce (or WordPress) source the rule comes from; the emulator's docstring
lists the same rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from sandbox.woo_emulator.emulator import delivery_id
from tests.shop_emulators.conftest import Receiver
from tests.woocommerce.conftest import API, AUTH

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def post(woo, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{woo.base_url}{API}/{path}", auth=AUTH, json=body)


def get(woo, path: str, **params) -> httpx.Response:
    return httpx.get(f"{woo.base_url}{API}/{path}", auth=AUTH, params=params)


# ---- stock management (class-wc-rest-products-controller.php, …-product-variations-controller.php,
#      abstract-wc-product.php managing_stock) ----

def test_shop_wide_stock_management_off_skips_the_quantity_and_answers_200(woo):
    product = woo.add_product("simple", stock=3)
    woo.stock_management = False
    answer = post(woo, "products/batch", {"update": [{"id": product["id"], "manage_stock": True,
                                                      "stock_quantity": 9}]})
    assert answer.status_code == 200
    (item,) = answer.json()["update"]
    assert "error" not in item and item["manage_stock"] is False and item["stock_quantity"] == 3
    assert woo.stock("simple") == 3
    assert get(woo, "settings/products/woocommerce_manage_stock").json()["value"] == "no"


def test_a_product_that_does_not_manage_stock_loses_its_quantity_unless_the_request_switches_it_on(woo):
    product = woo.add_product("simple", stock=None)
    (ignored,) = post(woo, "products/batch", {"update": [{"id": product["id"], "stock_quantity": 9}]}).json()["update"]
    assert ignored["manage_stock"] is False and ignored["stock_quantity"] is None
    (kept,) = post(woo, "products/batch", {"update": [{"id": product["id"], "manage_stock": True,
                                                       "stock_quantity": 9}]}).json()["update"]
    assert kept["manage_stock"] is True and kept["stock_quantity"] == 9


def test_grouped_and_external_products_never_manage_stock(woo):
    external = woo.add_product("ext", stock=None, kind="external")
    (item,) = post(woo, "products/batch", {"update": [{"id": external["id"], "manage_stock": True,
                                                       "stock_quantity": 4}]}).json()["update"]
    assert (item["manage_stock"], item["stock_quantity"]) == (False, None)


def test_a_variation_stores_its_quantity_but_answers_not_managed_while_the_shop_option_is_off(woo):
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2})
    (variation_id,) = hoodie["variations"]
    woo.stock_management = False
    (item,) = post(woo, f"products/{hoodie['id']}/variations/batch",
                   {"update": [{"id": variation_id, "manage_stock": True, "stock_quantity": 7}]}).json()["update"]
    assert item["manage_stock"] is False and woo.stock("hoodie-s") == 7


# ---- error codes (class-wc-rest-products-controller.php, class-wc-rest-crud-controller.php) ----

def test_a_variation_id_sent_to_products_batch_is_invalid_product_id(woo):
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2})
    (variation_id,) = hoodie["variations"]
    answer = post(woo, "products/batch", {"update": [{"id": variation_id, "stock_quantity": 1},
                                                     {"id": 999999, "stock_quantity": 1}]}).json()["update"]
    assert answer[0]["error"]["code"] == "woocommerce_rest_invalid_product_id"
    assert answer[0]["error"]["data"] == {"status": 404}
    assert answer[1]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert answer[1]["error"]["data"] == {"status": 400}


# ---- listings (class-wc-rest-crud-controller.php get_objects/get_items) ----

def test_a_page_past_the_last_is_an_empty_200_with_the_real_totals(woo):
    for minute in range(3):
        woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0 + timedelta(minutes=minute)))
    answer = get(woo, "orders", per_page=2, page=5)
    assert answer.status_code == 200 and answer.json() == []
    assert (answer.headers["X-WP-Total"], answer.headers["X-WP-TotalPages"]) == ("3", "2")


def test_trashed_orders_are_not_listed(woo):
    kept = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0))
    woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0, status="trash"))
    assert [o["id"] for o in get(woo, "orders", per_page=10).json()] == [kept["id"]]


def test_a_parameter_out_of_its_schema_is_rest_invalid_param_naming_it(woo):
    answer = get(woo, "orders", per_page=500)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "rest_invalid_param" and body["data"]["status"] == 400
    assert set(body["data"]["params"]) == {"per_page"}  # WordPress class-wp-rest-request.php has_valid_params


# ---- variation parent (class-wc-rest-product-variations-controller.php prepare_object_for_database) ----

def test_a_variation_sent_to_another_parent_is_moved_without_an_error(woo):
    first = woo.add_variable_product("hoodie", {"hoodie-s": 2})
    second = woo.add_variable_product("shirt", {"shirt-s": 1})
    (variation_id,) = first["variations"]
    (item,) = post(woo, f"products/{second['id']}/variations/batch",
                   {"update": [{"id": variation_id, "regular_price": "12.00"}]}).json()["update"]
    assert "error" not in item and item["parent_id"] == second["id"]
    assert variation_id in woo.products[second["id"]]["variations"]
    assert variation_id not in woo.products[first["id"]]["variations"]


# ---- batch items and unknown fields (class-wc-rest-controller.php batch_items, WordPress REST) ----

def test_batch_items_skip_argument_validation_where_a_single_put_validates(woo):
    product = woo.add_product("simple", stock=1)
    (item,) = post(woo, "products/batch", {"update": [{"id": product["id"], "status": "bogus"}]}).json()["update"]
    assert "error" not in item and item["status"] == "draft"  # products controller: unknown post status → draft
    order = woo.add_order(woo.make_order([("simple", 1, "15.00")], modified=T0))
    single = httpx.put(f"{woo.base_url}{API}/orders/{order['id']}", auth=AUTH, json={"status": "bogus"})
    assert single.status_code == 400 and single.json()["data"]["params"].keys() == {"status"}


def test_unknown_and_read_only_fields_are_ignored_without_an_error(woo):
    product = woo.add_product("simple", stock=1)
    (item,) = post(woo, "products/batch", {"update": [{"id": product["id"], "price": "999.00", "no_such": 1,
                                                       "regular_price": "11.00"}]}).json()["update"]
    assert "error" not in item and item["price"] == "11.00" and "no_such" not in item
    order = woo.add_order(woo.make_order([("simple", 1, "15.00")], modified=T0))
    answer = httpx.put(f"{woo.base_url}{API}/orders/{order['id']}", auth=AUTH,
                       json={"total": "0.00", "no_such": 1, "customer_note": "hi"})
    assert answer.status_code == 200 and answer.json()["total"] == order["total"] and "no_such" not in answer.json()


def test_order_notes_check_presence_and_type_of_their_arguments(woo):
    # class-wc-rest-order-notes-controller.php: `note` required string, `customer_note` boolean
    order = woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=T0))
    missing = post(woo, f"orders/{order['id']}/notes", {"customer_note": True})
    assert missing.status_code == 400 and missing.json()["code"] == "rest_missing_callback_param"
    assert missing.json()["data"]["params"] == ["note"]
    wrong = post(woo, f"orders/{order['id']}/notes", {"note": "x", "customer_note": "maybe"})
    assert wrong.status_code == 400 and wrong.json()["data"]["params"].keys() == {"customer_note"}
    no_order = post(woo, "orders/424242/notes", {"note": "x"})
    assert (no_order.status_code, no_order.json()["code"]) == (404, "woocommerce_rest_order_invalid_id")
    made = post(woo, f"orders/{order['id']}/notes", {"note": "Shipped", "customer_note": "1"})
    assert made.status_code == 201 and made.json()["customer_note"] is True and made.json()["author"] == "system"


def test_sku_lookups_ignore_case(woo):
    woo.add_product("ABC-1", stock=1)
    assert [p["sku"] for p in get(woo, "products", sku="abc-1", per_page=10).json()] == ["ABC-1"]
    (dup,) = post(woo, "products/batch", {"create": [{"name": "x", "sku": "abc-1"}]}).json()["create"]
    assert dup["error"]["code"] == "product_invalid_sku"


# ---- webhooks (class-wc-webhook.php) ----

def test_delivery_ids_are_per_webhook_and_whole_second(woo, receiver):
    assert delivery_id(7, 1_700_000_000.1) == delivery_id(7, 1_700_000_000.9) != delivery_id(7, 1_700_000_001.0)
    assert delivery_id(7, 1_700_000_000.1) != delivery_id(8, 1_700_000_000.1)
    order = woo.make_order([("woo-album", 1, "15.00")])
    woo.send_webhook(receiver.url, "order.created", {**order, "status": "pending"}, "s", webhook_id=7,
                     at=1_700_000_000.2)
    woo.send_webhook(receiver.url, "order.updated", {**order, "status": "processing"}, "s", webhook_id=7,
                     at=1_700_000_000.7)
    (first_raw, first), (second_raw, second) = receiver.received
    assert first["X-WC-Webhook-Delivery-ID"] == second["X-WC-Webhook-Delivery-ID"]  # two events, one id
    assert first_raw != second_raw


def test_more_than_five_failed_deliveries_in_a_row_disable_the_webhook(woo):
    failing = Receiver(status=503)
    try:
        hook = woo.add_webhook("order.updated", failing.url, webhook_id=5)
        order = woo.make_order([("woo-album", 1, "15.00")])
        sent = [woo.send_webhook(failing.url, "order.updated", order, "s", webhook_id=5) for _ in range(8)]
    finally:
        failing.stop()
    assert [s is not None for s in sent] == [True] * 7 + [False]  # the 7th failure disables; nothing after
    listed = {h["id"]: h for h in get(woo, "webhooks", per_page=10).json()}
    assert listed[hook["id"]]["status"] == "disabled"


def test_a_success_resets_the_failure_count(woo, receiver):
    failing = Receiver(status=401)
    try:
        woo.add_webhook("order.updated", failing.url, webhook_id=6)
        order = woo.make_order([("woo-album", 1, "15.00")])
        for _ in range(5):
            woo.send_webhook(failing.url, "order.updated", order, "s", webhook_id=6)
        woo.webhooks[6]["delivery_url"] = receiver.url
        assert woo.send_webhook(receiver.url, "order.updated", order, "s", webhook_id=6).status == 200
        for _ in range(5):
            woo.send_webhook(failing.url, "order.updated", order, "s", webhook_id=6)
    finally:
        failing.stop()
    assert woo.webhooks[6]["status"] == "active"
