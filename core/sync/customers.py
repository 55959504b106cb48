"""Customers shop → BC, one fixed pipeline (as orders.py):

    load payload → parse → skip? → route → claim → look up by e-mail + type → create once → (B2B: contacts) → bind
    later deliveries: fingerprint unchanged → skip; changed → PATCH shop-owned fields with If-Match (ETag)

- The customer's binding (kind "customer", one per shop customer id) is the claim: two deliveries of one
  customer never both create. Before creating, BC is searched by e-mail + type (the rule the orders flow uses
  inline, `find_or_create_customer` here is shared with it), and a create whose answer was lost is looked up
  again before any second POST (`CompanyApi.create_once`).
- B2B (an explicit shop company, never a company name alone): a Company customer, a Company contact and a
  Person contact whose `companyNumber` is the Company contact's number. Several buyers of one shop company
  share its BC customer and Company contact (binding kind "company").
- Updates never touch BC-owned fields (credit limit, blocked, payment terms, posting setup): see
  customer_mapping.SHOP_OWNED and docs/customers.md. A stale ETag (409) re-reads and re-applies.
- Posting groups: BC applies its Config. Template Selection Rules when the API inserts a customer; nothing
  here sets them and nothing waits for them.
- The reconcile timer (`reconcile_customers`) is the safety net for missed webhooks: customers the shop changed
  in the cursor's window (`client.customers_updated_between`) that BC does not hold in that form (no bound
  binding with the same fingerprint) are stored and queued on customers-import exactly as their webhook would
  have been; the worker above makes a duplicate harmless (claim, fingerprint, e-mail lookup).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from azure.core.exceptions import ResourceModifiedError

from core import capabilities, untrusted
from core.bc import BcAmbiguousWriteError, BcConflictError, BcError, BcPermanentError, BcRetryableError
from core.bc.odata import odata_string
from core.config import Company, Config, Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.models import Address, Customer
from core.platforms import platform
from core.state import AlreadyClaimed, Binding, Bindings, Envelope, SyncStatus, enqueue, names
from core.sync import customer_mapping as mapping
from core.sync.context import Context
from core.sync.runner import Outcome, reconcile_shops

log = logging.getLogger("core.sync.customers")

CLAIM_LEASE = timedelta(minutes=5)
EMAIL_CLAIM = "customer-email"  # binding kind: one BC customer per (BC company, type, e-mail)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class BcCustomerRef:
    id: str
    number: str
    created: bool  # False: it was already in BC (found by e-mail + type, or by the shop company's binding)


# ---- shared with the orders flow ----

def find_or_create_customer(co, customer: Customer, address: Address, *, as_company: bool,
                            cache: dict | None = None, claims: Bindings | None = None) -> BcCustomerRef:
    """The BC customer for a shop customer: looked up by e-mail + type (Person / Company), created when missing
    (exactly once, even when BC's answer to the POST is lost). `cache` (optional, safe to drop) is keyed
    `(company URL, "customers", filter)` like the orders flow's cache.

    With `claims` (the Bindings table), creating is claimed per BC company, type and e-mail first, so two
    workers that meet the same new customer at once (two orders, or an order and a customer webhook) never
    create it twice: the second one waits (Retryable) and then finds it. Raises BcError."""
    email = mapping.normalize_email(customer.email) or mapping.normalize_email(address.email)
    if not email:
        raise NeedsAttention(
            f"Customer {customer.display_name or customer.external_id} has no usable e-mail address, which BC "
            "customers are matched by.",
            resolution="Add an e-mail address to the customer in the shop (a new update re-sends it), or create "
                       "the customer in BC by hand.",
            code="no_customer_email",
        )
    lookup = mapping.customer_filter(email, as_company)
    key = (co.base, "customers", lookup)
    if cache is not None and key in cache:
        return BcCustomerRef(cache[key]["id"], cache[key]["number"], created=False)
    claim = None
    if claims is not None:
        claim_id = f"{'company' if as_company else 'person'}:{email}"
        try:
            claim = claims.claim(EMAIL_CLAIM, co.company_id, claim_id, WORKER, CLAIM_LEASE)
        except AlreadyClaimed as exc:
            if not exc.binding.is_bound:
                raise Retryable(f"Another worker is creating BC customer {email} right now.") from None
            ref = BcCustomerRef(exc.binding.bc_id, exc.binding.bc_number, created=False)
            if cache is not None:
                cache[key] = {"id": ref.id, "number": ref.number}
            return ref
    try:
        result = co.create_once("customers", mapping.customer_body(customer, address, is_company=as_company), lookup)
    except BaseException:
        if claim is not None:
            claims.release(claim)
        raise
    ref = BcCustomerRef(result.record["id"], result.record.get("number", ""), created=result.created)
    if claim is not None:
        claims.bind(claim, bc_company=co.company_id, bc_entity="customers", bc_id=ref.id, bc_number=ref.number)
    if cache is not None:
        cache[key] = {"id": ref.id, "number": ref.number}
    return ref


# ---- the pipeline ----

def import_customer(ctx: Context, envelope: Envelope) -> Outcome:
    shop = _shop(ctx, envelope.shop)
    if not shop.customers.import_from_shop:
        raise Skip(f"Customer import is off for shop {shop.key} ([shops.customers] import_from_shop = false).")
    raw, _headers = ctx.inbox.load(envelope.payload_ref)
    parse = platform(shop.platform).parse
    try:
        # bounded depth, strict numbers; a platform whose webhook is no JSON body (Centra's payload= form) reads it
        payload = parse.customer_body(raw) if hasattr(parse, "customer_body") else untrusted.loads(raw)
    except untrusted.UnreadableJson as exc:
        raise NeedsAttention(
            f"The stored payload {envelope.payload_ref} is not valid JSON ({exc}).",
            resolution="Check what the shop sent (the raw payload is kept); save the customer in the shop again "
                       "so it sends a new update, or create the customer in BC by hand.",
            code="malformed_payload",
        ) from exc
    if hasattr(parse, "load_customer"):  # id-only webhooks (Shopware customer.written): the shop is asked
        payload = parse.load_customer(payload, shop, external_id=envelope.external_id)
    shop_customer = _shop_customer(parse, payload, shop)
    customer = shop_customer.customer
    updated_at = parse.customer_updated_at(payload)
    if not mapping.normalize_email(customer.email):
        raise Skip("The customer has no e-mail address; BC customers are matched by e-mail, so it is not imported "
                   "(an order of this customer uses the shop's customer_strategy).")
    existing = ctx.bindings.get("customer", shop.key, customer.external_id)
    if existing is not None and existing.is_bound:
        return _update(ctx, shop, shop_customer, existing, updated_at)
    company = customer_company(ctx.config, shop)
    return _create_once(ctx, shop, company, shop_customer, updated_at)


def _shop_customer(parse, payload: dict, shop: Shop) -> mapping.ShopCustomer:
    customer = parse.parse_customer(payload, shop.key)
    addresses = parse.parse_customer_addresses(payload)
    return mapping.ShopCustomer(customer, addresses[0] if addresses else Address(), tuple(addresses))


def customer_company(config: Config, shop: Shop) -> Company:
    """customers.company, else the shop's unconditional routing rule, else its first routing rule."""
    key = shop.customers.company or next(
        (r.company for r in config.routing if r.shop == shop.key and not (r.market or r.currency or r.country)),
        None) or next((r.company for r in config.routing if r.shop in (None, shop.key)), None)
    if key is None:
        raise NeedsAttention(f"No BC company for the customers of shop {shop.key}.",
                             resolution=f'set company in [shops.customers] of shop "{shop.key}"',
                             code="customers_no_company")
    return config.company(key)


def _create_once(ctx: Context, shop: Shop, company: Company, sc: mapping.ShopCustomer,
                 updated_at: datetime | None) -> Outcome:
    customer = sc.customer
    try:
        claim = ctx.bindings.claim("customer", shop.key, customer.external_id, WORKER, CLAIM_LEASE)
    except AlreadyClaimed as exc:
        if exc.binding.is_bound:
            raise Skip(f"Already in BC as customer {exc.binding.bc_number}.", duplicate=True) from None
        raise Retryable(f"Another worker ({exc.binding.owner}) is importing this customer right now.",
                        duplicate=True) from None
    co = ctx.bc.company(company.bc_company_id)
    contacts: dict = {}
    try:
        if sc.is_company:
            ref, contacts = _ensure_b2b(ctx, co, shop, company, sc)
        else:
            ref = find_or_create_customer(co, customer, sc.address, as_company=False, claims=ctx.bindings)
    except BcAmbiguousWriteError as exc:
        ctx.bindings.release(claim)
        raise Retryable(f"BC may or may not have created the customer ({exc}); will look it up and retry.",
                        retry_after=10) from exc
    except BcError as exc:
        ctx.bindings.release(claim)
        raise _bc_error(exc, company, shop) from exc
    except BaseException:
        ctx.bindings.release(claim)
        raise
    claim.data = {**claim.data, "fingerprint": mapping.fingerprint(sc), "is_company": sc.is_company,
                  "shop_updated_at": updated_at.isoformat() if updated_at else "", **contacts}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="customers", bc_id=ref.id, bc_number=ref.number)
    what = "Company customer" if sc.is_company else "customer"
    verb = "Created" if ref.created else "Linked existing (same e-mail and type)"
    extra = f" with contact {contacts['person_contact_number']} under {contacts['company_contact_number']}" \
        if contacts else ""
    note = "" if not ref.created else f" BC's Config. Template Selection Rules set its posting groups{_hint(shop)}."
    return Outcome(f"{verb} BC {what} {ref.number}{extra} in {company.name or company.key}.{note}",
                   bc_company=company.key, bc_document=f"customers {ref.number}", external_id=customer.external_id)


