"""B2B companies for the Shopify emulator: the queries and mutations the customers export sends.

| root field | requested cost | what it does |
|---|---|---|
| paymentTermsTemplates | 1 | Shopify's fixed list: due on receipt, net 7/15/30/45/60/90, fixed, due on fulfillment |
| company(id:) | 52 | the company with up to 50 locations, null when unknown |
| companies(first:, query:) | 2 + 51 × first | `external_id:<value>` (quoted or bare) filters exactly; no query = all |
| companyCreate(input:) | 10 | company (+ one location); userErrors below |
| companyUpdate(companyId:, input:) | 10 | name / externalId / note / customerSince; same checks |
| companyLocationUpdate(companyLocationId:, input:) | 10 | name, phone, externalId, note, locale, buyer config |
| companyLocationAssignAddress(locationId:, address:, addressTypes:) | 10 | billing and/or shipping address |

A mutation with userErrors changes nothing. Company names are required (BLANK), externalIds unique across
companies (TAKEN), an address needs a countryCode (INVALID; a value outside the CountryCode enum, such as BC's
"UK", never gets here: the schema refuses the whole request), a payment terms template id must be one of the
list (RESOURCE_NOT_FOUND). Every code is a BusinessCustomerErrorCode; which one Shopify picks for a missing
country is not in the reference. `buyerExperienceConfiguration` input is merged into the location's (fields not
given keep their value) — the live API's merge/replace behaviour is not documented.

Ids: `gid://shopify/Company/<n>`, `gid://shopify/CompanyLocation/<n>`, `gid://shopify/CompanyAddress/<n>`.
"""

from __future__ import annotations

import json
import re

from .store import ShopData, gid, gid_number

MUTATION_COST = 10
LOCATIONS_PER_COMPANY = 50

PAYMENT_TERMS_TEMPLATES = [
    {"id": gid("PaymentTermsTemplate", 1), "name": "Due on receipt", "paymentTermsType": "RECEIPT",
     "dueInDays": None, "description": "Due on receipt", "translatedName": "Due on receipt"},
    *({"id": gid("PaymentTermsTemplate", number), "name": f"Net {days}", "paymentTermsType": "NET",
       "dueInDays": days, "description": f"Within {days} days", "translatedName": f"Net {days}"}
      for number, days in ((2, 7), (3, 15), (4, 30), (5, 45), (6, 60), (8, 90))),
    {"id": gid("PaymentTermsTemplate", 7), "name": "Fixed", "paymentTermsType": "FIXED", "dueInDays": None,
     "description": "Fixed date", "translatedName": "Fixed"},
    {"id": gid("PaymentTermsTemplate", 9), "name": "Due on fulfillment", "paymentTermsType": "FULFILLMENT",
     "dueInDays": None, "description": "Due on fulfillment", "translatedName": "Due on fulfillment"},
]
ROOT_FIELDS = ("paymentTermsTemplates", "company", "companies", "companyCreate", "companyUpdate",
               "companyLocationUpdate", "companyLocationAssignAddress")
COMPANY_FIELDS = ("name", "externalId", "note", "customerSince")
LOCATION_FIELDS = ("name", "phone", "externalId", "note", "locale")
BUYER_FIELDS = ("checkoutToDraft", "paymentTermsTemplateId", "editableShippingAddress")
ADDRESS_FIELDS = ("address1", "address2", "city", "zip", "zoneCode", "countryCode", "phone", "recipient",
                  "firstName", "lastName")
_EXTERNAL_ID = re.compile(r"external_id:\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|\S+)")


def requested_cost(root_field: str, args: dict) -> int:
    if root_field == "paymentTermsTemplates":
        return 1
    if root_field == "company":
        return 2 + LOCATIONS_PER_COMPANY
    if root_field == "companies":
        return 2 + int(args.get("first") or 10) * (1 + LOCATIONS_PER_COMPANY)
    return MUTATION_COST


def handle(data: ShopData, root_field: str, args: dict) -> tuple[dict, int]:
    """Answer one of ROOT_FIELDS: (data, actual cost)."""
    with data.lock:
        if root_field == "paymentTermsTemplates":
            return {"paymentTermsTemplates": [dict(t) for t in PAYMENT_TERMS_TEMPLATES]}, 1
        if root_field == "company":
            number = _number(args.get("id"), "Company")
            found = number is not None and number in data.companies
            return {"company": company_node(data, number) if found else None}, \
                2 + (len(data.companies[number]["locations"]) if found else 0)
        if root_field == "companies":
            return _companies(data, args)
        mutation = {"companyCreate": _create, "companyUpdate": _update, "companyLocationUpdate": _location_update,
                    "companyLocationAssignAddress": _assign_address}[root_field]
        return {root_field: mutation(data, args)}, MUTATION_COST


