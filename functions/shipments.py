"""Shipments BC → shops: a timer (BC has no webhook for shipments) that pushes new posted shipments."""

import azure.functions as func

from core.sync import shipments
from core.sync.context import get_context

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="0 */10 * * * *", run_on_startup=False, use_monitor=True)
def export_shipments(timer: func.TimerRequest) -> None:
    shipments.export_shipments(get_context())
