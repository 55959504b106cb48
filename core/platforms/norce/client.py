"""The Norce Commerce APIs the bridge calls: the order service (fetch an order), Query (list orders for the
reconcile) and Connect (stock imports, their job logs, delivery notes, order status).

    client = client_for(shop)                   # OAuth client from the setting named by shop.api_token_setting
    node = client.order("1043")                 # GetOrderByBasket: the order of basket 1043, None when none
    for node in client.orders_updated_between(since, until):
        ...                                     # order-service Orders, the shape parse.parse_order reads

Endpoints, all on `shop.url` = `https://{slug}.api-se.norce.tech` [V: N1, N4, N5, N7]:
- token: `POST /identity/1.0/connect/token` (client credentials in the form body, `scope` playground|stage|prod
  from [shops.norce]); tokens live 3600 s and the endpoint allows 3 requests a minute per IP, so a token is
  cached per (URL, client id, scope) in this process until a minute before it expires, and a 401 on a call
  refreshes it once;
- order service 1.1: `GET /commerce/order/1.1/GetOrderByBasket?basketId=` [V: N4]; `GetOrder?id=` [U: N4 lists
  it without its parameters];
- Query 3.0 (OData v4): `GET /commerce/query/3.0/Orders/Orders?$filter=orderDate ge … and orderDate lt …`,
  paged by `@odata.nextLink` until there is none [V: N2, N3]. Query has no order-level "updated" column that the
  documentation verifies, so the reconcile lists orders by **creation** date (`orderDate` [V: N3]): it finds
  orders whose push and event were both missed, not later changes;
- Connect 4.0: `POST Product/ImportOnhands` [V: N6], `POST Product/ImportSkuPriceLists` [V: N11],
  `POST Customer/ImportCompanies` [V: docs.norce.io …/connect/customerservice/openapi/customers/importcompanies],
  `GET Job/Get?id=` and `Job/GetLog?id=` [V for Storm; the /commerce/connect/4.0 path is U: N8],
  `POST Order/CreateDeliveryNote`, `POST Order/SendOrderStatus` [V: N10].

Every call sends `Authorization: Bearer <token>` and, when configured, `ApplicationId` [V: N2]. 429 and 5xx
are retried by the shared `send` (Retry-After honoured), then Retryable; 401/403 → NeedsAttention
"shop_auth_failed"; another 4xx → NeedsAttention "shop_api_error" quoting Norce's answer. Secrets never appear
in a message or log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_key_pair

TOKEN_PATH = "/identity/1.0/connect/token"  # noqa: S105 - a path
ORDER_SERVICE = "/commerce/order/1.1"
QUERY = "/commerce/query/3.0"
CONNECT = "/commerce/connect/4.0"
TOKEN_MARGIN = 60.0  # seconds before expiry a cached token is replaced

# (token URL, client id, scope) → (token, monotonic expiry); safe to drop, it only saves token requests
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> NorceClient:
    """A client for `shop`: `api_token_setting` names the setting holding "client_id:client_secret"."""
    name, client_id, secret = api_key_pair(
        shop, settings, what='"client_id:client_secret" of a Norce API client',
        how_to_get="Norce Admin → API clients (OAuth2 client credentials) for the shop's application")
    return NorceClient(shop.url, client_id, secret, credentials_setting=name, scope=shop.norce.scope,
                       application_id=shop.norce.application_id, account_id=shop.norce.account_id,
                       application_key=shop.norce.application_key, price_list=shop.products.shop_price_list,
                       prices_include_tax=shop.products.prices_include_tax,
                       shop_key=shop.key, **options)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def forget_tokens() -> None:
    """Drop every cached token (tests; a rotated secret is picked up on the next 401 anyway)."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


