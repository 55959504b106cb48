"""Refunds shop → BC: the queue worker that turns one shop refund into a credit memo on the posted invoice,
and the reconcile timer (safety net for missed refund webhooks)."""

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


@bp.timer_trigger(arg_name="timer", schedule="0 */15 * * * *", run_on_startup=False, use_monitor=True)
def reconcile_refunds(timer: func.TimerRequest) -> None:
    refunds.reconcile_refunds(get_context())
