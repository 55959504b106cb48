"""The Admin API operations the bridge sends, answered from the emulated shop's data.

Every request has already passed Shopify's real schema (`schema.py`: unknown fields, argument and variable
types, enum values such as ProductStatus or CountryCode are refused there with top-level errors). A handler
here reads the root field's coerced arguments (`op.args`, `op.idempotency_key`) and returns a complete answer
for that root field; `schema.answer` then keeps only the fields the query selected. userError codes are
values of the mutation's code enum in the schema (a value outside it cannot be serialised and fails the
request loudly); productUpdate and fulfillmentCreate answer the plain `UserError`, which has no `code`, so a
query cannot even ask for one. Where the schema offers several plausible codes, the choice is ours and named
at the error (e.g. productSet: blank title → INVALID_PRODUCT, negative price → INVALID_VARIANT).

Costs (requested before running / actual after), in the spirit of Shopify's calculated query cost:

| root field | requested | actual |
|---|---|---|
| orders(first: n) | 2 + n | 2 + nodes returned |
| customers(first: n) | 2 + n | 2 + nodes returned |
| productVariants(first: n), with inventoryLevels(first: m) | 2 + n × (3 + m) | 2 + Σ (3 + levels) |
| inventorySetQuantities | 10 | 10 |
| order(id): fulfillmentOrders(first: n){lineItems(first: m)} fulfillments(first: k) | 1 + n(1 + m) + k | 1 + Σ … |
| fulfillmentCreate | 10 | 10 |
| productUpdate, productVariantsBulkUpdate, productSet | 10 | 10 |
| bulkOperationRunQuery, bulkOperationCancel / bulkOperation, currentBulkOperation (`bulk.py`) | 10 / 1 | same |

Fulfilment: `order(id:)` answers the order's `fulfillmentOrders` (one OPEN fulfillment order per order at the
first location, created on first read; `ShopData.split_fulfillment_order` makes more) with line items
(`remainingQuantity`, `totalQuantity`, `sku`, `variant`, `lineItem{id sku variant product}`), and its
`fulfillments` (`trackingInfo{company number url}`). `fulfillmentCreate(fulfillment:)` checks every
fulfillment order exists, is OPEN or IN_PROGRESS and that all are at one location, and every quantity is
1..remaining, else answers `userErrors` and changes nothing; no line items = everything remaining. Then the
fulfillment order becomes IN_PROGRESS (something left) or CLOSED, and the REST order gets the fulfillment,
`fulfillment_status` partial/fulfilled and a new `updated_at`.

Products (the products & prices export): `productVariants` nodes also carry `price` and `product{id title
status productType}`. `productUpdate(product:)` sets title/status/productType/descriptionHtml of an existing
product (unknown id → userError). `productVariantsBulkUpdate(productId:, variants:[{id, price}])` sets prices,
all or nothing: every variant must belong to the product and every price be a non-negative amount, at most
250 variants (more → MAX_INPUT_SIZE_EXCEEDED). `productSet(input:, synchronous: true)` creates a product
(title, status, productType, productOptions, variants with optionValues, price, inventoryItem{sku}); an
input with `id` (updating through productSet) is not emulated and answers an error.

B2B companies (the customers export): `paymentTermsTemplates`, `company`, `companies`, `companyCreate`,
`companyUpdate`, `companyLocationUpdate`, `companyLocationAssignAddress` — see `companies.py`.

Customers (the customers reconcile): `customers(first:, after:, query:, sortKey: UPDATED_AT)` nodes carry `id`,
`legacyResourceId`, `updatedAt` and `email`; the REST body is read with `GET customers/{id}.json` (emulator.py).

Search syntax understood: orders and customers `updated_at:>='…' updated_at:<'…'` (>=, >, <=, <; quoted or
bare ISO times, AND or space between terms; for customers any other term is an error, below); productVariants
`sku:A OR sku:"B C"`. Anything else → an error in
Shopify's envelope, so an unexpected query fails loudly in tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime

from . import companies, metafields
from .schema import Request
from .store import ShopData, gid, parse_time, utc_text

MAX_INPUT_ARRAY = 250
MAX_PAGE = 250
MUTATION_COST = 10


class GraphQLError(Exception):
    def __init__(self, message: str, code: str, **extra):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra

    def as_error(self) -> dict:
        return {"message": self.message, "extensions": {"code": self.code, **self.extra}}


Operation = Request  # a request the schema accepted (schema.check)


# ---- cursors: the sort key of the last node, so pages stay stable while data changes ----

def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise GraphQLError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from None


def _first(op: Operation) -> int:
    first = op.args.get("first")
    if first is None:
        raise GraphQLError("you must provide one of first or last", "BAD_REQUEST")
    if not 0 < int(first) <= MAX_PAGE:
        raise GraphQLError(f"The argument `first` must be between 1 and {MAX_PAGE}.", "BAD_REQUEST")
    return int(first)


# ---- orders ----

_TIME_TERM = re.compile(r"updated_at:\s*(>=|<=|>|<)\s*(?:'([^']*)'|\"([^\"]*)\"|([^\s()]+))")


def requested_cost(op: Operation) -> int:
    if op.root_field in ("orders", "customers"):
        return 2 + _first(op)
    if op.root_field == "productVariants":
        return 2 + _first(op) * (3 + op.inner_first("inventoryLevels", 10))
    if op.root_field == "inventorySetQuantities":
        return MUTATION_COST
    if op.root_field == "order":
        orders_first = op.inner_first("fulfillmentOrders", 10)
        return 1 + orders_first * (1 + op.inner_first("lineItems", 10)) + op.inner_first("fulfillments", 0)
    if op.root_field in ("fulfillmentCreate", "metafieldsSet", *PRODUCT_MUTATIONS):
        return MUTATION_COST
    if op.root_field in companies.ROOT_FIELDS:
        return companies.requested_cost(op.root_field, op.args)
    # a real Admin API field (the schema let it through) that the bridge does not use
    raise GraphQLError(f"Emulator: {op.root_field} is not emulated", "NOT_EMULATED")


def _time_window(query: str) -> dict:
    """The `updated_at:>=… updated_at:<…` terms of a search as orders_in/customers_in take them."""
    window = {"since": None, "until": None, "since_inclusive": True, "until_inclusive": False}
    for operator, *quoted in _TIME_TERM.findall(query):
        try:
            moment = parse_time("".join(quoted).strip())
        except ValueError:
            raise GraphQLError(f"Invalid date in search query: {''.join(quoted)!r}", "BAD_REQUEST") from None
        if operator.startswith(">"):
            window.update(since=moment, since_inclusive=operator == ">=")
        else:
            window.update(until=moment, until_inclusive=operator == "<=")
    return window


def _updated_connection(field: str, kind: str, rows: list[tuple[datetime, int]], op: Operation,
                        node_fields) -> tuple[dict, int]:
    """One page of a connection over (updatedAt, id) rows, by id or (sortKey UPDATED_AT) by update time."""
    first = _first(op)
    by_updated = op.args.get("sortKey") == "UPDATED_AT"
    rows.sort(key=(lambda r: (r[0], r[1])) if by_updated else (lambda r: r[1]))
    after = decode_cursor(op.args.get("after"))
    if after is not None:
        if by_updated:
            mark = (parse_time(after[0]), int(after[1]))
            rows = [r for r in rows if (r[0], r[1]) > mark]
        else:
            rows = [r for r in rows if r[1] > int(after[-1])]
    page, more = rows[:first], len(rows) > first
    edges = []
    for moment, number in page:
        node = {"id": gid(kind, number), "legacyResourceId": str(number), "updatedAt": utc_text(moment),
                **node_fields(number)}
        cursor = encode_cursor([moment.isoformat(), number] if by_updated else [number])
        edges.append({"cursor": cursor, "node": node})
    result = {field: {
        "edges": edges, "nodes": [e["node"] for e in edges],
        "pageInfo": {"hasNextPage": more, "hasPreviousPage": after is not None,
                     "startCursor": edges[0]["cursor"] if edges else None,
                     "endCursor": edges[-1]["cursor"] if edges else None}}}
    return result, 2 + len(page)


def orders(data: ShopData, op: Operation) -> tuple[dict, int]:
    rows = data.orders_in(**_time_window(op.args.get("query") or ""))
    return _updated_connection("orders", "Order", rows, op, lambda n: {"name": data.orders[n].get("name")})


# ---- customers (the customers reconcile) ----

def customers(data: ShopData, op: Operation) -> tuple[dict, int]:
    """`customers(query: "updated_at:>='…' updated_at:<'…'")`: the only search the bridge sends. Shopify's
    customers query documents more filters (email, tag, …); the emulator answers an error for any other term
    rather than guess at how it matches, so a new search fails loudly in tests."""
    query = op.args.get("query") or ""
    leftover = _TIME_TERM.sub(" ", query).replace(" AND ", " ").strip()
    if leftover:
        raise GraphQLError(f"Emulator: customers search term {leftover!r} is not emulated", "NOT_EMULATED")
    rows = data.customers_in(**_time_window(query))
    with data.lock:
        return _updated_connection("customers", "Customer", rows, op,
                                   lambda n: {"email": data.customers[n].get("email")})


# ---- variants and their inventory ----

_SKU_TERM = re.compile(r"sku:\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s()]+)")


def product_variants(data: ShopData, op: Operation) -> tuple[dict, int]:
    first = _first(op)
    terms = _SKU_TERM.findall(op.args.get("query") or "")
    wanted = {json.loads(t) if t.startswith('"') else t.strip("'") for t in terms}
    with data.lock:
        variants = [v for v in data.variants if not terms or v.sku in wanted]
        variants.sort(key=lambda v: v.number)
        after = decode_cursor(op.args.get("after"))
        if after is not None:
            variants = [v for v in variants if v.number > int(after[0])]
        page, more = variants[:first], len(variants) > first
        edges, actual = [], 2
        for v in page:
            node = variant_node(data, v)
            actual += 3 + len(node["inventoryItem"]["inventoryLevels"]["nodes"])
            edges.append({"cursor": encode_cursor([v.number]), "node": node})
    return {"productVariants": {
        "edges": edges, "nodes": [e["node"] for e in edges],
        "pageInfo": {"hasNextPage": more, "hasPreviousPage": after is not None,
                     "endCursor": edges[-1]["cursor"] if edges else None,
                     "startCursor": edges[0]["cursor"] if edges else None}}}, actual


def variant_node(data: ShopData, v) -> dict:
    """A ProductVariant node with its product and inventory item (levels at every location it is stocked at)."""
    levels = [{"id": f"gid://shopify/InventoryLevel/{v.inventory_item_number}?inventory_item_id="
                     f"{v.inventory_item_number}&location_id={loc.rsplit('/', 1)[-1]}",
               "location": {"id": loc, "name": data.locations.get(loc, "")},
               "quantities": _quantities(dict(q))}
              for loc, q in data.levels_of(v.inventory_item_id)]
    product = data.products.get(v.product_number, {})
    return {"id": v.id, "legacyResourceId": str(v.number), "sku": v.sku, "title": v.title, "price": v.price,
            "product": {"id": gid("Product", v.product_number), "title": product.get("title"),
                        "status": product.get("status"), "productType": product.get("productType")},
            "inventoryItem": {"id": v.inventory_item_id, "tracked": True,
                              "inventoryLevels": {"nodes": levels, "edges": [{"node": n} for n in levels]}}}


def _quantities(level: dict[str, int]):
    """`quantities(names: [...])`: the named quantities in the order asked (graphql-core calls it with the
    field's arguments); names the emulator does not keep (committed, reserved, …) are 0."""
    return lambda _info, names: [{"name": name, "quantity": level.get(name, 0)} for name in names]


# ---- inventorySetQuantities ----

def _fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def inventory_set_quantities(data: ShopData, op: Operation, replays: dict, busy: bool = False) -> tuple[dict, int]:
    """Compare-and-swap set of quantities, all or nothing; replays by idempotency key.

    Idempotency as 2026-04 answers it: the same key with other parameters, and a key whose first request is
    still running (`busy`), are userErrors with IDEMPOTENCY_KEY_PARAMETER_MISMATCH / IDEMPOTENCY_CONCURRENT_REQUEST
    (both in InventorySetQuantitiesUserErrorCode), nothing applied. Which `field` Shopify names for them is not
    in the schema; the emulator names none."""
    key = op.idempotency_key
    if key is None:
        raise GraphQLError("The @idempotent directive is required for this mutation.", "BAD_REQUEST")
    payload = op.args["input"]
    quantities = payload["quantities"]
    if len(quantities) > MAX_INPUT_ARRAY:
        raise GraphQLError(f"The input array size of {len(quantities)} is greater than the maximum allowed of "
                           f"{MAX_INPUT_ARRAY}.", "MAX_INPUT_SIZE_EXCEEDED")
    for index, row in enumerate(quantities):
        # nullable in the schema, but 2026-04 wants it given (null = no compare); the answer's wording is ours
        if "changeFromQuantity" not in row:
            raise GraphQLError(
                f"Variable $input of type InventorySetQuantitiesInput! was provided invalid value for "
                f"quantities.{index}.changeFromQuantity (Expected value to not be null)", "INVALID_VARIABLE")
    with data.lock:
        if busy:
            return idempotency_refusal(op, "IDEMPOTENCY_CONCURRENT_REQUEST",
                                       "This request is currently in progress, please try again."), MUTATION_COST
        seen = replays.get(key)
        fingerprint = _fingerprint(payload)
        if seen is not None:
            if seen[0] != fingerprint:
                return idempotency_refusal(op, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "The same idempotency key "
                                           "cannot be used with different operation parameters."), MUTATION_COST
            return seen[1], MUTATION_COST
        result = _apply_set(data, payload)
        replays[key] = (fingerprint, result)
        return result, MUTATION_COST


def idempotency_refusal(op: Operation, code: str, message: str) -> dict:
    return {op.root_field: {"inventoryAdjustmentGroup": None,
                            "userErrors": [{"field": None, "message": message, "code": code}]}}


def _apply_set(data: ShopData, payload: dict) -> dict:
    name = payload.get("name")
    errors = []
    if name not in ("available", "on_hand"):
        errors.append({"field": ["input", "name"], "message": "The quantity name must be available or on_hand.",
                       "code": "INVALID_NAME"})
    if not payload.get("reason"):
        errors.append({"field": ["input", "reason"], "message": "The reason is required.", "code": "INVALID_REASON"})
    planned = []
    for index, row in enumerate(payload.get("quantities") or []):
        field = ["input", "quantities", str(index)]
        item = str(row["inventoryItemId"])
        location = data.location_id(row["locationId"])
        if not data.item_exists(item):
            errors.append({"field": [*field, "inventoryItemId"], "message": "The specified inventory item could "
                           "not be found.", "code": "INVALID_INVENTORY_ITEM"})
            continue
        if location not in data.locations:
            errors.append({"field": [*field, "locationId"], "message": "The specified location could not be "
                           "found.", "code": "INVALID_LOCATION"})
            continue
        level = data.levels.get((item, location))
        if level is None:
            errors.append({"field": [*field, "locationId"], "message": "The specified inventory item is not "
                           "stocked at the location.", "code": "ITEM_NOT_STOCKED_AT_LOCATION"})
            continue
        expected = row["changeFromQuantity"]
        current = level.get(name or "available", 0)
        if expected is not None and int(expected) != current:
            errors.append({"field": [*field, "changeFromQuantity"], "message": "The specified compare quantity "
                           "does not match the current quantity.", "code": "CHANGE_FROM_QUANTITY_STALE"})
            continue
        planned.append((item, location, int(row["quantity"]), level))
    if errors:
        return {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}}
    changes = []
    for item, location, quantity, level in planned:
        delta = quantity - level[name]
        level[name] = quantity
        if name == "available":
            level["on_hand"] += delta
        else:
            level["available"] += delta
        changes.append({"name": name, "delta": delta, "quantityAfterChange": quantity,
                        "item": {"id": item}, "location": {"id": location}})
    group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{data.next_id()}",
             "createdAt": utc_text(datetime.now(UTC)), "reason": payload.get("reason"),
             "referenceDocumentUri": payload.get("referenceDocumentUri"), "changes": changes}
    return {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}


