"""Stock BC → shops: a timer that queues one run per shop with the "stock" flow, and the queue worker."""

import azure.functions as func

from core.state import Envelope, names
from core.sync import stock
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False, use_monitor=True)
def schedule_stock_exports(timer: func.TimerRequest) -> None:
    stock.enqueue_stock_runs(get_context())


@bp.queue_trigger(arg_name="msg", queue_name=names.STOCK_EXPORT, connection=names.STORAGE_SETTING)
def export_stock_levels(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.STOCK_EXPORT, Envelope.loads(msg.get_body()), stock.run_stock_item,
             dequeue_count=msg.dequeue_count or 1)
