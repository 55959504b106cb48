"""The record page: one record as an operator reads it — its timeline, message and resolution, the raw payload
(secrets redacted, large ones cut as in the record detail), and the BC document it became with a link that
opens it in Business Central's web client.

The BC document comes from the record's binding (core/state/bindings.py): number, entity, company and id are
what the flow wrote when it bound the shop record to BC. The web-client link is built from the config (tenant id
setting, environment, the company's name); without a config, or a company without `name`, there is no link and
the page shows the number alone.

Web-client links follow Microsoft Learn, "Web Client URL" (dev-itpro/developer/devenv-web-client-urls):
`https://businesscentral.dynamics.com/<tenant>/<environment>/?company=<name>&page=<id>&filter='No.' IS '<no>'`.
The page numbers are BC's standard pages; ../shared/reference (the API v2.0 definition) says nothing about
either, so they are named here once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from core.sync import operations as ops

BC_WEB_CLIENT = "https://businesscentral.dynamics.com"
# API entity set → the web-client page that shows one such document. A salesInvoices binding is an order BC
# already had as an invoice, which in practice is posted (Posted Sales Invoice); a credit memo the bridge
# creates is unposted (Sales Credit Memo); shipments BC only has posted. Customer payments are journal lines
# with no document page: no link.
BC_PAGES = {"salesOrders": 42, "salesInvoices": 132, "salesCreditMemos": 44, "salesShipments": 130,
            "customers": 21}
REDACTED = "[redacted]"
# Keys whose values a person never needs to see on a page that Readers open: access tokens and the like.
# Shops put order-status or cart tokens into order payloads (Shopify `token`, `cart_token`, `checkout_token`).
SECRET_KEY_PARTS = ("token", "secret", "password", "authorization", "api_key", "apikey")
MAX_DEPTH = 64
# The same keys in a payload shown as text (cut because it is large, or not valid JSON): `"key": "value"` pairs.
SECRET_IN_TEXT = re.compile(r'("[^"\\]*(?:' + "|".join(SECRET_KEY_PARTS) + r')[^"\\]*"\s*:\s*)"(?:[^"\\]|\\.)+"',
                            re.IGNORECASE)


def redact(value: object, depth: int = 0) -> object:
    """The JSON value with every secret-looking key's value replaced by REDACTED."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: REDACTED if _secret(k) and value[k] not in (None, "") else redact(value[k], depth + 1)
                for k in value}
    if isinstance(value, list):
        return [redact(v, depth + 1) for v in value]
    return value


def _secret(key: object) -> bool:
    lowered = str(key).lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def bc_web_link(config, binding: Mapping | None, env: Mapping[str, str] | None = None) -> str | None:
    """A link to the bound BC document in the web client, or None when it cannot be built reliably."""
    if config is None or not binding or not binding.get("bc_number"):
        return None
    page = BC_PAGES.get(binding.get("bc_entity") or "")
    company = next((c for c in config.companies if c.key == binding.get("bc_company")), None)
    if page is None or company is None or not company.name:
        return None
    env = os.environ if env is None else env
    tenant = (env.get(config.bc.tenant_id_setting) or "").strip()
    path = "/".join(quote(part, safe="") for part in (tenant, config.bc.environment) if part)
    query = urlencode({"company": company.name, "page": page, "filter": f"'No.' IS '{binding['bc_number']}'"},
                      quote_via=quote)
    return f"{BC_WEB_CLIENT}/{path}/?{query}" if path else f"{BC_WEB_CLIENT}/?{query}"


def record_page(state: ops.State, flow: str, shop: str, external_id: str,
                env: Mapping[str, str] | None = None) -> dict | None:
    """The record detail (ops.record_detail) with the payload's secrets redacted and the BC document's link."""
    detail = ops.record_detail(state, flow, shop, external_id)
    if detail is None:
        return None
    payload = detail.get("payload")
    if payload and payload.get("json") is not None:
        payload["json"] = redact(payload["json"])
    if payload and payload.get("text"):
        payload["text"] = SECRET_IN_TEXT.sub(f'\\1"{REDACTED}"', payload["text"])
    if detail.get("binding"):
        detail["binding"]["web_link"] = bc_web_link(state.config, detail["binding"], env)
    return detail