# ---- fulfillment orders and fulfillmentCreate ----

def _fulfillment_order_node(fo: dict, locations: dict) -> dict:
    items = [{"id": li["id"], "remainingQuantity": li["remaining"], "totalQuantity": li["total"], "sku": li["sku"],
              "variant": {"id": li["variant_id"]} if li["variant_id"] else None,
              "lineItem": {"id": li["line_item_id"], "sku": li["sku"],
                           "variant": {"id": li["variant_id"]} if li["variant_id"] else None,
                           "product": {"id": li["product_id"]} if li["product_id"] else None}}
             for li in fo["line_items"]]
    return {"id": fo["id"], "status": fo["status"],
            "assignedLocation": {"location": {"id": fo["location"]}, "name": locations.get(fo["location"], "")},
            "lineItems": {"nodes": items, "edges": [{"node": n} for n in items]}}


def order_fulfillment(data: ShopData, op: Operation) -> tuple[dict, int]:
    number = op.args.get("id")
    text = str(number or "")
    if not text.startswith("gid://shopify/Order/"):
        raise GraphQLError(f"Invalid global id '{text}'", "argumentLiteralsIncompatible")
    with data.lock:
        order_number = int(text.rsplit("/", 1)[-1])
        if order_number not in data.orders:
            return {"order": None}, 1
        order = data.orders[order_number]
        fos = data.fulfillment_orders_of(order_number)
        nodes = [_fulfillment_order_node(fo, data.locations) for fo in fos]
        done = [dict(f["node"]) for f in data.fulfillments.get(order_number, [])]
        remaining = sum(li["remaining"] for fo in fos for li in fo["line_items"] if fo["status"] != "CANCELLED")
        total = sum(li["total"] for fo in fos for li in fo["line_items"])
        status = "FULFILLED" if total and not remaining else "PARTIALLY_FULFILLED" if remaining < total \
            else "UNFULFILLED"
        actual = 1 + sum(1 + len(fo["line_items"]) for fo in fos) + len(done)
        return {"order": {"id": gid("Order", order_number), "name": order.get("name"),
                          "displayFulfillmentStatus": status,
                          "fulfillmentOrders": {"nodes": nodes, "edges": [{"node": n} for n in nodes]},
                          "fulfillments": done}}, actual