# ---- nodes ----

def company_node(data: ShopData, number: int) -> dict:
    company = data.companies[number]
    locations = [location_node(data, n) for n in company["locations"][:LOCATIONS_PER_COMPANY]]
    return {"id": gid("Company", number), "name": company["name"], "externalId": company.get("externalId"),
            "note": company.get("note"), "customerSince": company.get("customerSince"),
            "locations": {"nodes": locations, "edges": [{"node": n} for n in locations]}}


def location_node(data: ShopData, number: int) -> dict:
    location = data.company_locations[number]
    buyer = location["buyerExperienceConfiguration"]
    template = next((dict(t) for t in PAYMENT_TERMS_TEMPLATES if t["id"] == buyer.get("paymentTermsTemplateId")),
                    None)
    return {"id": gid("CompanyLocation", number), "name": location["name"], "phone": location.get("phone"),
            "externalId": location.get("externalId"), "note": location.get("note"),
            "billingAddress": _address_node(location.get("billingAddress")),
            "shippingAddress": _address_node(location.get("shippingAddress")),
            "buyerExperienceConfiguration": {"checkoutToDraft": bool(buyer.get("checkoutToDraft")),
                                             "editableShippingAddress": bool(buyer.get("editableShippingAddress")),
                                             "paymentTermsTemplate": template}}


def _address_node(address: dict | None) -> dict | None:
    return None if address is None else dict(address)


# ---- queries ----

def _companies(data: ShopData, args: dict) -> tuple[dict, int]:
    first = int(args.get("first") or 10)
    wanted = _EXTERNAL_ID.search(str(args.get("query") or ""))
    value = None
    if wanted:
        token = wanted.group(1)
        value = json.loads(token) if token.startswith('"') else token.strip("'")
    numbers = sorted(n for n, c in data.companies.items() if value is None or c.get("externalId") == value)
    nodes = [company_node(data, n) for n in numbers[:first]]
    return {"companies": {"nodes": nodes, "edges": [{"node": n} for n in nodes],
                          "pageInfo": {"hasNextPage": len(numbers) > first, "hasPreviousPage": False}}}, \
        2 + sum(1 + len(n["locations"]["nodes"]) for n in nodes)


# ---- checks ----

def _error(field: list, message: str, code: str) -> dict:
    return {"field": field, "message": message, "code": code}


def _company_errors(data: ShopData, values: dict, where: list, *, creating: bool, own: int | None = None) -> list:
    errors = []
    if (creating or "name" in values) and not str(values.get("name") or "").strip():
        errors.append(_error([*where, "name"], "Name can't be blank", "BLANK"))
    if len(str(values.get("name") or "")) > 255:
        errors.append(_error([*where, "name"], "Name is too long (maximum is 255 characters)", "TOO_LONG"))
    external = values.get("externalId")
    if external and any(c.get("externalId") == external for n, c in data.companies.items() if n != own):
        errors.append(_error([*where, "externalId"], "External Id has already been taken", "TAKEN"))
    return errors


def _address_errors(address, where: list) -> list:
    if address is None:
        return []
    if not isinstance(address, dict):
        return [_error(where, "Address is invalid", "INVALID")]
    if not address.get("countryCode"):  # the schema already holds any value given to the CountryCode enum
        return [_error([*where, "countryCode"], "Country code is invalid", "INVALID")]
    return []


def _buyer_errors(buyer, where: list) -> list:
    if not buyer:
        return []
    template = buyer.get("paymentTermsTemplateId")
    if template is not None and template not in {t["id"] for t in PAYMENT_TERMS_TEMPLATES}:
        return [_error([*where, "paymentTermsTemplateId"], "Payment terms template does not exist",
                       "RESOURCE_NOT_FOUND")]
    return []


def _address(values: dict) -> dict:
    return {name: values.get(name) for name in ADDRESS_FIELDS}


def _number(value, kind: str) -> int | None:
    text = gid_number(str(value or ""), kind)
    return int(text) if text.isdigit() else None


# ---- mutations ----

