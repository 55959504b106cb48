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

Customers: a webhook on entity Customer (4) with actions `create`, `update` feeds the customers flow; the body
names the user by `{{id}}` and the worker reads the profile with `GET /API/User/{id}` (parse.load_customer).
Source G4 (github geins-io/sonora-agent-plugins @b51bab18 references/webhook.md: "Customer - create, update,
delete, passwordreset, obfuscate"; the 2023 SDK G2 listed only delete, passwordreset, obfuscate, so older Geins
accounts may not offer create/update). `delete`, `passwordreset` and `obfuscate` feed no flow: BC keeps its
customer (an erased shop customer is a matter for BC's own data-protection routine). A customer `create` is
once-only (identity `customer:<id>:create`); `update` repeats and gets no identity, as for orders.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.platforms.delivery import Delivery
from core.platforms.payload import text
from core.platforms.static_secret import SECRET_HEADER, json_object, secret_header_matches

ORDER_ACTIONS = {"create", "update", "cancel", "activate", "lock", "complete", "cancelrow"}
CUSTOMER_ACTIONS = {"create", "update"}
REPEATING_ACTIONS = {"update", "cancelrow"}


def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
    return secret_header_matches(headers, secret, SECRET_HEADER)


def describe(raw: bytes, headers: Mapping[str, str]) -> Delivery:
    body = json_object(raw, "geins")
    entity, action = text(body.get("entity")).lower(), text(body.get("action")).lower()
    resource_id = text(body.get("id"))
    topic = f"{entity}.{action}" if entity else "unknown"
    once = resource_id and action not in REPEATING_ACTIONS
    flow = None
    if resource_id and entity == "order" and action in ORDER_ACTIONS:
        flow = "orders"
    elif resource_id and entity == "customer" and action in CUSTOMER_ACTIONS:
        flow = "customers"
    return Delivery(topic=topic, resource_id=resource_id,
                    delivery_id=f"{entity}:{resource_id}:{action}" if once else "", is_ping=False, flow=flow)