def _ensure_b2b(ctx: Context, co, shop: Shop, company: Company, sc: mapping.ShopCustomer) -> tuple[BcCustomerRef, dict]:
    """Company customer + Company contact + the buyer as Person contact (companyNumber = the company contact)."""
    customer = sc.customer
    shop_company = customer.company_external_id
    bound = ctx.bindings.get("company", shop.key, shop_company) if shop_company else None
    if bound is not None and bound.is_bound and bound.bc_company == company.key:
        ref = BcCustomerRef(bound.bc_id, bound.bc_number, created=False)
        company_contact_number = bound.data.get("company_contact_number", "")
    else:
        ref = find_or_create_customer(co, customer, sc.address, as_company=True, claims=ctx.bindings)
        company_contact_number = ""
    email = mapping.normalize_email(customer.email)
    if not company_contact_number:
        company_contact = co.create_once(
            "contacts", mapping.company_contact_body(customer, sc.address),
            f"type eq 'Company' and email eq {odata_string(email)}").record
        company_contact_number = company_contact["number"]
    person = co.create_once(
        "contacts", mapping.person_contact_body(customer, sc.address, company_contact_number),
        f"type eq 'Person' and email eq {odata_string(email)} and companyNumber eq "
        f"{odata_string(company_contact_number)}").record
    if shop_company and (bound is None or not bound.is_bound):
        _remember_company(ctx, shop, company, shop_company, ref, company_contact_number)
    return ref, {"company_contact_number": company_contact_number, "person_contact_id": person["id"],
                 "person_contact_number": person.get("number", "")}


