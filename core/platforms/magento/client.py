"""The Magento 2 / Adobe Commerce REST API, for the reconcile timer (changed orders) and order look-ups.

    client = client_for(shop)                 # integration access token from shop.api_token_setting
    for order in client.orders_updated_between(since, until):
        ...                                   # the REST order entity (what I/O Events carries in data.value)
    client.order(entity_id)                   # one order, None when it does not exist

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

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_token

API_PREFIX = "/rest/V1"
MAX_PAGE = 300  # Adobe's documented page cap when input limits are on


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

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = http_retry.send(self._http, method, path, shop_name="Magento", max_attempts=self._max_attempts,
                                   sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Magento refused the API token ({response.status_code}: {_message(response)}).",
                resolution=f"check that {self._setting} holds the access token of an active integration with "
                "access to Sales > Operations > Orders, and that Stores > Configuration > Services > OAuth > "
                "Consumer Settings allows access tokens as standalone Bearer tokens (Magento 2.4.4+)",
                code="shop_auth_failed")
        if response.status_code >= 400 and response.status_code != 404:
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

    def _page(self, since_second: datetime, before: str, page: int) -> dict:
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
        response = self._request("GET", "/orders", params=params)
        if response.status_code == 404:
            raise NeedsAttention("Magento answered 404 to GET /rest/V1/orders.",
                                 resolution="check the shop URL: it must be the store's base URL, without /rest",
                                 code="shop_api_error")
        return response.json()

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order with since ≤ updated_at < until, oldest change first, as the REST entity."""
        since_utc, until_utc = since.astimezone(UTC), until.astimezone(UTC)
        boundary = since_utc.replace(microsecond=0)
        # `lt` on whole seconds: the first whole second not before `until`
        before = magento_time(until_utc + timedelta(seconds=1) if until_utc.microsecond else until_utc)
        seen_at_boundary: set[str] = set()
        page = 1
        while True:
            answer = self._page(boundary, before, page)
            orders = [o for o in answer.get("items") or [] if isinstance(o, dict)]
            total = int(answer.get("total_count") or 0)
            for order in orders:
                updated = _updated(order)
                if updated < since_utc or updated >= until_utc or updated < boundary:
                    continue
                if updated == boundary and str(order.get("entity_id")) in seen_at_boundary:
                    continue
                yield order
            if page * self.page_size >= total or len(orders) < self.page_size:
                return
            last = max(_updated(o) for o in orders)
            if last == boundary:  # a whole page within one second: walk the pages of this second
                seen_at_boundary.update(str(o.get("entity_id")) for o in orders)
                page += 1
            else:
                boundary, page = last, 1
                seen_at_boundary = {str(o.get("entity_id")) for o in orders if _updated(o) == last}


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("message"):
        message = str(body["message"])
        for key, value in (body.get("parameters") or {}).items() if isinstance(body.get("parameters"), dict) else ():
            message = message.replace(f"%{key}", str(value))
        return message
    return response.text[:200]
