"""A Shopware 6 Admin API over real HTTP: what the orders client and the stock, shipments and products
writers need. Derived from ../shared/contracts/platforms-wave2.md §6 (cited as "§6" below) and the facts
named beside each rule; RULES (below) names the source of every rule, and tests/platforms_shopware/
test_emulator_conformance.py holds the emulator to them.

    emu = ShopwareEmulator(client_id="SWIA…", client_secret="…", token_lifetime=600).start()
    emu.add_order(emu.make_order(updated=datetime(...)))     # updated=None: never changed (updatedAt null)

Auth: `POST /api/oauth/token {"grant_type": "client_credentials", "client_id", "client_secret"}` →
`{"token_type": "Bearer", "expires_in", "access_token"}`; wrong credentials → 401
`{"errors": [{"code": "FRAMEWORK__INVALID_CLIENT"…}]}`. Other calls need `Authorization: Bearer <token>`
of an unexpired token (expiry on the emulator's `clock`), else 401 `FRAMEWORK__UNAUTHORIZED`.
`revoke_tokens()` invalidates every token (as a shop restart with new keys would).

`POST /api/search/order` — criteria: `ids`, `filter` (types equals, range with gt/gte/lt/lte, multi with
operator and/or and `queries`), `sort` [{field, order}], `page`, `limit`; answers `{"total", "data",
"aggregations": []}`. Timestamps compare as instants; null sorts first (as MySQL). Associations: as
6.6, every association of the order that the criteria's `associations` does not name is answered `null`
(§6: deliveries' and transactions' `stateMachineState` are null unless asked for, shopware#3717); this
emulator applies that to all of them, which is stricter than Shopware's autoloaded few. Without `Accept:
application/json` the answer is JSON:API (`application/vnd.api+json`), like Shopware.

`POST /api/search/product` (filters equals, equalsAny; association `tax`), `POST /api/search/currency`,
`POST /api/search/customer` (addresses are associations: null unless asked for, as for orders).

`POST /api/_action/sync` (§6, S2 bulk-payloads): keyed operations `{"<key>": {"entity": "product",
"action": "upsert", "payload": [...]}}` (the older list form is taken too). An upsert of an existing id
updates the fields sent; of an unknown id creates, which needs productNumber, name, taxId, price and stock.
`stock` is absolute and must be an integer; `price` is a list of {currencyId, gross, net, linked} and must
hold the default currency. The request is one transaction: any refused row → 400 with one error per
problem, `source.pointer` "/<key>/<row>/<field>", and nothing written (the error shape is Shopware's
general one; the contract is silent on the sync's, see docs/platforms.md).

`PATCH /api/order-delivery/{id}` `{"trackingCodes": [...]}` → 204 (§6 S4);
`POST /api/_action/order_delivery/{id}/state/{transition}` (§6 S1/S3) with the delivery state machine
Shopware's migrations install (DELIVERY_TRANSITIONS) → 200 with the new state; a transition the state does
not allow → 400 `SYSTEM__ILLEGAL_STATE_TRANSITION` (Shopware's StateMachineException).

`fail_next(status, count, retry_after=None)` answers errors before acting; `lose_next_answers(count, path)`
acts, then closes the connection without an answer (a lost answer). `requests` logs every call,
`tokens_issued` counts tokens.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from sandbox.loopback import LoopbackServer

# Every rule the emulator enforces or answers by, with its source. "§6" = ../shared/contracts/platforms-wave2.md
# §6 (S1…S5 its sources), "platforms.md §4" = ../shared/contracts/platforms.md; "shopware/shopware <path>" =
# the public core repository (src/Core/…). "assumed: why" marks what no source gives; docs/platforms.md lists
# those under Shopware's unverified facts.
RULES = (
    ("POST /api/oauth/token {grant_type: client_credentials, client_id, client_secret} → {token_type: Bearer, "
     "expires_in, access_token}", "platforms.md §4 Auth (integrations-api/index.md)"),
    ("wrong credentials → 401 FRAMEWORK__INVALID_CLIENT; a missing or expired token → 401 "
     "FRAMEWORK__UNAUTHORIZED", "assumed: the status is OAuth's; the codes and wording are not in our sources"),
    ("errors answer {errors: [{status, code, title, detail, source.pointer?}]}", "assumed: Shopware's error "
     "shape as known (the contract is silent); pointers as the bridge reads them (§6 Sync)"),
    ("POST /api/search/order with a criteria (ids, filter equals/equalsAny/range/multi, sort, page, limit) → "
     "{total, data, aggregations}", "§6 [V: S1]; the answer's shape from the corpus shopware-order_search-1.json"),
    ("6.6: every order association not named in `associations` is null (deliveries.stateMachineState and "
     "deliveries.shippingOrderAddress among them); stricter than Shopware, which still autoloads "
     "order.stateMachineState and orderCustomer", "§6 [V: S5 shopware#3717]; shopware/shopware Checkout/Order/"
     "Aggregate/OrderDelivery/OrderDeliveryDefinition.php (autoload off from v6.6.0.0); Checkout/Order/"
     "OrderDefinition.php (stateMachineState autoload true)"),
    ("the order, its line items and deliveries carry the fields of OrderDefinition (price, amountTotal, "
     "amountNet, positionPrice, taxStatus, shippingTotal, currencyFactor…) and of the corpus orders",
     "shopware/shopware Checkout/Order/OrderDefinition.php, OrderLineItemDefinition; corpus shopware-order-1.json,"
     " shopware-order_search-1.json"),
    ("without Accept: application/json the search answers JSON:API (application/vnd.api+json)", "assumed: "
     "Shopware's Admin API default as known; the client always sends Accept: application/json"),
    ("POST /api/_action/sync {<key>: {entity: product, action: upsert, payload: [...]}} (the list form too); "
     "stock absolute; price [{currencyId, gross, net, linked}]", "§6 [V: S2 bulk-payloads.md]; platforms.md §4 "
     "(the list form)"),
    ("sync: an upsert of an unknown id creates, so productNumber, name, taxId, price and stock are required; "
     "stock an integer", "shopware/shopware Content/Product/ProductDefinition.php (productNumber, stock: Required, "
     "IntField); name/taxId/price required on create assumed: translated and inherited fields, not re-read"),
    ("sync: one transaction, any refused row → 400 and nothing written; pointer /<key>/<row>/<field>; "
     "duplicate productNumber, a price without the default currency, unknown tax or currency refused",
     "assumed: the contract is silent on the sync's errors (see docs/platforms.md)"),
    ("PATCH /api/order-delivery/{id} {trackingCodes: [strings]} → 204; unknown id → 404", "§6 [V: S4]; "
     "shopware/shopware OrderDeliveryDefinition.php (trackingCodes: Required ListField of StringField); 204 "
     "assumed: Shopware's no-content answer to a write without _response"),
    ("POST /api/_action/order_delivery/{id}/state/{transition} → 200 with the new state; a transition the state "
     "does not have → 400 SYSTEM__ILLEGAL_STATE_TRANSITION; unknown id → 400 "
     "SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID", "§6 [V: S1, S3]; shopware/shopware System/StateMachine/"
     "StateMachineException.php (the codes); the transitions: DELIVERY_TRANSITIONS' migrations"),
    ("`total` counts the page unless total-count-mode is 1 (exact) or 2 (pagination)", "the mode names: "
     "@shopware-ag/meteor-admin-sdk data/Criteria.d.ts (TotalCountMode 0 NO_TOTAL_COUNT, 1 EXACT, 2 "
     "PAGINATION); that none is the default and counts the page assumed: Shopware's Criteria as known"),
    ("search/product, search/currency, search/tax, search/customer (customer addresses null unless asked for)",
     "assumed: the same criteria and 6.6 association rule as orders"),
)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _instant(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _matches(order: dict, node: dict) -> bool:
    kind = node.get("type")
    if kind == "multi":
        results = [_matches(order, q) for q in node.get("queries") or []]
        return any(results) if str(node.get("operator", "and")).lower() == "or" else all(results)
    value = _instant(order.get(node.get("field")))
    if kind == "equals":
        return value == _instant(node.get("value"))
    if kind == "equalsAny":
        return _equals_any(value, node.get("value"))
    if kind == "range":
        if value is None:
            return False
        checks = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
                  "lte": lambda a, b: a <= b}
        return all(checks[op](value, _instant(bound)) for op, bound in (node.get("parameters") or {}).items())
    raise ValueError(f"filter type {kind!r} is not supported by the emulator")


def _equals_any(value, wanted) -> bool:
    values = wanted if isinstance(wanted, list) else str(wanted).split("|")
    # MySQL's default collation compares product numbers without regard to case
    return str(value).casefold() in {str(v).casefold() for v in values}


DEFAULT_CURRENCY_ID = "b7d2554b0ce847cd82f3ac9bd1c0dfca"  # Shopware Defaults::CURRENCY
# the associations an order carries here; any the criteria does not name is answered null (6.6, §6)
ORDER_ASSOCIATIONS = {
    "currency": {}, "lineItems": {}, "stateMachineState": {}, "addresses": {"country": {}, "countryState": {}},
    "deliveries": {"stateMachineState": {}, "shippingMethod": {},
                   "shippingOrderAddress": {"country": {}, "countryState": {}}},
    "transactions": {"stateMachineState": {}, "paymentMethod": {}},
    "orderCustomer": {"customer": {}}, "billingAddress": {"country": {}, "countryState": {}},
}
PRODUCT_ASSOCIATIONS = {"tax": {}}
_ADDRESS = {"country": {}, "countryState": {}}
CUSTOMER_ASSOCIATIONS = {"defaultBillingAddress": _ADDRESS, "defaultShippingAddress": _ADDRESS, "addresses": _ADDRESS}
# order_delivery.state: state → {transition: next state}, as shopware/shopware installs it:
# Migration/V6_3/Migration1536233560BasicData.php (createOrderDeliveryStateMachine: open → ship, ship_partially,
# cancel; shipped → retour, retour_partially, cancel; shipped_partially → retour, retour_partially, ship,
# cancel), Migration1573049297AddReopenTransitionToDeliveryStates (cancelled → reopen) and
# Migration1600349343AddDeliveryStateTransitions (reopen → open from every state a transition leads to).
# Nothing leaves returned or returned_partially but reopen; shipped_partially has no second ship_partially.
DELIVERY_TRANSITIONS = {
    "open": {"ship": "shipped", "ship_partially": "shipped_partially", "cancel": "cancelled"},
    "shipped": {"retour": "returned", "retour_partially": "returned_partially", "cancel": "cancelled",
                "reopen": "open"},
    "shipped_partially": {"retour": "returned", "retour_partially": "returned_partially", "ship": "shipped",
                          "cancel": "cancelled", "reopen": "open"},
    "returned": {"reopen": "open"},
    "returned_partially": {"reopen": "open"},
    "cancelled": {"reopen": "open"},
}
REQUIRED_ON_CREATE = ("productNumber", "name", "taxId", "price", "stock")


def project(node, known: dict, requested: dict):
    """`node` with every association in `known` that `requested` does not name set to None."""
    if isinstance(node, list):
        return [project(item, known, requested) for item in node]
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for name, inner in known.items():
        if name not in out:
            continue
        if name not in requested:
            out[name] = None
        else:
            asked = requested[name] if isinstance(requested[name], dict) else {}
            out[name] = project(out[name], inner, asked.get("associations") or {})
    return out


class _Lost(Exception):
    """The action happened; the answer is lost (the connection closes without one)."""


class ShopwareEmulator(LoopbackServer):
    name = "shopware-emulator"

    def __init__(self, client_id: str = "SWIATESTCLIENT", client_secret: str = "test-secret",  # noqa: S107
                 *, token_lifetime: float = 600, clock: Callable[[], float] = time.monotonic):
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.lock = threading.RLock()
        self.orders: dict[str, dict] = {}
        self.tokens: dict[str, float] = {}  # token → expiry on clock
        self.tokens_issued = 0
        self.requests: list[dict] = []
        self._faults: list[tuple[int, float | None]] = []
        self._lost: list[str] = []  # path fragments whose next answer is lost
        self._numbers = itertools.count(10000)
        self.products: dict[str, dict] = {}
        self.taxes = {"tax19": {"id": "tax19", "taxRate": 19.0, "name": "Standard rate"},
                      "tax7": {"id": "tax7", "taxRate": 7.0, "name": "Reduced rate"}}
        self.currencies = {DEFAULT_CURRENCY_ID: {"id": DEFAULT_CURRENCY_ID, "isoCode": "EUR", "factor": 1},
                           "chf0000000000000000000000000000": {"id": "chf0000000000000000000000000000",
                                                               "isoCode": "CHF", "factor": 1.05}}
        self.sync_calls = 0
        self.customers: dict[str, dict] = {}

    def fail_next(self, status: int = 503, count: int = 1, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    def lose_next_answers(self, count: int = 1, path: str = "") -> None:
        """The next `count` calls whose path contains `path` act, then close without an answer."""
        with self.lock:
            self._lost.extend([path] * count)

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # ---- orders ----

    def make_order(self, created: datetime, updated: datetime | None = None, *, sku: str = "SW-1",
                   unit_price: str = "119.00", quantity: int = 1, tax_rate: str = "19") -> dict:
        """An Admin API order (gross prices, one product line, free shipping) with its associations."""
        number = next(self._numbers)
        order_id = uuid.uuid4().hex
        gross = round(float(unit_price) * quantity, 2)
        tax = round(gross - gross / (1 + float(tax_rate) / 100), 2)
        taxes = [{"tax": tax, "taxRate": float(tax_rate), "price": gross}]
        return {
            "id": order_id, "orderNumber": str(number), "createdAt": iso(created), "updatedAt": iso(updated),
            "orderDateTime": iso(created), "currencyId": "b7d2554b0ce847cd82f3ac9bd1c0dfca", "currencyFactor": 1,
            "currency": {"isoCode": "EUR", "id": "b7d2554b0ce847cd82f3ac9bd1c0dfca"},
            "amountTotal": gross, "amountNet": round(gross - tax, 2), "positionPrice": gross, "shippingTotal": 0,
            "taxStatus": "gross",
            "price": {"totalPrice": gross, "netPrice": round(gross - tax, 2), "positionPrice": gross,
                      "calculatedTaxes": taxes, "taxStatus": "gross"},
            "lineItems": [{"id": uuid.uuid4().hex, "type": "product", "label": f"Product {sku}",
                           "quantity": quantity, "unitPrice": float(unit_price), "totalPrice": gross,
                           "good": True, "position": 1, "productId": uuid.uuid4().hex,
                           "payload": {"productNumber": sku},
                           "price": {"unitPrice": float(unit_price), "quantity": quantity, "totalPrice": gross,
                                     "calculatedTaxes": taxes}}],
            "deliveries": [{"id": uuid.uuid4().hex, "orderId": order_id, "trackingCodes": [],
                            "shippingCosts": {"unitPrice": 0, "totalPrice": 0, "quantity": 1,
                                              "calculatedTaxes": [], "taxRules": []},
                            "stateMachineState": {"technicalName": "open", "name": "Open"},
                            "shippingMethod": {"name": "Standard", "technicalName": "shipping_standard"},
                            "shippingOrderAddress": {"firstName": "Test", "lastName": "Person",
                                                     "street": "Ebertstraße 1", "zipcode": "10117",
                                                     "city": "Berlin", "country": {"iso": "DE"}}}],
            "orderCustomer": {"email": "customer@example.com", "firstName": "Test", "lastName": "Person"},
            "stateMachineState": {"technicalName": "open"},
            "transactions": [{"stateMachineState": {"technicalName": "paid"},
                              "paymentMethod": {"technicalName": "payment_invoice"}}],
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[order["id"]] = order
        return order

    def touch_order(self, order_id: str, updated: datetime) -> None:
        with self.lock:
            self.orders[order_id]["updatedAt"] = iso(updated)

    def delivery(self, delivery_id: str) -> dict | None:
        with self.lock:
            for order in self.orders.values():
                for delivery in order.get("deliveries") or []:
                    if delivery.get("id") == delivery_id:
                        return delivery
        return None

    # ---- customers ----

    def make_customer(self, email: str = "erika@example.com", *, business: bool = False,
                      shipping_differs: bool = False) -> dict:
        """A customer entity as the Admin API serialises it, with its default addresses."""
        customer_id = uuid.uuid4().hex
        billing = {"id": uuid.uuid4().hex, "customerId": customer_id, "firstName": "Erika", "lastName": "Muster",
                   "company": "Muster GmbH" if business else None, "street": "Hauptstraße 5", "zipcode": "10115",
                   "city": "Berlin", "additionalAddressLine1": None, "phoneNumber": "+49 30 1234567",
                   "country": {"iso": "DE", "name": "Germany"}, "countryState": None}
        shipping = dict(billing, id=uuid.uuid4().hex, street="Lagerweg 9", zipcode="20095",
                        city="Hamburg") if shipping_differs else billing
        return {"id": customer_id, "customerNumber": str(next(self._numbers)), "email": email,
                "firstName": "Erika", "lastName": "Muster", "company": "Muster GmbH" if business else None,
                "accountType": "business" if business else "private",
                "vatIds": ["DE123456789"] if business else None, "guest": False, "active": True,
                "defaultBillingAddressId": billing["id"], "defaultShippingAddressId": shipping["id"],
                "defaultBillingAddress": billing, "defaultShippingAddress": shipping,
                "addresses": [billing] + ([shipping] if shipping is not billing else []),
                "createdAt": iso(datetime.now(UTC)), "updatedAt": None}

    def add_customer(self, customer: dict) -> dict:
        with self.lock:
            self.customers[customer["id"]] = customer
        return customer

    # ---- products ----

    def add_product(self, number: str, *, stock: int = 0, gross: float = 119.0, net: float = 100.0,
                    tax_id: str = "tax19", parent_id: str | None = None, name: str | None = "Product",
                    description: str = "Written in Shopware", prices: list | None = None) -> dict:
        """A product (or, with parent_id, a variant: name and price inherited, so null) in the default currency."""
        product = {"id": uuid.uuid4().hex, "productNumber": number, "stock": stock, "availableStock": stock,
                   "parentId": parent_id, "active": True, "taxId": tax_id,
                   "name": None if parent_id else name, "description": description,
                   "price": None if parent_id and prices is None else (prices or [
                       {"currencyId": DEFAULT_CURRENCY_ID, "gross": gross, "net": net, "linked": True}])}
        with self.lock:
            self.products[product["id"]] = product
        return product

    def product(self, number: str) -> dict | None:
        with self.lock:
            return next((p for p in self.products.values() if p["productNumber"] == number), None)

    def _product_view(self, product: dict, requested: dict) -> dict:
        view = dict(product, tax=self.taxes.get(product.get("taxId")))
        return project(view, PRODUCT_ASSOCIATIONS, requested)

    def search_entity(self, entity: str, criteria: dict) -> dict:
        if entity == "order":
            return self.search(criteria)
        with self.lock:
            store = {"product": self.products, "currency": self.currencies, "tax": self.taxes,
                     "customer": self.customers}.get(entity)
            if store is None:
                raise ValueError(f"searching {entity!r} is not supported by the emulator")
            found = [json.loads(json.dumps(row)) for row in store.values()]
        requested = criteria.get("associations") or {}
        if entity == "product":
            found = [self._product_view(p, requested) for p in found]
        if entity == "customer":
            found = [project(c, CUSTOMER_ASSOCIATIONS, requested) for c in found]
        return self._page(found, criteria)

    def search(self, criteria: dict) -> dict:
        with self.lock:
            found = list(self.orders.values())
        requested = criteria.get("associations") or {}
        found = [project(o, ORDER_ASSOCIATIONS, requested) for o in found]
        return self._page(found, criteria)

    def _page(self, found: list[dict], criteria: dict) -> dict:
        ids = criteria.get("ids")
        if ids:
            found = [o for o in found if o["id"] in ids]
        for node in criteria.get("filter") or []:
            found = [o for o in found if _matches(o, node)]
        for sort in reversed(criteria.get("sort") or []):
            field, descending = sort["field"], str(sort.get("order", "ASC")).upper() == "DESC"
            found.sort(key=lambda o, f=field: (o.get(f) is not None, _instant(o.get(f)) or ""), reverse=descending)
        limit = int(criteria.get("limit") or 500)
        page = int(criteria.get("page") or 1)
        items = found[(page - 1) * limit: page * limit]
        # total-count-mode 0 (none, the criteria's default) counts only the page; 1 (exact) every match;
        # 2 (pagination) is answered exactly here, an upper bound of Shopware's look-ahead count
        exact = str(criteria.get("total-count-mode", 0)) in ("1", "2")
        return {"total": len(found) if exact else len(items), "data": json.loads(json.dumps(items)),
                "aggregations": []}


    # ---- sync API (§6 S2) ----

    def sync(self, body) -> tuple[int, dict]:
        operations = list(body.items()) if isinstance(body, dict) else [
            (str(index), op) for index, op in enumerate(body if isinstance(body, list) else [])]
        if not operations:
            return 400, _errors([("FRAMEWORK__INVALID_SYNC_OPERATION", "No operations given.", "/")])
        errors: list[tuple[str, str, str]] = []
        writes: list[tuple[str | None, dict]] = []  # (existing id or None, row)
        with self.lock:
            numbers = {p["productNumber"].casefold(): p["id"] for p in self.products.values()}
            for key, operation in operations:
                if not isinstance(operation, dict) or operation.get("entity") != "product" \
                        or operation.get("action") != "upsert" or not isinstance(operation.get("payload"), list):
                    errors.append(("FRAMEWORK__INVALID_SYNC_OPERATION", "Only product upserts with a payload list "
                                   "are supported by the emulator.", f"/{key}"))
                    continue
                for row_no, row in enumerate(operation["payload"]):
                    pointer = f"/{key}/{row_no}"
                    if not isinstance(row, dict):
                        errors.append(("FRAMEWORK__WRITE_MALFORMED_INPUT", "Expected an object.", pointer))
                        continue
                    existing = self.products.get(row.get("id")) if row.get("id") else None
                    errors += self._row_errors(row, existing, pointer, numbers)
                    writes.append((existing["id"] if existing else None, row))
            self.sync_calls += 1
            if errors:
                return 400, _errors(errors)  # one transaction: nothing written
            written = []
            for existing_id, row in writes:
                if existing_id is None:
                    product = {"id": row.get("id") or uuid.uuid4().hex, "parentId": None, "active": True,
                               "description": None}
                    self.products[product["id"]] = product
                else:
                    product = self.products[existing_id]
                product.update(json.loads(json.dumps(row)))
                product["availableStock"] = product.get("stock")
                written.append(product["id"])
        return 200, {"extensions": [], "data": {"product": written}, "notFound": [], "deleted": []}

    def _row_errors(self, row: dict, existing: dict | None, pointer: str,
                    numbers: dict[str, str]) -> list[tuple[str, str, str]]:
        errors = []
        if existing is None:  # an upsert of an unknown id creates the product: its required fields
            for field in REQUIRED_ON_CREATE:
                if row.get(field) in (None, "", []):
                    errors.append(("VIOLATION::IS_BLANK_ERROR", "This value should not be blank.",
                                   f"{pointer}/{field}"))
        number = row.get("productNumber")
        if number not in (None, "") and numbers.get(str(number).casefold()) not in (None, row.get("id")):
            errors.append(("CONTENT__DUPLICATE_PRODUCT_NUMBER", f"Product with number {number} already exists.",
                           f"{pointer}/productNumber"))
        if "stock" in row and (isinstance(row["stock"], bool) or not isinstance(row["stock"], int)):
            errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "This value should be of type int.",
                           f"{pointer}/stock"))
        if "price" in row and row["price"] is not None:
            errors += self._price_errors(row["price"], f"{pointer}/price")
        if "taxId" in row and row["taxId"] not in self.taxes and row["taxId"] is not None:
            errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "The tax does not exist.", f"{pointer}/taxId"))
        if "active" in row and not isinstance(row["active"], bool):
            errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "This value should be of type bool.",
                           f"{pointer}/active"))
        return errors

    def _price_errors(self, prices, pointer: str) -> list[tuple[str, str, str]]:
        if not isinstance(prices, list):
            return [("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "This value should be of type array.", pointer)]
        errors = []
        for index, price in enumerate(prices):
            here = f"{pointer}/{index}"
            if not isinstance(price, dict):
                errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "Expected a price object.", here))
                continue
            if price.get("currencyId") not in self.currencies:
                errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "The currency does not exist.",
                               f"{here}/currencyId"))
            for field in ("gross", "net"):
                value = price.get(field)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "This value should be of type float.",
                                   f"{here}/{field}"))
            if not isinstance(price.get("linked"), bool):
                errors.append(("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "This value should be of type bool.",
                               f"{here}/linked"))
        if not any(isinstance(p, dict) and p.get("currencyId") == DEFAULT_CURRENCY_ID for p in prices):
            errors.append(("CONTENT__PRODUCT_PRICE_MISSING_DEFAULT_CURRENCY", "No price for the default currency "
                           "defined.", pointer))
        return errors

    # ---- order deliveries (§6 shipment) ----

    def patch_delivery(self, delivery_id: str, body) -> tuple[int, dict | None]:
        with self.lock:
            delivery = self.delivery(delivery_id)
            if delivery is None:
                return 404, _errors([("FRAMEWORK__RESOURCE_NOT_FOUND", f"order_delivery {delivery_id} not found.",
                                      "/")])
            codes = body.get("trackingCodes") if isinstance(body, dict) else None
            if set(body or {}) - {"trackingCodes"}:
                return 400, _errors([("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "Only trackingCodes can be "
                                      "written by the emulator.", "/")])
            # OrderDeliveryDefinition: trackingCodes is a Required ListField of StringField
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                return 400, _errors([("FRAMEWORK__WRITE_CONSTRAINT_VIOLATION", "trackingCodes must be a list of "
                                      "strings.", "/trackingCodes")])
            delivery["trackingCodes"] = list(codes)
        return 204, None

    def transition_delivery(self, delivery_id: str, transition: str) -> tuple[int, dict]:
        with self.lock:
            delivery = self.delivery(delivery_id)
            if delivery is None:
                return 400, _errors([("SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID", f"Unable to read entity "
                                      f'"order_delivery" with id "{delivery_id}".', "/")])
            state = delivery["stateMachineState"]["technicalName"]
            allowed = DELIVERY_TRANSITIONS.get(state, {})
            if transition not in allowed:
                return 400, _errors([("SYSTEM__ILLEGAL_STATE_TRANSITION", f'Illegal transition "{transition}" from '
                                      f'state "{state}". Possible transitions are: {", ".join(allowed)}', "/")])
            delivery["stateMachineState"] = {"technicalName": allowed[transition],
                                             "name": allowed[transition].replace("_", " ").capitalize()}
            return 200, dict(delivery["stateMachineState"], id=uuid.uuid4().hex)


def _errors(problems: list[tuple[str, str, str]]) -> dict:
    return {"errors": [{"status": "400", "code": code, "title": "Bad Request", "detail": detail,
                        "source": {"pointer": pointer}} for code, detail, pointer in problems]}


class _Handler(BaseHTTPRequestHandler):
    emulator: ShopwareEmulator

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body, content_type: str = "application/json",
               headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, detail: str) -> None:
        self._reply(status, {"errors": [{"status": str(status), "code": code, "title": detail, "detail": detail}]})

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        emu = self.emulator
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._error(400, "FRAMEWORK__INVALID_JSON", "The body is not JSON.")
            return
        with emu.lock:
            emu.requests.append({"method": method, "path": path, "body": body,
                                 "headers": {k.lower(): v for k, v in self.headers.items()
                                             if k.lower() != "authorization"}})
            fault = emu._faults.pop(0) if emu._faults else None
        if fault:
            status, retry_after = fault
            self._reply(status, {"errors": [{"status": str(status)}]},
                        headers={"Retry-After": str(retry_after)} if retry_after is not None else None)
            return
        if path == "/api/oauth/token" and method == "POST":
            if (body.get("grant_type") != "client_credentials" or body.get("client_id") != emu.client_id
                    or body.get("client_secret") != emu.client_secret):
                self._error(401, "FRAMEWORK__INVALID_CLIENT", "The client credentials are invalid.")
                return
            token = uuid.uuid4().hex
            with emu.lock:
                emu.tokens[token] = emu.clock() + emu.token_lifetime
                emu.tokens_issued += 1
            self._reply(200, {"token_type": "Bearer", "expires_in": int(emu.token_lifetime), "access_token": token})
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with emu.lock:
            expiry = emu.tokens.get(token)
        if expiry is None or emu.clock() >= expiry:
            self._error(401, "FRAMEWORK__UNAUTHORIZED", "The resource owner or authorization server denied the "
                                                        "request.")
            return
        try:
            self._route(method, path, body)
        except _Lost:
            self.close_connection = True  # the action happened; the client never hears of it

    def _answer(self, status: int, body) -> None:
        path = urlsplit(self.path).path
        with self.emulator.lock:
            lost = next((i for i, part in enumerate(self.emulator._lost) if part in path), None)
            if lost is not None:
                self.emulator._lost.pop(lost)
        if lost is not None:
            raise _Lost
        if body is None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(status, body)

    def _route(self, method: str, path: str, body) -> None:
        emu = self.emulator
        parts = path.strip("/").split("/")
        if method == "POST" and parts[:2] == ["api", "search"] and len(parts) == 3:
            try:
                answer = emu.search_entity(parts[2].replace("-", "_"), body)
            except (ValueError, KeyError, TypeError) as exc:
                self._error(400, "FRAMEWORK__INVALID_CRITERIA", str(exc))
                return
            if "application/json" in (self.headers.get("Accept") or ""):
                self._answer(200, answer)
            else:
                self._reply(200, {"data": [{"type": parts[2], "id": o["id"], "attributes": o}
                                           for o in answer["data"]], "meta": {"total": answer["total"]}},
                            content_type="application/vnd.api+json")
            return
        if method == "POST" and path == "/api/_action/sync":
            self._answer(*emu.sync(body))
            return
        if method == "PATCH" and parts[:2] == ["api", "order-delivery"] and len(parts) == 3:
            self._answer(*emu.patch_delivery(parts[2], body))
            return
        if (method == "POST" and parts[:3] == ["api", "_action", "order_delivery"] and len(parts) == 6
                and parts[4] == "state"):
            self._answer(*emu.transition_delivery(parts[3], parts[5]))
            return
        self._error(404, "FRAMEWORK__ROUTE_NOT_FOUND", f"No route found for {method} {path}.")


ShopwareEmulator.handler = _Handler
