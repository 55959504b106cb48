"""B2B companies BC → shops (timer). One fixed pipeline per changed BC Company customer:

    read (cursor window) → Company? default customer? → bound? (changes only) → claim → linked or found in
        the shop? → map (pure) → push → bind → log

- Shops: every shop with `[shops.customers] export_to_shop = true` on a platform with B2B companies: Shopify
  (this module) and every platform whose flows.py offers a `CompanyWriter` (found by core.platforms.part; it
  maps, finds and writes the shop's company — Magento's, Norce's, Centra's wholesale account — and this module
  keeps the claim, binding, cursor and log). Any other
  platform is *skipped* with the reason in the sync log (flow "customers-export", record "companies").
- BC: `customers` of type Company in the shop's customers company (`customers.company`, else its routing),
  whose lastModifiedDateTime is in the window of the cursor (Cursors flow "customers-export", key
  `<shop>:<company>`, overlap OVERLAP; the first run reads every Company customer). Blocked customers are
  read too (they become draft-only in the shop). Customers that are a company's default web customer
  (`[companies.default_customers]`) are not exported.
- Exactly once: binding kind "company-export" per (shop, BC customer id) is the claim. Before creating, the
  shop is searched by externalId (= BC customer number), so a create whose answer was lost (or a company made
  by hand with that externalId) is linked, not duplicated. A BC customer that was imported from the shop
  (binding kind "company" of the customers import points at it) is linked to that shop company.
- Later changes: the binding keeps the last pushed values of the BC-owned fields (customer_export_mapping);
  only what differs is sent (`companyUpdate`, `companyLocationUpdate`, `companyLocationAssignAddress`).
  An unchanged customer read again through the overlap costs no shop write and no log line.
- Failures are logged per customer (SyncLog) and hold the cursor back to that customer, so it is read again
  next run; one customer never stops the others.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.bc import BcError
from core.config import Company, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms import PLATFORMS as SHOP_PLATFORMS
from core.platforms import part, platform
from core.state import AlreadyClaimed, Binding, SyncStatus, names
from core.state.bindings import BOUND
from core.state.cursors import Window
from core.state.storage import table_key
from core.sync import customer_export_mapping as mapping
from core.sync import export_fields
from core.sync.context import Context
from core.sync.customers import customer_company

log = logging.getLogger("core.sync.customer_export")

FLOW = "customers-export"  # SyncLog flow and Cursors flow
KIND = "company-export"
IMPORT_KIND = "company"  # the customers import's binding: shop company id → BC Company customer
OVERLAP = timedelta(minutes=10)
FIRST_RUN = datetime(2000, 1, 1, tzinfo=UTC)  # the first run exports every existing Company customer
CLAIM_LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
BC_PAGE_SIZE = 200
SHOP_RECORD = "companies"  # SyncLog record of shop-level outcomes (platform without B2B, no company)
FIELDS = ["id", "number", "displayName", "type", "addressLine1", "addressLine2", "city", "state", "country",
          "postalCode", "phoneNumber", "email", "paymentTermsId", "blocked", "taxRegistrationNumber",
          "lastModifiedDateTime"]

PUSHED, UNCHANGED, IGNORED, FAILED, SKIPPED = "pushed", "unchanged", "ignored", "failed", "skipped"


@dataclass
class ShopRun:
    shop: str
    counts: dict[str, int] = field(default_factory=dict)
    hold_at: datetime | None = None  # lastModifiedDateTime of the oldest customer to read again

    def count(self, status: str, modified: datetime | None) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if status == FAILED and modified is not None:
            self.hold_at = modified if self.hold_at is None else min(self.hold_at, modified)


@dataclass
class Pushed:
    message: str
    data: dict
    attention: str = ""  # pushed, but a person should look (e.g. payment terms without a Shopify template)
    resolution: str = ""  # what that person does; Shopify's when empty


SHOPIFY_PARTLY_EXPORTED = ("Give the BC customer payment terms of 0, 7, 15, 30, 45, 60 or 90 days (date formula like "
                           "30D) or set the company's payment terms in Shopify by hand; give the BC customer an "
                           "ISO two-letter country code (UK and EL are sent as GB and GR) so its address can be sent, "
                           "and a phone number with its country code (+46 8 …) so its phone can be sent.")


# ---------------------------------------------------------------------------------------------- the flow

def platforms() -> set[str]:
    """The platforms with B2B companies this flow writes: Shopify here, the others through their flows.py
    CompanyWriter (Magento companies, Norce companies, Centra wholesale accounts). Asked at run time: a
    writer's module imports this one."""
    return {"shopify"} | {name for name in SHOP_PLATFORMS if part(name, "CompanyWriter") is not None}