def _user_error(field_path: list, message: str) -> dict:
    return {"field": field_path, "message": message}


def fulfillment_create(data: ShopData, op: Operation) -> tuple[dict, int]:
    """Create one fulfillment over fulfillment orders of one location; all or nothing."""
    payload = op.args.get("fulfillment")
    groups = payload.get("lineItemsByFulfillmentOrder") or []
    errors: list[dict] = []
    planned: list[tuple[dict, dict, int]] = []  # fulfillment order, its line item, quantity
    with data.lock:
        if not groups:
            errors.append(_user_error(["fulfillment", "lineItemsByFulfillmentOrder"],
                                      "Line items by fulfillment order must contain at least one fulfillment order."))
        fos = []
        for g_index, group in enumerate(groups):
            where = ["fulfillment", "lineItemsByFulfillmentOrder", str(g_index)]
            fo = data.fulfillment_order(str(group.get("fulfillmentOrderId") or ""))
            if fo is None:
                errors.append(_user_error([*where, "fulfillmentOrderId"], "Fulfillment order does not exist."))
                continue
            if fo["status"] not in ("OPEN", "IN_PROGRESS"):
                errors.append(_user_error([*where, "fulfillmentOrderId"],
                                          f"Fulfillment order {fo['id']} has an unfulfillable status= "
                                          f"{fo['status'].lower()}."))
                continue
            fos.append(fo)
            wanted = group.get("fulfillmentOrderLineItems")
            if not wanted:  # nothing listed: everything that remains
                planned += [(fo, li, li["remaining"]) for li in fo["line_items"] if li["remaining"] > 0]
                continue
            for l_index, row in enumerate(wanted):
                line_where = [*where, "fulfillmentOrderLineItems", str(l_index)]
                li = next((x for x in fo["line_items"] if x["id"] == row.get("id")), None)
                if li is None:
                    errors.append(_user_error([*line_where, "id"], "Fulfillment order line item does not exist."))
                    continue
                quantity = row.get("quantity")
                already = sum(q for _, x, q in planned if x is li)
                if not isinstance(quantity, int) or quantity <= 0 or quantity + already > li["remaining"]:
                    errors.append(_user_error([*line_where, "quantity"],
                                              "Invalid fulfillment order line item quantity requested."))
                    continue
                planned.append((fo, li, quantity))
        if len({fo["location"] for fo in fos}) > 1 or len({fo["order_number"] for fo in fos}) > 1:
            errors.append(_user_error(["fulfillment", "lineItemsByFulfillmentOrder"],
                                      "All fulfillment orders must belong to the same order and be assigned to the "
                                      "same location."))
        if not errors and not planned:
            errors.append(_user_error(["fulfillment"], "Nothing left to fulfill."))
        if errors:
            return {"fulfillmentCreate": {"fulfillment": None, "userErrors": errors}}, MUTATION_COST
        return {"fulfillmentCreate": {"fulfillment": _apply_fulfillment(data, payload, planned),
                                      "userErrors": []}}, MUTATION_COST


