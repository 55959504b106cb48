"""userErrors as the 2026-04 schema allows them: a `code` only where the mutation's userError type has one, and
only values of that code's enum — in the emulator's answers and in what the client asks for and branches on."""

from __future__ import annotations

import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse

from core.platforms.shopify import address
from core.sync.products import _product_gone
from sandbox.shopify_emulator import ShopifyEmulator, schema
from tests.shopify_schema.test_client_documents import DOCUMENTS


def test_which_mutations_have_codes_and_which_codes_comes_from_the_schema():
    assert schema.user_error_codes("productUpdate") is None
    assert schema.user_error_codes("fulfillmentCreate") is None
    assert {"IDEMPOTENCY_CONCURRENT_REQUEST", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "CHANGE_FROM_QUANTITY_STALE"} \
        <= schema.user_error_codes("inventorySetQuantities")
    assert "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED" not in schema.user_error_codes("inventorySetQuantities")
    assert "INVALID" not in schema.user_error_codes("productVariantsBulkUpdate")
    assert not {"INVALID", "BLANK", "INCLUSION"} & schema.user_error_codes("productSet")


def _mutations() -> dict[str, tuple[str, FieldNode]]:
    found = {}
    for name, text in DOCUMENTS.items():
        [operation] = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
        if operation.operation == OperationType.MUTATION:
            [root] = operation.selection_set.selections
            found[name] = (root.name.value, root)
    return found


@pytest.mark.parametrize("name", sorted(_mutations()))
def test_the_client_reads_the_code_of_every_mutation_that_has_one(name):
    root_field, root = _mutations()[name]
    [user_errors] = [s for s in root.selection_set.selections if s.name.value == "userErrors"]
    selected = {s.name.value for s in user_errors.selection_set.selections}
    assert ("code" in selected) == (schema.user_error_codes(root_field) is not None)


def gql(emu: ShopifyEmulator, query: str, variables: dict) -> dict:
    answer = httpx.post(emu.base_url + "/admin/api/2026-04/graphql.json", json={"query": query,
                        "variables": variables}, headers={"X-Shopify-Access-Token": emu.access_token}).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


PRODUCT_SET = ("mutation($input: ProductSetInput!) { productSet(input: $input, synchronous: true) "
               "{ product { id } userErrors { field code } } }")
BULK = ("mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p, "
        "variants: $v) { userErrors { field code } } }")
ASSIGN = ("mutation($l: ID!, $a: CompanyAddressInput!, $t: [CompanyAddressType!]!) { companyLocationAssignAddress("
          "locationId: $l, address: $a, addressTypes: $t) { userErrors { field code } } }")
CREATE = ("mutation($input: CompanyCreateInput!) { companyCreate(input: $input) { company { id } "
          "userErrors { field code } } }")


def test_every_user_error_the_emulator_answers_carries_a_code_of_its_mutations_enum():
    emu = ShopifyEmulator().start()
    try:
        emu.add_product("Tee", [("T-S", "S", "10.00")])
        product = f"gid://shopify/Product/{emu.product_of('T-S')['number']}"
        variant = emu.data.variant_by_sku("T-S").id
        answers = {
            "productSet": gql(emu, PRODUCT_SET, {"input": {
                "title": " ", "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
                "variants": [{"optionValues": [{"optionName": "Colour", "name": "M"}]},
                             {"optionValues": [{"optionName": "Size", "name": "M"}], "price": "-1"}]}})["productSet"],
            "productVariantsBulkUpdate": gql(emu, BULK, {"p": product, "v": [
                {"id": variant, "price": "-1"}, {"id": "gid://shopify/ProductVariant/1", "price": "1"}]})[
                "productVariantsBulkUpdate"],
            "companyCreate": gql(emu, CREATE, {"input": {"company": {"name": ""}, "companyLocation": {
                "buyerExperienceConfiguration": {"paymentTermsTemplateId": "gid://shopify/PaymentTermsTemplate/99"},
                "billingAddress": {"address1": "no country"}}}})["companyCreate"],
            "companyLocationAssignAddress": gql(emu, ASSIGN, {"l": "gid://shopify/CompanyLocation/1", "a": {
                "countryCode": "SE"}, "t": ["BILLING"]})["companyLocationAssignAddress"],
        }
        empty = gql(emu, PRODUCT_SET, {"input": {"title": "No variants", "productOptions": [], "variants": []}})
        answers["productSet"]["userErrors"] += empty["productSet"]["userErrors"]
    finally:
        emu.stop()
    for mutation, answer in answers.items():
        codes = {e["code"] for e in answer["userErrors"]}
        assert codes and codes <= schema.user_error_codes(mutation), (mutation, codes)
    assert {e["code"] for e in answers["productSet"]["userErrors"]} == {
        "INVALID_PRODUCT", "OPTION_DOES_NOT_EXIST", "INVALID_VARIANT", "VARIANTS_INPUT_MISSING"}
    assert {e["code"] for e in answers["productVariantsBulkUpdate"]["userErrors"]} == {
        "GREATER_THAN_OR_EQUAL_TO", "PRODUCT_VARIANT_DOES_NOT_EXIST"}


def test_an_answer_with_a_code_outside_its_enum_is_refused_by_the_emulator():
    request = schema.check(BULK, {"p": "gid://shopify/Product/1", "v": []})
    answer = schema.answer(request, {"productVariantsBulkUpdate": {"userErrors": [
        {"field": ["variants"], "message": "invented", "code": "INVALID"}]}})
    assert answer["errors"][0]["extensions"]["code"] == "EMULATOR_SCHEMA_VIOLATION"
    assert "cannot represent value: 'INVALID'" in answer["errors"][0]["message"]


def test_products_tell_a_gone_product_by_its_code_where_the_mutation_has_one():
    assert _product_gone({"field": ["productId"], "code": "PRODUCT_DOES_NOT_EXIST", "message": "Product is gone"})
    assert not _product_gone({"field": ["variants", "0", "optionValues"], "code": "OPTION_VALUE_DOES_NOT_EXIST",
                              "message": "Option value does not exist"})
    assert _product_gone({"field": ["product", "id"], "message": "Product does not exist"})  # productUpdate: no code


def test_the_clients_country_codes_are_the_schemas():
    assert schema.enum_values("CountryCode") == address.COUNTRY_CODES
    assert set(address.BC_COUNTRY_CODES.values()) <= address.COUNTRY_CODES
    assert not set(address.BC_COUNTRY_CODES) & address.COUNTRY_CODES  # else a Shopify code would be rewritten