def export_customers(ctx: Context, now: datetime | None = None) -> int:
    """Push changed BC Company customers to every exporting shop; returns how many were pushed."""
    now = now or datetime.now(UTC)
    pushed = 0
    for shop in [s for s in ctx.config.shops if s.customers.export_to_shop]:
        offers = platforms()
        if shop.platform not in offers:
            offered = "".join(f", {name.capitalize()}" for name in sorted(offers - {"shopify"}))
            reason = (f"B2B company export is only available for Shopify{offered}; {shop.platform} has no B2B "
                      f'companies in core, so BC Company customers are not exported to shop "{shop.key}". Set '
                      "export_to_shop = false in its [shops.customers] to silence this.")
            ctx.synclog.record(FLOW, shop.key, SHOP_RECORD, SyncStatus.SKIPPED, message=reason)
            log.info("customers_export_skipped shop=%s platform=%s", shop.key, shop.platform)
            continue
        try:
            company = customer_company(ctx.config, shop)
        except NeedsAttention as exc:
            ctx.synclog.record(FLOW, shop.key, SHOP_RECORD, SyncStatus.NEEDS_ATTENTION, message=exc.message,
                               resolution=exc.resolution, code=exc.code, attempt=True)
            continue
        if not _shop_ready(ctx, shop):
            continue  # the cursor stays: every company is read once the setting is fixed
        key = f"{shop.key}:{company.key}"
        window = ctx.cursors.window(FLOW, key, start=FIRST_RUN, overlap=OVERLAP, now=now)
        try:
            run = _export_shop(ctx, shop, company, window)
        except Exception:  # noqa: BLE001 - one shop (or BC) down must not stop the others; cursor stays
            log.exception("customers_export_failed shop=%s company=%s since=%s", shop.key, company.key,
                          window.since.isoformat())
            continue
        pushed += run.counts.get(PUSHED, 0)
        until = min(window.until, run.hold_at) if run.hold_at else window.until
        ctx.cursors.advance(FLOW, key, Window(since=window.since, until=until, etag=window.etag))
        log.info("customers_export_run shop=%s company=%s %s", shop.key, company.key,
                 " ".join(f"{k}={v}" for k, v in sorted(run.counts.items())) or "nothing new")
    return pushed


def _shop_ready(ctx: Context, shop: Shop) -> bool:
    """The platform writer's shop-level check (`CompanyWriter.check_shop`, e.g. Norce's application_key): a
    problem every company would hit is one needs-attention on the shop record, written once while it lasts
    (not once per BC company, nor again each run), and marked resolved when the check passes again."""
    check = getattr(part(shop.platform, "CompanyWriter"), "check_shop", None) if shop.platform != "shopify" else None
    if check is None:
        return True
    previous = ctx.synclog.get(FLOW, shop.key, SHOP_RECORD)
    try:
        check(shop)
    except NeedsAttention as exc:
        if (previous is None or previous.status is not SyncStatus.NEEDS_ATTENTION or previous.code != exc.code
                or previous.message != exc.message[:8000]):
            ctx.synclog.record(FLOW, shop.key, SHOP_RECORD, SyncStatus.NEEDS_ATTENTION, message=exc.message,
                               resolution=exc.resolution, code=exc.code, attempt=True)
        log.warning("customers_export_blocked shop=%s code=%s", shop.key, exc.code)
        return False
    if previous is not None and previous.status is SyncStatus.NEEDS_ATTENTION and previous.code == "missing_setting":
        ctx.synclog.record(FLOW, shop.key, SHOP_RECORD, SyncStatus.SUCCESS,
                           message=f"Shop {shop.key} has the setting the companies export needed; exporting again.")
    return True


def _export_shop(ctx: Context, shop: Shop, company: Company, window: Window) -> ShopRun:
    run = ShopRun(shop.key)
    co = ctx.bc.company(company.bc_company_id)
    since = window.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    select = list(dict.fromkeys([*FIELDS, *export_fields.api_fields(export_fields.rules_for(shop, "customer"))]))
    rows = co.list("customers", filter=f"type eq 'Company' and lastModifiedDateTime gt {since}", select=select,
                   page_size=BC_PAGE_SIZE)
    lazy = _Lookups(ctx, shop, co)
    for customer in rows:
        status = export_company(ctx, shop, company, customer, lazy)
        run.count(status, _modified(customer))
    return run


