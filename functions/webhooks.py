"""Shop webhooks: one URL per shop, POST /api/webhooks/{shop}.

Anonymous at the Functions level on purpose: shops cannot send a function key header, and the
platform's HMAC signature over the raw body (checked in constant time before anything is stored)
is the stronger proof of origin. A bad or missing signature gets 401 and nothing is stored.
"""

import azure.functions as func

from core.sync.context import get_context
from core.sync.receive import answer_challenge, receive_webhook

bp = func.Blueprint()


@bp.route(route="webhooks/{shop}", methods=["POST", "GET"], auth_level=func.AuthLevel.ANONYMOUS)
def receive_shop_webhook(req: func.HttpRequest) -> func.HttpResponse:
    if req.method == "GET":  # registration checks (Adobe I/O Events' ?challenge=); nothing is stored
        reply = answer_challenge(get_context(), req.route_params["shop"], dict(req.params))
    else:
        reply = receive_webhook(get_context(), req.route_params["shop"], req.get_body(), dict(req.headers))
    return func.HttpResponse(reply.text, status_code=reply.status, mimetype="text/plain")
