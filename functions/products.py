"""Products and prices BC → shops: a timer that runs each shop with the "products" flow when it is due
(`[shops.products] sync_minutes`), directly — no queue: the run is one shop's delta, usually a few calls."""

import azure.functions as func

from core.sync import products
from core.sync.context import get_context

bp = func.Blueprint()


@bp.timer_trigger(arg_name="timer", schedule="0 */5 * * * *", run_on_startup=False, use_monitor=True)
def export_products(timer: func.TimerRequest) -> None:
    products.export_due_products(get_context())