def _apply_fulfillment(data: ShopData, payload: dict, planned: list[tuple[dict, dict, int]]) -> dict:
    order_number = planned[0][0]["order_number"]
    for _fo, li, quantity in planned:
        li["remaining"] -= quantity
    for fo in {id(fo): fo for fo, _, _ in planned}.values():
        fo["status"] = "CLOSED" if all(li["remaining"] == 0 for li in fo["line_items"]) else "IN_PROGRESS"
    info = payload.get("trackingInfo") or {}
    numbers = info.get("numbers") or ([info["number"]] if info.get("number") else [])
    urls = info.get("urls") or ([info["url"]] if info.get("url") else [])
    tracking = [{"company": info.get("company"), "number": n, "url": urls[i] if i < len(urls) else None}
                for i, n in enumerate(numbers)] or ([{"company": info["company"], "number": None, "url": None}]
                                                     if info.get("company") else [])
    number = data.next_id()
    now = datetime.now(UTC).replace(microsecond=0)
    node = {"id": gid("Fulfillment", number), "status": "SUCCESS", "createdAt": utc_text(now),
            "trackingInfo": tracking, "location": {"id": planned[0][0]["location"]},
            "fulfillmentLineItems": [{"lineItem": {"id": li["line_item_id"]}, "quantity": q} for _, li, q in planned]}
    record = {"node": node, "notify_customer": bool(payload.get("notifyCustomer")),
              "line_items": [(li["rest_line_item_id"], q) for _, li, q in planned]}
    data.fulfillments.setdefault(order_number, []).append(record)
    order = data.orders[order_number]
    shipped = {}
    for rest_id, q in record["line_items"]:
        shipped[rest_id] = shipped.get(rest_id, 0) + q
    line_items = []
    for item in order.get("line_items") or []:
        item = dict(item)
        if item["id"] in shipped:
            item["fulfillable_quantity"] = max(0, int(item.get("fulfillable_quantity", item["quantity"]))
                                               - shipped[item["id"]])
            item["fulfillment_status"] = "fulfilled" if item["fulfillable_quantity"] == 0 else "partial"
        line_items.append(item)
    left = sum(li["remaining"] for fo in data.fulfillment_orders_of(order_number) for li in fo["line_items"])
    rest_fulfillment = {
        "id": number, "admin_graphql_api_id": node["id"], "order_id": order_number, "status": "success",
        "tracking_company": info.get("company"), "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers, "tracking_url": urls[0] if urls else None, "tracking_urls": urls,
        "line_items": [dict(i, quantity=shipped[i["id"]]) for i in line_items if i["id"] in shipped],
        "created_at": data.local_text(now), "updated_at": data.local_text(now)}
    data.touch_order(order_number, now, line_items=line_items,
                     fulfillments=[*(order.get("fulfillments") or []), rest_fulfillment],
                     fulfillment_status="fulfilled" if left == 0 else "partial")
    return dict(node)


