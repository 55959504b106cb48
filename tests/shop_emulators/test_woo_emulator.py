"""The WooCommerce emulator: Basic auth, order listing filters and headers, batch limit, webhooks and ping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx

API = "/wp-json/wc/v3"
AUTH = ("ck_test", "cs_test")


def test_requests_without_or_with_wrong_credentials_are_refused(woo):
    no_auth = httpx.get(woo.base_url + API + "/orders")
    assert no_auth.status_code == 401
    assert no_auth.json() == {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                              "data": {"status": 401}}
    wrong = httpx.get(woo.base_url + API + "/orders", auth=("ck_test", "cs_wrong"))
    assert (wrong.status_code, wrong.json()["code"]) == (401, "woocommerce_rest_authentication_error")
    post = httpx.post(woo.base_url + API + "/products/batch", json={"update": []})
    assert (post.status_code, post.json()["code"]) == (401, "woocommerce_rest_cannot_create")
    assert httpx.get(woo.base_url + API + "/orders", auth=AUTH).status_code == 200
    by_query = httpx.get(woo.base_url + API + "/orders", params={"consumer_key": "ck_test",
                                                                 "consumer_secret": "cs_test"})
    assert by_query.status_code == 200


def test_orders_list_filters_by_gmt_modified_time_and_reports_totals(woo):
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ids = [woo.add_order(woo.make_order([("woo-album", 1, "15.00")], modified=t0 + timedelta(minutes=i)))["id"]
           for i in range(7)]
    params = {"modified_after": "2026-03-01T12:01:00", "modified_before": "2026-03-01T12:06:00",
              "dates_are_gmt": "true", "orderby": "modified", "order": "asc", "per_page": 2, "page": 1}
    first = httpx.get(woo.base_url + API + "/orders", params=params, auth=AUTH)
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("4", "2")  # both bounds exclusive
    assert [o["id"] for o in first.json()] == ids[2:4]
    # without dates_are_gmt the same strings are the site's local time (UTC+2 here): two hours earlier in GMT
    local = httpx.get(woo.base_url + API + "/orders", params={**params, "dates_are_gmt": ""}, auth=AUTH)
    assert local.headers["X-WP-Total"] == "0"
    too_big = httpx.get(woo.base_url + API + "/orders", params={**params, "per_page": 101}, auth=AUTH)
    assert (too_big.status_code, too_big.json()["code"]) == (400, "rest_invalid_param")
    one = httpx.get(f"{woo.base_url}{API}/orders/{ids[0]}", auth=AUTH).json()
    assert one["date_modified_gmt"] == "2026-03-01T12:00:00" and one["date_modified"] == "2026-03-01T14:00:00"
    missing = httpx.get(f"{woo.base_url}{API}/orders/999999", auth=AUTH)
    assert (missing.status_code, missing.json()["code"]) == (404, "woocommerce_rest_shop_order_invalid_id")


def test_sku_search_finds_variations_and_batches_over_100_are_refused(woo):
    woo.add_product("simple-1", stock=1)
    hoodie = woo.add_variable_product("hoodie", {"hoodie-s": 2, "hoodie-m": 0})
    found = httpx.get(woo.base_url + API + "/products", params={"sku": "simple-1,hoodie-m"}, auth=AUTH).json()
    assert {(p["sku"], p["type"], p["parent_id"]) for p in found} == {
        ("simple-1", "simple", 0), ("hoodie-m", "variation", hoodie["id"])}
    too_many = httpx.post(woo.base_url + API + "/products/batch", auth=AUTH,
                          json={"update": [{"id": 1}] * 60, "delete": [2] * 41})
    assert too_many.status_code == 413
    assert too_many.json() == {"code": "woocommerce_rest_request_entity_too_large",
                               "message": "Unable to accept more than 100 items for this request.",
                               "data": {"status": 413}}
    variation = next(p for p in found if p["sku"] == "hoodie-m")
    updated = httpx.post(f"{woo.base_url}{API}/products/{hoodie['id']}/variations/batch", auth=AUTH,
                         json={"update": [{"id": variation["id"], "manage_stock": True, "stock_quantity": 4},
                                          {"id": 123456, "stock_quantity": 1}]}).json()["update"]
    assert updated[0]["stock_quantity"] == 4 and woo.stock("hoodie-m") == 4
    assert updated[1]["error"]["code"] == "woocommerce_rest_product_variation_invalid_id"


def test_webhook_signature_uses_the_decoded_secret_over_the_raw_bytes(woo, receiver):
    order = woo.make_order([("woo-album/ø", 1, "15.00")])
    sent = woo.send_webhook(receiver.url, "order.updated", order, secret="s3cr&amp;t&quot;", webhook_id=7)
    assert sent.status == 200
    raw, headers = receiver.received[0]
    assert b"\\/" in raw and b"\\u00f8" in raw  # wp_json_encode escapes slashes and non-ASCII
    expected = base64.b64encode(hmac.new(b's3cr&t"', raw, hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] == expected
    undecoded = base64.b64encode(hmac.new(b"s3cr&amp;t&quot;", raw, hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] != undecoded
    assert json.loads(raw) == order
    assert (headers["X-WC-Webhook-Topic"], headers["X-WC-Webhook-Resource"], headers["X-WC-Webhook-Event"]) == \
        ("order.updated", "order", "updated")
    assert headers["X-WC-Webhook-ID"] == "7"
    assert headers["X-WC-Webhook-Source"] == woo.base_url + "/"
    assert headers["X-WC-Webhook-Delivery-ID"]


def test_ping_is_a_form_body_without_signature(woo, receiver):
    sent = woo.send_ping(receiver.url, webhook_id=42)
    assert sent.status == 200
    raw, headers = receiver.received[0]
    assert raw == b"webhook_id=42"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert not any(name.lower().startswith("x-wc-webhook") for name in headers)
