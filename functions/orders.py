"""Orders shop → BC: the queue worker that imports one order, and the reconcile timer (safety net)."""

import azure.functions as func

from core.state import Envelope, names
from core.sync import orders
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=names.ORDERS_IMPORT, connection=names.STORAGE_SETTING)
def import_order(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.ORDERS_IMPORT, Envelope.loads(msg.get_body()), orders.import_order,
             dequeue_count=msg.dequeue_count or 1)


@bp.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False, use_monitor=True)
def reconcile_orders(timer: func.TimerRequest) -> None:
    orders.reconcile_orders(get_context())
