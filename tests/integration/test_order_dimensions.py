"""Dimension rules on a new BC sales order: inside the deep insert when the customer's default dimensions do
not already put that code on the order (one request), else set after creation (read, then PATCH) — BC refuses
the whole deep insert then (APIV2DimensionSetLines.Page.al). Against the BC emulator held to the AL pages;
every count is the emulator's request log."""

from __future__ import annotations

import pytest

from core.state import Envelope, SyncStatus, names
from core.sync import orders
from core.sync.context import Context, bc_client_from_config
from core.sync.runner import run_item
from sandbox.samples import dumps, shopify_order, woo_order
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def stack():
    with LocalStack(host=False) as s:
        yield s


def _import(stack, shop: str, external_id: int, body: dict) -> dict:
    ctx = Context(config=stack.config, storage=stack.storage,
                  bc_factory=lambda cfg: bc_client_from_config(cfg, stack.settings))
    envelope = Envelope(flow="orders", shop=shop, external_id=str(external_id),
                        payload_ref=ctx.inbox.store(shop, dumps(body)), topic="order")
    stack.bc.reset_log()
    assert run_item(ctx, names.ORDERS_IMPORT, envelope, orders.import_order) is SyncStatus.SUCCESS
    [order] = [o for o in stack.bc.records(stack.company_id("se"), "salesOrders")
               if o["externalDocumentNumber"].endswith(str(body.get("order_number") or body.get("number")))]
    return order


def _dimensions(stack, order: dict) -> dict[str, str]:
    return {d["code"]: d["valueCode"] for d in stack.bc.records(stack.company_id("se"), "dimensionSetLines",
                                                                parentId=order["id"])}


def _writes(stack) -> list[tuple[str, str]]:
    return [(r["method"], r["entity_set"]) for r in stack.bc.requests
            if r["method"] != "GET" and r["entity_set"] in ("salesOrders", "dimensionSetLines")]


def test_a_rule_the_customer_has_no_default_for_goes_inside_the_deep_insert(stack):
    order = _import(stack, "shopify-demo", 71001, shopify_order(71001, [("1000", 1, "199.00")]))
    assert _dimensions(stack, order) == {"SALESCHANNEL": "SHOPIFY"}
    order_requests = [(r["method"], r["entity_set"]) for r in stack.bc.requests
                      if r["entity_set"] in ("salesOrders", "dimensionSetLines")]
    assert order_requests == [("POST", "salesOrders")]  # one deep insert; no dimension read or write after it


def test_a_code_the_customers_defaults_set_is_patched_after_creation_and_remembered(stack):
    first = _import(stack, "woo-demo", 81001, woo_order(81001, [("WOO-ALBUM", 1, "150.00")]))
    assert _dimensions(stack, first) == {"SALESCHANNEL": "WOO"}  # WEB-SE's default WEB, overwritten by the rule
    # refused whole, then without the rule's line, then the customer's default line PATCHed to the rule's value
    assert _writes(stack) == [("POST", "salesOrders"), ("POST", "salesOrders"), ("PATCH", "dimensionSetLines")]
    assert len([o for o in stack.bc.records(stack.company_id("se"), "salesOrders")
                if o["externalDocumentNumber"].endswith("81001")]) == 1

    second = _import(stack, "woo-demo", 81002, woo_order(81002, [("WOO-ALBUM", 2, "150.00")]))
    assert _dimensions(stack, second) == {"SALESCHANNEL": "WOO"}
    assert _writes(stack) == [("POST", "salesOrders"), ("PATCH", "dimensionSetLines")]
