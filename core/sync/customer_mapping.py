"""Customers shop → BC: pure mapping (no I/O). The pipeline is in core/sync/customers.py.

Field ownership (docs/customers.md): the shop owns who the customer is and where they live — name, e-mail,
phone, address, VAT registration number. BC owns everything about doing business with them — credit limit,
blocked, payment terms and method, currency, salesperson, tax area / liability and the posting groups its
Config. Template Selection Rules set on insert. Updates only ever PATCH shop-owned fields that differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from core.bc.odata import odata_string
from core.models import Address, Customer, CustomerKind

# BC field lengths (Customer / Contact tables, API v2.0): longer values are refused with
# Application_StringExceededLength, so they are cut here.
LENGTHS = {
    "displayName": 100, "addressLine1": 100, "addressLine2": 50, "city": 30, "state": 30, "country": 10,
    "postalCode": 20, "phoneNumber": 30, "email": 80, "taxRegistrationNumber": 20, "jobTitle": 30,
}

# Fields the shop owns on a BC customer. Nothing else is ever written by an update.
SHOP_OWNED = ("displayName", "email", "phoneNumber", "addressLine1", "addressLine2", "city", "state", "country",
              "postalCode", "taxRegistrationNumber")
# Fields BC owns (never sent, listed for the docs and the test that proves it).
BC_OWNED = ("creditLimit", "blocked", "paymentTermsId", "paymentMethodId", "shipmentMethodId", "currencyId",
            "currencyCode", "salespersonCode", "taxAreaId", "taxLiable")
# Code fields BC stores uppercased (comparisons must not see "se" vs "SE" as a change).
UPPERCASE = ("country", "postalCode")


@dataclass(frozen=True)
class ShopCustomer:
    """A shop customer as this flow needs it: the canonical Customer plus its (default) address."""

    customer: Customer
    address: Address = field(default_factory=Address)
    addresses: tuple[Address, ...] = ()

    @property
    def is_company(self) -> bool:
        return self.customer.kind is CustomerKind.COMPANY


def normalize_email(value: str) -> str:
    """Trimmed and lowercased (BC filters on e-mail are exact; shops keep what people typed).
    Not an address at all → ""."""
    email = (value or "").strip().lower()
    return email if "@" in email and " " not in email else ""


def fit(name: str, value: str) -> str:
    value = (value or "").strip()
    limit = LENGTHS.get(name)
    return value[:limit].rstrip() if limit else value


def bc_type(is_company: bool) -> str:
    return "Company" if is_company else "Person"


def customer_filter(email: str, is_company: bool) -> str:
    """The look-up both flows use (orders' inline resolution and this flow): e-mail + type."""
    return f"email eq {odata_string(email)} and type eq '{bc_type(is_company)}'"


def person_name(customer: Customer) -> str:
    return f"{customer.first_name} {customer.last_name}".strip()


def customer_body(customer: Customer, address: Address, *, is_company: bool) -> dict:
    """The BC customers POST body. No posting groups, tax area, payment terms or credit limit: BC's Config.
    Template Selection Rules fill those on insert, and BC owns them afterwards."""
    email = normalize_email(customer.email) or normalize_email(address.email)
    name = (customer.company_name or address.company) if is_company else (person_name(customer) or address.name)
    body = {
        "displayName": fit("displayName", name or email),
        "type": bc_type(is_company),
        "email": fit("email", email),
        "phoneNumber": fit("phoneNumber", customer.phone or address.phone),
        "addressLine1": fit("addressLine1", address.line1),
        "addressLine2": fit("addressLine2", address.line2),
        "city": fit("city", address.city),
        "state": fit("state", address.state),
        "postalCode": fit("postalCode", address.postal_code),
        "country": fit("country", address.country),
    }
    if customer.vat_number:
        body["taxRegistrationNumber"] = fit("taxRegistrationNumber", customer.vat_number)
    return body


def customer_changes(current: dict, desired: dict) -> dict:
    """The shop-owned fields of `desired` that differ from the BC record `current` (empty = nothing to write).
    An empty shop value never blanks a BC value (a shop update without an address keeps BC's address)."""
    changes = {}
    for name in SHOP_OWNED:
        if name not in desired or not desired[name]:
            continue
        want, have = desired[name], current.get(name) or ""
        if name in UPPERCASE:
            want, have = want.upper(), have.upper()
        if want != have:
            changes[name] = desired[name].upper() if name in UPPERCASE else desired[name]
    return changes


def company_contact_body(customer: Customer, address: Address) -> dict:
    """The Company contact that Person contacts hang on (BC links people to companies by contact number)."""
    body = customer_body(customer, address, is_company=True)
    return {"type": "Company", **{k: v for k, v in body.items() if k not in ("type", "taxRegistrationNumber")}}


def person_contact_body(customer: Customer, address: Address, company_contact_number: str) -> dict:
    email = normalize_email(customer.email) or normalize_email(address.email)
    return {
        "type": "Person",
        "displayName": fit("displayName", person_name(customer) or address.name or email),
        "companyNumber": company_contact_number,
        "email": fit("email", email),
        "phoneNumber": fit("phoneNumber", customer.phone or address.phone),
    }


def contact_changes(current: dict, desired: dict) -> dict:
    return {name: desired[name] for name in ("displayName", "email", "phoneNumber")
            if desired.get(name) and desired[name] != (current.get(name) or "")}


def fingerprint(shop_customer: ShopCustomer) -> str:
    """What of a shop customer matters to BC: the shop-owned fields (a change → an update)."""
    c, a = shop_customer.customer, shop_customer.address
    parts = [c.kind.value, normalize_email(c.email), c.first_name, c.last_name, c.company_name,
             c.company_external_id, c.phone, c.vat_number, a.line1, a.line2, a.city, a.state, a.postal_code,
             a.country, a.phone, a.company]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
