"""A Magento 2 REST API over real HTTP: what the bridge's client calls, and what Magento refuses there.
ROUTES and RULES (below) name the source of each route and rule; tests/platforms_magento/
test_emulator_conformance.py holds the emulator to them.

    emu = MagentoEmulator(access_token="integration-token").start()
    emu.add_order(emu.make_order(entity_id=1, updated=datetime(...)))
    emu.base_url                                # http://127.0.0.1:<port>

Auth: `Authorization: Bearer <access_token>`; anything else → 401 `{"message": "The consumer isn't
authorized to access %resources.", "parameters": {"resources": <the route's ACL resource>}}`. A route not
served is 404 "Request does not match any route." whatever the token (Magento matches the route first).
Every list route needs `searchCriteria` (getList's parameter has no default): without it, 400.

Endpoints:
Store scopes (Magento_Webapi's PathProcessor): `/rest/V1/…` answers in the default store view, `/rest/<store
code>/V1/…` in that store view (`stores`, `add_store`), `/rest/all/V1/…` in the admin store (the global
values); any other code stays part of the path and matches no route (404). A product PUT through a store view
writes its name and status as that view's overrides (`product_overrides`), through `all` as the global values.

- `GET /rest/V1/orders` — searchCriteria: `filter_groups[g][filters][f][field|value|condition_type]`
  (filters of one group are ORed, groups ANDed; the condition types of magento2's Mysql::prepareSqlCondition,
  see CONDITION_TYPES; an unknown type filters as eq; numbers compared as numbers, other values as strings,
  which orders "Y-m-d H:i:s" correctly), `sortOrders[n][field|direction]`, `pageSize` (none: every row),
  `currentPage`. Answer `{"items", "search_criteria", "total_count"}`. Like Magento, a `currentPage` beyond
  the last page answers the last page again.
- `GET /rest/V1/orders/{id}` — 404 `{"message": "The entity that was requested doesn't exist. Verify the
  entity and try again."}`.

- `GET /rest/V1/inventory/sources` (searchCriteria) — the MSI sources; `default` always exists (M-sources:
  AdobeDocs commerce-webapi rest/inventory/manage-sources.md: "All stores begin with a default source").
- `POST /rest/V1/inventory/source-items {"sourceItems": [{sku, source_code, quantity, status}]}` → `[]`
  (contract §5 [V: M1]: absolute per source). Refusals follow magento/inventory's SourceItemsSaveHandler:
  an empty list → 400 "Input data is empty"; every item is validated first and ANY invalid item refuses the
  whole list with 400 `{"message": "Validation Failed: <first error>", "errors": [{message, parameters}]}`
  (validators: sku must exist — "Product with requested "%field": "%value" was was not found." (sic);
  source_code not empty, no whitespace; quantity and status numeric, status 0 or 1); a source code that
  does not exist passes validation and fails the database constraint → 400 "Could not save Source Item",
  naming no item. The `errors` list's exact rendering is read from Magento's framework code, not from a
  documented sample [U]. Composite products (configurable, bundle, grouped) keep no source items: refused as
  Magento's IsSourceItemManagementAllowedForProductType does, with "Validation Failed" naming the SKU [U].
- `GET /rest/V1/inventory/source-items`, `GET /rest/V1/products` (searchCriteria, `in` takes a comma list).
- `POST /rest/V1/order/{id}/ship {items:[{order_item_id, qty}], notify, tracks:[{track_number, title,
  carrier_code}], comment?, arguments?: {extension_attributes: {source_code}}}` → the shipment id (contract
  §5 [V: M2]; `comment` and the MSI `source_code` from devdocs rest/tutorials/inventory/create-shipment.md);
  a full shipment sets the order `complete`; without a source code the shipment is the `default` source's.
  Refused as magento2's ShipOrder does: every validator's message in one 400 "Shipment Document Validation
  Error(s):\n…" (CanShip, QuantityValidator, TrackValidator; see RULES); no such order → 404.
- `GET /rest/V1/shipments` (searchCriteria on order_id): shipments with `items`, `tracks`, `comments`.
- `POST /rest/V1/products/base-prices {"prices": [{price, store_id, sku}]}` → `[]` or per-item errors
  `{message, parameters}` for the rows not saved; the valid rows are saved (contract §5 [V: M6]; messages
  from magento2's BasePriceStorage, see RULES).
- `PUT /rest/V1/products/{sku} {"product": {...}}` → the product; 404 when the SKU does not exist. Records
  which fields each PUT carried (`product_puts`), so a test can prove descriptions and images are never sent.
- `GET /rest/V1/creditmemos` (searchCriteria on created_at) → credit memos as added with `add_creditmemo`.

B2B companies (Adobe Commerce B2B; AdobeDocs commerce-webapi rest/b2b/company-object.md, company-users.md):
- `GET /rest/V1/directory/countries/{code}` → `{id, two_letter_abbreviation, full_name_english,
  available_regions?: [{id, code, name}]}`; an unknown country → 404 (directoryCountryInformationAcquirerV1).
- `GET /rest/V1/customers/search` (searchCriteria), `POST /rest/V1/customers {"customer": {email, firstname,
  lastname}}` → the customer with `extension_attributes.company_attributes {customer_id, company_id: 0,
  status: 1}` ("company_id will initially be set to 0", company-users.md). Refused: an empty email, firstname
  or lastname; an e-mail in use → 400 "A customer with the same email address already exists in an associated
  website." (Magento_Customer's AccountManagement).
- `GET /rest/V1/company` (searchCriteria), `GET /rest/V1/company/{id}` (404 when gone), `POST /rest/V1/company`
  and `PUT /rest/V1/company/{id}` `{"company": {...}}` → the company. Every save runs what Magento_Company's
  save validators check (Magento_Company's Model/SaveValidator/*, read from public copies of the module):
  RequiredFields (company_name, company_email, street, city, postcode, telephone, country_id, super_user_id,
  customer_group_id not empty → '"%fieldName" is required. Enter and try again.'); CompanyEmail (a valid
  address, and on create or when it changes no other company with it, compared without case → "Company with
  this email address already exists in the system. Enter a different email address to continue."); CompanyAdmin
  (super_user_id an existing customer → else 404 "No such entity with customerId = …"; active; not a user of
  another company → "This customer is a user of a different company. Enter a different email address to
  continue."); CompanyAddress (a known country; where it lists regions, region_id must be one of them →
  'Invalid value of "%value" provided for the %fieldName field.'); CustomerGroup (an existing group: 0-3).
  Several failures answer 400 "One or more input exceptions have occurred." with each in `errors`, one answers
  with it as the message (Magento's InputException). A new company's admin gets `company_id` = the company.
  `company_saves` records every accepted body (method, body) for tests. Adobe's table says company_email "does
  not have to be unique", but the CompanyEmail validator of current releases refuses a duplicate: we follow
  the code.

`fail_next(status, count, retry_after=None)` answers the next authorised requests with an error;
`requests` logs every request (method, path, query), `unauthorized` counts refused ones.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.loopback import LoopbackServer

PREFIX = "/rest/V1/"
# /rest/V1/…, /rest/<store code>/V1/… or /rest/all/V1/… (Magento_Webapi's PathProcessor)
_PATH = re.compile(r"^/rest/(?:(?P<store>[^/]+)/)?V1/(?P<route>.*)$")
ADMIN_STORE = 0  # the `all` code: the admin store, where values are the global (default) ones
# fields of a product a store view may override (catalog_product_entity_* rows per store_id); price is global in
# a default install (Catalog Price Scope = Global), so a store-scoped PUT writes it globally
STORE_SCOPED = ("name", "status")
_CRITERIA = re.compile(r"^searchCriteria\[(\w+)\](.*)$")
_INDEX = re.compile(r"\[(\w+)\]")


# The routes served: (method, route under /rest/V1/, the ACL resource Magento checks, the source).
# magento2 = github magento/magento2 app/code/Magento/<Module>/etc/webapi.xml; MSI = github magento/inventory
# InventoryApi/etc/webapi.xml. "assumed" marks a resource name not read from a source (it only shapes the 401
# message; the route itself is documented where the docstring says so).
ROUTES = (
    ("GET", r"orders", "Magento_Sales::sales", "magento2 Sales webapi.xml (OrderRepositoryInterface::getList)"),
    ("GET", r"orders/\d+", "Magento_Sales::sales", "magento2 Sales webapi.xml (OrderRepositoryInterface::get)"),
    ("POST", r"order/\d+/ship", "Magento_Sales::sales", "magento2 Sales webapi.xml (ShipOrderInterface)"),
    ("GET", r"shipments", "Magento_Sales::sales", "magento2 Sales webapi.xml (ShipmentRepositoryInterface)"),
    ("GET", r"creditmemos", "Magento_Sales::sales", "magento2 Sales webapi.xml (CreditmemoRepositoryInterface)"),
    ("GET", r"inventory/sources", "Magento_InventoryApi::source", "MSI webapi.xml (SourceRepositoryInterface)"),
    ("GET", r"inventory/source-items", "Magento_InventoryApi::source", "MSI webapi.xml"),
    ("POST", r"inventory/source-items", "Magento_InventoryApi::stock_source_item_assign",
     "MSI webapi.xml (SourceItemsSaveInterface)"),
    ("GET", r"products", "Magento_Catalog::products", "magento2 Catalog webapi.xml (ProductRepository::getList)"),
    ("POST", r"products/base-prices", "Magento_Catalog::catalog",
     "contract §5 [V: M6]; resource assumed"),
    ("PUT", r"products/[^/]+", "Magento_Catalog::products", "magento2 Catalog webapi.xml (ProductRepository::save)"),
    ("GET", r"customers/search", "Magento_Customer::customer", "AdobeDocs rest/b2b/company-users.md; resource assumed"),
    ("POST", r"customers", "Magento_Customer::manage", "AdobeDocs rest/b2b/company-users.md; resource assumed"),
    ("GET", r"directory/countries/\w+", "Magento_Backend::admin", "directoryCountryInformationAcquirerV1; "
                                                               "resource assumed"),
    ("GET", r"company", "Magento_Company::index", "AdobeDocs rest/b2b/company-object.md; resource assumed"),
    ("GET", r"company/\d+", "Magento_Company::index", "AdobeDocs rest/b2b/company-object.md; resource assumed"),
    ("POST", r"company", "Magento_Company::add", "AdobeDocs rest/b2b/company-object.md; resource assumed"),
    ("PUT", r"company/\d+", "Magento_Company::edit", "AdobeDocs rest/b2b/company-object.md; resource assumed"),
)


# Every rule the emulator enforces or answers by, with its source (contract = ../shared/contracts/
# platforms-wave2.md §5 and platforms.md §3; M1…M6 are the contract's sources). "assumed: why" marks a rule no
# source gives; docs/platforms.md lists those under Magento's unverified facts.
RULES = (
    ("routes and methods as in ROUTES; any other → 404 'Request does not match any route.', before auth",
     "magento2 Sales webapi.xml, MSI InventoryApi webapi.xml, Catalog webapi.xml; 404 wording assumed: Magento's "
     "Webapi router, not in our sources"),
    ("Authorization: Bearer <integration token>, else 401 'The consumer isn't authorized to access %resources.' "
     "naming the route's ACL resource", "platforms.md §3 Auth (Bearer since 2.4.4 with the OAuth setting); message "
     "assumed: Magento_Webapi's AuthorizationException as known, not in our sources"),
    ("list routes need searchCriteria, else 400 '\"%fieldName\" is required. Enter and try again.'",
     "magento2 webapi.xml: getList(SearchCriteriaInterface $searchCriteria) takes no default; wording assumed: "
     "Magento's InputException::requiredField as known"),
    ("searchCriteria filter groups ANDed, filters of a group ORed; sortOrders; pageSize; currentPage past the end "
     "answers the last page", "platforms.md §3 (the updated_at poll); the last-page behaviour assumed: Magento's "
     "collection clamps curPage (known behaviour, not in our sources)"),
    ("condition types: eq neq like nlike in nin notnull null gt lt gteq lteq finset nfinset regexp nregexp from to "
     "seq sneq ntoa as their SQL; `fulltext` is like %value%; an unknown type (moreq included) filters as eq, no "
     "error; a value compared with NULL never matches", "magento2 lib/internal/Magento/Framework/DB/Adapter/Pdo/"
     "Mysql.php prepareSqlCondition ($conditionKeyMap, the fallback branch), Framework/Api/SearchCriteria/"
     "CollectionProcessor/FilterProcessor.php (eq default, fulltext); LIKE without case as the default collation"),
    ("`is`, an invalid regexp, a filter without a field → 500 'Internal Error. Details are available in Magento log "
     "file. Report ID: webapi-…'", "magento2 prepareSqlCondition builds SQL MySQL refuses; the masked message of "
     "Framework/Webapi/ErrorProcessor (production mode) from magento2's api-functional tests; the field-less "
     "filter assumed (an empty column name)"),
    ("pageSize/currentPage not an integer → 400 'Error occurred during \"pageSize\" processing. The \"…\" value's "
     "type is invalid. The \"int\" type was expected. Verify and try again.'; no pageSize (or 0) → no limit",
     "magento2 PaginationProcessor (setPageSize as given); the type error's wording from Webapi TypeProcessor as "
     "quoted in public tests; the 'Error occurred during' wrapper assumed for query parameters"),
    ("/rest/<store code>/V1 and /rest/all/V1 select the store (all = admin, global values); /rest/V1 is the default "
     "store view; an unknown code matches no route; a product PUT in a store view writes name/status as that "
     "view's overrides", "magento2 app/code/Magento/Webapi/Controller/PathProcessor.php; magento2 issues #9186 "
     "and #31083 (a PUT through /rest/default/V1 writes store-level values); which fields are store-scoped "
     "assumed: name and status, price global (default Catalog Price Scope)"),
    ("an answer page is {items, search_criteria, total_count}", "contract §5 [V: M4 swagger sample]"),
    ("GET orders/{id}: 404 'The entity that was requested doesn't exist. Verify the entity and try again.'",
     "magento2 Sales webapi.xml (OrderRepositoryInterface::get); wording assumed: NoSuchEntityException as known"),
    ("an order carries the fields of contract §5 (items with sku, qty_ordered, price, price_incl_tax, "
     "original_price, discount_*, tax_*, row_total*, product_type)", "contract §5 [V: M4]; the corpus order "
     "magento-order_event-1.json"),
    ("source-items POST {sourceItems:[{sku, source_code, quantity, status}]} → [] and absolute per source",
     "contract §5 [V: M1]"),
    ("source-items: empty list → 400 'Input data is empty'; any invalid item refuses all with 400 'Validation "
     "Failed: …' and errors[]; an unknown source → 400 'Could not save Source Item'",
     "magento/inventory Inventory/Model/SourceItem/Command/Handler/SourceItemsSaveHandler.php, Inventory/Model/"
     "Validators/NotExistentSku.php ('was was' is Magento's) and IsNumericValue.php, SourceItem/Validator/"
     "QuantityValidator.php and StatusValidator.php (a missing quantity is refused although manage-source-items.md "
     "calls it optional: we follow the code); the errors[] rendering assumed: not in a documented sample"),
    ("composite products (configurable, bundle, grouped) keep no source items", "assumed: magento/inventory "
     "IsSourceItemManagementAllowedForProductType as known; message ours"),
    ("POST order/{id}/ship {items, notify, appendComment, comment, tracks, arguments.extension_attributes."
     "source_code} → the shipment id; no items ships every open quantity; a full shipment completes the order",
     "contract §5 [V: M2]; magento2 Sales Model/ShipOrder.php (execute's parameters); devdocs rest/tutorials/"
     "inventory/create-shipment.md (source_code)"),
    ("ship refusals: one 400 'Shipment Document Validation Error(s):\n' + every message: CanShip (status "
     "payment_review/holded/canceled or a virtual order → 'A shipment cannot be created when an order has a "
     "status of <status>'; nothing left → 'The order does not allow a shipment to be created.'), "
     "QuantityValidator (not in the order, more than unshipped, nothing to ship), TrackValidator (no "
     "track_number)", "magento2 Sales Model/ShipOrder.php, Model/Order/Validation/CanShip.php, Model/Order/"
     "Shipment/Validation/QuantityValidator.php and TrackValidator.php"),
    ("ship: an unknown MSI source code is refused", "assumed: InventoryShipping validates the source; its wording "
     "is not in our sources"),
    ("ship: no such order → 404", "magento2 Sales Model/ShipOrder.php (orderRepository->get first)"),
    ("base-prices POST {prices:[{price, store_id, sku}]} → [] or per-item {message, parameters}; valid rows saved",
     "contract §5 [V: M6]; magento2 Catalog Model/Product/Price/BasePriceStorage.php and Validation/Result.php"),
    ("base-prices: unknown SKU (case-insensitive) or a type without a base price → 'Invalid attribute %fieldName "
     "= %fieldValue.' {fieldName: SKU}; price missing or < 0 → the same with Price; a store that does not exist → "
     "'Requested store is not found. Row ID: SKU = %SKU, Store ID: %storeId.'; a row can fail several",
     "magento2 BasePriceStorage::retrieveValidPrices, InvalidSkuProcessor; the allowed types assumed (di.xml "
     "not read): simple, virtual, bundle, downloadable; stores assumed: a fresh install's 0 and 1"),
    ("PUT products/{sku} {product} → the product; 404 unknown SKU; status other than 1/2 → 400; a non-integer "
     "status → the Webapi's type error", "magento2 Catalog webapi.xml (ProductRepositoryInterface::save); the "
     "messages assumed"),
    ("input_limit (Web Api Limits on): a list input over the limit (20 by default) → 400; pageSize over 300 → "
     "400; off by default", "developer.adobe.com/commerce/webapi/get-started/api-security (Input limiting); KB "
     "'Web API unable to process requests with more than 20 items in array' (on in 2.4.3, 2.3.7-p1); the "
     "messages assumed: Magento_Webapi's EntityArrayValidator as known"),
    ("a write body whose fields do not fit the service method's types (BODY_TYPES) → 400 'Error occurred during "
     "\"%field\" processing. The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and "
     "try again.'", "magento2 Framework/Webapi/ServiceInputProcessor and Reflection/TypeProcessor (the cast before "
     "the service runs); the interfaces named at BODY_TYPES; the wording as magento2's api-functional tests quote "
     "it; the nested field naming and PHP's lenient casts assumed"),
    ("B2B: customers, directory/countries, company routes and Magento_Company's save validators",
     "AdobeDocs commerce-webapi rest/b2b/company-object.md and company-users.md; the validators from public "
     "copies of Magento_Company (see the docstring)"),
)


# The typed parameters of each write route's service method, as Magento_Webapi's ServiceInputProcessor casts the
# JSON body into them before the service runs (magento2 Sales Api/ShipOrderInterface, Api/Data/
# ShipmentItemCreationInterface, ShipmentTrackCreationInterface, ShipmentCommentCreationInterface; magento/
# inventory InventoryApi Api/Data/SourceItemInterface; Catalog Api/Data/BasePriceInterface, ProductInterface;
# Magento_Company Api/Data/CompanyInterface as AdobeDocs company-object.md lists it). A dict is a data object,
# a one-element list an array of its element; fields not listed are passed on unchecked. The type errors' wording
# is TypeProcessor's as public tests quote it; which casts PHP lets through is simplified [U].
_SHIP_TYPES = {"items": [{"order_item_id": "int", "qty": "float"}], "notify": "bool", "appendComment": "bool",
               "comment": {"comment": "string", "is_visible_on_front": "int"},
               "tracks": [{"track_number": "string", "title": "string", "carrier_code": "string"}],
               "arguments": {"extension_attributes": {"source_code": "string"}}}
BODY_TYPES = (
    ("POST", r"order/\d+/ship", _SHIP_TYPES),
    # quantity, status, price and store_id are left to the validators the audit read (IsNumericValue,
    # BasePriceStorage), which refuse a non-number with their own messages
    ("POST", r"inventory/source-items", {"sourceItems": [{"sku": "string", "source_code": "string"}]}),
    ("POST", r"products/base-prices", {"prices": [{"sku": "string"}]}),
    ("PUT", r"products/[^/]+", {"product": {"sku": "string", "name": "string", "status": "int", "price": "float",
                                            "type_id": "string", "attribute_set_id": "int", "visibility": "int"}}),
    ("POST|PUT", r"company(/\d+)?", {"company": {
        "company_name": "string", "company_email": "string", "street": ["string"], "city": "string",
        "country_id": "string", "region_id": "string", "postcode": "string", "telephone": "string",
        "super_user_id": "int", "customer_group_id": "int", "status": "int", "sales_representative_id": "int"}}),
)


def _type_error(field: str, value, expected: str) -> str:
    """TypeProcessor's type error under ServiceInputProcessor's "Error occurred during" wrapper [U: the wrapper's
    field naming for nested fields]."""
    shown = "array" if isinstance(value, list | dict) else ("true" if value is True else "false" if value is False
                                                             else value)
    return (f'Error occurred during "{field}" processing. The "{shown}" value\'s type is invalid. The "{expected}" '
            "type was expected. Verify and try again.")


def _scalar_fits(value, kind: str) -> bool:
    if value is None:
        return True  # a null leaves the property unset
    if kind == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()) is not None)
    if kind == "float":
        return not isinstance(value, bool) and _numeric(value)
    if kind == "bool":
        return isinstance(value, bool) or value in (0, 1, "0", "1", "true", "false", "")
    return isinstance(value, str | int | float) and not isinstance(value, bool)  # string


def type_errors(body, schema: dict, path: str = "") -> str | None:
    """The first place `body` does not fit `schema`, as Magento's Webapi words it; None when it fits."""
    for name, kind in schema.items():
        if not isinstance(body, dict) or name not in body:
            continue
        value, where = body[name], f"{path}{name}"
        if isinstance(kind, dict):
            if value is not None and not isinstance(value, dict):
                return _type_error(where, value, "object")
            found = type_errors(value or {}, kind, f"{where}.")
        elif isinstance(kind, list):
            if value is None:
                continue
            if not isinstance(value, list):
                return _type_error(where, value, f"{kind[0] if isinstance(kind[0], str) else 'object'}[]")
            found = None
            for n, element in enumerate(value):
                if isinstance(kind[0], dict):
                    found = (_type_error(f"{where}[{n}]", element, "object") if not isinstance(element, dict)
                             else type_errors(element, kind[0], f"{where}[{n}]."))
                elif isinstance(element, list | dict) or not _scalar_fits(element, kind[0]):
                    found = _type_error(f"{where}[{n}]", element, kind[0])
                if found:
                    break
        else:
            found = None if not isinstance(value, list | dict) and _scalar_fits(value, kind) else _type_error(
                where, value, kind)
        if found:
            return found
    return None


