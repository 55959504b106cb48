"""Norce's Order Receiver push: size → authenticate (HTTP Basic) → describe → store raw → drop duplicates →
enqueue → OrderResponse. The same receipt discipline as a webhook (core/sync/receive.py), with Norce's answer.

Norce waits for the answer (a synchronous call) and treats it as "the ERP has the order", so OK is said only
after the raw body is stored and queued; the queue worker imports it exactly as a webhook's order. The platform
side (Basic auth, the OrderRequest, the OrderResponse and which ERP number it carries) is
core/platforms/norce/receiver.py. Every request gets a deliberate answer, never a 500:
- body over BRIDGE_MAX_WEBHOOK_BYTES → 413 with a Failed OrderResponse, nothing read further;
- not authenticated — unknown shop, a shop that is not Norce, no `order_receiver_setting` or it is unset, wrong
  or missing Basic credentials — → 401, the same answer for all, so shop keys cannot be probed (the log says
  which);
- authenticated, but the orders flow is off for the shop → Failed (nothing stored: Norce keeps retrying and then
  escalates, which is what an order nobody imports needs);
- authenticated but no usable OrderRequest → the raw body is stored as needs-attention and the answer is Failed
  with the reason (Norce retries; the same body lands on the same record);
- stored and queued, or a retry of a push already stored → OK;
- storage failing → Failed (Norce retries later; nothing was acknowledged).
"""

from __future__ import annotations

import logging

from core.config import read_setting
from core.errors import BridgeError, NeedsAttention
from core.platforms.norce import receiver
from core.sync.context import Context
from core.sync.receive import Reply, _accept, _keep_unusable, max_body_bytes

log = logging.getLogger("core.sync.order_receiver")

UNAUTHENTICATED = "authentication required"


def _failed(status: int, description: str) -> Reply:
    return Reply(status, receiver.order_response(False, description))


def receive_order_request(ctx: Context, shop_key: str, raw: bytes, headers: dict[str, str]) -> Reply:
    if len(raw) > max_body_bytes():
        log.warning("order receiver for shop=%s refused: body of %d bytes is too large", shop_key[:64], len(raw))
        return _failed(413, "The order is larger than the bridge accepts (BRIDGE_MAX_WEBHOOK_BYTES).")
    shop = ctx.config.shop(shop_key)
    if shop is None or shop.platform != "norce":
        log.warning("order receiver refused with 401: no Norce shop %r in the integration config", shop_key[:64])
        return Reply(401, UNAUTHENTICATED)
    try:
        expected = read_setting(shop.norce.order_receiver_setting) if shop.norce.order_receiver_setting else ""
    except NeedsAttention as exc:
        log.error("order receiver for shop=%s refused with 401: %s Resolution: %s", shop_key, exc.message,
                  exc.resolution)
        return Reply(401, UNAUTHENTICATED)
    if not expected:
        log.error("order receiver for shop=%s refused with 401: [shops.norce] order_receiver_setting is not set. "
                  "Resolution: name the app setting that holds the Order Receiver's \"user:password\"", shop_key)
        return Reply(401, UNAUTHENTICATED)
    if not receiver.credentials_match(headers, expected):
        log.warning("order receiver for shop=%s refused with 401: Basic credentials missing or wrong", shop_key)
        return Reply(401, UNAUTHENTICATED)

    if "orders" not in shop.flows:
        log.error("order receiver for shop=%s: the orders flow is off; answered Failed", shop_key)
        return _failed(200, f'The orders flow is not enabled for shop {shop_key} in the bridge; add "orders" to '
                            "its flows.")
    try:
        delivery = receiver.describe(raw)
    except Exception as exc:  # noqa: BLE001 - an authenticated body is kept whatever it holds
        if not isinstance(exc, BridgeError):
            log.exception("order receiver for shop=%s: describe() failed unexpectedly", shop_key)
        kept = _keep_unusable(ctx, shop_key, raw, headers, exc, keeps_webhook_alive=False)
        reason = exc.message if isinstance(exc, NeedsAttention) else type(exc).__name__
        if kept.status != 200:
            return _failed(200, "The bridge could not store the order; it will accept a retry.")
        return _failed(200, f"The bridge kept the order for a person to look at: {reason}")
    try:
        reply = _accept(ctx, shop, raw, headers, delivery)
    except Exception:  # noqa: BLE001 - storage trouble: Failed, Norce retries; never a 500
        log.exception("order receiver for shop=%s: storing or queueing basket %s failed", shop_key,
                      delivery.resource_id)
        return _failed(200, "The bridge could not store the order right now; it will accept a retry.")
    if reply.text not in ("queued", "duplicate"):
        return _failed(200, f"The bridge did not take the order: {reply.text}.")
    return Reply(200, receiver.order_response(
        True, f"Basket {delivery.resource_id} stored and queued for import into Business Central; the BC order "
              "number is not known yet."))