def _create(data: ShopData, args: dict) -> dict:
    payload = args.get("input") or {}
    company_in = payload.get("company") or {}
    location_in = payload.get("companyLocation")
    errors = _company_errors(data, company_in, ["input", "company"], creating=True)
    if location_in is not None:
        where = ["input", "companyLocation"]
        errors += _buyer_errors(location_in.get("buyerExperienceConfiguration"),
                                [*where, "buyerExperienceConfiguration"])
        errors += _address_errors(location_in.get("billingAddress"), [*where, "billingAddress"])
        errors += _address_errors(location_in.get("shippingAddress"), [*where, "shippingAddress"])
    if errors:
        return {"company": None, "userErrors": errors}
    number = data.next_id()
    data.companies[number] = {**{k: company_in.get(k) for k in COMPANY_FIELDS}, "locations": []}
    location_in = location_in if location_in is not None else {}
    location_number = data.next_id()
    shipping = location_in.get("shippingAddress")
    billing = shipping if location_in.get("billingSameAsShipping") else location_in.get("billingAddress")
    buyer = location_in.get("buyerExperienceConfiguration") or {}
    data.company_locations[location_number] = {
        "company": number, **{k: location_in.get(k) for k in LOCATION_FIELDS},
        "name": location_in.get("name") or company_in.get("name"),
        "billingAddress": _address(billing) if billing else None,
        "shippingAddress": _address(shipping) if shipping else None,
        "buyerExperienceConfiguration": {k: buyer.get(k) for k in BUYER_FIELDS}}
    data.companies[number]["locations"].append(location_number)
    return {"company": company_node(data, number), "userErrors": []}


def _update(data: ShopData, args: dict) -> dict:
    number = _number(args.get("companyId"), "Company")
    values = args.get("input") or {}
    if number is None or number not in data.companies:
        return {"company": None, "userErrors": [_error(["companyId"], "Resource requested does not exist.",
                                                       "RESOURCE_NOT_FOUND")]}
    errors = _company_errors(data, values, ["input"], creating=False, own=number)
    if errors:
        return {"company": None, "userErrors": errors}
    data.companies[number].update({k: values[k] for k in COMPANY_FIELDS if k in values})
    return {"company": company_node(data, number), "userErrors": []}


def _location_update(data: ShopData, args: dict) -> dict:
    number = _number(args.get("companyLocationId"), "CompanyLocation")
    values = args.get("input") or {}
    if number is None or number not in data.company_locations:
        return {"companyLocation": None, "userErrors": [_error(["companyLocationId"],
                                                               "Resource requested does not exist.",
                                                               "RESOURCE_NOT_FOUND")]}
    errors = _buyer_errors(values.get("buyerExperienceConfiguration"), ["input", "buyerExperienceConfiguration"])
    if "name" in values and not str(values.get("name") or "").strip():
        errors.append(_error(["input", "name"], "Name can't be blank", "BLANK"))
    if errors:
        return {"companyLocation": None, "userErrors": errors}
    location = data.company_locations[number]
    location.update({k: values[k] for k in LOCATION_FIELDS if k in values})
    buyer = values.get("buyerExperienceConfiguration") or {}
    location["buyerExperienceConfiguration"].update({k: buyer[k] for k in BUYER_FIELDS if k in buyer})
    return {"companyLocation": location_node(data, number), "userErrors": []}


def _assign_address(data: ShopData, args: dict) -> dict:
    number = _number(args.get("locationId"), "CompanyLocation")
    if number is None or number not in data.company_locations:
        return {"addresses": None, "userErrors": [_error(["locationId"], "Resource requested does not exist.",
                                                         "RESOURCE_NOT_FOUND")]}
    address = args.get("address")
    types = args.get("addressTypes") or []
    errors = _address_errors(address if address is not None else {}, ["address"])
    if not types or any(t not in ("BILLING", "SHIPPING") for t in types):
        errors.append(_error(["addressTypes"], "Address types must be BILLING and/or SHIPPING", "INVALID"))
    if errors:
        return {"addresses": None, "userErrors": errors}
    location = data.company_locations[number]
    nodes = []
    for kind in types:
        key = "billingAddress" if kind == "BILLING" else "shippingAddress"
        location[key] = _address(address)
        nodes.append({"id": gid("CompanyAddress", data.next_id()), **location[key]})
    return {"addresses": nodes, "userErrors": []}


def add_company(data: ShopData, name: str, *, external_id: str | None = None, locations: int = 1) -> dict:
    """A company made in the shop (tests): `locations` locations without addresses; returns the company node."""
    with data.lock:
        number = data.next_id()
        data.companies[number] = {"name": name, "externalId": external_id, "note": None, "customerSince": None,
                                  "locations": []}
        for index in range(locations):
            location_number = data.next_id()
            data.company_locations[location_number] = {
                "company": number, "name": name if index == 0 else f"{name} {index + 1}", "phone": None,
                "externalId": None, "note": None, "locale": None, "billingAddress": None, "shippingAddress": None,
                "buyerExperienceConfiguration": {"checkoutToDraft": False, "paymentTermsTemplateId": None,
                                                 "editableShippingAddress": False}}
            data.companies[number]["locations"].append(location_number)
        return company_node(data, number)
