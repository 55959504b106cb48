"""`python -m core preview`: a dry run of every document the bridge writes to BC, one JSON object per
document and line. Nothing is written anywhere.

    --document order (default)     shop order payloads → the salesOrders deep-insert body
        {"source", "shop", "company", "skip", "sales_order", "after_create", "field_rules", "shop_total",
         "document_total", "problems"}
        Offline: items are "resolved" by taking the SKU (or the [shops.items] mapping) as the BC item number,
        the customer is the company's default customer, variants and locations are left out (they need BC
        ids). `after_create` is what is set once BC created the order (invoice discount, dimensions,
        fields of custom pages).
    --document credit-memo         shop refund payloads + the posted invoice they apply to (--invoice: a
        JSON file as GET salesInvoices(<id>)?$expand=salesInvoiceLines answers, or an invoice number read
        from BC) → the salesCreditMemos header and lines
        {"source", "shop", "company", "skip", "invoice", "prices_include_tax", "basis", "credit_memo",
         "shop_total", "document_total", "problems", "notes"}
        BC gives a memo its customer's "Prices Including VAT", which no API page shows: the preview prices
        the lines in --prices-include-tax, else in the invoice's basis, and says which (`basis`).
    --document payout-journal      settlement files of a [[payouts]] source (--source) → customerPayments
        and fee journalLines
        {"source", "payout", "company", "payments", "fees", "received", "paid_back", "fees_total",
         "net_total", "problems", "assumed"}
        Offline every referenced order is assumed invoiced and open (`assumed` says so); with --bc the
        journals and invoices are read from BC (read only).
    --document shop-fields         BC items or customers (JSON as GET items(<id>) / customers(<id>) answers, or
        a {"value": [...]} list) → the shop's export fields ([[shops.export_fields]] of --shop)
        {"source", "shop", "record", "entity", "fields", "read_at_run_time", "problems"}
        Offline: a rule reading one of your own pages is listed under `read_at_run_time` (its rows are read
        from BC when the flow runs).

Exit 0 when every file was mapped (problems are data, not failures); 2 when a file cannot be read or is
not what the document needs — reported on stderr, and the other files are still previewed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from core.config import Company, Config, PayoutSource, Shop, load_config
from core.errors import BridgeError, NeedsAttention, Skip
from core.models import Order
from core.platforms import PLATFORMS, platform
from core.sync import order_mapping as mapping
from core.sync import payout_mapping, refund_mapping

DOCUMENTS = ("order", "credit-memo", "payout-journal", "shop-fields")


def offline_resolution(order: Order, shop: Shop, company) -> mapping.Resolved:
    items = {
        line_id: mapping.ResolvedItem(item_id=None, item_number=number)
        for line_id, (number, _variant) in mapping.item_keys(order, shop).items()
    }
    defaults = company.default_customers
    customer = defaults.get(order.market) or defaults.get(order.country) or defaults.get("*")
    return mapping.Resolved(customer_number=customer, customer_id=None, items=items, locations={})


def preview_payload(payload: dict, source: str, config: Config, shop: Shop) -> dict:
    """One preview record. Raises NeedsAttention("malformed_payload") when the payload is not an order."""
    order = platform(shop.platform).parse.parse_order(payload, shop.key, shop.orders.currency_basis)
    order = order.model_copy(update={"raw": payload})  # for the shop's field rules
    record: dict = {"source": source, "shop": shop.key, "company": None, "skip": None, "sales_order": None,
                    "shop_total": order.totals.total, "document_total": None, "problems": []}
    try:
        mapping.should_import(order, shop)
    except Skip as exc:
        record["skip"] = exc.reason  # shown, and mapped anyway, so the operator sees what it would be
    try:
        company = mapping.route(order, config)
    except NeedsAttention as exc:
        record["problems"] = [{"code": exc.code, "message": exc.message, "resolution": exc.resolution}]
        return record
    mapped = mapping.build_sales_order(order, company, shop, offline_resolution(order, shop, company))
    record.update(
        company=company.key,
        sales_order=mapped.body,
        after_create={"discountAmount": mapped.discount, "dimensionSetLines": mapped.dimensions,
                      # field rules into [[bc.custom_pages]], written once BC created the order
                      **({"customPages": mapped.page_fields} if mapped.page_fields else {})},
        field_rules=mapped.field_rules,
        shop_total=mapped.shop_total,
        document_total=mapped.document_total,
        problems=[p.as_dict() for p in mapped.problems],
    )
    return record


# ---- export fields (BC → shop) ----


def preview_shop_fields(payload, source: str, config: Config, shop: Shop) -> list[dict]:
    """What the shop's export fields give for each BC item or customer in `payload`."""
    from core.sync import export_fields

    rows = payload.get("value") if isinstance(payload, dict) and isinstance(payload.get("value"), list) else [payload]
    records = []
    for row in rows:
        if not isinstance(row, dict) or not row.get("number"):
            raise NeedsAttention(f"{source} holds no BC item or customer (no number).",
                                 "save the record as GET items(<id>) or customers(<id>) answers it",
                                 code="invalid_arguments")
        customer = row.get("type") in ("Company", "Person")  # an item's type is Inventory, Service, Non-Inventory
        entities = ("customer",) if customer else ("product", "variant")
        rules = export_fields.rules_for(shop, *entities)
        what = f"{'customer' if customer else 'item'} {row['number']}"
        values, problems = export_fields.shop_fields(rules, row, export_fields.PageRows(), config.bc, what)
        shown = [{"rule": f.rule, "entity": f.entity, **(f.metafield() if shop.platform == "shopify"
                                                          else {"meta_data": f.meta_data()})} for f in values]
        records.append({"source": source, "shop": shop.key, "record": what,
                        "entity": "customer" if customer else "product", "fields": shown,
                        "read_at_run_time": [r.name for r in rules if r.source.startswith("page.")],
                        "problems": [{"code": p.code, "message": p.message, "resolution": p.resolution}
                                     for p in problems]})
    return records