class _Lookups:
    """What every customer of one run shares, read only when the first customer needs it."""

    def __init__(self, ctx: Context, shop: Shop, co):
        self.ctx, self.shop, self.co = ctx, shop, co
        self._client = None
        self._terms: dict[str, dict] | None = None
        self._templates: list[dict] | None = None
        self._pages: export_fields.PageRows | None = None
        self._writer = None

    @property
    def writer(self):
        """The platform's CompanyWriter over the shop's client; None for Shopify (this module writes it)."""
        if self._writer is None and self.shop.platform != "shopify":
            self._writer = part(self.shop.platform, "CompanyWriter")(self.client)
        return self._writer

    def fields(self, customer: dict) -> tuple:
        """The customer's export fields ([[shops.export_fields]], entity "customer"); pages read once a run."""
        rules = export_fields.rules_for(self.shop, "customer")
        if not rules:
            return ()
        if self._pages is None:
            config = self.ctx.config
            self._pages = export_fields.read_pages(self.ctx.bc, customer_company(config, self.shop), config.bc,
                                                   rules)
        values, problems = export_fields.shop_fields(rules, customer, self._pages, self.ctx.config.bc,
                                                     f"customer {customer.get('number')}")
        if problems:
            raise NeedsAttention(" ".join(p.message for p in problems), resolution=problems[0].resolution,
                                 code=problems[0].code)
        return values

    @property
    def client(self):
        if self._client is None:
            self._client = platform(self.shop.platform).client.client_for(self.shop)
        return self._client

    def terms(self, terms_id: str) -> dict | None:
        if self._terms is None:
            self._terms = {t["id"]: t for t in self.co.list("paymentTerms",
                                                            select=["id", "code", "dueDateCalculation"])}
        return self._terms.get(terms_id)

    def templates(self) -> list[dict]:
        if self._templates is None:
            self._templates = self.client.payment_terms_templates()
        return self._templates


def _modified(customer: dict) -> datetime | None:
    text = customer.get("lastModifiedDateTime")
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export_company(ctx: Context, shop: Shop, company: Company, customer: dict, lookups: _Lookups) -> str:
    """One BC customer through the pipeline; never raises for a per-customer problem (it is logged)."""
    number = str(customer.get("number") or "")
    customer_id = str(customer.get("id") or "")
    if not mapping.is_company(customer):
        return IGNORED
    if number in set(company.default_customers.values()):
        return IGNORED  # the shop's default web customer, not a B2B company
    existing = ctx.bindings.get(KIND, shop.key, customer_id)
    claim = None
    try:
        writer = lookups.writer
        if writer is not None and existing is not None and existing.is_bound:
            return _update_with(writer, ctx, shop, company, customer, existing)
        plan = None if writer is not None else mapping.company_plan(
            customer, lookups.terms(str(customer.get("paymentTermsId") or "")), lookups.templates())
        fields = () if writer is not None else lookups.fields(customer)  # export fields: Shopify only (check-config)
        if existing is not None and existing.is_bound:
            status = _update(ctx, shop, company, customer, existing, plan, lookups.client)
            return _update_fields(ctx, shop, company, customer, existing, fields, lookups.client) or status
        try:
            claim = ctx.bindings.claim(KIND, shop.key, customer_id, WORKER, CLAIM_LEASE)
        except AlreadyClaimed as exc:
            return UNCHANGED if exc.binding.is_bound else FAILED  # another run is on it; read it again next time
        if writer is not None:
            pushed = writer.create_or_link(shop, customer, imported_company(ctx, shop, company, customer_id))
        else:
            pushed = _create_or_link(ctx, shop, company, customer, plan, lookups.client)
            pushed.data["fields"] = _push_fields(lookups.client, pushed.data["company_id"], fields, {})
    except Skip as exc:
        if claim is not None:
            ctx.bindings.release(claim)
        _log(ctx, shop, customer, company, SyncStatus.SKIPPED, exc.reason)
        return SKIPPED
    except (NeedsAttention, Retryable, BcError) as exc:
        if claim is not None:
            ctx.bindings.release(claim)
        error = exc.to_bridge_error() if isinstance(exc, BcError) else exc
        if isinstance(error, Retryable):
            _log(ctx, shop, customer, company, SyncStatus.RECEIVED,
                 f"Temporary problem, retrying next run: {error.message}")
        else:
            _log(ctx, shop, customer, company, SyncStatus.NEEDS_ATTENTION, error.message,
                 resolution=error.resolution, code=error.code)
        return FAILED
    except Exception as exc:  # noqa: BLE001 - a bug for one customer must not stop the others
        if claim is not None:
            ctx.bindings.release(claim)
        log.exception("customer_export_failed shop=%s customer=%s", shop.key, number)
        _log(ctx, shop, customer, company, SyncStatus.FAILED, f"Unexpected error: {type(exc).__name__}: {exc}",
             resolution="This is a bug or an unclassified outage; the customer is read again next run. Report it "
                        "with this message if it persists.", code="unexpected_error")
        return FAILED
    claim.data = {**claim.data, **pushed.data}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="customers", bc_id=customer_id, bc_number=number)
    _log_pushed(ctx, shop, customer, company, pushed)
    return PUSHED


