"""BC Company customers → Centra wholesale accounts: the companies export (core/sync/customer_export.py reads
the changed BC customers, skips persons and default web customers, then hands each one here).

    (customer_export: bound? claim) → an account with its number as externalId? (link) → createAccount
        → (customer_export: bind, log)

Sources. The inputs are documented: `AccountCreateInput` (`name!`, `status!`, `market!`, `pricelist!` — each
"exactly one input field", `externalId` "to reference this object by it later", `accountAddress:
AccountMainAddressInput`, …) and `AccountUpdateInput` (the same, all optional) [V: centra.dev/graphql/
accountcreateinput.html, accountupdateinput.html]; `AccountMainAddressInput {companyName, attention, address1,
address2, country: NullableCountryInput, stateOrProvince, city, zipCode, phoneNumber, faxNumber, email}`
[V: centra.dev/graphql/accountmainaddressinput.html]; the mutations' use with `market: {id}`, `pricelist:
{id}`, `status: ACTIVE|INACTIVE` and a `{ userErrors, account { id } }` answer [V: centrahq/api-documentation
@cdb82b5~1 graphql-integration-api/05.examples/02.b2b]; a country input as `{code: "SE"}` [V: the createBuyer
example there]. Unverified: the look-up by externalId (client.ACCOUNT_QUERY), so a create whose answer was
lost is found again; without it the binding alone keeps accounts single.

What is sent: name (BC displayName, else number), externalId (BC number), status (ACTIVE; INACTIVE while the
BC customer is blocked, so its buyers cannot order), accountAddress from the BC address (the country only as
a two-letter code; another value is left out and named). New accounts get `[shops.customers] account_market`
and `account_pricelist`. Centra's own fields (buyers, discounts, credit limit, terms, allocation) are not
written: they are set in Centra, and an account needs a buyer before anyone can order.
Later runs send only the fields whose BC value changed since the last push (kept on the binding).
"""

from __future__ import annotations

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms.centra.client import Enum
from core.platforms.payload import text
from core.sync.customer_export import Pushed
from core.sync.customer_export_mapping import is_blocked

NAME_LIMIT = 255  # [U] Centra documents no length; a BC name is at most 100 characters anyway


def _cut(value) -> str:
    return str(value or "").strip()[:NAME_LIMIT].rstrip()


def account_state(customer: dict) -> tuple[dict, list[str]]:
    """The BC-owned account fields for a BC Company customer (plain values, kept on the binding to compare)
    and the BC values left out because Centra would not take them."""
    number = text(customer.get("number"))
    given = _cut(customer.get("country"))
    country = given.upper() if len(given) == 2 and given.isascii() and given.isalpha() else ""
    problems = []
    if given and not country:
        problems.append(f'BC customer {number} field country ("{given}") is not a two-letter country code, so '
                        "the account address is sent without a country")
    address = {"companyName": _cut(customer.get("displayName")) or number,
               "address1": _cut(customer.get("addressLine1")), "address2": _cut(customer.get("addressLine2")),
               "city": _cut(customer.get("city")), "zipCode": _cut(customer.get("postalCode")),
               "stateOrProvince": _cut(customer.get("state")), "phoneNumber": _cut(customer.get("phoneNumber")),
               "email": _cut(customer.get("email")), "country": country}
    return {"name": _cut(customer.get("displayName")) or number, "externalId": number,
            "status": "INACTIVE" if is_blocked(customer) else "ACTIVE", "accountAddress": address}, problems


def account_input(state: dict) -> dict:
    """A state (or the part of it that changed) as AccountCreateInput/AccountUpdateInput fields."""
    data = dict(state)
    if "status" in data:
        data["status"] = Enum(data["status"])
    if "accountAddress" in data:
        address = dict(data["accountAddress"])
        code = address.pop("country", "")
        address["country"] = {"code": code} if code else None  # NullableCountryInput: null clears it
        data["accountAddress"] = address
    return data


PARTLY_EXPORTED = ("Give the BC customer an ISO two-letter country code so its address is complete in "
                   "Centra.")


class AccountWriter:
    """The companies export's CompanyWriter for Centra (core/sync/customer_export.py keeps the claim, binding,
    cursor and log): `create_or_link` for a customer not yet bound, `update` for a bound one."""

    def __init__(self, client):
        self.client = client

    def create_or_link(self, shop: Shop, customer: dict, imported: str | None) -> Pushed:
        state, problems = account_state(customer)
        if not (shop.customers.account_market and shop.customers.account_pricelist):
            raise NeedsAttention(
                f"Centra needs a market and a pricelist for the new wholesale account of BC customer "
                f"{state['externalId']}.",
                resolution=f'set account_market and account_pricelist (their ids in Centra AMS) in [shops.customers] '
                           f'of shop "{shop.key}"', code="centra_account_settings_missing")
        found = self.client.account_by_external_id(state["externalId"])
        if found is not None:  # a create whose answer was lost, or an account made by hand with the BC number
            _refused(self.client.update_account(int(found["id"]), account_input(state)), "update", state)
            message = f"Linked Centra account {found.get('name') or found['id']} (externalId {state['externalId']})."
            account_id = found["id"]
        else:
            created, errors = self.client.create_account(
                {**account_input(state), "market": {"id": shop.customers.account_market},
                 "pricelist": {"id": shop.customers.account_pricelist}})
            if errors or created is None:
                _refused(errors or [{"message": "Centra answered without the account"}], "creation", state)
            account_id = created["id"]
            inactive = " (inactive: blocked in BC)" if state["status"] == "INACTIVE" else ""
            message = (f"Created Centra wholesale account {state['name']}{inactive}; add its buyers in Centra "
                       "before they can order.")
        return Pushed(message, {"account_id": account_id, "state": state}, "; ".join(problems),
                             PARTLY_EXPORTED)

    def update(self, shop: Shop, customer: dict, data: dict) -> Pushed | None:
        """Only the fields whose BC value changed since the last push; None (no call) when none did."""
        state, problems = account_state(customer)
        changed = {k: v for k, v in state.items() if (data.get("state") or {}).get(k) != v}
        if not changed:
            return None
        _refused(self.client.update_account(data["account_id"], account_input(changed)), "update", state)
        return Pushed(f"Updated Centra account {state['name']}: {', '.join(sorted(changed))}.",
                             {"state": state}, "; ".join(problems), PARTLY_EXPORTED)


def _refused(errors: list[dict], what: str, state: dict) -> None:
    if errors:
        raise NeedsAttention(
            f"Centra refused the {what} of wholesale account {state['name']} (BC customer {state['externalId']}): "
            + "; ".join(f"{'.'.join(map(str, e.get('path') or []))}: {e.get('message')}" for e in errors),
            resolution="Fix what Centra names on the BC customer (name, address) or in Centra (the market or "
                       "pricelist in [shops.customers], an account with this externalId), then wait for the next "
                       "run or change the customer in BC.",
            code="shop_rejected")
