"""B2B companies BC → Shopify: pure mapping (no I/O). The pipeline is in core/sync/customer_export.py.

A BC Company customer becomes a Shopify company with one company location. What the mapper produces is a
`CompanyPlan`: the desired Shopify values of the fields BC owns, in the shape of the mutations' inputs.
The binding keeps the plan's `state()` from the last push; `changes()` compares it with a new plan, so an
unchanged customer costs no shop write and a change sends only the part that changed.

Field ownership (docs/customers.md, "BC → shop"):
- Companies the bridge created from BC: BC owns the company name and externalId (the BC customer number),
  the location's name, phone, billing and shipping address, and its payment terms template. A blocked
  customer's location gets `checkoutToDraft` (orders become drafts for review).
- Companies the shop already had (imported shop → BC, "company" binding): the shop owns who they are (name,
  addresses, phone, externalId); BC pushes only payment terms and the blocked → checkoutToDraft switch.
- Never written: company note, contacts and roles, catalogs, tax settings and exemptions, locale,
  editableShippingAddress, metafields, other locations, and `checkoutToDraft` of a company whose blocked
  status did not change (a merchant may have switched draft review on by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.platforms.shopify import address as shopify_address

# BC `blocked` values that stop business with the customer (" " = not blocked).
BLOCKED = ("Ship", "Invoice", "All")
# Shopify length limits we cut to rather than being refused (company/location name: 255).
NAME_LIMIT = 255
# BC date formulas that are a plain number of days or weeks ("30D", "14 D", "2W"); anything else ("CM",
# "1M", "CM+30D", "D10") has no fixed number of days and so no Shopify template.
_FORMULA = re.compile(r"^\s*(\d+)\s*([DW])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CompanyPlan:
    company: dict  # CompanyInput: name, externalId
    location: dict  # CompanyLocationInput / CompanyLocationUpdateInput: name, phone
    address: dict | None  # CompanyAddressInput (billing = shipping); None: BC has no usable country
    terms_template: str | None  # PaymentTermsTemplate gid; None: pay at checkout
    blocked: bool
    problems: tuple[str, ...] = field(default_factory=tuple)  # pushed anyway, but a person should look

    def state(self) -> dict:
        """What the binding remembers of this push (compared by `changes` next time)."""
        return {"company": self.company, "location": self.location, "address": self.address,
                "terms": self.terms_template, "blocked": self.blocked}


@dataclass(frozen=True)
class Changes:
    company: dict  # companyUpdate input (empty: nothing)
    location: dict  # companyLocationUpdate input (empty: nothing)
    address: dict | None  # companyLocationAssignAddress (None: nothing)

    @property
    def empty(self) -> bool:
        return not self.company and not self.location and self.address is None

    def names(self) -> list[str]:
        named = [*self.company, *(k for k in self.location if k != "buyerExperienceConfiguration")]
        named += sorted(self.location.get("buyerExperienceConfiguration") or {})
        return named + (["address"] if self.address is not None else [])


def is_company(customer: dict) -> bool:
    return str(customer.get("type") or "") == "Company"


def is_blocked(customer: dict) -> bool:
    return str(customer.get("blocked") or "").strip() in BLOCKED


def due_days(due_date_calculation: str) -> int | None:
    """Days until due from a BC date formula ("30D" → 30, "2W" → 14, "0D" → 0); None when not fixed."""
    match = _FORMULA.match(due_date_calculation or "")
    if not match:
        return None
    days = int(match.group(1))
    return days * 7 if match.group(2).upper() == "W" else days


def terms_template(terms: dict | None, templates: list[dict]) -> tuple[str | None, str]:
    """The Shopify payment terms template for BC payment terms: (template id or None, problem text).

    0 days → the RECEIPT template ("Due on receipt"); n days → the NET template whose dueInDays is n.
    No BC terms → None (pay at checkout), no problem. Terms without a fixed day count, or a count Shopify
    has no template for, → None with the problem named."""
    if not terms:
        return None, ""
    code = str(terms.get("code") or "")
    formula = str(terms.get("dueDateCalculation") or "")
    days = due_days(formula)
    if days is None:
        return None, (f'BC payment terms {code} ("{formula}") are not a fixed number of days, so no Shopify payment '
                      "terms template matches; the company pays at checkout")
    for template in templates:
        kind = str(template.get("paymentTermsType") or "")
        if (days == 0 and kind == "RECEIPT") or (kind == "NET" and template.get("dueInDays") == days):
            return str(template["id"]), ""
    offered = sorted({int(t["dueInDays"]) for t in templates if t.get("paymentTermsType") == "NET"
                      and t.get("dueInDays") is not None})
    return None, (f"BC payment terms {code} ({days} days) have no Shopify payment terms template (Shopify offers "
                  f"due on receipt and net {', '.join(map(str, offered)) or '-'} days); the company pays at checkout")


def _cut(value, limit: int = NAME_LIMIT) -> str:
    return str(value or "").strip()[:limit].rstrip()


def address_input(customer: dict) -> dict | None:
    """CompanyAddressInput from the BC customer's address; None when BC's country has no Shopify CountryCode
    (Shopify requires countryCode, and a code outside its enum refuses the whole request)."""
    country = shopify_address.country_code(customer.get("country"))
    if country is None:
        return None
    address = {
        "address1": _cut(customer.get("addressLine1")),
        "address2": _cut(customer.get("addressLine2")),
        "city": _cut(customer.get("city")),
        "zip": _cut(customer.get("postalCode")),
        "countryCode": country,
        "recipient": _cut(customer.get("displayName")),
    }
    phone = shopify_address.e164_phone(customer.get("phoneNumber"))
    if phone:
        address["phone"] = phone
    state = _cut(customer.get("state"))
    if state:
        address["zoneCode"] = state.upper()
    return address


def company_plan(customer: dict, terms: dict | None, templates: list[dict]) -> CompanyPlan:
    """The desired Shopify company for a BC Company customer (with its payment terms record, if any).

    A BC value Shopify would refuse is left out and named in `problems` (the company is pushed and the record
    needs attention): a country without a Shopify CountryCode (no address is sent), a phone without its
    country code (no phone is sent)."""
    number = customer.get("number")
    name = _cut(customer.get("displayName")) or str(number or "")
    template, problem = terms_template(terms, templates)
    address = address_input(customer)
    problems = [problem] if problem else []
    if address is None:
        problems.append(f'BC customer {number} field country ("{customer.get("country") or ""}") is not a country '
                        "code Shopify knows, so its address is not sent to Shopify")
    raw_phone = _cut(customer.get("phoneNumber"))
    phone = shopify_address.e164_phone(raw_phone)
    if raw_phone and phone is None:
        problems.append(f'BC customer {number} field phoneNumber ("{raw_phone}") has no country code (+46 …), so '
                        "no phone is sent to Shopify")
    return CompanyPlan(
        company={"name": name, "externalId": str(number or "")},
        location={"name": name, "phone": phone or ""},
        address=address, terms_template=template, blocked=is_blocked(customer), problems=tuple(problems))


def create_input(plan: CompanyPlan) -> dict:
    """CompanyCreateInput: the company and its one location (billing = shipping = the BC address)."""
    location = {key: value for key, value in plan.location.items() if value}
    location["buyerExperienceConfiguration"] = {"paymentTermsTemplateId": plan.terms_template,
                                                "checkoutToDraft": plan.blocked}
    if plan.address is not None:
        location["billingAddress"] = dict(plan.address)
        location["shippingAddress"] = dict(plan.address)
    return {"company": dict(plan.company), "companyLocation": location}


def changes(previous: dict, plan: CompanyPlan, *, linked: bool) -> Changes:
    """What to send to bring Shopify from the last pushed state (`previous`, from the binding) to `plan`.

    `linked`: a company the shop created — only payment terms and the blocked switch are BC's."""
    company: dict = {}
    location: dict = {}
    address = None
    if not linked:
        company = {k: v for k, v in plan.company.items() if (previous.get("company") or {}).get(k) != v}
        location = {k: v for k, v in plan.location.items() if (previous.get("location") or {}).get(k) != v}
        if plan.address is not None and plan.address != previous.get("address"):
            address = dict(plan.address)
    terms_changed = plan.terms_template != previous.get("terms")
    blocked_changed = plan.blocked != bool(previous.get("blocked", False))
    if terms_changed or blocked_changed:
        # Whether Shopify merges or replaces buyerExperienceConfiguration is not documented: the terms always
        # go along, and so does checkoutToDraft while blocked (a merge keeps a merchant's own draft review
        # of an unblocked company; a replace could not unblock a blocked one by accident).
        buyer: dict = {"paymentTermsTemplateId": plan.terms_template}
        if blocked_changed or plan.blocked:
            buyer["checkoutToDraft"] = plan.blocked
        location["buyerExperienceConfiguration"] = buyer
    return Changes(company=company, location=location, address=address)