def _remember_company(ctx: Context, shop: Shop, company: Company, shop_company: str, ref: BcCustomerRef,
                      company_contact_number: str) -> None:
    """Bind the shop company to its BC customer, so its next buyer joins it instead of getting their own."""
    try:
        claim = ctx.bindings.claim("company", shop.key, shop_company, WORKER, CLAIM_LEASE)
    except AlreadyClaimed:
        return  # another buyer of the same company got there first; both point at BC records that exist
    claim.data = {"company_contact_number": company_contact_number}
    ctx.bindings.bind(claim, bc_company=company.key, bc_entity="customers", bc_id=ref.id, bc_number=ref.number)


def _update(ctx: Context, shop: Shop, sc: mapping.ShopCustomer, binding: Binding,
            updated_at: datetime | None) -> Outcome:
    """A customer already in BC changed in the shop: PATCH the shop-owned fields that differ (If-Match)."""
    customer = sc.customer
    if binding.data.get("fingerprint") == mapping.fingerprint(sc):
        raise Skip(f"Already in BC as customer {binding.bc_number}; nothing BC holds changed.", duplicate=True)
    seen = binding.data.get("shop_updated_at")
    if updated_at is not None and seen and updated_at < datetime.fromisoformat(seen):
        raise Skip(f"An older version of the customer (changed {updated_at.isoformat()}) arrived after a newer one "
                   f"({seen}); BC keeps the newer.")
    if sc.is_company != binding.data.get("is_company", False):
        kind = "a B2B company buyer" if sc.is_company else "a consumer"
        raise NeedsAttention(
            f"Customer {customer.display_name} is now {kind} in the shop, but is linked to BC customer "
            f"{binding.bc_number} of the other type.",
            resolution=f"Decide in BC whether customer {binding.bc_number} changes type; to link a new BC customer, "
                       "delete this customer's binding (python -m core records …) and retry the record.",
            code="customer_type_changed", details={"bc_company": binding.bc_company},
        )
    company = ctx.config.company(binding.bc_company)
    co = ctx.bc.company(company.bc_company_id)
    desired = mapping.customer_body(customer, sc.address, is_company=sc.is_company)
    changed: list[str] = []

    def change(record: dict) -> dict:
        changes = mapping.customer_changes(record, desired)
        changed[:] = sorted(changes)
        return changes

    try:
        co.update_with_retry("customers", binding.bc_id, change)
        contact_id = binding.data.get("person_contact_id")
        if sc.is_company and contact_id:
            wanted = mapping.person_contact_body(customer, sc.address, binding.data.get("company_contact_number", ""))
            co.update_with_retry("contacts", contact_id, lambda record: mapping.contact_changes(record, wanted))
    except BcPermanentError as exc:
        if exc.status == 404:
            raise NeedsAttention(
                f"Customer {customer.display_name} changed in the shop, but its BC customer {binding.bc_number} "
                "(or contact) no longer exists.",
                resolution="If it was deleted on purpose, delete this customer's binding and retry to create it "
                           "again; if it was merged, ignore this record.",
                code="customer_deleted_in_bc", details={"bc_company": company.key}) from exc
        raise _bc_error(exc, company, shop) from exc
    except BcConflictError as exc:
        raise Retryable(f"BC customer {binding.bc_number} keeps changing while we update it: {exc}",
                        retry_after=30) from exc
    except BcError as exc:
        raise _bc_error(exc, company, shop) from exc
    binding.data = {**binding.data, "fingerprint": mapping.fingerprint(sc),
                    "shop_updated_at": updated_at.isoformat() if updated_at else seen or ""}
    try:
        ctx.bindings.update(binding)
    except ResourceModifiedError:
        log.info("customer binding %s changed meanwhile; BC was updated from a fresh read", binding.external_id)
    message = (f"Updated BC customer {binding.bc_number}: {', '.join(changed)}." if changed
               else f"BC customer {binding.bc_number} already had the shop's values; nothing written.")
    return Outcome(message, bc_company=company.key, bc_document=f"customers {binding.bc_number}",
                   external_id=customer.external_id)


