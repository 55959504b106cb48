"""Shop platforms. Every platform is a package with the same modules:

- `webhooks.py`: `verify(raw, headers, secret) -> bool`, `describe(raw, headers) -> Delivery`
- `parse.py`: `parse_order(payload, shop, currency_basis) -> Order`, `parse_refund(payload, shop, …) -> Refund`
- `client.py`: the platform's API, for reconciliation and exports (where built)
- platforms whose webhooks carry only ids also have `parse.load_order(raw, shop, external_id=…)`
- optional `flows.py`: the parts of the other flows the platform offers (`StockWriter`, `ShipmentWriter`,
  `ProductWriter`, `new_refunds`), found with `part(name, attribute)`
- `GAPS` in the package: every flow it does not carry and why (`core/capabilities.py` checks and tabulates it)

Adding a platform = a folder with those modules + one line in PLATFORMS.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType

from core.errors import NeedsAttention
from core.platforms import brink, centra, geins, magento, norce, shopify, shopware, woocommerce
from core.platforms.delivery import Delivery

PLATFORMS: dict[str, ModuleType] = {
    "shopify": shopify,
    "woocommerce": woocommerce,
    "magento": magento,
    "shopware": shopware,
    "centra": centra,
    "norce": norce,
    "brink": brink,
    "geins": geins,
}


def platform(name: str) -> ModuleType:
    """The platform package for `name` (a shop's `platform` in the config)."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise NeedsAttention(
            f'The platform "{name}" is not supported by this version (supported: {", ".join(PLATFORMS)}).',
            resolution=f'set platform to one of {", ".join(PLATFORMS)} in [[shops]], or upgrade the app to a '
            f'version that supports "{name}"',
            code="unknown_platform",
        ) from None


def part(name: str, attribute: str):
    """An optional part the platform offers to a flow (`core/platforms/<name>/flows.py`), None when absent."""
    module_name = f"core.platforms.{name}.flows"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, attribute, None)


def stored_order(shop, raw: bytes, external_id: str):
    """The order a stored inbox body stands for: parsed from the body, or fetched from the shop when the
    platform's webhooks carry only an id (`parse.load_order`). Raises what the parser or the fetch raises."""
    parser = platform(shop.platform).parse
    if hasattr(parser, "load_order"):
        return parser.load_order(raw, shop, external_id=external_id)
    return parser.parse_order(json.loads(raw), shop.key, shop.orders.currency_basis)


__all__ = ["PLATFORMS", "Delivery", "part", "platform", "stored_order"]
