"""A Magento 2 REST API over real HTTP: what the bridge's client calls, and what Magento refuses there.

    emu = MagentoEmulator(access_token="integration-token").start()
    emu.add_order(emu.make_order(entity_id=1, updated=datetime(...)))
    emu.base_url                                # http://127.0.0.1:<port>

Auth: `Authorization: Bearer <access_token>`; anything else → 401 `{"message": "The consumer isn't
authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}}`.

Endpoints:
- `GET /rest/V1/orders` — searchCriteria: `filter_groups[g][filters][f][field|value|condition_type]`
  (filters of one group are ORed, groups ANDed; conditions eq, neq, gt, gteq, lt, lteq; fields compared as
  strings, which orders "Y-m-d H:i:s" correctly), `sortOrders[n][field|direction]`, `pageSize`,
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
  Refused [U: messages from memory of Magento's ShipOrder validators]: an order that cannot ship (canceled,
  closed, complete, holded) → 400 "A shipment cannot be created when an order has a status of
  %1"; an item not in the order, more than its unshipped quantity, or an unknown source code → 400
  "Shipment Document Validation Error(s): …"; no such order → 404.
- `GET /rest/V1/shipments` (searchCriteria on order_id): shipments with `items`, `tracks`, `comments`.
- `POST /rest/V1/products/base-prices {"prices": [{price, store_id, sku}]}` → `[]` or per-item errors
  `{message, parameters}` for the rows not saved; the valid rows are saved (contract §5 [V: M6]; messages
  and parameters [U]).
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

import json
import re
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.loopback import LoopbackServer

PREFIX = "/rest/V1/"
_CRITERIA = re.compile(r"^searchCriteria\[(\w+)\](.*)$")
_INDEX = re.compile(r"\[(\w+)\]")
_CONDITIONS = {"eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "gt": lambda a, b: a > b,
               "gteq": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lteq": lambda a, b: a <= b,
               "in": lambda a, b: a in b.split(",")}


def magento_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class MagentoEmulator(LoopbackServer):
    name = "magento-emulator"

    def __init__(self, access_token: str = "integration-token"):  # noqa: S107
        self.access_token = access_token
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.products: dict[str, dict] = {}  # sku → product row
        self.sources: dict[str, dict] = {"default": {"source_code": "default", "name": "Default Source",
                                                     "enabled": True, "country_id": "US", "postcode": "00000"}}
        self.source_items: dict[tuple[str, str], dict] = {}  # (sku, source_code) → row
        self.shipments: dict[int, dict] = {}
        self.creditmemos: dict[int, dict] = {}
        self.product_puts: list[dict] = []
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
                       "base_price": float(price), "row_total": row, "base_row_total": row,
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
        body = body if isinstance(body, dict) else {}
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return 404, {"message": "The entity that was requested doesn't exist. Verify the entity and try "
                                        "again."}
            if order.get("state") in ("canceled", "closed", "complete", "holded"):
                return 400, {"message": "A shipment cannot be created when an order has a status of %1",
                             "parameters": [order.get("status") or order.get("state")]}
            items = {int(i["item_id"]): i for i in order["items"]}
            wanted = body.get("items") or [{"order_item_id": i, "qty": _open(row)} for i, row in items.items()
                                           if _open(row) > 0]
            problems = []
            for row in wanted:
                item = items.get(int(row.get("order_item_id") or 0))
                if item is None:
                    problems.append(f"The order does not contain order item with id {row.get('order_item_id')}.")
                elif float(row.get("qty") or 0) <= 0 or float(row["qty"]) > _open(item):
                    problems.append(f"The quantity to ship of order item {item['item_id']} is more than it has "
                                    "left to ship.")
            arguments = body.get("arguments") if isinstance(body.get("arguments"), dict) else {}
            extension = arguments.get("extension_attributes") if isinstance(arguments.get("extension_attributes"),
                                                                            dict) else {}
            source = str(extension.get("source_code") or "default")
            if source not in self.sources:
                problems.append(f'Source with code "{source}" does not exist.')
            if problems:
                return 400, {"message": "Shipment Document Validation Error(s):\n" + "\n".join(problems)}
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
        rows = body.get("prices") if isinstance(body, dict) else None
        errors = []
        with self.lock:
            self.base_price_calls.append(list(rows or []))
            for row in rows or []:
                sku = str(row.get("sku") or "")
                if sku not in self.products:
                    errors.append({"message": "Requested product doesn't exist. SKU: %SKU.",
                                   "parameters": {"SKU": sku}})
                elif not _numeric(row.get("price")) or float(row["price"]) < 0:
                    errors.append({"message": "Invalid attribute %fieldName = %fieldValue.",
                                   "parameters": {"fieldName": "Price", "fieldValue": str(row.get("price")),
                                                  "SKU": sku}})
                elif int(row.get("store_id", -1)) != 0:
                    errors.append({"message": "Requested store is not found. Row ID: SKU = %SKU, Store ID: "
                                              "%storeId.", "parameters": {"SKU": sku,
                                                                          "storeId": str(row.get("store_id"))}})
                else:
                    self.products[sku]["price"] = float(row["price"])
        return errors

    def put_product(self, sku: str, body) -> tuple[int, dict]:
        fields = body.get("product") if isinstance(body, dict) and isinstance(body.get("product"), dict) else {}
        with self.lock:
            self.product_puts.append(fields)
            product = self.products.get(sku)
            if product is None:
                return 404, {"message": "The product that was requested doesn't exist. Verify the product and try "
                                        "again."}
            if "status" in fields and int(fields["status"]) not in (1, 2):
                return 400, {"message": 'Invalid attribute value for "status".'}
            product.update({k: v for k, v in fields.items() if k in ("name", "status", "price")})
            return 200, json.loads(json.dumps(product))

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


def _value(row: dict, field: str) -> str:
    value = row.get(field, "")
    return "" if value is None else str(value)


def search_rows(rows: list[dict], query: list[tuple[str, str]]) -> dict:
    """Magento's searchCriteria over rows: filters of one group ORed, groups ANDed; `in` takes a comma list."""
    groups: dict[str, dict[str, dict]] = {}
    sorts: dict[str, dict] = {}
    page_size, current = 20, 1
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
            page_size = int(value)
        elif kind == "currentPage":
            current = int(value)
    found = [r for r in rows if all(
        any(_CONDITIONS[f.get("condition_type", "eq")](_value(r, f["field"]), f.get("value", ""))
            for f in group.values()) for group in groups.values())]
    for key in sorted(sorts, key=int, reverse=True):  # stable sorts, least significant first
        field, descending = sorts[key]["field"], sorts[key].get("direction", "ASC").upper() == "DESC"
        found.sort(key=lambda r, f=field: (_value(r, f).zfill(20) if f.endswith("_id") or f == "id"
                                           else _value(r, f)), reverse=descending)
    last_page = max(1, -(-len(found) // page_size))
    page = min(current, last_page)  # Magento answers a page beyond the end with the last page
    items = found[(page - 1) * page_size: page * page_size]
    return {"items": json.loads(json.dumps(items)), "search_criteria": {"current_page": current,
                                                                      "page_size": page_size},
            "total_count": len(found)}


class _Handler(BaseHTTPRequestHandler):
    emulator: MagentoEmulator

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
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with emu.lock:
            emu.requests.append({"method": method, "path": url.path, "query": dict(query)})
        if self.headers.get("Authorization") != f"Bearer {emu.access_token}":
            with emu.lock:
                emu.unauthorized += 1
            self._reply(401, {"message": "The consumer isn't authorized to access %resources.",
                              "parameters": {"resources": "Magento_Sales::actions_view"}})
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
        if not url.path.startswith(PREFIX):
            self._reply(404, {"message": "Request does not match any route."})
            return None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._reply(400, {"message": "Decoding error: \nSyntax error"})
            return None
        return url.path[len(PREFIX):].strip("/"), query, body

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
        listings = {"orders": lambda: list(emu.orders.values()), "products": lambda: list(emu.products.values()),
                    "inventory/sources": lambda: list(emu.sources.values()),
                    "inventory/source-items": lambda: list(emu.source_items.values()),
                    "shipments": lambda: list(emu.shipments.values()),
                    "creditmemos": lambda: list(emu.creditmemos.values()),
                    "customers/search": lambda: list(emu.customers.values()),
                    "company": lambda: list(emu.companies.values())}
        if route in listings:
            with emu.lock:
                rows = listings[route]()
            self._reply(200, search_rows(rows, query))
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
        if route == "inventory/source-items":
            items = body.get("sourceItems") if isinstance(body, dict) else None
            self._answer(*emu.save_source_items(items))
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
            self._answer(*self.emulator.put_product(unquote(match.group(1)), body))
            return
        match = re.fullmatch(r"company/(\d+)", route)
        if match:
            self._answer(*self.emulator.save_company("PUT", body, int(match.group(1))))
            return
        self._reply(404, {"message": "Request does not match any route."})


MagentoEmulator.handler = _Handler