# ---- credit memos ----


def parse_refund_payload(payload, shop: Shop, order: Order | None = None):
    """A refund as the refunds flow parses it (a WooCommerce action body names only the order: refused
    here, the preview needs the refund itself; a Brink refund is priced from `order`, `--order`)."""
    parse = platform(shop.platform).parse
    if not hasattr(parse, "parse_refund"):
        raise NeedsAttention(f"{shop.platform} refunds are not imported by the bridge.",
                             "preview orders of this shop, or credit its refunds in BC by hand", code="unsupported")
    if shop.platform == "woocommerce":
        refund = parse.parse_refund(payload, shop.key)
    elif hasattr(parse, "load_refund"):
        refund = parse.load_refund(payload, shop, lambda _order_id: order)
    else:
        refund = parse.parse_refund(payload, shop.key, shop.orders.currency_basis)
    return refund.model_copy(update={"raw": payload})  # for the shop's credit memo field rules


def preview_refund(payload, source: str, config: Config, shop: Shop, company: Company, invoice: dict,
                   prices_include_tax: bool | None = None, order: Order | None = None) -> dict:
    """One credit-memo preview record: the refund applied to `invoice` (a salesInvoice with its
    salesInvoiceLines), in the memo basis `prices_include_tax` (None: the invoice's, stated as assumed)."""
    from core.sync.refunds import in_document_basis

    refund = in_document_basis(shop, parse_refund_payload(payload, shop, order), invoice, company)
    record: dict = {"source": source, "shop": shop.key, "company": company.key, "skip": None,
                    "invoice": invoice.get("number"), "prices_include_tax": None, "basis": None, "credit_memo": None,
                    "shop_total": refund.total, "document_total": None, "problems": [], "notes": []}
    try:
        refund_mapping.should_import(refund)
    except Skip as exc:
        record["skip"] = exc.reason
    number = refund_mapping.credit_memo_number(str(invoice.get("externalDocumentNumber") or ""), refund, shop)
    mapped = refund_mapping.build_credit_memo(refund, invoice, company, shop, number=number, order=order,
                                              prices_include_tax=prices_include_tax)
    record.update(
        prices_include_tax=mapped.prices_include_tax,
        basis=("given (--prices-include-tax)" if prices_include_tax is not None else
               "assumed: the invoice's; BC gives the memo its customer's Prices Including VAT"),
        credit_memo=mapped.body, shop_total=mapped.shop_total, document_total=mapped.document_total,
        problems=[p.as_dict() for p in mapped.problems], notes=mapped.notes,
    )
    return record


def _company_of_shop(config: Config, shop: Shop, key: str | None) -> Company:
    """--company, else the company of the shop's first routing rule without market, currency or country
    conditions (its catch-all)."""
    if key:
        company = config.company(key)
        if company is None:
            raise NeedsAttention(f'There is no company "{key}" in the config.',
                                 f"use one of {[c.key for c in config.companies]}", code="unknown_company")
        return company
    for rule in config.routing:
        unconditional = rule.market is None and rule.currency is None and rule.country is None
        if unconditional and (rule.shop is None or rule.shop.casefold() == shop.key.casefold()):
            company = config.company(rule.company)
            if company is not None:
                return company
    raise NeedsAttention(f"No routing rule sends every order of shop {shop.key} to one company.",
                         "pass --company <company key>", code="no_route")