class NorceClient:
    def __init__(self, url: str, client_id: str, client_secret: str, *, scope: str = "prod",
                 application_id: str = "", account_id: int = 0, application_key: str = "", price_list: str = "",
                 prices_include_tax: bool = False, shop_key: str = "the shop",
                 credentials_setting: str = "the API credentials setting", timeout: float = 30.0,
                 max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.base = url.rstrip("/")
        self.account_id, self.application_key = account_id, application_key
        # the products flow's settings ([shops.products]): the price list code prices go to, and whether the
        # mapped prices include VAT (Norce price imports take prices excluding VAT)
        self.price_list, self.prices_include_tax, self.shop_key = price_list, prices_include_tax, shop_key
        self._client_id, self._secret, self._scope = client_id, client_secret, scope
        self._setting = credentials_setting
        self._max_attempts = max_attempts
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if application_id:
            headers["ApplicationId"] = str(application_id)
        self._http = httpx.Client(transport=transport, headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NorceClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- auth ----

    def _token_key(self) -> tuple[str, str, str]:
        return self.base + TOKEN_PATH, self._client_id, self._scope

    def _token(self, refresh: bool = False) -> str:
        key = self._token_key()
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
            if cached and not refresh and cached[1] > time.monotonic():
                return cached[0]
        response = http_retry.send(
            self._http, "POST", key[0], shop_name="Norce identity", max_attempts=self._max_attempts,
            sleep=self._sleep, data={"grant_type": "client_credentials", "client_id": self._client_id,
                                     "client_secret": self._secret, "scope": self._scope})
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code >= 400 or not isinstance(token, str) or not token:
            raise NeedsAttention(
                f"Norce refused the API client's credentials ({response.status_code} from the token endpoint).",
                resolution=f'check that {self._setting} holds "client_id:client_secret" of an active Norce API '
                f'client and that scope "{self._scope}" in [shops.norce] is the environment it belongs to',
                code="shop_auth_failed")
        try:
            lifetime = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        with _TOKENS_LOCK:
            _TOKENS[key] = (token, time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN))
        return token

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One authenticated call; a 401 refreshes the token once (it may have expired or been revoked)."""
        url = path if path.startswith("http") else self.base + path
        extra = kwargs.pop("headers", {})
        for attempt in (1, 2):
            headers = {**extra, "Authorization": f"Bearer {self._token(refresh=attempt == 2)}"}
            response = http_retry.send(self._http, method, url, shop_name="Norce", max_attempts=self._max_attempts,
                                       sleep=self._sleep, headers=headers, **kwargs)
            if response.status_code != 401:
                break
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Norce refused the call {method} {path.split('?', 1)[0]} ({response.status_code}).",
                resolution=f"check that the API client in {self._setting} may use this API for the application "
                "(ApplicationId in [shops.norce]) and, for Connect, the account (account_id)",
                code="shop_auth_failed")
        return response

    def _answer(self, response: httpx.Response, what: str):
        """The JSON of a 2xx answer; NeedsAttention quoting Norce's answer otherwise."""
        if response.status_code >= 400:
            raise NeedsAttention(
                f"Norce answered {response.status_code} to {what}: {response.text[:300]}",
                resolution="check the shop URL and [shops.norce] (application_id, account_id); if the message "
                "names a field, report it with this message",
                code="shop_api_error")
        return _json(response)

    # ---- orders ----

    def order(self, basket_id: str) -> dict | None:
        """The order-service Order of this basket (`ClientOrderRef`), None when Norce has none."""
        response = self.request("GET", f"{ORDER_SERVICE}/GetOrderByBasket?basketId={quote(str(basket_id))}")
        if response.status_code == 404:
            return None
        body = self._answer(response, "GetOrderByBasket")
        return body if isinstance(body, dict) and body else None

    def order_by_id(self, order_id: str) -> dict | None:
        """The order-service Order with this id (`OrderId`), None when Norce has none [U: GetOrder?id=]."""
        response = self.request("GET", f"{ORDER_SERVICE}/GetOrder?id={quote(str(order_id))}")
        if response.status_code == 404:
            return None
        body = self._answer(response, "GetOrder")
        return body if isinstance(body, dict) and body else None

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order created in [since, until), as order-service Orders (read one by one after the Query
        listing). Query lists by creation date: see the module docstring."""
        query = (f"$filter=orderDate ge {_iso(since)} and orderDate lt {_iso(until)}"
                 "&$select=id,orderNo,orderDate&$orderby=orderDate,id")
        url: str | None = f"{QUERY}/Orders/Orders?{query}"
        seen: set[str] = set()
        while url:
            page = self._answer(self.request("GET", url), "the Query order listing")
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise NeedsAttention("Norce Query answered the order listing without a `value` list.",
                                     resolution="check the shop URL (the Query 3.0 endpoint) and application_id",
                                     code="shop_api_error")
            for row in page["value"]:
                order_id = str((row or {}).get("id") or "") if isinstance(row, dict) else ""
                if not order_id or order_id in seen:
                    continue
                seen.add(order_id)
                node = self.order_by_id(order_id)
                if node is not None:
                    yield node
            link = page.get("@odata.nextLink")
            url = link if isinstance(link, str) and link else None
            if url is not None and not url.startswith(self.base + "/"):
                # the bearer token goes only to the shop's own host, whatever a listing points at
                raise NeedsAttention(f"Norce Query's next page points away from {self.base}: {url[:120]}",
                                     resolution="check the shop URL in [[shops]] (it must be the API host Query "
                                     "answers from); report it if the URL is right", code="shop_api_error")

    # ---- Connect ----

    def _connect_header(self, **fields) -> dict[str, str]:
        return {"X-StormConnect-Header": json.dumps({"AccountId": self.account_id, **fields},
                                                    separators=(",", ":"))}

    def import_onhands(self, rows: list[dict], *, full_file: bool = False,
                       fields: tuple[str, ...] = ("OnhandValue",)) -> dict:
        """`Product/ImportOnhands`: the job answer {StatusCode, Description, JobId, ValidationSummary}."""
        response = self.request("POST", f"{CONNECT}/Product/ImportOnhands", json=rows, headers=self._connect_header(
            FullFile=full_file, SkuOnhandFieldsThatAreSet=list(fields)))
        body = self._answer(response, "Product/ImportOnhands")
        return body if isinstance(body, dict) else {}

    def import_sku_prices(self, rows: list[dict]) -> dict:
        """`Product/ImportSkuPriceLists` [V: N11]: sale prices only (`PriceSale`), never `FullFile` (which
        deactivates every price of the lists not in the file), and a row without a sale price is ignored as a
        whole (`IgnoreSkuPriceListFieldsWhenEmpty`) rather than creating a price entity with none. The job
        answer {StatusCode, Description, JobId, ValidationSummary}."""
        response = self.request("POST", f"{CONNECT}/Product/ImportSkuPriceLists", json=rows,
                                headers=self._connect_header(FullFile=False, SkuPriceListFieldsThatAreSet=["PriceSale"],
                                                             IgnoreSkuPriceListFieldsWhenEmpty=["PriceSale"]))
        body = self._answer(response, "Product/ImportSkuPriceLists")
        return body if isinstance(body, dict) else {}

    def import_companies(self, rows: list[dict], fields: tuple[str, ...]) -> dict:
        """`Customer/ImportCompanies` (docs.norce.io/api-reference/connect/customerservice/openapi/customers/
        importcompanies; header: …/customerservice/x-stormconnect-header): companies matched by `Code`, only
        the `fields` named in CompanyFieldsThatAreSet updated. The job answer, as for product imports [U: the
        answer of a customer import is not shown; Connect imports answer a job]."""
        response = self.request("POST", f"{CONNECT}/Customer/ImportCompanies", json=rows,
                                headers=self._connect_header(CompanyFieldsThatAreSet=list(fields)))
        body = self._answer(response, "Customer/ImportCompanies")
        return body if isinstance(body, dict) else {}

    def job(self, job_id) -> dict:
        body = self._answer(self.request("GET", f"{CONNECT}/Job/Get?id={quote(str(job_id))}"), "Job/Get")
        return body if isinstance(body, dict) else {}

    def job_log(self, job_id) -> list[dict]:
        body = self._answer(self.request("GET", f"{CONNECT}/Job/GetLog?id={quote(str(job_id))}"), "Job/GetLog")
        return [entry for entry in body if isinstance(entry, dict)] if isinstance(body, list) else []

    def create_delivery_note(self, note: dict) -> dict:
        body = self._answer(self.request("POST", f"{CONNECT}/Order/CreateDeliveryNote", json=note),
                            "Order/CreateDeliveryNote")
        return body if isinstance(body, dict) else {}

    def send_order_status(self, status: dict) -> dict:
        body = self._answer(self.request("POST", f"{CONNECT}/Order/SendOrderStatus", json=status),
                            "Order/SendOrderStatus")
        return body if isinstance(body, dict) else {}


def _json(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None