# ---- reconcile: the safety net for missed customer webhooks ----

def reconcile_customers(ctx: Context, now: datetime | None = None) -> int:
    """Queue customers changed since each shop's cursor that BC does not hold in their current form; advance a
    shop's cursor only after its whole window succeeded. One shop failing does not stop the others."""
    # shops without a listing by change time (docs/platforms.md says why) have only their webhooks
    shops = [s for s in ctx.config.shops if "customers" in s.flows and s.customers.import_from_shop
             and capabilities.present(s.platform, "customers reconcile")]
    return reconcile_shops(ctx, "customer", "customers", shops, enqueue_changed_customers, now)


def enqueue_changed_customers(ctx: Context, shop: Shop, since: datetime, until: datetime, *,
                              source: str = "reconcile") -> int:
    """Store and queue, as a webhook would, every customer changed in [since, until) that BC does not hold in
    this form and that is not already queued."""
    parse = platform(shop.platform).parse
    client = platform(shop.platform).client.client_for(shop)
    queued = 0
    try:
        for raw in client.customers_updated_between(since, until):
            external_id, in_bc = _held_by_bc(ctx, shop, parse, raw)
            if in_bc:
                continue
            record = ctx.synclog.get("customers", shop.key, external_id)
            if record is not None and record.status is SyncStatus.RECEIVED:
                continue  # its webhook (or an earlier run) queued it; the worker is on it
            ref = ctx.inbox.store(shop.key, json.dumps(raw).encode(), {"content-type": "application/json"},
                                  source=source)
            enqueue(ctx.storage, names.CUSTOMERS_IMPORT, Envelope(
                flow="customers", shop=shop.key, external_id=external_id, payload_ref=ref, source=source,
                topic=source))
            message = f"Found by the customers {source} (changed in the shop, no webhook seen); queued for import."
            if record is None:
                ctx.synclog.record("customers", shop.key, external_id, SyncStatus.RECEIVED, payload_ref=ref,
                                   topic=source, message=message)
            else:
                ctx.synclog.note("customers", shop.key, external_id, message)
            queued += 1
    finally:
        client.close()
    return queued