def acl_resource(method: str, route: str | None) -> str | None:
    """The ACL resource of the route `method route` serves, None when no route matches (Magento's 404)."""
    if route is None:
        return None
    return next((resource for m, pattern, resource, _ in ROUTES if m == method and re.fullmatch(pattern, route)),
                None)


def magento_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class MagentoEmulator(LoopbackServer):
    name = "magento-emulator"

    def __init__(self, access_token: str = "integration-token", *,  # noqa: S107
                 input_limit: int | None = None):
        self.access_token = access_token
        # Stores > Configuration > Services > Web Api Limits: off by default; on, list inputs of a synchronous
        # call hold at most 20 entities and pages at most 300 items (2.4.3 and 2.3.7-p1 shipped with it on)
        self.input_limit = input_limit
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.products: dict[str, dict] = {}  # sku → product row
        self.sources: dict[str, dict] = {"default": {"source_code": "default", "name": "Default Source",
                                                     "enabled": True, "country_id": "US", "postcode": "00000"}}
        self.source_items: dict[tuple[str, str], dict] = {}  # (sku, source_code) → row
        self.shipments: dict[int, dict] = {}
        self.creditmemos: dict[int, dict] = {}
        self.product_puts: list[dict] = []
        # store view code → store id; a fresh install has the one store view `default` (id 1)
        self.stores: dict[str, int] = {"default": 1}
        self.product_overrides: dict[tuple[str, int], dict] = {}  # (sku, store id) → the view's own values
        self.customers: dict[int, dict] = {}
        self.companies: dict[int, dict] = {}
        self.company_saves: list[tuple[str, dict]] = []
        self.base_price_calls: list[list[dict]] = []
        self.lose_next_answer = 0  # do the work, then drop the connection without answering (a lost answer)
        self.requests: list[dict] = []
        self.unauthorized = 0
        self._faults: list[tuple[int, float | None, str]] = []

    # ---- lifecycle ----

    def fail_next(self, status: int = 503, count: int = 1, retry_after: float | None = None,
                  path: str = "") -> None:
        """Answer the next `count` authorised requests (whose path contains `path`) with `status`."""
        with self.lock:
            self._faults.extend([(status, retry_after, path)] * count)

    # ---- orders ----

    @staticmethod
    def make_order(entity_id: int, updated: datetime, *, sku: str = "MB-01", price: str = "40.00",
                   qty: int = 1, tax_percent: str = "25", shipping: str = "5.00") -> dict:
        """A REST order entity: one simple item (net price, tax on top), flat-rate shipping with tax."""
        rate = float(tax_percent) / 100
        row = round(float(price) * qty, 2)
        tax, ship_tax = round(row * rate, 2), round(float(shipping) * rate, 2)
        total = round(row + tax + float(shipping) + ship_tax, 2)
        stamp = magento_time(updated)
        money = {"subtotal": row, "tax_amount": round(tax + ship_tax, 2), "shipping_amount": float(shipping),
                 "shipping_tax_amount": ship_tax, "shipping_incl_tax": float(shipping) + ship_tax,
                 "discount_amount": 0, "grand_total": total}
        return {
            "entity_id": entity_id, "increment_id": f"{entity_id:09d}", "state": "processing",
            "status": "processing", "created_at": stamp, "updated_at": stamp,
            "base_currency_code": "EUR", "order_currency_code": "EUR", "store_id": 1,
            "customer_email": "customer@example.com", "customer_is_guest": 1,
            "customer_firstname": "Test", "customer_lastname": "Person",
            **money, **{f"base_{k}": v for k, v in money.items()},
            "shipping_description": "Flat Rate - Fixed",
            "items": [{"item_id": entity_id * 10, "order_id": entity_id, "sku": sku, "name": f"Product {sku}",
                       "product_type": "simple", "product_id": 1, "qty_ordered": qty, "price": float(price),
                       "base_price": float(price), "original_price": float(price), "base_original_price": float(price),
                       "price_incl_tax": round(float(price) * (1 + rate), 2), "discount_percent": 0,
                       "row_total": row, "base_row_total": row, "row_total_incl_tax": round(row + tax, 2),
                       "tax_percent": float(tax_percent), "tax_amount": tax, "base_tax_amount": tax,
                       "discount_amount": 0, "base_discount_amount": 0}],
            "billing_address": {"firstname": "Test", "lastname": "Person", "street": ["Storgatan 1"],
                                "city": "Stockholm", "postcode": "11122", "country_id": "SE",
                                "email": "customer@example.com", "telephone": "+15555550100"},
            "payment": {"method": "checkmo"},
            "extension_attributes": {"shipping_assignments": [{"shipping": {"method": "flatrate_flatrate"}}]},
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[int(order["entity_id"])] = order
        return order

    def touch_order(self, entity_id: int, updated: datetime) -> None:
        with self.lock:
            self.orders[entity_id]["updated_at"] = magento_time(updated)

    def search(self, query: list[tuple[str, str]]) -> dict:
        with self.lock:
            rows = list(self.orders.values())
        return search_rows(rows, query)

    # ---- catalog, sources, source items ----

    def add_product(self, sku: str, *, type_id: str = "simple", price: float = 10.0, name: str = "",
                    status: int = 1) -> dict:
        with self.lock:
            product = {"id": len(self.products) + 1, "sku": sku, "name": name or f"Product {sku}",
                       "type_id": type_id, "price": price, "status": status, "attribute_set_id": 4,
                       "visibility": 4, "custom_attributes": [{"attribute_code": "description",
                                                               "value": f"<p>Shop-written text of {sku}</p>"}],
                       "media_gallery_entries": [{"id": 1, "file": f"/{sku.lower()}.jpg"}]}
            self.products[sku] = product
            if type_id in STOCKED_TYPES:  # Magento assigns new products to the default source
                self.source_items[(sku, "default")] = {"sku": sku, "source_code": "default", "quantity": 0,
                                                       "status": 0}
        return product

    def add_store(self, code: str, store_id: int) -> None:
        """Another store view: /rest/<code>/V1/… then answers in it."""
        with self.lock:
            self.stores[code] = store_id

    def add_source(self, code: str, enabled: bool = True) -> None:
        with self.lock:
            self.sources[code] = {"source_code": code, "name": code.title(), "enabled": enabled,
                                  "country_id": "SE", "postcode": "11122"}

    def quantity(self, sku: str, source: str = "default") -> float | None:
        with self.lock:
            row = self.source_items.get((sku, source))
        return None if row is None else row["quantity"]

    def save_source_items(self, items) -> tuple[int, dict | list]:
        """magento/inventory SourceItemsSaveHandler: validate all, then save all or nothing."""
        if not isinstance(items, list) or not items:
            return 400, {"message": "Input data is empty"}
        errors: list[dict] = []
        with self.lock:
            for item in items:
                item = item if isinstance(item, dict) else {}
                sku, code = str(item.get("sku") or ""), str(item.get("source_code") or "")
                if not sku:
                    errors.append(_error('"%field" can not be empty.', field="sku"))
                elif sku not in self.products:
                    errors.append(_error('Product with requested "%field": "%value" was was not found.',
                                         field="sku", value=sku))
                elif self.products[sku]["type_id"] not in STOCKED_TYPES:
                    errors.append(_error('Source item management is not allowed for product type "%type" of '
                                         'product "%sku".', type=self.products[sku]["type_id"], sku=sku))
                if not code:
                    errors.append(_error('"%field" can not be empty.', field="source_code"))
                elif any(c.isspace() for c in code):
                    errors.append(_error('"%field" can not contain whitespaces.', field="source_code"))
                if not _numeric(item.get("quantity")):
                    errors.append(_error('"%field" should be numeric.', field="quantity"))
                if not _numeric(item.get("status")) or int(float(item["status"])) not in (0, 1):
                    errors.append(_error('"%field" should a known status.', field="status"))
            if errors:
                return 400, {"message": "Validation Failed: " + _render(errors[0]), "errors": errors}
            if any(str(item["source_code"]) not in self.sources for item in items):
                return 400, {"message": "Could not save Source Item"}  # the source foreign key
            for item in items:
                key = (str(item["sku"]), str(item["source_code"]))
                self.source_items[key] = {"sku": key[0], "source_code": key[1],
                                          "quantity": float(item["quantity"]), "status": int(float(item["status"]))}
        return 200, []

    # ---- shipments ----

    def ship(self, order_id: int, body) -> tuple[int, object]:
        """Magento_Sales ShipOrder: every validator's message joined under one DocumentValidationException."""
        body = body if isinstance(body, dict) else {}
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return 404, {"message": "The entity that was requested doesn't exist. Verify the entity and try "
                                        "again."}
            items = {int(i["item_id"]): i for i in order["items"]}
            # ShipmentDocumentFactory: no items named ships every open quantity
            wanted = body.get("items") or [{"order_item_id": i, "qty": _open(row)} for i, row in items.items()
                                           if _open(row) > 0]
            problems = []
            # Order/Validation/CanShip
            if order.get("state") in ("payment_review", "holded", "canceled") or order.get("is_virtual"):
                problems.append(f"A shipment cannot be created when an order has a status of {order.get('status')}")
            elif not any(_open(i) > 0 and i.get("product_type") != "virtual" for i in items.values()):
                problems.append("The order does not allow a shipment to be created.")
            # Order/Shipment/Validation/QuantityValidator
            total = 0.0
            for row in wanted:
                item = items.get(_int(row.get("order_item_id")))
                if item is None:
                    problems.append(f'The shipment contains product SKU "{row.get("sku") or ""}" that is not part '
                                    "of the original order.")
                elif float(row.get("qty") or 0) > _open(item):
                    problems.append("The quantity to ship must not be greater than the unshipped quantity for "
                                    f'product SKU "{item.get("sku")}".')
                else:
                    total += float(row.get("qty") or 0)
            if total <= 0:
                problems.append("You can't create a shipment without products.")
            # Order/Shipment/Validation/TrackValidator
            tracks = body.get("tracks") if isinstance(body.get("tracks"), list) else []
            problems += ["Please enter a tracking number." for t in tracks
                         if not (isinstance(t, dict) and t.get("track_number"))]
            arguments = body.get("arguments") if isinstance(body.get("arguments"), dict) else {}
            extension = arguments.get("extension_attributes") if isinstance(arguments.get("extension_attributes"),
                                                                            dict) else {}
            source = str(extension.get("source_code") or "default")
            if source not in self.sources:  # assumed: MSI's wording is not in our sources
                problems.append(f'Source with code "{source}" does not exist.')
            if problems:
                return 400, {"message": "Shipment Document Validation Error(s):\n" + "\n".join(problems)}
            wanted = [row for row in wanted if float(row.get("qty") or 0) > 0]
            for row in wanted:
                item = items[int(row["order_item_id"])]
                item["qty_shipped"] = float(item.get("qty_shipped") or 0) + float(row["qty"])
                for child in items.values():  # a configurable's child row is shipped with its parent
                    if str(child.get("parent_item_id") or "") == str(item["item_id"]):
                        child["qty_shipped"] = float(child.get("qty_shipped") or 0) + float(row["qty"])
            shipment_id = len(self.shipments) + 1
            comment = body.get("comment") if isinstance(body.get("comment"), dict) else None
            self.shipments[shipment_id] = {
                "entity_id": shipment_id, "order_id": order_id, "increment_id": f"{shipment_id:09d}",
                "email_sent": 1 if body.get("notify") else None, "source_code": source,
                "items": [{"order_item_id": int(r["order_item_id"]), "qty": float(r["qty"]),
                           "sku": items[int(r["order_item_id"])]["sku"]} for r in wanted],
                "tracks": [{"entity_id": shipment_id * 10 + n, "order_id": order_id, "parent_id": shipment_id,
                            "track_number": t.get("track_number"), "title": t.get("title"),
                            "carrier_code": t.get("carrier_code")} for n, t in enumerate(body.get("tracks") or [])],
                "comments": [{"comment": comment.get("comment"), "parent_id": shipment_id,
                              "is_visible_on_front": comment.get("is_visible_on_front", 0)}] if comment else [],
            }
            if all(_open(i) <= 0 for i in items.values()
                   if i.get("product_type") != "virtual" and not i.get("parent_item_id")):
                order["state"] = order["status"] = "complete"
        return 200, shipment_id

    # ---- prices and products ----

    def base_prices(self, body) -> list[dict]:
        """Magento_Catalog BasePriceStorage::update: each row checked for SKU, price and store (a row may fail
        several), the valid rows saved, the failures answered as {message, parameters} (Validation\\Result)."""
        rows = body.get("prices") if isinstance(body, dict) else None
        errors = []
        with self.lock:
            self.base_price_calls.append(list(rows or []))
            by_sku = {sku.lower(): product for sku, product in self.products.items()}  # strcasecmp
            for row in rows or []:
                row = row if isinstance(row, dict) else {}
                sku = str(row.get("sku") or "")
                product = by_sku.get(sku.lower())
                failed = []
                if not sku or product is None or product["type_id"] not in PRICED_TYPES:
                    failed.append(_error("Invalid attribute %fieldName = %fieldValue.", fieldName="SKU",
                                         fieldValue=sku))
                if not _numeric(row.get("price")) or float(row["price"]) < 0:
                    failed.append(_error("Invalid attribute %fieldName = %fieldValue.", fieldName="Price",
                                         fieldValue=row.get("price")))
                if _int(row.get("store_id", -1)) not in (ADMIN_STORE, *self.stores.values()) or not _numeric(
                        row.get("store_id")):
                    failed.append(_error("Requested store is not found. Row ID: SKU = %SKU, Store ID: %storeId.",
                                         SKU=sku, storeId=row.get("store_id")))
                if failed:
                    errors += failed
                else:
                    product["price"] = float(row["price"])
        return errors

    def product_view(self, product: dict, store_id: int | None) -> dict:
        """The product as a store sees it: the global values with that store view's overrides on top."""
        overrides = self.product_overrides.get((product["sku"], store_id), {}) if store_id else {}
        return {**product, **overrides}

    def put_product(self, sku: str, body, store_id: int | None = 1) -> tuple[int, dict]:
        """ProductRepository::save in the request's store: through a store view (/rest/V1 is the default one)
        the store-scoped fields become that view's overrides and the global values stay (magento2 issue
        #9186); through /rest/all/V1 (the admin store) they are the global values."""
        fields = body.get("product") if isinstance(body, dict) and isinstance(body.get("product"), dict) else {}
        with self.lock:
            self.product_puts.append(fields)
            product = self.products.get(sku)
            if product is None:
                return 404, {"message": "The product that was requested doesn't exist. Verify the product and try "
                                        "again."}
            status = fields.get("status")
            if status is not None and not re.fullmatch(r"[+-]?\d+", str(status)):
                # ProductInterface::getStatus is an int: ServiceInputProcessor's type error
                return 400, {"message": f'Error occurred during "status" processing. The "{status}" value\'s type is '
                                        'invalid. The "int" type was expected. Verify and try again.'}
            if status is not None and int(status) not in (1, 2):
                return 400, {"message": 'Invalid attribute value for "status".'}
            changed = {k: v for k, v in fields.items() if k in ("name", "status", "price")}
            if store_id:
                self.product_overrides.setdefault((sku, store_id), {}).update(
                    {k: v for k, v in changed.items() if k in STORE_SCOPED})
                product.update({k: v for k, v in changed.items() if k not in STORE_SCOPED})
            else:
                product.update(changed)
            return 200, json.loads(json.dumps(self.product_view(product, store_id)))

    # ---- credit memos ----

    def add_creditmemo(self, memo: dict) -> dict:
        with self.lock:
            self.creditmemos[int(memo["entity_id"])] = memo
        return memo

    # ---- B2B companies and their admins ----

    def add_customer(self, email: str, *, firstname: str = "Ann", lastname: str = "Buyer", company_id: int = 0,
                     active: bool = True) -> dict:
        with self.lock:
            customer_id = max(self.customers, default=0) + 1
            customer = {"id": customer_id, "email": email, "firstname": firstname, "lastname": lastname,
                        "website_id": 1, "group_id": 1, "store_id": 1,
                        "extension_attributes": {"company_attributes": {
                            "customer_id": customer_id, "company_id": company_id, "status": 1 if active else 0}}}
            self.customers[customer_id] = customer
            return json.loads(json.dumps(customer))

    def create_customer(self, body) -> tuple[int, dict]:
        customer = body.get("customer") if isinstance(body, dict) else None
        if not isinstance(customer, dict):
            return 400, {"message": '"%fieldName" is required. Enter and try again.',
                         "parameters": {"fieldName": "customer"}}
        errors = [_error('"%fieldName" is required. Enter and try again.', fieldName=f)
                  for f in ("email", "firstname", "lastname") if not str(customer.get(f) or "").strip()]
        if errors:
            return 400, _input_errors(errors)
        with self.lock:
            if any(c["email"].lower() == str(customer["email"]).lower() for c in self.customers.values()):
                return 400, {"message": "A customer with the same email address already exists in an associated "
                                        "website."}
            return 200, self.add_customer(str(customer["email"]), firstname=str(customer["firstname"]),
                                          lastname=str(customer["lastname"]))

    # ---- customers reconcile (customers-reconcile branch): when a customer last changed ----
    # CustomerInterface carries created_at / updated_at ("Y-m-d H:i:s", UTC; magento2 Customer
    # Api/Data/CustomerInterface.php), so GET customers/search filters and sorts on them like orders.

    def touch_customer(self, customer_id: int, updated: datetime, **changes) -> dict:
        """Change a customer as the admin or the storefront would (no event is sent): new `updated_at`."""
        with self.lock:
            customer = self.customers[int(customer_id)]
            customer.update(changes)
            customer["updated_at"] = magento_time(updated)
            customer.setdefault("created_at", customer["updated_at"])
            return json.loads(json.dumps(customer))

    def add_company(self, **fields) -> dict:
        """A company made in Magento by hand (no validation), e.g. one the customers import reads."""
        with self.lock:
            company_id = max(self.companies, default=0) + 1
            self.companies[company_id] = {"id": company_id, "status": 1, "sales_representative_id": 1,
                                          "reject_reason": None, "rejected_at": None, **fields}
            return json.loads(json.dumps(self.companies[company_id]))

    def save_company(self, method: str, body, company_id: int | None = None) -> tuple[int, dict]:
        company = body.get("company") if isinstance(body, dict) else None
        if not isinstance(company, dict):
            return 400, {"message": '"%fieldName" is required. Enter and try again.',
                         "parameters": {"fieldName": "company"}}
        with self.lock:
            initial = self.companies.get(company_id) if company_id is not None else None
            if company_id is not None and initial is None:
                return 404, {"message": "No such entity with %fieldName = %fieldValue",
                             "parameters": {"fieldName": "id", "fieldValue": company_id}}
            errors = [_error('"%fieldName" is required. Enter and try again.', fieldName=f) for f in COMPANY_REQUIRED
                      if company.get(f) in (None, "", [], 0, "0")]
            email = str(company.get("company_email") or "")
            if email and not _EMAIL.match(email):
                errors.append(_error('Invalid value of "%value" provided for the %fieldName field.',
                                     fieldName="company_email", value=email))
            elif email and (initial is None or email.lower() != str(initial.get("company_email") or "").lower()) \
                    and any(str(c.get("company_email") or "").lower() == email.lower()
                            for c in self.companies.values()):
                errors.append(_error("Company with this email address already exists in the system. Enter a "
                                         "different email address to continue."))
            admin_id = company.get("super_user_id")
            if admin_id not in (None, "", 0, "0"):
                admin = self.customers.get(int(admin_id))
                if admin is None:
                    return 404, {"message": "No such entity with %fieldName = %fieldValue",
                                 "parameters": {"fieldName": "customerId", "fieldValue": admin_id}}
                attributes = admin["extension_attributes"]["company_attributes"]
                if not attributes.get("status"):
                    errors.append(_error("The selected user is inactive. To continue, select another user or "
                                         "activate the current user."))
                if attributes.get("company_id") and attributes["company_id"] != company_id:
                    errors.append(_error("This customer is a user of a different company. Enter a different email "
                                         "address to continue."))
            country = str(company.get("country_id") or "")
            if country:
                if country not in COUNTRIES:
                    errors.append(_error('Invalid value of "%value" provided for the %fieldName field.',
                                         fieldName="country_id", value=country))
                elif COUNTRIES[country] and str(company.get("region_id") or "") not in {
                        str(r["id"]) for r in COUNTRIES[country]}:
                    errors.append(_error('Invalid value of "%value" provided for the %fieldName field.',
                                         fieldName="region_id", value=company.get("region_id") or ""))
            group = company.get("customer_group_id")
            if group not in (None, "", 0, "0") and int(group) not in CUSTOMER_GROUPS:
                return 404, {"message": "No such entity with %fieldName = %fieldValue",
                             "parameters": {"fieldName": "id", "fieldValue": group}}
            if errors:
                return 400, _input_errors(errors)
            saved = {**(initial or {"status": 0, "sales_representative_id": 1, "reject_reason": None,
                                    "rejected_at": None}),
                     **{k: v for k, v in company.items() if k != "id"}}
            regions = {str(r["id"]): r["name"] for r in COUNTRIES.get(country, [])}
            if str(saved.get("region_id") or "") in regions:  # Magento answers the region's name
                saved["region"] = regions[str(saved["region_id"])]
            new_id = company_id if company_id is not None else max(self.companies, default=0) + 1
            saved["id"] = new_id
            self.companies[new_id] = saved
            self.customers[int(saved["super_user_id"])]["extension_attributes"]["company_attributes"][
                "company_id"] = new_id
            self.company_saves.append((method, json.loads(json.dumps(company))))
            return 200, json.loads(json.dumps(saved))


# Magento_Company's RequiredFields save validator (postcode included: the module's own list)
COMPANY_REQUIRED = ("company_name", "company_email", "street", "city", "postcode", "telephone", "country_id",
                    "super_user_id", "customer_group_id")
CUSTOMER_GROUPS = (0, 1, 2, 3)  # NOT LOGGED IN, General, Wholesale, Retailer: a fresh install's groups
# the directory as a fresh install answers it, for the countries tests use; US California is id 12
# (company-object.md's sample), New York 43 (Magento's directory_country_region data)
COUNTRIES: dict[str, list[dict]] = {
    "SE": [], "NO": [], "DK": [], "FI": [], "GB": [], "GR": [], "NL": [],
    "US": [{"id": 12, "code": "CA", "name": "California"}, {"id": 43, "code": "NY", "name": "New York"}],
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _input_errors(errors: list[dict]) -> dict:
    """Magento's InputException: one error is the message itself, several are listed under `errors`."""
    if len(errors) == 1:
        return errors[0]
    return {"message": "One or more input exceptions have occurred.", "errors": errors}


STOCKED_TYPES = ("simple", "virtual", "downloadable", "giftcard")  # types that keep source items
# BasePriceStorage's allowedProductTypes (Catalog etc/di.xml) [U: the list is not in our sources; a
# configurable has no price of its own, its children do]
PRICED_TYPES = ("simple", "virtual", "bundle", "downloadable")
# the page cap when Web Api Limits are on (developer.adobe.com/commerce/webapi/get-started/api-security)
PAGE_LIMIT = 300


def _error(message: str, **parameters) -> dict:
    return {"message": message, "parameters": parameters}


def _render(error: dict) -> str:
    text = error["message"]
    for key, value in error["parameters"].items():
        text = text.replace(f"%{key}", str(value))
    return text


def _numeric(value) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _open(item: dict) -> float:
    return float(item.get("qty_ordered") or 0) - float(item.get("qty_shipped") or 0) - float(
        item.get("qty_canceled") or 0) - float(item.get("qty_refunded") or 0)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _value(row: dict, field: str) -> str:
    value = row.get(field, "")
    return "" if value is None else str(value)


class SearchRefused(Exception):
    """An answer Magento gives instead of a page: a type error (400) or a masked database error (500)."""

    def __init__(self, status: int, body: dict):
        super().__init__(body["message"])
        self.status, self.body = status, body


# Magento\Framework\Webapi\ErrorProcessor::maskException in production mode: anything not a LocalizedException
# (a database error among them) answers 500 with this message and a report id
INTERNAL_ERROR = "Internal Error. Details are available in Magento log file. Report ID: webapi-%s"


def _masked_error() -> SearchRefused:
    return SearchRefused(500, {"message": INTERNAL_ERROR % uuid.uuid4().hex[:13]})


def _as_int(name: str, value: str) -> int:
    """The Webapi's ServiceInputProcessor casts searchCriteria's int fields; a non-integer is its type error."""
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise SearchRefused(400, {"message": f'Error occurred during "{name}" processing. The "{value}" value\'s '
                                             'type is invalid. The "int" type was expected. Verify and try again.'})
    return int(value)


def _compare(a: str, b: str) -> int:
    """MySQL compares a number column with a number, text with text."""
    if _numeric(a) and _numeric(b):
        x, y = float(a), float(b)
    else:
        x, y = a, b
    return (x > y) - (x < y)


def _same(a: str, b: str, number_column: bool) -> bool:
    """MySQL's `=` on Magento's columns: a number column against the filter's text as numbers; a text column by
    the tables' collation (utf8mb4_general_ci and its kin: case-insensitive, trailing spaces ignored), so
    `email eq anna@example.com` finds Anna@Example.com as Magento does, while SKU `001` is still not `1`.
    [assumed from MySQL's documented comparison and collation rules; Magento's db_schema declares no other
    collation for these columns]"""
    if number_column:
        return _numeric(b) and float(a) == float(b)
    return a.rstrip(" ").casefold() == b.rstrip(" ").casefold()


def _like(value: str, pattern: str, flags: int = re.IGNORECASE) -> bool:
    """SQL LIKE: % any run, _ one character, backslash escapes; case-insensitive like the default collation."""
    regex, escaped = "", False
    for char in pattern:
        if escaped:
            regex, escaped = regex + re.escape(char), False
        elif char == "\\":
            escaped = True
        else:
            regex += ".*" if char == "%" else "." if char == "_" else re.escape(char)
    return re.fullmatch(regex, value, flags | re.DOTALL) is not None


def _regexp(value: str, pattern: str) -> bool:
    try:
        return re.search(pattern, value, re.IGNORECASE) is not None
    except re.error:  # MySQL refuses the pattern: a database error, masked
        raise _masked_error() from None


def _ntoa(value: str, pattern: str) -> bool:
    if not value.isdigit() or int(value) > 0xFFFFFFFF:
        return False  # INET_NTOA of a non-address is NULL: no match
    return _like(str(ipaddress.IPv4Address(int(value))), pattern)


# Magento\Framework\DB\Adapter\Pdo\Mysql::prepareSqlCondition's $conditionKeyMap, as the condition types
# searchCriteria reaches it with (FilterProcessor: [$condition_type => $value], `fulltext` first rewritten to
# like %value%). Each takes the row's value (None = SQL NULL) and the filter's value; a NULL matches only
# null (and sneq/seq's null forms) — SQL's comparisons with NULL are never true.
def _condition(kind: str, raw: object, wanted: str) -> bool:
    if kind in ("seq", "sneq"):  # _transformStringSqlCondition: '' means null/notnull, else eq/neq
        kind = {("seq", True): "null", ("seq", False): "eq", ("sneq", True): "notnull",
                ("sneq", False): "neq"}[(kind, wanted == "")]
    if kind == "null":
        return raw is None
    if kind == "notnull":
        return raw is not None
    if raw is None:
        return False
    value = raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, list | dict) else str(
        int(raw) if isinstance(raw, bool) else raw)
    number_column = isinstance(raw, int | float) and not isinstance(raw, bool)
    match kind:
        case "eq":
            return _same(value, wanted, number_column)
        case "neq":
            return not _same(value, wanted, number_column)
        case "gt" | "lt" | "gteq" | "lteq" | "from" | "to" | "moreq":
            order = _compare(value, wanted)
            return {"gt": order > 0, "lt": order < 0, "gteq": order >= 0, "from": order >= 0, "moreq": order >= 0,
                    "lteq": order <= 0, "to": order <= 0}[kind]
        case "like":
            return _like(value, wanted)
        case "nlike":
            return not _like(value, wanted)
        case "in":
            return any(_same(value, one, number_column) for one in wanted.split(","))  # exploded on commas
        case "nin":
            return not any(_same(value, one, number_column) for one in wanted.split(","))
        case "finset":
            return wanted in value.split(",")  # FIND_IN_SET(value, field)
        case "nfinset":
            return wanted not in value.split(",")
        case "regexp":
            return _regexp(value, wanted)
        case "nregexp":
            return not _regexp(value, wanted)
        case "ntoa":
            return _ntoa(value, wanted)
    raise AssertionError(kind)


# `is` builds "field IS 'value'", which MySQL refuses (IS takes only NULL, TRUE, FALSE, UNKNOWN)
CONDITION_TYPES = ("eq", "neq", "like", "nlike", "in", "nin", "is", "notnull", "null", "gt", "lt", "gteq", "lteq",
                   "finset", "nfinset", "regexp", "nregexp", "from", "to", "seq", "sneq", "ntoa")


def _filter_matches(row: dict, spec: dict) -> bool:
    field = spec.get("field", "")
    if not field:  # FilterProcessor passes the empty column name on: MySQL's unknown column, masked [U]
        raise _masked_error()
    kind = spec.get("condition_type") or "eq"
    wanted = spec.get("value", "")
    if kind == "fulltext":
        kind, wanted = "like", f"%{wanted}%"
    if kind == "is":
        raise _masked_error()
    if kind not in CONDITION_TYPES:
        # prepareSqlCondition: no known key, so each of the condition's values is an OR'ed plain condition,
        # i.e. `eq` on the value. Magento answers no error for an unknown type (moreq, notin…): it filters on eq.
        kind = "eq"
    return _condition(kind, row.get(field), wanted)


def search_rows(rows: list[dict], query: list[tuple[str, str]]) -> dict:
    """Magento's searchCriteria over rows: filters of one group ORed, groups ANDed. Raises SearchRefused for what
    Magento answers with an error (see RULES)."""
    groups: dict[str, dict[str, dict]] = {}
    sorts: dict[str, dict] = {}
    page_size, current = 0, 1
    for key, value in query:
        match = _CRITERIA.match(key)
        if not match:
            continue
        kind, rest = match.group(1), _INDEX.findall(match.group(2))
        if kind == "filter_groups" and len(rest) == 4:
            groups.setdefault(rest[0], {}).setdefault(rest[2], {})[rest[3]] = value
        elif kind == "sortOrders" and len(rest) == 2:
            sorts.setdefault(rest[0], {})[rest[1]] = value
        elif kind == "pageSize":
            page_size = _as_int("pageSize", value)
        elif kind == "currentPage":
            current = _as_int("currentPage", value)
    found = [r for r in rows if all(any(_filter_matches(r, f) for f in group.values()) for group in groups.values())]
    for key in sorted(sorts, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k), reverse=True):
        field = sorts[key].get("field", "")
        descending = sorts[key].get("direction", "ASC").upper() == "DESC"  # SortOrder: anything else is ASC [U]
        found.sort(key=lambda r, f=field: (_value(r, f).zfill(20) if f.endswith("_id") or f == "id"
                                           else _value(r, f)), reverse=descending)
    # PaginationProcessor sets the collection's page size as given: none (or 0) means no LIMIT; a negative one
    # makes Zend's limitPage fetch a single row [U: read from Zend_Db_Select::limitPage as known]
    size = page_size if page_size > 0 else (len(found) or 1) if page_size == 0 else 1
    last_page = max(1, -(-len(found) // size))
    page = min(max(current, 1), last_page)  # Magento answers a page beyond the end with the last page
    items = found[(page - 1) * size: page * size]
    return {"items": json.loads(json.dumps(items)), "search_criteria": {"current_page": current,
                                                                      "page_size": page_size or None},
            "total_count": len(found)}


class _Handler(BaseHTTPRequestHandler):
    emulator: MagentoEmulator
    store_id: int | None = None  # the store the request's path selects (see _admit)

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _admit(self, method: str) -> tuple[str, list[tuple[str, str]], object] | None:
        """Log, check the token, apply a queued fault, read the JSON body; None when already answered."""
        emu = self.emulator
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        length_header = (self.headers.get("Content-Length") or "0").strip()
        if not length_header.isdigit():  # the web server refuses it before Magento runs
            self.close_connection = True
            self._reply(400, {"message": "Bad Request"})
            return None
        length = int(length_header)
        raw = self.rfile.read(length) if length else b""
        match = _PATH.match(url.path)
        store_code = match.group("store") if match else None
        # PathProcessor: a known store view's code or `all` selects the store; no code is the default store
        # view; any other segment stays part of the path, which then matches no route (404)
        self.store_id = emu.stores.get(store_code or "default") if store_code != "all" else ADMIN_STORE
        route = match.group("route").strip("/") if match and self.store_id is not None else None
        with emu.lock:
            emu.requests.append({"method": method, "path": url.path, "query": dict(query),
                                 "store": store_code or "default"})
        resource = acl_resource(method, route)
        if resource is None:  # Magento matches the route before it checks the token
            self._reply(404, {"message": "Request does not match any route."})
            return None
        if self.headers.get("Authorization") != f"Bearer {emu.access_token}":
            with emu.lock:
                emu.unauthorized += 1
            self._reply(401, {"message": "The consumer isn't authorized to access %resources.",
                              "parameters": {"resources": resource}})
            return None
        with emu.lock:
            fault = next((f for f in emu._faults if f[2] in url.path), None)
            if fault:
                emu._faults.remove(fault)
        if fault:
            status, retry_after, _ = fault
            self._reply(status, {"message": "Service Unavailable"},
                        {"Retry-After": str(retry_after)} if retry_after is not None else None)
            return None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._reply(400, {"message": "Decoding error: \nSyntax error"})
            return None
        schema = next((types for m, pattern, types in BODY_TYPES
                       if method in m.split("|") and re.fullmatch(pattern, route)), None)
        problem = type_errors(body, schema) if schema else None
        if problem:
            self._reply(400, {"message": problem})
            return None
        return route, query, body

    def _answer(self, status: int, body) -> None:
        """Answer, or (lose_next_answer) do nothing: the work is done, the caller never hears of it."""
        emu = self.emulator
        with emu.lock:
            lose = emu.lose_next_answer > 0 and status < 400
            if lose:
                emu.lose_next_answer -= 1
        if lose:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, body)

    def do_GET(self) -> None:  # noqa: N802
        admitted = self._admit("GET")
        if admitted is None:
            return
        emu = self.emulator
        route, query, _ = admitted
        listings = {"orders": lambda: list(emu.orders.values()), "products": lambda: [emu.product_view(p, self.store_id)
                                             for p in emu.products.values()],
                    "inventory/sources": lambda: list(emu.sources.values()),
                    "inventory/source-items": lambda: list(emu.source_items.values()),
                    "shipments": lambda: list(emu.shipments.values()),
                    "creditmemos": lambda: list(emu.creditmemos.values()),
                    "customers/search": lambda: list(emu.customers.values()),
                    "company": lambda: list(emu.companies.values())}
        if route in listings:
            size = dict(query).get("searchCriteria[pageSize]", "")
            if emu.input_limit is not None and size.isdigit() and int(size) > PAGE_LIMIT:
                self._reply(400, {"message": "Maximum SearchCriteria pageSize is %max",
                                  "parameters": {"max": PAGE_LIMIT}})
                return
            if not any(key.startswith("searchCriteria") for key, _ in query):
                # getList(SearchCriteriaInterface $searchCriteria): the parameter is not optional
                self._reply(400, {"message": '"%fieldName" is required. Enter and try again.',
                                  "parameters": {"fieldName": "searchCriteria"}})
                return
            with emu.lock:
                rows = listings[route]()
            try:
                self._reply(200, search_rows(rows, query))
            except SearchRefused as refused:
                self._reply(refused.status, refused.body)
            return
        match = re.fullmatch(r"company/(\d+)", route)
        if match:
            with emu.lock:
                company = emu.companies.get(int(match.group(1)))
            if company is None:
                self._reply(404, {"message": "No such entity with %fieldName = %fieldValue",
                                  "parameters": {"fieldName": "id", "fieldValue": match.group(1)}})
            else:
                self._reply(200, company)
            return
        match = re.fullmatch(r"directory/countries/(\w+)", route)
        if match:
            code = match.group(1).upper()
            if code not in COUNTRIES:
                self._reply(404, {"message": "Requested country is not available."})
            else:
                self._reply(200, {"id": code, "two_letter_abbreviation": code, "full_name_english": code,
                                  **({"available_regions": COUNTRIES[code]} if COUNTRIES[code] else {})})
            return
        match = re.fullmatch(r"orders/(\d+)", route)
        if match:
            with emu.lock:
                order = emu.orders.get(int(match.group(1)))
            if order is None:
                self._reply(404, {"message": "The entity that was requested doesn't exist. Verify the entity and "
                                             "try again."})
            else:
                self._reply(200, order)
            return
        self._reply(404, {"message": "Request does not match any route."})

    def do_POST(self) -> None:  # noqa: N802
        admitted = self._admit("POST")
        if admitted is None:
            return
        emu = self.emulator
        route, _, body = admitted
        lists = {"inventory/source-items": "sourceItems", "products/base-prices": "prices"}
        entities = body.get(lists[route]) if route in lists and isinstance(body, dict) else None
        if emu.input_limit is not None and isinstance(entities, list) and len(entities) > emu.input_limit:
            self._reply(400, {"message": 'Maximum items of type "%type" is %max',
                              "parameters": {"type": lists[route], "max": emu.input_limit}})
            return
        if route == "inventory/source-items":
            self._answer(*emu.save_source_items(entities))
            return
        match = re.fullmatch(r"order/(\d+)/ship", route)
        if match:
            self._answer(*emu.ship(int(match.group(1)), body))
            return
        if route == "products/base-prices":
            self._answer(200, emu.base_prices(body))
            return
        if route == "customers":
            self._answer(*emu.create_customer(body))
            return
        if route == "company":
            self._answer(*emu.save_company("POST", body))
            return
        self._reply(404, {"message": "Request does not match any route."})

    def do_PUT(self) -> None:  # noqa: N802
        admitted = self._admit("PUT")
        if admitted is None:
            return
        route, _, body = admitted
        match = re.fullmatch(r"products/([^/]+)", route)
        if match:
            self._answer(*self.emulator.put_product(unquote(match.group(1)), body, self.store_id))
            return
        match = re.fullmatch(r"company/(\d+)", route)
        if match:
            self._answer(*self.emulator.save_company("PUT", body, int(match.group(1))))
            return
        self._reply(404, {"message": "Request does not match any route."})


    def do_DELETE(self) -> None:  # noqa: N802
        self._admit("DELETE")  # no DELETE route is served: _admit answers Magento's 404

    def do_PATCH(self) -> None:  # noqa: N802
        self._admit("PATCH")


MagentoEmulator.handler = _Handler
