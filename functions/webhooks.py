"""Shop webhooks: one URL per shop, POST /api/webhooks/{shop}.

Anonymous at the Functions level on purpose: shops cannot send a function key header, and the
platform's HMAC signature over the raw body (checked in constant time before anything is stored)
is the stronger proof of origin. A bad or missing signature, or an unknown shop, gets 401 and nothing
is stored; a body over BRIDGE_MAX_WEBHOOK_BYTES gets 413 (core/sync/receive.py says every answer).
"""

import azure.functions as func

from core.sync.context import get_context
from core.sync.receive import answer_challenge, max_body_bytes, receive_webhook
from functions.http import declared_length, replied, text_response

bp = func.Blueprint()


@bp.route(route="webhooks/{shop}", methods=["POST", "GET"], auth_level=func.AuthLevel.ANONYMOUS)
def receive_shop_webhook(req: func.HttpRequest) -> func.HttpResponse:
    return replied(lambda: _answer(req), "webhook receipt")


def _answer(req: func.HttpRequest) -> func.HttpResponse:
    if req.method == "GET":  # registration checks (Adobe I/O Events' ?challenge=); nothing is stored
        reply = answer_challenge(get_context(), req.route_params["shop"], dict(req.params))
    elif declared_length(req) > max_body_bytes():  # refused on the header, before the body is touched
        return text_response("payload too large", 413)
    else:
        reply = receive_webhook(get_context(), req.route_params["shop"], req.get_body(), dict(req.headers))
    return text_response(reply.text, reply.status)
