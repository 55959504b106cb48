"""Geins webhooks: authentication by a static header, bodies we define ourselves (id only).

Geins signs nothing. Register the webhook (`POST https://mgmtapi.geins.io/API/Webhook`) with
`Headers: {"X-Webhook-Secret": "<the shop's webhook secret>"}` and the body template
`{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}` (Geins fills the placeholders), e.g.
`{"entity":"Order","action":"create","id":"12345"}`. The order is fetched by API (parse.load_order).

Topic `<entity>.<action>` in lower case. Order actions create, update, cancel, activate, lock, complete,
cancelrow, return feed the orders flow except return (a refund matter). Dedupe identity
`order:<id>:<action>` for once-only actions; `update` (and cancelrow) can happen many times with the same
body, so they get no identity and every one reaches the worker, which drops unchanged orders itself.
Geins retries only when `Retry` is set on the webhook; no schedule is documented.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.platforms.delivery import Delivery
from core.platforms.payload import text
from core.platforms.static_secret import SECRET_HEADER, json_object, secret_header_matches

ORDER_ACTIONS = {"create", "update", "cancel", "activate", "lock", "complete", "cancelrow"}
REPEATING_ACTIONS = {"update", "cancelrow"}


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    return secret_header_matches(headers, secret, SECRET_HEADER)


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_object(raw, "geins")
    entity, action = text(body.get("entity")).lower(), text(body.get("action")).lower()
    resource_id = text(body.get("id"))
    topic = f"{entity}.{action}" if entity else "unknown"
    once = resource_id and action not in REPEATING_ACTIONS
    return Delivery(topic=topic, resource_id=resource_id,
                    delivery_id=f"{entity}:{resource_id}:{action}" if once else "",
                    is_ping=False, flow="orders" if entity == "order" and action in ORDER_ACTIONS and resource_id
                    else None)