def _log_pushed(ctx: Context, shop: Shop, customer: dict, company: Company, pushed: Pushed) -> None:
    if pushed.attention:
        _log(ctx, shop, customer, company, SyncStatus.NEEDS_ATTENTION, f"{pushed.message} {pushed.attention}",
             resolution=pushed.resolution or SHOPIFY_PARTLY_EXPORTED,
             code="company_partly_exported")
    else:
        _log(ctx, shop, customer, company, SyncStatus.SUCCESS, pushed.message)


def _log(ctx: Context, shop: Shop, customer: dict, company: Company, status: SyncStatus, message: str, *,
         resolution: str = "", code: str = "") -> None:
    ctx.synclog.record(FLOW, shop.key, str(customer.get("id") or ""), status, message=message,
                       resolution=resolution, code=code, bc_company=company.key,
                       bc_document=f"customers {customer.get('number') or ''}", attempt=True)
    log.info("sync_status=%s flow=%s shop=%s id=%s", status, FLOW, shop.key, customer.get("id"))


# ---------------------------------------------------------------------------------------------- create / link

def _create_or_link(ctx: Context, shop: Shop, company: Company, customer: dict, plan: mapping.CompanyPlan,
                    client) -> Pushed:
    number = str(customer.get("number") or "")
    attention = "; ".join(plan.problems)
    imported = imported_company(ctx, shop, company, str(customer.get("id") or ""))
    if imported is not None:
        found = client.company(imported)
        if found is None:
            raise NeedsAttention(
                f"BC customer {number} was imported from Shopify company {imported}, which no longer exists.",
                resolution="If the company was deleted in Shopify on purpose, delete the customers import's "
                           f'"company" binding of {imported} (python -m core records …) and this customer is '
                           "created again next run; otherwise restore the company in Shopify.",
                code="shop_company_missing")
        return _push_changes(client, found, {}, plan, linked=True, attention=attention,
                             verb=f"Linked Shopify company {found['name']} (imported from the shop)")
    found = client.company_by_external_id(number)
    if found is not None:  # a lost create answer, or a company made by hand with the BC number
        return _push_changes(client, found, {}, plan, linked=False, attention=attention,
                             verb=f"Linked Shopify company {found['name']} (externalId {number})")
    created, errors = client.create_company(mapping.create_input(plan))
    if errors or created is None:
        raise NeedsAttention(
            f"Shopify refused to create company {plan.company['name']} for BC customer {number}: "
            + "; ".join(f"{'.'.join(map(str, e.get('field') or []))}: {e.get('message')}" for e in errors),
            resolution="Fix what Shopify names on the BC customer (name, country code) or in Shopify (a company "
                       "with this externalId), then wait for the next run or change the customer in BC.",
            code="shop_rejected")
    locations = [n["id"] for n in ((created.get("locations") or {}).get("nodes") or [])]
    terms = " with its payment terms" if plan.terms_template else ""
    blocked = " (blocked in BC: its orders become drafts for review)" if plan.blocked else ""
    return Pushed(f"Created Shopify company {created['name']} with one location{terms}{blocked}.",
                  {"company_id": created["id"], "location_ids": locations, "linked": False,
                   "state": plan.state()}, attention=attention)


def imported_company(ctx: Context, shop: Shop, company: Company, customer_id: str) -> str | None:
    """The Shopify company id the customers import bound to this BC customer (binding kind "company"), if any."""
    table = ctx.storage.table(names.BINDINGS)
    rows = table.query_entities(
        "PartitionKey eq @p and BcId eq @id and BcCompany eq @company and State eq @state",
        parameters={"p": table_key(f"{IMPORT_KIND}|{shop.key}"), "id": customer_id, "company": company.key,
                    "state": BOUND},
        select=["ExternalId"])
    return next((str(row["ExternalId"]) for row in rows), None)


# ---------------------------------------------------------------------------------------------- update