def _held_by_bc(ctx: Context, shop: Shop, parse, raw: dict) -> tuple[str, bool]:
    """The customer's id, and whether its bound BC customer already has this version (same fingerprint).
    A body the parser refuses is queued all the same: the worker records why, with its resolution."""
    try:
        sc = _shop_customer(parse, raw, shop)
    except NeedsAttention:
        return _raw_id(raw), False
    binding = ctx.bindings.get("customer", shop.key, sc.customer.external_id)
    held = binding is not None and binding.is_bound and binding.data.get("fingerprint") == mapping.fingerprint(sc)
    return sc.customer.external_id, held


def _raw_id(raw: dict) -> str:
    """The id of a body the parser refused, as each platform names it (Geins answers PascalCase UserId)."""
    return str(raw.get("id") or raw.get("UserId") or raw.get("Id") or raw.get("admin_graphql_api_id") or "")


def _shop(ctx: Context, key: str) -> Shop:
    shop = ctx.config.shop(key)
    if shop is None:
        raise NeedsAttention(f"Shop {key!r} is not in the integration config.",
                             resolution=f'add a [[shops]] entry with key = "{key}" or delete this record',
                             code="unknown_shop")
    return shop


def _bc_error(exc: BcError, company: Company, shop: Shop) -> Exception:
    if isinstance(exc, BcRetryableError):
        return Retryable(f"Business Central is busy or unavailable: {exc}", retry_after=exc.retry_after)
    if isinstance(exc, BcPermanentError):
        return NeedsAttention(
            f"Business Central refused the customer: {exc.message} (code {exc.code}).",
            resolution=f"Fix what BC names in company {company.name or company.key} (e.g. a Config. Template "
                       f"Selection Rule whose template fails{_hint(shop)}, or a duplicate), then retry this record.",
            code="bc_rejected", details={"bc_company": company.key},
        )
    return Retryable(f"Business Central error: {exc}")


def _hint(shop: Shop) -> str:
    return f" ({shop.customers.template_hint})" if shop.customers.template_hint else ""
