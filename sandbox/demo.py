"""`make demo`: the whole product on this machine, in about half a minute.

Starts Azurite, the Business Central emulator (demo companies CRONUS SE / CRONUS DE), the Shopify and
WooCommerce emulators and the app on the sandbox Functions host; the shop emulators then deliver signed
webhooks the way the real shops do — including duplicates and an order with a SKU BC does not know —
and the demo shows the BC sales orders that were created and the sync log an operator would read.
"""

from __future__ import annotations

import logging
import sys
import time

from core.state import SyncStatus
from sandbox.samples import shopify_order, woo_order
from sandbox.stack import LocalStack

BOLD, DIM, GREEN, YELLOW, RED, RESET = "\033[1m", "\033[2m", "\033[32m", "\033[33m", "\033[31m", "\033[0m"
if not sys.stdout.isatty():
    BOLD = DIM = GREEN = YELLOW = RED = RESET = ""
STATUS_COLOUR = {SyncStatus.SUCCESS: GREEN, SyncStatus.SKIPPED: DIM, SyncStatus.NEEDS_ATTENTION: YELLOW,
                 SyncStatus.FAILED: RED, SyncStatus.RECEIVED: ""}


def step(text: str) -> None:
    print(f"\n{BOLD}▶ {text}{RESET}")


def main() -> int:
    logging.basicConfig(level=logging.ERROR, format="%(message)s")
    started = time.monotonic()
    step("Starting Azurite, the BC emulator, the Shopify and WooCommerce emulators and the app")
    with LocalStack() as stack:
        print(f"  app (sandbox Functions host)  {stack.host.base_url}")
        print(f"  Business Central emulator     {stack.bc.base_url}  (CRONUS SE, CRONUS DE)")
        print(f"  Shopify / WooCommerce         {stack.shopify.base_url}  /  {stack.woo.base_url}")

        step("Shops deliver signed webhooks to POST /api/webhooks/{shop}")
        paid = shopify_order(9001, [("1000", 2, "199.00"), ("2000", 1, "89.00")], discount_per_line="10.00")
        sent = stack.send_shopify("orders/paid", paid, event_id="evt-9001-paid")
        report("Shopify order #4001 (orders/paid)", sent)
        report("the same delivery again (Shopify retry, same event id)", stack.shopify.redeliver(sent))
        report("the same order as orders/create (another event)", stack.send_shopify("orders/create", paid))
        unknown = shopify_order(9002, [("3000", 1, "249.00"), ("SURF-BOARD-9", 1, "1990.00")],
                                email="new.customer@example.com")
        report("Shopify order #4002 with a SKU BC does not know", stack.send_shopify("orders/paid", unknown))
        report("WooCommerce setup ping (unsigned)", stack.woo.send_ping(stack.webhook_url("woo-demo"), 12))
        woo = woo_order(8101, [("WOO-ALBUM", 2, "150.00"), ("3000", 1, "249.00")])
        report("WooCommerce order 8101 (order.created)", stack.send_woo("order.created", woo))
        forged = stack.post_webhook("shopify-demo", b'{"id": 1}', {"X-Shopify-Hmac-Sha256": "Zm9yZ2Vk",
                                                                     "X-Shopify-Topic": "orders/paid"})
        print(f"  {'a forged Shopify webhook':<58} → HTTP {forged.status_code} (nothing stored)")

        step("Queue workers import the orders into Business Central")
        stack.wait_until_settled(timeout=90)

        step("Sales orders in Business Central (CRONUS SE)")
        for order in stack.bc.records(stack.company_id("se"), "salesOrders"):
            lines = stack.bc.records(stack.company_id("se"), "salesOrderLines", documentId=order["id"])
            print(f"  {BOLD}{order['number']}{RESET}  ext. doc {order['externalDocumentNumber']:<10} "
                  f"customer {order['customerNumber']:<7} total {money(order['totalAmountIncludingTax'])} SEK "
                  f"incl. VAT {money(order['totalTaxAmount'])}")
            for line in lines:
                discount = f"  discount {money(line['discountAmount'])}" if line["discountAmount"] else ""
                print(f"      {line['lineType']:<8} {line['lineObjectNumber']:<10} {line['description'][:30]:<30} "
                      f"{line['quantity']:>5g} × {money(line['unitPrice'])}{discount}")

        step("Sync log — what an operator sees")
        for record in sorted(stack.synclog.query(), key=lambda r: (r.shop, r.external_id)):
            colour = STATUS_COLOUR.get(record.status, "")
            print(f"  {colour}{record.status:<16}{RESET} {record.shop:<13} {record.external_id:<8} {record.message}")
            if record.resolution:
                print(f"  {'':<16} {'':<13} {'':<8} {YELLOW}Resolution:{RESET} {record.resolution}")

        attention = [r for r in stack.synclog.query() if r.status is SyncStatus.NEEDS_ATTENTION]
        orders = stack.bc.records(stack.company_id("se"), "salesOrders")
        print(f"\n{BOLD}Done in {time.monotonic() - started:.0f}s:{RESET} {len(orders)} sales orders created from "
              f"{len(orders) + len(attention)} shop orders (duplicates dropped), {len(attention)} needing attention.")
        print(f"{DIM}Next: `python -m core preview --platform shopify FILE` maps an order offline; "
              f"docs/operations.md shows the status page and retries; README.md explains configuration and "
              f"deployment.{RESET}")
        ok = len(orders) == 2 and len(attention) == 1
    return 0 if ok else 1


def money(value) -> str:
    return f"{float(value):>9,.2f}"


def report(label: str, sent) -> None:
    outcome = f"HTTP {sent.status}" if sent.status is not None else f"no answer ({sent.error})"
    print(f"  {label:<58} → {outcome} in {sent.elapsed_ms:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
