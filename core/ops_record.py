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

What the bridge sent to BC is not stored (the flows keep the binding, not the body). For an order the page shows
instead the canonical order parsed from the stored payload and `python -m core preview`'s body for it with
today's config (core/preview.py): offline, so items are taken by SKU (or [shops.items]) and the customer is the
company's default one; the document BC holds (linked) is the truth. Refunds show their canonical model only: a
credit memo is priced against the posted invoice, which the page does not read from BC.

Large payloads are cut on the page (PAGE_PAYLOAD_CHARS); `payload_download` serves the whole payload, redacted
the same way, as a file.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from azure.core.exceptions import ResourceNotFoundError
from pydantic import ValidationError

from core import untrusted
from core.errors import BridgeError
from core.sync import operations as ops

log = logging.getLogger("core.ops_record")

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
PAGE_PAYLOAD_CHARS = 64 * 1024  # the page shows this much of a payload (pretty JSON); the rest is downloaded
# The same keys in a payload shown as text (cut because it is large, or not valid JSON): `"key": "value"` pairs,
# and such a pair whose value the cut ends in the middle of.
_SECRET_KEY = r'("[^"\\]*(?:' + "|".join(SECRET_KEY_PARTS) + r')[^"\\]*"\s*:\s*)'
SECRET_IN_TEXT = re.compile(_SECRET_KEY + r'"(?:[^"\\]|\\.)+"', re.IGNORECASE)
SECRET_CUT_AT_END = re.compile(_SECRET_KEY + r'"(?:[^"\\]|\\.)*\\?\Z', re.IGNORECASE)


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


def _redact_text(text: str) -> str:
    """Secret-looking `"key": "value"` pairs in text hidden, including one whose value the text cuts off."""
    return SECRET_CUT_AT_END.sub(f'\\1"{REDACTED}', SECRET_IN_TEXT.sub(f'\\1"{REDACTED}"', text))


def _redact_bytes(raw: bytes) -> bytes:
    """Bytes that are not UTF-8, with the same pairs hidden. Read as Latin-1 (one character per byte, so every
    other byte comes back exactly as it was): a token in a JSON body with one stray byte is still ASCII there."""
    return _redact_text(raw.decode("latin-1")).encode("latin-1")


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
    raw_json = payload.get("json") if payload else None
    if payload and payload.get("json") is not None:
        payload["json"] = redact(payload["json"])
        pretty = json.dumps(payload["json"], indent=2, ensure_ascii=False)
        if len(pretty) > PAGE_PAYLOAD_CHARS:  # a browser chokes on megabytes of JSON: cut, and offer the file
            payload.update(json=None, text=pretty[:PAGE_PAYLOAD_CHARS], truncated=True)
    if payload and payload.get("base64"):
        payload["base64"] = base64.b64encode(_redact_bytes(base64.b64decode(payload["base64"]))).decode()
    if payload and payload.get("text"):
        text = _redact_text(payload["text"])
        if len(text) > PAGE_PAYLOAD_CHARS:
            payload["truncated"] = True
        payload["text"] = _redact_text(text[:PAGE_PAYLOAD_CHARS])  # again: the cut may end inside a secret
    if detail.get("binding"):
        detail["binding"]["web_link"] = bc_web_link(state.config, detail["binding"], env)
    detail["mapped"] = mapped_view(state.config, flow, shop, raw_json)
    return detail


def mapped_view(config, flow: str, shop_key: str, payload: object) -> dict:
    """{canonical, bc_body, company, problems, note}: the record as the bridge reads it and the BC body it would
    send (orders), from the stored payload and today's config; `note` says what is missing and why."""
    view: dict = {"canonical": None, "bc_body": None, "company": None, "problems": [], "note": ""}
    shop = config.shop(shop_key) if config is not None else None
    if shop is None:
        view["note"] = ("The integration config could not be loaded, so the payload is not mapped here."
                        if config is None else f"Shop {shop_key!r} is not in the config (any more).")
        return view
    if not isinstance(payload, dict):
        view["note"] = "The stored payload is not a JSON object (or too large to show), so it is not mapped here."
        return view
    # imported here, not at the top: the mapping pulls in every platform, which the other ops endpoints never need
    from core.platforms import platform
    from core.preview import parse_refund_payload, preview_payload

    parse = platform(shop.platform).parse
    try:
        if flow == "orders" and hasattr(parse, "load_order"):
            view["note"] = (f"A {shop.platform} notification names the order only; the bridge reads the order "
                            "from the shop when it imports it, which this page does not do.")
        elif flow == "orders":
            order = parse.parse_order(payload, shop.key, shop.orders.currency_basis)
            view["canonical"] = redact(order.model_dump(mode="json"))
            preview = preview_payload(payload, "record page", config, shop)
            view.update(bc_body=redact(json.loads(json.dumps(preview["sales_order"], default=str))),
                        company=preview["company"], problems=preview["problems"],
                        note="Preview: the salesOrders body the bridge would send for this payload with today's "
                             "config, offline: items by SKU (or [shops.items]) and the company's default "
                             "customer. Once the order is in BC, the document linked above is what was written.")
            if preview.get("skip"):
                view["note"] += f" The bridge would skip it: {preview['skip']}."
        elif flow == "refunds":
            view["canonical"] = redact(parse_refund_payload(payload, shop).model_dump(mode="json"))
            view["note"] = ("A credit memo is priced against the posted invoice in BC, which this page does not "
                            "read: preview it with `python -m core preview --document credit-memo`.")
        else:
            view["note"] = f"The page maps orders and refunds; {flow} records show their payload only."
    except (BridgeError, ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        # a payload the flow itself would refuse: say so, the record's own message has the flow's verdict
        message = getattr(exc, "message", None) or str(exc)
        view["note"] = f"The stored payload could not be mapped: {message[:500]}"
        log.info("record_page_unmapped flow=%s shop=%s error=%s", flow, shop_key, type(exc).__name__)
    return view


def payload_download(state: ops.State, flow: str, shop: str, external_id: str) -> tuple[bytes, str, str] | None:
    """The record's whole stored payload, secrets redacted as on the page: (body, file name, media type).
    None when there is no such record or payload. JSON is pretty-printed; other text is redacted by pattern;
    bytes that are not UTF-8 are served as bytes, redacted by pattern too."""
    ops.check_names(flow=flow, shop=shop, external_id=external_id)
    record = state.synclog.get(flow, shop, external_id)
    if record is None or not record.payload_ref:
        return None
    try:
        raw, _ = state.inbox.load(record.payload_ref)
    except ResourceNotFoundError:
        return None
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{flow}-{shop}-{external_id.rsplit('/', 1)[-1]}")[:120]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _redact_bytes(raw), f"{stem}.bin", "application/octet-stream"
    try:
        data = untrusted.loads(text)
    except untrusted.UnreadableJson:
        return _redact_text(text).encode(), f"{stem}.txt", "text/plain"
    return (json.dumps(redact(data), indent=2, ensure_ascii=False).encode(), f"{stem}.json",
            "application/json")
