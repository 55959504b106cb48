"""Centra's Order API (REST), only for what the Integration API does not carry: returns and their money.

    api = order_api_for(shop)            # [shops.refunds] order_api_url + the setting order_api_key_setting
    for row in api.returns(newer_than=datetime(...)):   # every return created since then, newest first
        ...                              # the documented shape, what parse.parse_refund reads

Contract 4.5 [V: C1, C5]: refunds are not in the Integration API; `GET <base>/returns?limit&page&newer_than`
lists returns newest first as `{"status": "ok", "returns": [...]}`. Auth: the plugin's API key in the
`API-Authorization` header. `newer_than` is "YYYY-mm-dd HH:MM:SS" in the Centra installation's own time
zone, which the API does not say: the client asks from 14 hours earlier (the widest offset) and the caller
de-duplicates. Paging newest first cannot skip a return when new ones arrive while reading (they push the
older ones to later pages: read twice, never missed).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.payload import text

PAGE = 100
TIMEZONE_MARGIN = timedelta(hours=14)  # UTC−12 … UTC+14: a local time is at most this far from UTC


def order_api_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> OrderApiClient:
    settings = os.environ if settings is None else settings
    name = shop.refunds.order_api_key_setting
    key = (settings.get(name) or "").strip() if name else ""
    if not shop.refunds.order_api_url or not key:
        raise NeedsAttention(
            f"Shop {shop.key}: Centra returns are read with the Order API (REST), which is not configured"
            + ("" if not name or key else f" (the app setting {name} is empty)") + ".",
            resolution=f'set order_api_url (the Order API plugin URL, AMS → System → Store plugins) and '
                       f'order_api_key_setting (the NAME of an app setting holding the plugin\'s API key) in '
                       f'[shops.refunds] of shop "{shop.key}", and that setting in the Function App',
            code="missing_setting")
    return OrderApiClient(shop.refunds.order_api_url, key, key_setting=name, **options)


class OrderApiClient:
    def __init__(self, base_url: str, api_key: str, *, key_setting: str = "the Order API key setting",
                 timeout: float = 30.0, max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self._setting = key_setting
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/", transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"API-Authorization": api_key, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OrderApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get(self, path: str, params: dict) -> dict:
        response = http_retry.send(self._http, "GET", path, shop_name="Centra Order API", params=params,
                                   max_attempts=self._max_attempts, sleep=self._sleep)
        if response.status_code in (401, 403):
            raise NeedsAttention(f"Centra's Order API refused the API key ({response.status_code}).",
                                 resolution=f"check that {self._setting} holds the API key of the Order API plugin "
                                            "(AMS → System → Store plugins) and that the plugin is active",
                                 code="shop_auth_failed")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict) or body.get("status") != "ok":
            message = text((body or {}).get("msg")) if isinstance(body, dict) else response.text[:300]
            raise NeedsAttention(f"Centra's Order API answered {response.status_code} to {path}: {message}",
                                 resolution="check order_api_url in [shops.refunds] (the plugin URL); if it "
                                            "persists, report it with this message", code="shop_api_error")
        return body

    def returns(self, newer_than: datetime) -> Iterator[dict]:
        """Every return created since `newer_than` (less TIMEZONE_MARGIN), newest first, page by page."""
        since = (newer_than.astimezone(UTC) - TIMEZONE_MARGIN).strftime("%Y-%m-%d %H:%M:%S")
        page = 1
        while True:
            rows = self._get("returns", {"limit": PAGE, "page": page, "newer_than": since}).get("returns") or []
            yield from (row for row in rows if isinstance(row, dict))
            if len(rows) < PAGE:
                return
            page += 1
