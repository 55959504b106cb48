"""Norce's Order Receiver: POST /api/norce/orders/{shop}, the whole order pushed by Norce with HTTP Basic auth.

Anonymous at the Functions level on purpose: Norce sends Basic credentials, not a function key; they are checked
in constant time against the shop's `order_receiver_setting` before anything is stored. The answer is Norce's
OrderResponse JSON: OK only once the order is stored and queued (core/sync/order_receiver.py says every answer).
"""

import azure.functions as func

from core.platforms.norce.receiver import order_response
from core.sync.context import get_context
from core.sync.order_receiver import receive_order_request
from core.sync.receive import max_body_bytes
from functions.http import NOSNIFF, declared_length, replied

bp = func.Blueprint()


@bp.route(route="norce/orders/{shop}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def receive_norce_order(req: func.HttpRequest) -> func.HttpResponse:
    return replied(lambda: _answer(req), "Norce order receipt")


def _answer(req: func.HttpRequest) -> func.HttpResponse:
    if declared_length(req) > max_body_bytes():  # refused on the header, before the body is touched
        return _json(order_response(False, "The order is larger than the bridge accepts."), 413)
    reply = receive_order_request(get_context(), req.route_params["shop"], req.get_body(), dict(req.headers))
    return _json(reply.text, reply.status)


def _json(text: str, status: int) -> func.HttpResponse:
    mimetype = "application/json" if text.startswith("{") else "text/plain"
    return func.HttpResponse(text, status_code=status, mimetype=mimetype, headers=NOSNIFF)