# ---- products and prices ----

PRODUCT_MUTATIONS = ("productUpdate", "productVariantsBulkUpdate", "productSet")
PRODUCT_FIELDS = ("title", "status", "productType", "descriptionHtml")


def _price(value) -> str | None:
    """A Money input ("199.00", 199) as Shopify stores it, or None when it is not a non-negative amount."""
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0:
        return None
    return str(amount.quantize(Decimal("0.01")))


def _product_node(data: ShopData, number: int) -> dict:
    product = data.products[number]
    variants = [{"id": v.id, "sku": v.sku, "price": v.price, "title": v.title} for v in data.variants_of(number)]
    return {"id": gid("Product", number), "title": product["title"], "status": product["status"],
            "productType": product["productType"], "variants": {"nodes": variants}}


def _product_number(value) -> int | None:
    text = str(value or "")
    if not text.startswith("gid://shopify/Product/"):
        return None
    try:
        return int(text.rsplit("/", 1)[-1])
    except ValueError:
        return None


def product_update(data: ShopData, op: Operation) -> tuple[dict, int]:
    payload = op.args.get("product")
    if payload is None:  # nullable since `input:` was its older twin; the bridge always sends `product:`
        raise GraphQLError("Emulator: productUpdate is answered for its `product:` argument only", "BAD_REQUEST")
    with data.lock:
        number = _product_number(payload.get("id"))
        errors = []
        if number is None or number not in data.products:
            errors.append({"field": ["product", "id"], "message": "Product does not exist"})
        if "title" in payload and not str(payload["title"] or "").strip():
            errors.append({"field": ["product", "title"], "message": "Title can't be blank"})
        entries = payload.get("metafields") or []  # ProductUpdateInput.metafields: MetafieldInput
        errors += metafields.plain(metafields.check(entries, ["product", "metafields"]))
        if errors:
            return {"productUpdate": {"product": None, "userErrors": errors}}, MUTATION_COST
        product = data.products[number]
        for name in PRODUCT_FIELDS:
            if name in payload:
                product[name] = payload[name]
        metafields.store(data, gid("Product", number), entries)
        return {"productUpdate": {"product": _product_node(data, number), "userErrors": []}}, MUTATION_COST


