"""Reading a shop's API credentials from the app setting its config names (`api_token_setting`).

Every platform client does the same: the setting must be named in the config and set in the app's
settings, else NeedsAttention("missing_setting") saying where to get the value and where to put it.
The value itself never appears in a message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from core.config import Shop
from core.errors import NeedsAttention


def _resolution(name: str | None, what: str, how_to_get: str) -> str:
    return (f"set {name or 'the setting'} to {what} ({how_to_get}) in the Function App's settings (a Key Vault "
            "reference) or in local.settings.json for local runs")


def _setting_value(shop: Shop, settings: Mapping[str, str] | None, what: str, how_to_get: str) -> tuple[str, str]:
    settings = os.environ if settings is None else settings
    name = shop.api_token_setting
    if not name:
        raise NeedsAttention(
            f'Shop "{shop.key}" has no API credentials configured.',
            resolution=f'set api_token_setting in the [[shops]] entry "{shop.key}"; then '
                       + _resolution(name, what, how_to_get),
            code="missing_setting")
    return name, (settings.get(name) or "").strip()


def api_token(shop: Shop, settings: Mapping[str, str] | None, *, what: str, how_to_get: str) -> tuple[str, str]:
    """(setting name, token) for a shop whose API takes one token."""
    name, token = _setting_value(shop, settings, what, how_to_get)
    if not token:
        raise NeedsAttention(f"The app setting {name} is not set.", resolution=_resolution(name, what, how_to_get),
                             code="missing_setting")
    return name, token


def api_key_pair(shop: Shop, settings: Mapping[str, str] | None, *, what: str,
                 how_to_get: str) -> tuple[str, str, str]:
    """(setting name, key, secret) for a shop whose API takes a "key:secret" pair."""
    name, value = _setting_value(shop, settings, what, how_to_get)
    key, _, secret = value.partition(":")
    if not key.strip() or not secret.strip():
        raise NeedsAttention(f'The app setting {name} is not set or is not "key:secret".',
                             resolution=_resolution(name, what, how_to_get), code="missing_setting")
    return name, key.strip(), secret.strip()