def load_invoice(spec: str, config: Config, company: Company, bc=None) -> dict:
    """--invoice: a JSON file (a salesInvoice with salesInvoiceLines), else the number of a posted invoice
    read from BC."""
    path = Path(spec)
    if path.is_file():
        invoice = json.loads(path.read_bytes(), parse_float=Decimal)
        if not isinstance(invoice, dict) or "id" not in invoice or "salesInvoiceLines" not in invoice:
            raise NeedsAttention(f"{spec} is not a salesInvoice with its salesInvoiceLines.",
                                 "save GET …/salesInvoices(<id>)?$expand=salesInvoiceLines as the file",
                                 code="malformed_payload")
        return invoice
    from core.bc.odata import odata_string

    if bc is None:
        from core.sync.context import bc_client_from_config

        bc = bc_client_from_config(config, dict(os.environ))
    found = bc.company(company.bc_company_id).first("salesInvoices", filter=f"number eq {odata_string(spec)}",
                                                      expand=["salesInvoiceLines"])
    if found is None:
        raise NeedsAttention(f"BC company {company.key} has no posted invoice {spec}, and no file of that name "
                             "exists.", "pass the posted invoice's number or a saved invoice file",
                             code="invoice_not_found")
    return found


# ---- payout journals ----


def preview_payouts(raw: bytes, source_name: str, config: Config, payout_source: PayoutSource, bc=None) -> list[dict]:
    """One record per payout in a settlement file. Without `bc` every referenced order is assumed to have one
    open posted invoice (its number unknown); with it, journals and invoices are read from BC."""
    from core.payments import psp

    company = config.company(payout_source.company)
    shop = config.shop(payout_source.shop)
    if company is None or shop is None:
        raise NeedsAttention(f"Payout source {payout_source.key} names a company or shop that is not configured.",
                             f'fix company and shop of [[payouts]] "{payout_source.key}"', code="invalid_config")
    records = []
    for payout in psp(payout_source.psp).parse_settlement(raw):
        assumed: list[str] = []
        if bc is not None:
            from core.sync.payouts import prepare_booking

            booking, _journals = prepare_booking(bc.company(company.bc_company_id), company, payout_source, shop,
                                                 payout)
        else:
            numbers = payout_mapping.invoice_numbers(payout, shop)
            invoices = {ext: [payout_mapping.InvoiceRef(id="", number=f"<invoice of {ext}>",
                                                        external_document_number=ext, customer_number="<customer>",
                                                        status="Open", remaining_amount=Decimal(0))]
                        for ext in set(numbers.values())}
            journals = payout_mapping.Journals(payment_journal_id=f"<{payout_source.payment_journal}>",
                                               clearing_account_number="<clearing account>",
                                               fee_journal_id=(f"<{payout_source.fee_journal}>"
                                                               if payout_source.fee_journal else ""))
            assumed = ["every referenced order has one open posted invoice (numbers shown as <invoice of …>)",
                       f"journal {payout_source.payment_journal} exists and its balancing account is the clearing "
                       "account (a G/L account)"]
            day = payout.payout_date or datetime.now(UTC).date()
            booking = payout_mapping.build_booking(payout, company, payout_source, numbers, invoices, journals, day)
        records.append({
            "source": source_name, "payout": payout_mapping.payout_key(payout), "company": company.key,
            "payments": [line.body for line in booking.payments], "fees": [line.body for line in booking.fees],
            "received": booking.received, "paid_back": booking.paid_back, "fees_total": booking.fees_total,
            "net_total": payout.net_total,
            "problems": [{"code": p.code, "message": p.message, "resolution": p.resolution}
                         for p in booking.problems],
            "assumed": assumed,
        })
    return records


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _choose_shop(config: Config, platform_name: str, key: str | None) -> Shop:
    if key:
        shop = config.shop(key)
        if shop is None:
            raise NeedsAttention(f'There is no shop "{key}" in the config.',
                                 f"use one of {[s.key for s in config.shops]}", code="unknown_shop")
        if shop.platform != platform_name:
            raise NeedsAttention(f'Shop "{key}" is a {shop.platform} shop, not {platform_name}.',
                                 f"pass --platform {shop.platform} or another --shop", code="unknown_shop")
        return shop
    shop = next((s for s in config.shops if s.platform == platform_name), None)
    if shop is None:
        raise NeedsAttention(f"The config has no {platform_name} shop.",
                             f'add a [[shops]] entry with platform = "{platform_name}" or pass --config',
                             code="unknown_shop")
    return shop


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def _setup(args: argparse.Namespace):
    """What every file of this run shares: config, and per document its shop/company/invoice or source.
    Returns (config, preview function of (raw bytes, file name) → records)."""
    config = load_config(args.config)
    if args.document == "payout-journal":
        if not args.source:
            raise NeedsAttention("--document payout-journal needs --source.",
                                 f"pass one of {[p.key for p in config.payouts]}", code="invalid_arguments")
        payout_source = config.payout_source(args.source)
        if payout_source is None:
            raise NeedsAttention(f'There is no payout source "{args.source}" in the config.',
                                 f"use one of {[p.key for p in config.payouts]}", code="unknown_payout_source")
        bc = None
        if args.bc:
            from core.sync.context import bc_client_from_config

            bc = bc_client_from_config(config, dict(os.environ))
        return lambda raw, name: preview_payouts(raw, name, config, payout_source, bc)
    if args.document == "shop-fields":
        shop = config.shop(args.shop or "")
        if shop is None:
            raise NeedsAttention("--document shop-fields needs --shop (a shop with [[shops.export_fields]]).",
                                 f"pass one of {[s.key for s in config.shops if s.export_fields]}",
                                 code="invalid_arguments")
        return lambda raw, name: preview_shop_fields(_json(raw), name, config, shop)
    if not args.platform:
        raise NeedsAttention(f"--document {args.document} needs --platform.", "pass --platform <shop platform>",
                             code="invalid_arguments")
    shop = _choose_shop(config, args.platform, args.shop)
    if args.document == "order":
        return lambda raw, name: [preview_payload(_json(raw), name, config, shop)]
    if not args.invoice:
        raise NeedsAttention("--document credit-memo needs --invoice (a saved invoice file or a BC invoice number).",
                             "pass --invoice", code="invalid_arguments")
    company = _company_of_shop(config, shop, args.company)
    invoice = load_invoice(args.invoice, config, company)
    order = None
    if args.order:
        order = platform(shop.platform).parse.parse_order(_json(Path(args.order).read_bytes()), shop.key,
                                                          shop.orders.currency_basis)
    basis = _yes_no(args.prices_include_tax)
    return lambda raw, name: [preview_refund(_json(raw), name, config, shop, company, invoice, basis, order)]


