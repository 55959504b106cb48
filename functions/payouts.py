"""Payouts PSP → BC: the notification endpoint (POST /api/payouts/{source}) and the import worker.

The endpoint is anonymous at the Functions level on purpose, like the shop webhooks: Adyen and Stripe
cannot send a function key, and their signature over the raw body (Adyen HMAC per notification item,
Stripe-Signature with a 5-minute tolerance), checked in constant time before anything is stored, is the
proof of origin. A bad, missing or stale signature gets 401 and nothing is stored.
"""

import azure.functions as func

from core.state import Envelope, names
from core.sync import payouts
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.route(route="payouts/{source}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def receive_payout_notification(req: func.HttpRequest) -> func.HttpResponse:
    reply = payouts.receive_notification(get_context(), req.route_params["source"], req.get_body(),
                                         dict(req.headers))
    return func.HttpResponse(reply.text, status_code=reply.status, mimetype="text/plain")


@bp.queue_trigger(arg_name="msg", queue_name=names.PAYOUTS_IMPORT, connection=names.STORAGE_SETTING)
def import_payout(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.PAYOUTS_IMPORT, Envelope.loads(msg.get_body()), payouts.import_payout,
             dequeue_count=msg.dequeue_count or 1)
