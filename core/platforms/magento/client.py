"""The Magento 2 / Adobe Commerce REST API: changed orders and order look-ups (reconcile), MSI source items
(stock), shipments, base prices and product fields (products), credit memos (refunds reconcile).

    client = client_for(shop)                 # integration access token from shop.api_token_setting
    for order in client.orders_updated_between(since, until):
        ...                                   # the REST order entity (what I/O Events carries in data.value)
    client.order(entity_id)                   # one order, None when it does not exist
    client.source_codes()                     # {source code: enabled} (GET /V1/inventory/sources)
    client.products_by_sku(skus)              # {sku: product row} (GET /V1/products, sku `in`)
    client.save_source_items(rows)            # POST /V1/inventory/source-items → [] or SourceItemsRefused
    client.shipments_of(order_id)             # GET /V1/shipments, order_id eq
    client.ship(order_id, body)               # POST /V1/order/{id}/ship → shipment id
    client.update_base_prices(rows)           # POST /V1/products/base-prices → per-item errors
    client.update_product(sku, fields)        # PUT /rest/all/V1/products/{sku} (name, status; global values)
    client.creditmemos_created_between(since, until)   # GET /V1/creditmemos, created_at window
    client.customer_by_email(email)           # GET /V1/customers/search, email eq (B2B companies' admin)
    client.customers_updated_between(since, until)     # GET /V1/customers/search, updated_at window (reconcile)
    client.create_customer(customer)          # POST /V1/customers
    client.country(code)                      # GET /V1/directory/countries/{code} (regions)
    client.company(company_id)                # GET /V1/company/{id}, None when gone (Adobe Commerce B2B)
    client.company_by_email(email)            # GET /V1/company, company_email eq
    client.create_company(company)            # POST /V1/company
    client.update_company(company_id, company)    # PUT /V1/company/{id} (the whole company)

Orders: `GET /rest/V1/orders` with searchCriteria: filter group 0 `updated_at gteq since`, filter group 1
`updated_at lt until` (groups are ANDed), sorted by `updated_at` then `entity_id` ascending, `pageSize`,
`currentPage`. Times are UTC "Y-m-d H:i:s" (whole seconds, like Magento's columns). Two things shape the
loop:
- page numbers shift when an order changes while we read (it moves to the end of the sort), so after each
  full page the next request starts again at the last page's `updated_at` (gteq), skipping the ids already
  yielded at that second; `currentPage` only advances while a whole page shares one second;
- Magento answers a `currentPage` beyond the last page with the last page again, so the loop stops on
  `total_count`, never on an empty page.
Orders are filtered to since ≤ updated_at < until. Memory: one page plus the ids of one second.

Auth: the integration's access token as `Authorization: Bearer …`. Since 2.4.4 that needs
Stores > Configuration > Services > OAuth > Consumer Settings > "Allow OAuth Access Tokens to be used as
standalone Bearer tokens" (`oauth/consumer/enable_integration_as_bearer = 1`). 401/403 → NeedsAttention;
429, 5xx and transport errors are retried with back-off (core/platforms/http.py), then Retryable. The token
is never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_token

API_PREFIX = "/rest/V1"
# /rest/all/V1 answers in the admin store (Magento_Webapi's PathProcessor): a product saved there keeps its values
# global, where /rest/V1 (the default store view) would write them as that view's overrides (magento2 #9186)
ALL_STORES_PREFIX = "/rest/all/V1"
MAX_PAGE = 300  # Adobe's documented page cap when input limits are on
LOOKUP_CHUNK = 50  # SKUs per `in` filter: keeps the query string well under URL limits


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> MagentoClient:
    """A client for `shop`; `shop.api_token_setting` names the setting holding the integration access token."""
    name, token = api_token(shop, settings, what="the access token of a Magento integration",
                            how_to_get="System > Extensions > Integrations, resources Sales > Operations > Orders")
    return MagentoClient(shop.url, token, token_setting=name, **options)


def magento_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _updated(order: dict) -> datetime:
    return datetime.fromisoformat(str(order.get("updated_at") or order["created_at"])).replace(tzinfo=UTC)


class MagentoClient:
    def __init__(self, base_url: str, access_token: str, *, token_setting: str = "", page_size: int = 100,
                 timeout: float = 30.0, max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self._setting = token_setting or "the shop's API token setting"
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._all_stores = base_url.rstrip("/") + ALL_STORES_PREFIX
        self._http = httpx.Client(base_url=base_url.rstrip("/") + API_PREFIX, transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"Authorization": f"Bearer {access_token}",
                                           "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MagentoClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, path: str, *, answer: tuple[int, ...] = (), attempts: int | None = None,
                 **kwargs) -> httpx.Response:
        """The response; 401/403 and other 4xx (but 404 and the statuses in `answer`) → NeedsAttention."""
        response = http_retry.send(self._http, method, path, shop_name="Magento",
                                   max_attempts=attempts or self._max_attempts,
                                   sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Magento refused the API token ({response.status_code}: {_message(response)}).",
                resolution=f"check that {self._setting} holds the access token of an active integration with "
                "access to Sales > Operations > Orders (and, per flow, Shipments, Credit Memos, Catalog > Products, "
                "Stores > Inventory > Sources, Customers > All Customers and Companies for B2B companies), and "
                "that Stores > Configuration > Services > OAuth > "
                "Consumer Settings allows access tokens as standalone Bearer tokens (Magento 2.4.4+)",
                code="shop_auth_failed")
        if response.status_code >= 400 and response.status_code != 404 and response.status_code not in answer:
            raise NeedsAttention(
                f"Magento answered {response.status_code} to {method} {path}: {_message(response)}",
                resolution="check the shop URL (the REST API lives under /rest/V1) and the integration's "
                "resources; if it persists, report it with this message", code="shop_api_error")
        return response

    def order(self, order_id: int | str) -> dict | None:
        """The REST order entity, or None when Magento has no order with this entity id."""
        response = self._request("GET", f"/orders/{order_id}")
        if response.status_code == 404:
            return None
        return response.json()

    def _page(self, since_second: datetime, before: str, page: int, path: str = "/orders") -> dict:
        prefix = "searchCriteria"
        params = {
            f"{prefix}[filter_groups][0][filters][0][field]": "updated_at",
            f"{prefix}[filter_groups][0][filters][0][value]": magento_time(since_second),
            f"{prefix}[filter_groups][0][filters][0][condition_type]": "gteq",
            f"{prefix}[filter_groups][1][filters][0][field]": "updated_at",
            f"{prefix}[filter_groups][1][filters][0][value]": before,
            f"{prefix}[filter_groups][1][filters][0][condition_type]": "lt",
            f"{prefix}[sortOrders][0][field]": "updated_at",
            f"{prefix}[sortOrders][0][direction]": "ASC",
            f"{prefix}[sortOrders][1][field]": "entity_id",
            f"{prefix}[sortOrders][1][direction]": "ASC",
            f"{prefix}[pageSize]": str(self.page_size),
            f"{prefix}[currentPage]": str(page),
        }
        response = self._request("GET", path, params=params)
        if response.status_code == 404:
            raise NeedsAttention(f"Magento answered 404 to GET /rest/V1{path}.",
                                 resolution="check the shop URL: it must be the store's base URL, without /rest",
                                 code="shop_api_error")
        return response.json()

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order with since ≤ updated_at < until, oldest change first, as the REST entity."""
        return self._updated_between("/orders", "entity_id", since, until)

    def customers_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every customer with since ≤ updated_at < until (GET /V1/customers/search, the same searchCriteria
        as orders: CustomerInterface carries updated_at), oldest change first, as the REST customer the
        customers flow parses."""
        return self._updated_between("/customers/search", "id", since, until)

    def _updated_between(self, path: str, id_key: str, since: datetime, until: datetime) -> Iterator[dict]:
        """Every item of a searchCriteria listing with since ≤ updated_at < until, walked as the module
        docstring says (orders and customers alike; `id_key` names the item's id)."""
        since_utc, until_utc = since.astimezone(UTC), until.astimezone(UTC)
        boundary = since_utc.replace(microsecond=0)
        # `lt` on whole seconds: the first whole second not before `until`
        before = magento_time(until_utc + timedelta(seconds=1) if until_utc.microsecond else until_utc)
        seen_at_boundary: set[str] = set()
        page = 1
        while True:
            answer = self._page(boundary, before, page, path)
            items = [o for o in answer.get("items") or [] if isinstance(o, dict)]
            total = int(answer.get("total_count") or 0)
            for item in items:
                updated = _updated(item)
                if updated < since_utc or updated >= until_utc or updated < boundary:
                    continue
                if updated == boundary and str(item.get(id_key)) in seen_at_boundary:
                    continue
                yield item
            if page * self.page_size >= total or len(items) < self.page_size:
                return
            last = max(_updated(o) for o in items)
            if last == boundary:  # a whole page within one second: walk the pages of this second
                seen_at_boundary.update(str(o.get(id_key)) for o in items)
                page += 1
            else:
                boundary, page = last, 1
                seen_at_boundary = {str(o.get(id_key)) for o in items if _updated(o) == last}

    # ---- search helpers ----

    def _search_all(self, path: str, filters: list[tuple[str, str, str]], sort: str) -> Iterator[dict]:
        """Every item of a searchCriteria listing (filters ANDed, one group each), sorted by `sort` ascending.
        Stops on `total_count` (Magento repeats the last page for a page beyond the end)."""
        page = 1
        while True:
            params = _criteria(filters, sort, self.page_size, page)
            response = self._request("GET", path, params=params)
            if response.status_code == 404:
                raise NeedsAttention(f"Magento answered 404 to GET /rest/V1{path}.",
                                     resolution="check the shop URL (the store's base URL, without /rest) and that "
                                                "the Magento module serving it is enabled", code="shop_api_error")
            answer = response.json()
            items = [i for i in answer.get("items") or [] if isinstance(i, dict)]
            yield from items
            if page * self.page_size >= int(answer.get("total_count") or 0) or len(items) < self.page_size:
                return
            page += 1

    # ---- stock: MSI sources and source items ----

    def source_codes(self) -> dict[str, bool]:
        """Every inventory source: {source_code: enabled}."""
        return {str(s.get("source_code")): bool(s.get("enabled", True))
                for s in self._search_all("/inventory/sources", [], "source_code")}

    def products_by_sku(self, skus: list[str]) -> dict[str, dict]:
        """{sku: {"id", "sku", "type_id", "price", "name", "status"}} for the SKUs Magento has (50 per call)."""
        found: dict[str, dict] = {}
        for start in range(0, len(skus), LOOKUP_CHUNK):
            chunk = [s for s in skus[start:start + LOOKUP_CHUNK] if "," not in s]  # `in` splits on commas
            if not chunk:
                continue
            for product in self._search_all("/products", [("sku", ",".join(chunk), "in")], "entity_id"):
                found[str(product.get("sku"))] = product
        # a SKU with a comma cannot go into an `in` filter: one `eq` call each
        for sku in (s for s in skus if "," in s):
            for product in self._search_all("/products", [("sku", sku, "eq")], "entity_id"):
                found[str(product.get("sku"))] = product
        return found

    def save_source_items(self, rows: list[dict]) -> None:
        """POST /V1/inventory/source-items: all rows saved, or none (Magento validates the whole list first).
        A refusal raises SourceItemsRefused with Magento's message and its per-item errors."""
        response = self._request("POST", "/inventory/source-items", json={"sourceItems": rows}, answer=(400,))
        if response.status_code == 404:
            raise NeedsAttention("Magento answered 404 to POST /rest/V1/inventory/source-items.",
                                 resolution="enable Magento's Inventory (MSI) modules, or check the shop URL",
                                 code="magento_msi_missing")
        if response.status_code == 400:
            body = _json(response)
            raise SourceItemsRefused(_message(response), [e for e in (body.get("errors") or [])
                                                          if isinstance(e, dict)] if isinstance(body, dict) else [])

    def source_items(self, skus: list[str]) -> list[dict]:
        """The source items of these SKUs (read back after a write, and by tests)."""
        rows: list[dict] = []
        for start in range(0, len(skus), LOOKUP_CHUNK):
            rows += self._search_all("/inventory/source-items",
                                     [("sku", ",".join(skus[start:start + LOOKUP_CHUNK]), "in")], "sku")
        return rows

    # ---- shipments ----

    def shipments_of(self, order_id: str) -> list[dict]:
        """Every shipment of an order, with its `tracks` and `comments`."""
        return list(self._search_all("/shipments", [("order_id", str(order_id), "eq")], "entity_id"))

    def ship(self, order_id: str, body: dict) -> str:
        """POST /V1/order/{id}/ship; the new shipment's id. Magento's refusal → NeedsAttention (shop_rejected).
        Sent once: a lost answer or a 5xx is Retryable at once, never re-sent blind (it would ship twice);
        the caller looks for the shipment before trying again."""
        response = self._request("POST", f"/order/{order_id}/ship", json=body, answer=(400,), attempts=1)
        if response.status_code in (400, 404):
            raise NeedsAttention(
                f"Magento refused the shipment of order {order_id}: {_message(response)}",
                resolution="check the order in Magento (cancelled, on hold, shipped by hand, or an item already "
                           "shipped?); ship the rest there by hand, or retry this record once the order allows it",
                code="shop_rejected")
        return str(_json(response)).strip('"')

    # ---- products and prices ----

    def update_base_prices(self, rows: list[dict]) -> list[dict]:
        """POST /V1/products/base-prices {"prices": [{sku, price, store_id}]}; Magento's per-item errors
        (`[]` when every price was saved)."""
        response = self._request("POST", "/products/base-prices", json={"prices": rows})
        if response.status_code == 404:
            raise NeedsAttention("Magento answered 404 to POST /rest/V1/products/base-prices.",
                                 resolution="check the shop URL; the endpoint exists since Magento 2.2",
                                 code="shop_api_error")
        body = _json(response)
        return [e for e in body if isinstance(e, dict)] if isinstance(body, list) else []

    def update_product(self, sku: str, fields: dict) -> dict | None:
        """PUT /rest/all/V1/products/{sku} with only `fields` (name, status): the saved product, None when gone.
        Through `all` the values are the global ones every store view inherits."""
        response = self._request("PUT", f"{self._all_stores}/products/{quote(sku, safe='')}",
                                 json={"product": {"sku": sku, **fields}}, answer=(400,))
        if response.status_code == 404:
            return None
        if response.status_code == 400:
            raise NeedsAttention(f"Magento refused the update of product {sku}: {_message(response)}",
                                 resolution="check the product in Magento (Catalog > Products) and retry",
                                 code="shop_rejected")
        return _json(response)

    # ---- credit memos ----

    def creditmemos_created_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Credit memos with since ≤ created_at < until (whole seconds, UTC), oldest first."""
        before = magento_time(until + timedelta(seconds=1) if until.microsecond else until)
        for memo in self._search_all("/creditmemos", [("created_at", magento_time(since.replace(microsecond=0)),
                                                       "gteq"), ("created_at", before, "lt")], "entity_id"):
            created = _updated({"created_at": memo.get("created_at")}) if memo.get("created_at") else None
            if created is not None and since.astimezone(UTC) <= created < until.astimezone(UTC):
                yield memo


    # ---- B2B companies (Adobe Commerce B2B, companyCompanyRepositoryV1) ----
    # AdobeDocs commerce-webapi src/pages/rest/b2b/company-object.md (POST/PUT/GET /V1/company) and
    # company-users.md (a company user is a customer with extension_attributes.company_attributes).

    def customer_by_email(self, email: str) -> dict | None:
        """The customer with this e-mail (unique per website in Magento), None when there is none."""
        return next(iter(self._search_all("/customers/search", [("email", email, "eq")], "entity_id")), None)

    def create_customer(self, customer: dict) -> dict:
        """POST /V1/customers {"customer": …}: the new customer. Refused (a duplicate e-mail, a required
        field) → NeedsAttention. Sent once: a lost answer is found by e-mail on the next run."""
        response = self._request("POST", "/customers", json={"customer": customer}, answer=(400,), attempts=1)
        if response.status_code in (400, 404):
            raise NeedsAttention(f"Magento refused to create the company admin {customer.get('email')}: "
                                 f"{_refusal(response)}",
                                 resolution="fix what Magento names on the BC customer (its e-mail), or create the "
                                            "customer in Magento by hand; the customer is read again next run",
                                 code="shop_rejected")
        return _json(response)

    def country(self, code: str) -> dict | None:
        """GET /V1/directory/countries/{code}: `available_regions` [{id, code, name}] where the country has
        them; None when Magento does not offer the country (directoryCountryInformationAcquirerV1)."""
        response = self._request("GET", f"/directory/countries/{quote(code, safe='')}", answer=(400,))
        if response.status_code in (400, 404):
            return None
        return _json(response)

    def company(self, company_id: int | str) -> dict | None:
        response = self._request("GET", f"/company/{company_id}")
        if response.status_code == 404:
            return None
        return _json(response)

    def company_by_email(self, email: str) -> dict | None:
        """The company whose company_email is `email` (Magento refuses a second company with an e-mail in use)."""
        response = self._request("GET", "/company", params=_criteria([("company_email", email, "eq")], "entity_id",
                                                                     self.page_size, 1))
        if response.status_code == 404:
            raise NeedsAttention("Magento has no B2B company API (GET /rest/V1/company answered 404).",
                                 resolution="B2B companies need Adobe Commerce with the B2B extension and Stores > "
                                            "Configuration > General > B2B Features > Enable Company; else set "
                                            "export_to_shop = false in this shop's [shops.customers]",
                                 code="magento_b2b_missing")
        items = _json(response).get("items") if isinstance(_json(response), dict) else None
        return next((i for i in items or [] if isinstance(i, dict)), None)

    def create_company(self, company: dict) -> dict:
        """POST /V1/company: the new company. Sent once (a lost answer is found by company_email next run)."""
        response = self._request("POST", "/company", json={"company": company}, answer=(400,), attempts=1)
        return self._company_answer(response, company, "create")

    def update_company(self, company_id: int | str, company: dict) -> dict:
        """PUT /V1/company/{id} with the whole company (Adobe marks the address, e-mail, admin and customer
        group "required to create or update")."""
        response = self._request("PUT", f"/company/{company_id}", json={"company": {**company, "id": int(company_id)}},
                                 answer=(400,))
        return self._company_answer(response, company, "update")

    @staticmethod
    def _company_answer(response: httpx.Response, company: dict, verb: str) -> dict:
        if response.status_code in (400, 404):
            raise NeedsAttention(
                f"Magento refused to {verb} company {company.get('company_name')}: {_refusal(response)}",
                resolution="fix what Magento names on the BC customer (address, country, e-mail) or on the company "
                           "in Magento (Customers > Companies); the customer is read again next run",
                code="shop_rejected")
        return _json(response)


class SourceItemsRefused(Exception):
    """Magento refused a source-items save: nothing of the list was saved. `errors` are its per-item
    validation errors ({"message", "parameters"}), empty when the refusal names no item ("Could not save
    Source Item": a database constraint, e.g. an unknown source code)."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.message = message
        self.errors = errors


def _criteria(filters: list[tuple[str, str, str]], sort: str, page_size: int, page: int) -> dict[str, str]:
    prefix = "searchCriteria"
    params: dict[str, str] = {}
    for group, (field, value, condition) in enumerate(filters):
        base = f"{prefix}[filter_groups][{group}][filters][0]"
        params.update({f"{base}[field]": field, f"{base}[value]": value, f"{base}[condition_type]": condition})
    params.update({f"{prefix}[sortOrders][0][field]": sort, f"{prefix}[sortOrders][0][direction]": "ASC",
                   f"{prefix}[pageSize]": str(page_size), f"{prefix}[currentPage]": str(page)})
    return params


def _json(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return response.text


def _refusal(response: httpx.Response) -> str:
    """Magento's message with each of its `errors` (an InputException lists every failed check there)."""
    body = _json(response)
    named = [_render(e) for e in body.get("errors") or [] if isinstance(e, dict)] if isinstance(body, dict) else []
    return "; ".join(named) or _message(response)


def _render(error: dict) -> str:
    message = str(error.get("message") or "")
    parameters = error.get("parameters")
    pairs = parameters.items() if isinstance(parameters, dict) else enumerate(
        parameters, 1) if isinstance(parameters, list) else ()
    for key, value in pairs:
        message = message.replace(f"%{key}", str(value))
    return message


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        message = str(body["message"])
        parameters = body.get("parameters")
        # named (%resources) or positional (%1, %2) placeholders
        pairs = parameters.items() if isinstance(parameters, dict) else enumerate(
            parameters, 1) if isinstance(parameters, list) else ()
        for key, value in pairs:
            message = message.replace(f"%{key}", str(value))
        return message
    return response.text[:200]
