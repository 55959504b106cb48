"""Refunds shop → BC: the queue worker that turns one shop refund into a credit memo on the posted invoice."""

import azure.functions as func

from core.state import Envelope, names
from core.sync import refunds
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=names.REFUNDS_IMPORT, connection=names.STORAGE_SETTING)
def import_refund(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.REFUNDS_IMPORT, Envelope.loads(msg.get_body()), refunds.import_refund,
             dequeue_count=msg.dequeue_count or 1)
