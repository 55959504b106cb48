"""Customers shop → BC: the queue worker that imports one shop customer (or B2B buyer) into BC.

Export BC → shop (B2B companies with payment terms / credit limit → Shopify companyCreate) is not built,
so there is no export timer yet (docs/customers.md)."""

import azure.functions as func

from core.state import Envelope, names
from core.sync import customers
from core.sync.context import get_context
from core.sync.runner import run_item

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=names.CUSTOMERS_IMPORT, connection=names.STORAGE_SETTING)
def import_customer(msg: func.QueueMessage) -> None:
    run_item(get_context(), names.CUSTOMERS_IMPORT, Envelope.loads(msg.get_body()), customers.import_customer,
             dequeue_count=msg.dequeue_count or 1)
