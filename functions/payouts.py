"""Payouts PSP → BC: the notification endpoint (POST /api/payouts/{source}) and the import worker.

The endpoint is anonymous at the Functions level on purpose, like the shop webhooks: Adyen and Stripe
cannot send a function key, and their signature over the raw body (Adyen HMAC per notification item,
Stripe-Signature with a 5-minute tolerance), checked in constant time before anything is stored, is the
proof of origin. A bad, missing or stale signature, or an unknown source, gets 401 and nothing is stored;
a body over BRIDGE_MAX_WEBHOOK_BYTES gets 413.
"""

import azure.functions as func

from core.state import Envelope, names
from core.sync import payouts
from core.sync.context import get_context
from core.sync.receive import max_body_bytes
from core.sync.runner import run_item
from functions.http import declared_length, replied, text_response

bp = func.Blueprint()


@bp.route(route="payouts/{source}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def receive_payout_notification(req: func.HttpRequest) -> func.HttpResponse:
    if declared_length(req) > max_body_bytes():  # refused on the header, before the body is touched
        return text_response("payload too large", 413)
    return replied(lambda: _answer(req), "payout notification receipt")


def _answer(req: func.HttpRequest) -> func.HttpResponse:
    reply = payouts.receive_notification(get_context(), req.route_params["source"], req.get_body(),
                                         dict(req.headers))
    return text_response(reply.text, reply.status)


@bp.queue_trigger(arg_name="msg", queue_name=names.PAYOUTS_IMPORT, connection=names.STORAGE_SETTING)
def import_payout(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.PAYOUTS_IMPORT, Envelope.loads(msg.get_body()), payouts.import_payout,
             dequeue_count=msg.dequeue_count or 1)