def _update_with(writer, ctx: Context, shop: Shop, company: Company, customer: dict, binding: Binding) -> str:
    """A bound customer through the platform's CompanyWriter: None from it means nothing BC owns changed."""
    pushed = writer.update(shop, customer, binding.data)
    if pushed is None:
        return UNCHANGED
    binding.data = {**binding.data, **pushed.data}
    ctx.bindings.update(binding)
    _log_pushed(ctx, shop, customer, company, pushed)
    return PUSHED


def _update(ctx: Context, shop: Shop, company: Company, customer: dict, binding: Binding,
            plan: mapping.CompanyPlan, client) -> str:
    previous = binding.data.get("state") or {}
    linked = bool(binding.data.get("linked"))
    if mapping.changes(previous, plan, linked=linked).empty:
        return UNCHANGED
    found = {"id": binding.data["company_id"], "name": plan.company["name"],
             "locations": {"nodes": [{"id": i} for i in binding.data.get("location_ids") or []]}}
    pushed = _push_changes(client, found, previous, plan, linked=linked, attention="; ".join(plan.problems),
                           verb=f"Updated Shopify company {plan.company['name']}")
    binding.data = {**binding.data, **pushed.data}
    ctx.bindings.update(binding)
    _log_pushed(ctx, shop, customer, company, pushed)
    return PUSHED


def _push_fields(client, company_id: str, fields: tuple, told: dict) -> dict:
    """metafieldsSet on the Shopify company for the export fields whose value differs from `told` (what the
    binding says the shop has); returns what the shop has now ("namespace.key" → value)."""
    changed = [f for f in fields if told.get(f"{f.namespace}.{f.key}") != f.value]
    if changed:
        errors, _calls = client.set_metafields([{**f.metafield(), "ownerId": company_id} for f in changed])
        if errors:
            raise NeedsAttention(
                f"Shopify refused export field(s) {[f.rule for f in changed]} of company {company_id}: "
                + "; ".join(f"{'.'.join(map(str, e.get('field') or []))}: {e.get('message')}" for e in errors),
                resolution="Compare the rule's type with the metafield definition in Shopify (Settings > Custom "
                           "data > Companies) and correct [[shops.export_fields]]; the customer is read again next "
                           "run.", code="shop_rejected")
    return {**told, **{f"{f.namespace}.{f.key}": f.value for f in fields}}


def _update_fields(ctx: Context, shop: Shop, company: Company, customer: dict, binding: Binding, fields: tuple,
                   client) -> str | None:
    """Export fields of a bound company: PUSHED when some were sent, None when the shop has them all."""
    told = binding.data.get("fields") or {}
    if all(told.get(f"{f.namespace}.{f.key}") == f.value for f in fields):
        return None
    binding.data = {**binding.data, "fields": _push_fields(client, binding.data["company_id"], fields, told)}
    ctx.bindings.update(binding)
    _log(ctx, shop, customer, company, SyncStatus.SUCCESS,
         f"Updated Shopify company {customer.get('displayName')}: export fields "
         f"{', '.join(f.rule for f in fields if told.get(f'{f.namespace}.{f.key}') != f.value)}.")
    return PUSHED


def _push_changes(client, found: dict, previous: dict, plan: mapping.CompanyPlan, *, linked: bool,
                  attention: str, verb: str) -> Pushed:
    """Send what differs from `previous` to the company `found` (every location of a linked company)."""
    changes = mapping.changes(previous, plan, linked=linked)
    locations = [n["id"] for n in ((found.get("locations") or {}).get("nodes") or [])]
    if not locations and (changes.location or changes.address is not None):
        raise NeedsAttention(f"Shopify company {found.get('name')} ({found['id']}) has no location to update.",
                             resolution="Add a location to the company in Shopify, then change the customer in BC "
                                        "(or wait for the next change).", code="shop_company_no_location")
    errors: list[dict] = []
    if changes.company:
        errors += client.update_company(found["id"], changes.company)
    targets = locations if linked else locations[:1]  # the bridge's own company has the one location it made
    for location in targets:
        if changes.location:
            errors += client.update_company_location(location, changes.location)
        if changes.address is not None:
            errors += client.assign_company_address(location, changes.address)
    if errors:
        raise NeedsAttention(
            f"Shopify refused the update of company {found.get('name')}: "
            + "; ".join(f"{'.'.join(map(str, e.get('field') or []))}: {e.get('message')}" for e in errors),
            resolution="Fix what Shopify names on the BC customer (or the company in Shopify); the customer is "
                       "read again next run.", code="shop_rejected")
    what = ", ".join(changes.names()) or "nothing to change"
    return Pushed(f"{verb}: {what}.", {"company_id": found["id"], "location_ids": locations, "linked": linked,
                                       "state": plan.state()}, attention=attention)

