"""Operations: health, and the poison-queue handler that makes every poisoned message visible in the sync log."""

import azure.functions as func

from core.state import names
from core.sync.context import get_context
from core.sync.operations import record_poisoned

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', mimetype="application/json")


@bp.queue_trigger(arg_name="msg", queue_name=names.poison_queue(names.ORDERS_IMPORT), connection=names.STORAGE_SETTING)
def record_poisoned_order(msg: func.QueueMessage) -> None:
    record_poisoned(get_context(), names.ORDERS_IMPORT, msg.get_body(), msg.id)