def _json(raw: bytes):
    try:
        return json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise _NotJson(str(exc)) from None


class _NotJson(Exception):
    pass


def cmd_preview(args: argparse.Namespace) -> int:
    try:
        preview = _setup(args)
    except (BridgeError, OSError, _NotJson) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    status = 0
    for name in args.files:
        # one bad file is reported and the batch goes on: an operator dry-runs a folder at a time
        try:
            records = preview(Path(name).read_bytes(), name)
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror}", file=sys.stderr)
            status = 2
            continue
        except _NotJson as exc:
            print(f"{name}: not JSON: {exc}", file=sys.stderr)
            status = 2
            continue
        except BridgeError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            status = 2
            continue
        except Exception as exc:  # noqa: BLE001 - any other failure is this file's, not the batch's
            print(f"{name}: cannot preview: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = 2
            continue
        for record in records:
            print(json.dumps(record, default=_json_default, ensure_ascii=False))
    return status


def add_parser(sub) -> None:
    p = sub.add_parser("preview", help="dry run: the BC document a shop order, refund or settlement would become")
    p.add_argument("--document", choices=DOCUMENTS, default="order",
                   help="order (sales order), credit-memo (refund + its invoice), payout-journal (settlement) or "
                        "shop-fields (BC item/customer → the shop's export fields)")
    p.add_argument("--platform", choices=sorted(PLATFORMS), help="shop platform (orders and credit memos)")
    p.add_argument("--config", help="config file (default: $BRIDGE_CONFIG, else config/example.toml)")
    p.add_argument("--shop", help="shop key (default: the first shop of the platform in the config)")
    p.add_argument("--company", help="credit memos: company key (default: the shop's routing)")
    p.add_argument("--invoice", help="credit memos: the posted invoice, a JSON file "
                   "(GET salesInvoices(<id>)?$expand=salesInvoiceLines) or an invoice number read from BC")
    p.add_argument("--order", help="credit memos: the original order payload (optional; matches lines, tax rates)")
    p.add_argument("--prices-include-tax", choices=("yes", "no"),
                   help="credit memos: the customer's Prices Including VAT (default: assume the invoice's)")
    p.add_argument("--source", help="payout journals: the [[payouts]] source key")
    p.add_argument("--bc", action="store_true", help="payout journals: read journals and invoices from BC")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="order or refund payloads (JSON) as the shop sends them, or settlement files")
    p.set_defaults(func=cmd_preview)
