"""The Shopify emulator's bulk mutations: staged upload target, upload refusals, lifecycle, one mutation at a
time (a query may run beside it), the result JSONL per input line, and no cost drawn by the lines."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from core.platforms.shopify.client import (
    BULK_INVENTORY_QUERY,
    BULK_OPERATION_QUERY,
    BULK_RUN_MUTATION,
    BULK_RUN_QUERY,
    BULK_VARIANT_PRICES,
    CURRENT_BULK_OPERATION,
    STAGED_UPLOADS_CREATE,
)
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.shopify_emulator.schema import enum_values

TOKEN = {"X-Shopify-Access-Token": "shpat_test"}


def gql(emu: ShopifyEmulator, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(f"{emu.base_url}/admin/api/2026-04/graphql.json", headers=TOKEN,
                          json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    return response.json()


def target(emu: ShopifyEmulator, method: str = "POST") -> dict:
    answer = gql(emu, STAGED_UPLOADS_CREATE, {"input": [{"resource": "BULK_MUTATION_VARIABLES",
                                                          "filename": "vars.jsonl", "mimeType": "text/jsonl",
                                                          "httpMethod": method}]})
    return answer["data"]["stagedUploadsCreate"]["stagedTargets"][0]


def upload(emu: ShopifyEmulator, lines: list, **changed) -> str:
    staged = target(emu)
    form = {p["name"]: p["value"] for p in staged["parameters"]}
    body = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    response = httpx.post(staged["url"], data={**form, **changed}, files={"file": ("vars.jsonl", body.encode())})
    assert response.status_code == 201, response.text
    return form["key"]


def run(emu: ShopifyEmulator, key: str, mutation: str = BULK_VARIANT_PRICES) -> dict:
    return gql(emu, BULK_RUN_MUTATION, {"mutation": mutation, "stagedUploadPath": key})["data"][
        "bulkOperationRunMutation"]


def poll(emu: ShopifyEmulator, operation_id: str, until=("COMPLETED", "FAILED", "CANCELED")) -> dict:
    for _ in range(300):
        operation = gql(emu, BULK_OPERATION_QUERY, {"id": operation_id})["data"]["bulkOperation"]
        if operation["status"] in until:
            return operation
        time.sleep(0.02)
    raise AssertionError(f"still {operation['status']}")


def price_line(emu: ShopifyEmulator, sku: str, price: str) -> dict:
    variant = next(v for v in emu.data.variants if v.sku == sku)
    return {"productId": f"gid://shopify/Product/{variant.product_number}",
            "variants": [{"id": variant.id, "price": price}]}


def test_lines_run_one_by_one_and_the_result_names_each_input_line(shopify):
    shopify.add_product("Tee", [("T-S", "S", "10.00"), ("T-M", "M", "10.00")])
    shopify.add_product("Cap", [("C-1", "One", "5.00")])
    tee = price_line(shopify, "T-S", "12.00")
    tee["variants"].append(price_line(shopify, "T-M", "13.00")["variants"][0])
    refused_by_schema = {"productId": tee["productId"]}  # no $variants: the schema refuses the line
    key = upload(shopify, [tee, price_line(shopify, "C-1", "-1"), refused_by_schema])
    shopify.hold_bulk_operations()
    started = run(shopify, key)
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    assert poll(shopify, started["bulkOperation"]["id"], until=("RUNNING",))["url"] is None
    shopify.release_bulk_operations()
    done = poll(shopify, started["bulkOperation"]["id"])
    assert done["status"] == "COMPLETED" and done["objectCount"] == "3"
    lines = [json.loads(line) for line in httpx.get(done["url"]).text.splitlines()]
    assert [line["__lineNumber"] for line in lines] == [0, 1, 2]
    assert lines[0]["data"]["productVariantsBulkUpdate"] == {"product": {"id": tee["productId"]}, "userErrors": []}
    assert lines[1]["data"]["productVariantsBulkUpdate"]["userErrors"][0]["code"] == "GREATER_THAN_OR_EQUAL_TO"
    assert "data" not in lines[2] and lines[2]["errors"][0]["message"].startswith("Variable $variants")
    assert shopify.product_of("T-S")["variants"] == {"T-S": {"price": "12.00", "title": "S"},
                                                     "T-M": {"price": "13.00", "title": "M"}}
    assert shopify.product_of("C-1")["variants"]["C-1"]["price"] == "5.00"  # its line was refused, alone
    current = gql(shopify, CURRENT_BULK_OPERATION, {"type": "MUTATION"})["data"]["currentBulkOperation"]
    assert current["id"] == done["id"]


def test_the_lines_draw_no_cost_only_the_calls_do(shopify):
    lines = []
    for i in range(300):
        shopify.add_product(f"P{i}", [(f"S{i}", "One", "1.00")])
        lines.append(price_line(shopify, f"S{i}", "2.00"))
    key = upload(shopify, lines)
    answer = gql(shopify, BULK_RUN_MUTATION, {"mutation": BULK_VARIANT_PRICES, "stagedUploadPath": key})
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10
    done = poll(shopify, answer["data"]["bulkOperationRunMutation"]["bulkOperation"]["id"])
    assert done["objectCount"] == "300"
    assert shopify.counters["points_used"] == 10 + 10 + shopify.counters["bulkOperation"]  # stage, run, polls
    assert shopify.counters["productVariantsBulkUpdate"] == 0  # no per-call mutation counted either
    assert shopify.product_of("S299")["variants"]["S299"]["price"] == "2.00"


def test_one_bulk_mutation_at_a_time_while_a_bulk_query_may_run_beside_it(shopify):
    assert "OPERATION_IN_PROGRESS" in enum_values("BulkMutationErrorCode")
    shopify.add_product("Cap", [("C-1", "One", "5.00")])
    key = upload(shopify, [price_line(shopify, "C-1", "6.00")])
    shopify.hold_bulk_operations()
    first = run(shopify, key)["bulkOperation"]
    second = run(shopify, key)
    assert second["bulkOperation"] is None and [e["code"] for e in second["userErrors"]] == ["OPERATION_IN_PROGRESS"]
    query = gql(shopify, BULK_RUN_QUERY, {"query": BULK_INVENTORY_QUERY})["data"]["bulkOperationRunQuery"]
    assert query["userErrors"] == []  # the other type is not blocked
    shopify.release_bulk_operations()
    poll(shopify, first["id"])
    assert run(shopify, key)["userErrors"] == []


@pytest.mark.parametrize("changed", [{"key": "tmp/1/bulk/other/bulk_op_vars"}, {"policy": "e30="},
                                     {"x-goog-signature": "0" * 64}])
def test_an_upload_with_a_parameter_changed_is_refused_and_nothing_is_stored(shopify, changed):
    staged = target(shopify)
    form = {p["name"]: p["value"] for p in staged["parameters"]}
    response = httpx.post(staged["url"], data={**form, **changed}, files={"file": ("v.jsonl", b"{}\n")})
    assert response.status_code == 403 and "AccessDenied" in response.text
    assert run(shopify, form["key"])["userErrors"][0]["code"] == "NO_SUCH_FILE"


def test_an_upload_without_the_file_last_or_a_parameter_missing_is_refused(shopify):
    staged = target(shopify)
    form = {p["name"]: p["value"] for p in staged["parameters"]}
    assert httpx.post(staged["url"], data=form).status_code == 400  # no file
    form.pop("policy")
    assert httpx.post(staged["url"], data=form, files={"file": ("v.jsonl", b"{}\n")}).status_code == 403


def test_a_put_target_is_signed_in_its_url(shopify):
    shopify.add_product("Cap", [("C-1", "One", "5.00")])
    staged = target(shopify, "PUT")
    key = staged["url"].split("/staged-uploads/", 1)[1].split("?", 1)[0]
    forged = staged["url"].replace("X-Goog-Signature=", "X-Goog-Signature=0")
    assert httpx.put(forged, content=b"{}\n").status_code == 403
    body = json.dumps(price_line(shopify, "C-1", "7.00")).encode() + b"\n"
    assert httpx.put(staged["url"], content=body).status_code == 200
    assert poll(shopify, run(shopify, key)["bulkOperation"]["id"])["status"] == "COMPLETED"
    assert shopify.product_of("C-1")["variants"]["C-1"]["price"] == "7.00"


@pytest.mark.parametrize(("mutation", "code"), [
    ("mutation { productVariantsBulkUpdate(productId: 1) { userErrors { fieldd } } }", "INVALID_MUTATION"),
    ("query { shop { name } }", "INVALID_MUTATION"),
])
def test_a_mutation_shopify_would_refuse_is_a_user_error(shopify, mutation, code):
    key = upload(shopify, [{}])
    answer = run(shopify, key, mutation)
    assert answer["bulkOperation"] is None and answer["userErrors"][0]["code"] == code


def test_a_file_that_is_not_jsonl_and_an_unknown_path_are_user_errors(shopify):
    assert run(shopify, upload(shopify, ["not json"]))["userErrors"][0]["code"] == "INVALID_STAGED_UPLOAD_FILE"
    assert run(shopify, "tmp/1/bulk/nothing/bulk_op_vars")["userErrors"][0]["code"] == "NO_SUCH_FILE"


def test_a_failed_mutation_keeps_partial_results(shopify):
    lines = []
    for i in range(5):
        shopify.add_product(f"P{i}", [(f"S{i}", "One", "1.00")])
        lines.append(price_line(shopify, f"S{i}", "2.00"))
    shopify.fail_next_bulk_operation("INTERNAL_SERVER_ERROR", after_objects=2)
    failed = poll(shopify, run(shopify, upload(shopify, lines))["bulkOperation"]["id"])
    assert (failed["status"], failed["errorCode"], failed["url"]) == ("FAILED", "INTERNAL_SERVER_ERROR", None)
    assert [json.loads(line)["__lineNumber"] for line in httpx.get(failed["partialDataUrl"]).text.splitlines()] \
        == [0, 1]
