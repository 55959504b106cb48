"""The Shopware 6 Admin API: changed orders (reconcile), order look-ups, and the writes of the stock,
shipments and products flows (core/platforms/shopware/flows.py).

    client = client_for(shop)                 # "<access key id>:<secret access key>" from shop.api_token_setting
    for order in client.orders_updated_between(since, until):
        ...                                   # the order entity with the associations parse_order reads
    client.order(order_id)                    # one order, None when it does not exist
    client.customer(customer_id)              # one customer with its addresses, None when it does not exist
    client.customers_updated_between(since, until)     # customers changed (else created) in the window
    client.products_by_number(["SW1", …])     # productNumber → product (id, stock, price, tax, parentId)
    client.sync({"<key>": {"entity", "action", "payload"}})  # POST /api/_action/sync: (status, answer)
    client.update_delivery(id, {"trackingCodes": […]}); client.transition_delivery(id, "ship")

Associations: from 6.6 Shopware answers `null` for every association the criteria does not name, among
them `deliveries.stateMachineState` and `deliveries.shippingOrderAddress` (contract §6, shopware#3717), so
ASSOCIATIONS names every one the parser and the shipment writer read, nested ones included.

Auth: an integration (Settings > System > Integrations) gives an access key id and secret; `POST
/api/oauth/token {"grant_type": "client_credentials", "client_id", "client_secret"}` returns a Bearer token
valid `expires_in` seconds (600 by default). The token is kept until shortly before it expires; a 401 on an
API call fetches a new one once (the shop may have been restarted or the token revoked), a second 401 is
NeedsAttention. Requests send `Accept: application/json` (else Shopware answers JSON:API).

Orders: `POST /api/search/order` with a criteria. Shopware leaves `updatedAt` null until an order is first
changed, so the window is read in two passes: orders whose `updatedAt` is in [since, until), then orders
never updated (`updatedAt` null) whose `createdAt` is in it. Each pass sorts by the timestamp and `id`, and
after each full page starts again from the last timestamp (`gte`), skipping the ids already yielded at that
instant (page numbers would shift when an order changes while we read); `page` only advances while a whole
page shares one instant. 429, 5xx and transport errors are retried with back-off (core/platforms/http.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_key_pair

TOKEN_MARGIN = 30  # seconds before expiry when a new token is fetched
MAX_PAGE = 500

# every association parse_order and the shipment writer read; 6.6 answers null for any not named here
ASSOCIATIONS = {
    "currency": {},
    "lineItems": {},
    "deliveries": {"associations": {
        "stateMachineState": {},  # the delivery state: null in 6.6 unless asked for (shopware#3717)
        "shippingMethod": {},
        "shippingOrderAddress": {"associations": {"country": {}, "countryState": {}}},
    }},
    "transactions": {"associations": {"paymentMethod": {}, "stateMachineState": {}}},
    "orderCustomer": {"associations": {"customer": {}}},
    "billingAddress": {"associations": {"country": {}, "countryState": {}}},
    "stateMachineState": {},
}
_ADDRESS = {"associations": {"country": {}, "countryState": {}}}
CUSTOMER_ASSOCIATIONS = {"defaultBillingAddress": _ADDRESS, "defaultShippingAddress": _ADDRESS, "addresses": _ADDRESS}
PRODUCT_ASSOCIATIONS = {"tax": {}}  # the tax rate turns a BC price into Shopware's gross and net
NUMBERS_PER_SEARCH = 100  # product numbers per equalsAny lookup


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> ShopwareClient:
    """A client for `shop`; `shop.api_token_setting` names the setting holding "<access key id>:<secret>"."""
    name, client_id, secret = api_key_pair(
        shop, settings, what='"<access key id>:<secret access key>" of a Shopware integration',
        how_to_get="Settings > System > Integrations, with read access to orders")
    client = ShopwareClient(shop.url, client_id, secret, credentials_setting=name, **options)
    client.shop = shop  # the writers read the shop's options (products.prices_include_tax)
    return client


def shopware_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _at(order: dict, field: str) -> datetime | None:
    value = order.get(field)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC) if value else None


class ShopwareClient:
    def __init__(self, base_url: str, client_id: str, client_secret: str, *,
                 credentials_setting: str = "the API credentials setting", page_size: int = 100,
                 timeout: float = 30.0, max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self._credentials = {"grant_type": "client_credentials", "client_id": client_id,
                             "client_secret": client_secret}
        self._setting = credentials_setting
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock
        self._token: tuple[str, float] | None = None  # access token, expiry on self._clock
        self.shop: Shop | None = None
        self.base_url = base_url.rstrip("/")
        self.tokens_fetched = 0
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ShopwareClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- auth and HTTP ----

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        return http_retry.send(self._http, method, path, shop_name="Shopware", max_attempts=self._max_attempts,
                               sleep=self._sleep, **kwargs)

    def _access_token(self, renew: bool = False) -> str:
        if not renew and self._token is not None and self._clock() < self._token[1]:
            return self._token[0]
        response = self._send("POST", "/api/oauth/token", json=self._credentials)
        if response.status_code in (400, 401, 403):
            raise NeedsAttention(
                f"Shopware refused the integration credentials ({response.status_code} {_error(response)}).",
                resolution=f"check that {self._setting} holds \"<access key id>:<secret access key>\" of an "
                "existing integration (Settings > System > Integrations)", code="shop_auth_failed")
        if response.status_code >= 400:
            raise _api_error(response, "POST", "/api/oauth/token")
        answer = response.json()
        self.tokens_fetched += 1
        lifetime = float(answer.get("expires_in") or 600)
        self._token = (answer["access_token"], self._clock() + max(lifetime - TOKEN_MARGIN, lifetime / 2))
        return self._token[0]

    def _request(self, method: str, path: str, *, answered: tuple[int, ...] = (404,),
                 headers: dict | None = None, **kwargs) -> httpx.Response:
        """The response; 401/403 and other 4xx (but `answered`) raise NeedsAttention."""
        for renew in (False, True):
            sent = {**(headers or {}), "Authorization": f"Bearer {self._access_token(renew=renew)}"}
            response = self._send(method, path, headers=sent, **kwargs)
            if response.status_code != 401:
                break
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Shopware refused the API call {method} {path} ({response.status_code} {_error(response)}).",
                resolution=f"give the integration of {self._setting} the Administrator role (or read access to "
                "orders and write access to products and order deliveries, for the flows it serves) in "
                "Settings > System > Integrations", code="shop_auth_failed")
        if response.status_code >= 400 and response.status_code not in answered:
            raise _api_error(response, method, path)
        return response

    # ---- orders ----

    def search_orders(self, criteria: dict) -> dict:
        """`POST /api/search/order` with `criteria` (associations added): {"total", "data": [...]}."""
        body = {"associations": ASSOCIATIONS, **criteria}
        return self._request("POST", "/api/search/order", json=body).json()

    def search(self, entity: str, criteria: dict) -> dict:
        """`POST /api/search/<entity>` (entity with dashes, e.g. "order-delivery"): {"total", "data": [...]}."""
        return self._request("POST", f"/api/search/{entity}", json=criteria).json()

    def order(self, order_id: str) -> dict | None:
        answer = self.search_orders({"ids": [order_id], "limit": 1})
        data = answer.get("data") or []
        return data[0] if data else None

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order changed (else created) in [since, until), oldest first, with its associations."""
        return self._changed_between(self.search_orders, since, until)

    def customers_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every customer changed (else created: Shopware leaves updatedAt null until the first change) in
        [since, until), oldest first, with its addresses: the entity parse_customer reads (POST
        /api/search/customer, the same range filters as orders)."""
        def search(criteria: dict) -> dict:
            return self.search("customer", {**criteria, "associations": CUSTOMER_ASSOCIATIONS})
        return self._changed_between(search, since, until)

    def _changed_between(self, search: Callable[[dict], dict], since: datetime, until: datetime) -> Iterator[dict]:
        since_utc, until_utc = since.astimezone(UTC), until.astimezone(UTC)
        yield from self._walk(search, "updatedAt", since_utc, until_utc, [])
        yield from self._walk(search, "createdAt", since_utc, until_utc,
                              [{"type": "equals", "field": "updatedAt", "value": None}])

    def _walk(self, search: Callable[[dict], dict], field: str, since: datetime, until: datetime,
              extra: list[dict]) -> Iterator[dict]:
        boundary, page, seen = since, 1, set()
        upper = shopware_time(until)
        while True:
            criteria = {
                "page": page, "limit": self.page_size, "total-count-mode": 0,
                "filter": [*extra, {"type": "range", "field": field,
                                    "parameters": {"gte": shopware_time(boundary), "lt": upper}}],
                "sort": [{"field": field, "order": "ASC"}, {"field": "id", "order": "ASC"}],
            }
            orders = [o for o in search(criteria).get("data") or [] if isinstance(o, dict)]
            for order in orders:
                moment = _at(order, field)
                if moment is None or moment < since or moment >= until:
                    continue
                if moment == boundary and order.get("id") in seen:
                    continue
                yield order
            if len(orders) < self.page_size:
                return
            last = max(_at(o, field) for o in orders)
            if last == boundary:  # a whole page at one instant: walk the pages of this instant
                seen.update(o.get("id") for o in orders)
                page += 1
            else:
                boundary, page = last, 1
                seen = {o.get("id") for o in orders if _at(o, field) == last}


    def customer(self, customer_id: str) -> dict | None:
        """One customer with its addresses (parse_customer), None when it does not exist."""
        answer = self.search("customer", {"ids": [customer_id], "limit": 1, "associations": CUSTOMER_ASSOCIATIONS})
        data = answer.get("data") or []
        return data[0] if data else None

    # ---- products (stock, prices) ----

    def products_by_number(self, numbers: list[str]) -> dict[str, dict]:
        """productNumber → the product (with its tax) for those of `numbers` the shop has; variants are
        products of their own (with `parentId`). Numbers match whatever their case (MySQL's collation)."""
        found: dict[str, dict] = {}
        wanted = {n.upper(): n for n in numbers}
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), NUMBERS_PER_SEARCH):
            chunk = unique[start:start + NUMBERS_PER_SEARCH]
            criteria = {"limit": len(chunk) * 2, "total-count-mode": 0, "associations": PRODUCT_ASSOCIATIONS,
                        "filter": [{"type": "equalsAny", "field": "productNumber", "value": chunk}]}
            for product in self.search("product", criteria).get("data") or []:
                number = str((product or {}).get("productNumber") or "")
                if number.upper() in wanted:
                    found[wanted[number.upper()]] = product
        return found

    def currency_ids(self) -> dict[str, str]:
        """ISO code → currency id of every currency the shop has."""
        answer = self.search("currency", {"limit": MAX_PAGE, "total-count-mode": 0})
        return {str(c.get("isoCode") or "").upper(): str(c.get("id")) for c in answer.get("data") or []}

    def tax_ids(self) -> dict[str, list[str]]:
        """Tax rate (normalised, "19" / "7.5") → the ids of the shop's taxes with that rate."""
        answer = self.search("tax", {"limit": MAX_PAGE, "total-count-mode": 0})
        found: dict[str, list[str]] = {}
        for tax in answer.get("data") or []:
            rate = tax.get("taxRate") if isinstance(tax, dict) else None
            if isinstance(rate, int | float) and not isinstance(rate, bool):
                found.setdefault(rate_key(rate), []).append(str(tax.get("id")))
        return found

    def sync(self, operations: dict) -> tuple[int, dict]:
        """`POST /api/_action/sync` with keyed operations; (status, answer). A 400 is returned, not raised:
        its `errors[].source.pointer` (/<key>/<row>/<field>) name the rows Shopware refused, and nothing of
        the request was written. Indexing goes to the message queue, so a large batch answers quickly."""
        response = self._request("POST", "/api/_action/sync", json=operations, answered=(400,),
                                 headers={"indexing-behavior": "use-queue-indexing"})
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}

    # ---- order deliveries (shipments) ----

    def update_delivery(self, delivery_id: str, body: dict) -> bool:
        """`PATCH /api/order-delivery/{id}`; False when the delivery does not exist."""
        return self._request("PATCH", f"/api/order-delivery/{delivery_id}", json=body).status_code != 404

    def transition_delivery(self, delivery_id: str, transition: str) -> tuple[int, dict]:
        """`POST /api/_action/order_delivery/{id}/state/{transition}`; (status, answer). A 400 (a transition
        the delivery's state does not allow) is returned for the caller to read the delivery again."""
        response = self._request("POST", f"/api/_action/order_delivery/{delivery_id}/state/{transition}",
                                 json={}, answered=(400, 404))
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}


def rate_key(rate) -> str:
    """A tax rate as a key that compares 19, 19.0 and "19.00" equal."""
    from decimal import Decimal

    return format(Decimal(str(rate)).normalize(), "f")


def _error(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("code") or first.get("title") or first.get("detail") or "")


def _api_error(response: httpx.Response, method: str, path: str) -> NeedsAttention:
    return NeedsAttention(
        f"Shopware answered {response.status_code} {_error(response)} to {method} {path}: {response.text[:300]}",
        resolution="check the shop URL (the Admin API lives under /api) and the Shopware version (6.4+); if it "
        "persists, report it with this message", code="shop_api_error")
