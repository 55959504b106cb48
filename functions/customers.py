"""Customers: the queue worker that imports one shop customer (or B2B buyer) into BC, the reconcile timer (safety
net for missed customer webhooks), and the timer that exports BC Company customers to the shops as B2B companies
(docs/customers.md)."""

import azure.functions as func

from core.state import Envelope, names
from core.sync import customer_export, customers
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=names.CUSTOMERS_IMPORT, connection=names.STORAGE_SETTING)
def import_customer(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.CUSTOMERS_IMPORT, Envelope.loads(msg.get_body()), customers.import_customer,
             dequeue_count=msg.dequeue_count or 1)


@bp.timer_trigger(arg_name="timer", schedule="0 7-59/15 * * * *", run_on_startup=False, use_monitor=True)
def reconcile_customers(timer: func.TimerRequest) -> None:
    """Customers changed in the shop whose webhook never came: every 15 minutes (off the export's minute)."""
    customers.reconcile_customers(get_context())


@bp.timer_trigger(arg_name="timer", schedule="0 */15 * * * *", run_on_startup=False, use_monitor=True)
def export_customers(timer: func.TimerRequest) -> None:
    """B2B companies BC → shop: every 15 minutes, for shops with [shops.customers] export_to_shop."""
    customer_export.export_customers(get_context())