def product_variants_bulk_update(data: ShopData, op: Operation) -> tuple[dict, int]:
    variants = op.args.get("variants")
    if len(variants) > MAX_INPUT_ARRAY:
        raise GraphQLError(f"The input array size of {len(variants)} is greater than the maximum allowed of "
                           f"{MAX_INPUT_ARRAY}.", "MAX_INPUT_SIZE_EXCEEDED")
    with data.lock:
        number = _product_number(op.args.get("productId"))
        if number is None or number not in data.products:
            return {"productVariantsBulkUpdate": {"product": None, "productVariants": None, "userErrors": [
                {"field": ["productId"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"}]}}, \
                MUTATION_COST
        own = {v.id: v for v in data.variants_of(number)}
        errors, planned = [], []
        for index, row in enumerate(variants):
            variant = own.get(str(row.get("id") or ""))
            if variant is None:
                errors.append({"field": ["variants", str(index), "id"], "code": "PRODUCT_VARIANT_DOES_NOT_EXIST",
                               "message": "Product variant does not exist"})
                continue
            price = _price(row["price"]) if "price" in row else variant.price
            if price is None:
                errors.append({"field": ["variants", str(index), "price"], "code": "GREATER_THAN_OR_EQUAL_TO",
                               "message": "Price must be greater than or equal to 0"})
                continue
            planned.append((variant, price))
        if errors:
            return {"productVariantsBulkUpdate": {"product": None, "productVariants": None,
                                                  "userErrors": errors}}, MUTATION_COST
        for variant, price in planned:
            variant.price = price
        return {"productVariantsBulkUpdate": {
            "product": {"id": gid("Product", number)},
            "productVariants": [{"id": v.id, "sku": v.sku, "price": v.price} for v, _ in planned],
            "userErrors": []}}, MUTATION_COST


def product_set(data: ShopData, op: Operation) -> tuple[dict, int]:
    payload = op.args.get("input")
    if payload.get("id"):
        raise GraphQLError("Emulator: productSet only creates products here (no id / identifier)", "BAD_REQUEST")
    variants = payload.get("variants") or []
    if len(variants) > MAX_INPUT_ARRAY:
        raise GraphQLError(f"The input array size of {len(variants)} is greater than the maximum allowed of "
                           f"{MAX_INPUT_ARRAY}.", "MAX_INPUT_SIZE_EXCEEDED")
    errors = []
    if not str(payload.get("title") or "").strip():
        errors.append({"field": ["input", "title"], "message": "Title can't be blank", "code": "INVALID_PRODUCT"})
    options = [o.get("name") for o in payload.get("productOptions") or []]
    if not variants:
        errors.append({"field": ["input", "variants"], "message": "A product needs at least one variant",
                       "code": "VARIANTS_INPUT_MISSING"})
    errors += [{**e, "code": "INVALID_METAFIELD"} for e in metafields.plain(
        metafields.check(payload.get("metafields") or [], ["input", "metafields"]))]
    for index, row in enumerate(variants):
        errors += [{**e, "code": "INVALID_METAFIELD"} for e in metafields.plain(
            metafields.check(row.get("metafields") or [], ["input", "variants", str(index), "metafields"]))]
    planned = []
    for index, row in enumerate(variants):
        values = row.get("optionValues") or []
        price = _price(row.get("price", "0"))
        if not values or any(v.get("optionName") not in options for v in values):
            errors.append({"field": ["input", "variants", str(index), "optionValues"], "code": "OPTION_DOES_NOT_EXIST",
                           "message": "Option values must name one of the product's options"})
        elif price is None:
            errors.append({"field": ["input", "variants", str(index), "price"], "code": "INVALID_VARIANT",
                           "message": "Price must be greater than or equal to 0"})
        else:
            sku = str((row.get("inventoryItem") or {}).get("sku") or "")
            planned.append((sku, " / ".join(str(v.get("name")) for v in values), price))
    if errors:
        return {"productSet": {"product": None, "userErrors": errors}}, MUTATION_COST
    with data.lock:
        number = data.add_product(str(payload["title"]), planned, status=payload.get("status", "ACTIVE"),
                                  product_type=str(payload.get("productType") or ""),
                                  option=options[0] if options else "Title",
                                  description=str(payload.get("descriptionHtml") or ""))
        metafields.store(data, gid("Product", number), payload.get("metafields") or [])
        by_sku = {v.sku: v for v in data.variants_of(number)}
        for row in variants:
            variant = by_sku.get(str((row.get("inventoryItem") or {}).get("sku") or ""))
            if variant is not None and row.get("metafields"):
                metafields.store(data, variant.id, row["metafields"])
        return {"productSet": {"product": _product_node(data, number), "userErrors": []}}, MUTATION_COST
