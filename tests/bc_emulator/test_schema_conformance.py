"""The emulator's schema against Microsoft's APIV2 pages (../shared/reference/bc-apiv2).

Regenerating al_pages.json from the reference must give the checked-in file byte for byte, and every entity
set the emulator serves from a page must agree with it on fields (names, order, read-only), page-level
Insert/Modify/DeleteAllowed, parts and bound actions. Then the behaviour that follows from it: a read-only
field is refused on write, a field that is not on the page does not exist.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from sandbox.bc_emulator import derive_schema
from sandbox.bc_emulator.schema import AL_PAGES, CHILDREN, DIMENSION_PARENTS, SETS, encode_enum

REPO = Path(__file__).resolve().parents[2]
PAGE_SETS = sorted(AL_PAGES)


def test_checked_in_table_is_what_the_reference_gives():
    fresh = derive_schema.render(derive_schema.derive())
    stored = derive_schema.OUTPUT.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(stored.splitlines(True), fresh.splitlines(True), "al_pages.json",
                                        "regenerated", n=1))
    assert not diff, "al_pages.json is out of date; run python -m sandbox.bc_emulator.derive_schema\n" + diff[:4000]


def test_every_entity_set_core_uses_is_derived_from_its_page():
    """A set core names (as a quoted string) that has an APIV2 page must be in derive_schema.ENTITY_SETS."""
    all_sets = set()
    for path in derive_schema.REFERENCE.glob("*.Page.al"):
        m = re.search(r"^\s{4}EntitySetName\s*=\s*'([^']+)';", path.read_text(encoding="utf-8-sig"), re.M)
        if m:
            all_sets.add(m.group(1))
    used = set()
    for path in [*(REPO / "core" / "bc").rglob("*.py"), *(REPO / "core" / "sync").rglob("*.py")]:
        used |= set(re.findall(r"""["'(/]([a-z][A-Za-z]+)(?=[("'?/])""", path.read_text(encoding="utf-8")))
    missing = sorted((used & all_sets) - set(derive_schema.ENTITY_SETS))
    assert not missing, f"core uses {missing}: add them to derive_schema.ENTITY_SETS and regenerate"


@pytest.mark.parametrize("set_name", PAGE_SETS)
def test_fields_and_read_only_flags_match_the_page(set_name):
    page, spec = AL_PAGES[set_name], SETS[set_name]
    assert [f["name"] for f in page["fields"]] == list(spec.fields)
    assert {f["name"] for f in page["fields"] if f["readOnly"]} == {n for n, f in spec.fields.items() if f.read_only}
    assert spec.entity == page["entityName"]


@pytest.mark.parametrize("set_name", PAGE_SETS)
def test_page_permissions_parts_and_actions_match_the_page(set_name):
    page, spec = AL_PAGES[set_name], SETS[set_name]
    assert (spec.insert, spec.modify, spec.delete) == (page["insertAllowed"], page["modifyAllowed"],
                                                        page["deleteAllowed"])
    assert spec.parts == {p["name"]: p["entitySet"] for p in page["parts"]}
    assert spec.actions == tuple(page["actions"])
    emulated_children = {c for (p, c) in CHILDREN if p == set_name}
    assert emulated_children == {p["entitySet"] for p in page["parts"]
                                 if p["multiplicity"] == "Many" and p["entitySet"] in SETS}


_AL_TYPES = {"Text": ("text", None), "Guid": ("guid", None), "Decimal": ("dec", None), "Boolean": ("bool", None),
             "Integer": ("int", None), "Date": ("date", None)}


def _kind_of(al_type: str) -> tuple[str, int | None]:
    m = re.fullmatch(r"(Code|Text)\[(\d+)\]", al_type)
    if m:
        return m.group(1).lower(), int(m.group(2))
    return _AL_TYPES[al_type]


@pytest.mark.parametrize("set_name", PAGE_SETS)
def test_types_of_page_variables_match_their_declaration(set_name):
    """The one type fact a page holds: fields bound to page variables. Text without a length is unbounded."""
    for f in AL_PAGES[set_name]["fields"]:
        if "variableType" not in f:
            continue
        kind, length = _kind_of(f["variableType"])
        ours = SETS[set_name].fields[f["name"]]
        if f["variableType"] == "Text" and f["name"] == "currencyCode":
            # CurrencyCodeTxt is Text, but translated from/to Currency.Code (Code[10]) by the page.
            assert (ours.kind, ours.length) == ("code", 10)
            continue
        assert (ours.kind, ours.length if length else None) == (kind, length), f["name"]


def test_part_links_come_from_sub_page_link():
    assert CHILDREN[("salesOrders", "salesOrderLines")] == "documentId"
    assert CHILDREN[("customerPaymentJournals", "customerPayments")] == "journalId"
    assert CHILDREN[("customers", "defaultDimensions")] == "parentId"
    # APIV2CustomerPayments links its dimension lines with Parent Type = const("Journal Line").
    assert DIMENSION_PARENTS["customerPayments"] == "Journal Line"


def test_enum_members_are_encoded_as_odata_identifiers():
    assert encode_enum("G/L Account") == "G_x002F_L_x0020_Account"
    assert encode_enum(" ") == "_x0020_"
    assert encode_enum("Non-Inventory") == "Non_x002D_Inventory"
    assert encode_enum("Charge (Item)") == "Charge_x0020__x0028_Item_x0029_"


# -- behaviour that follows from the schema ------------------------------------------------------------------

READ_ONLY_CASES = [(s, f["name"]) for s in PAGE_SETS for f in AL_PAGES[s]["fields"]
                   if f["readOnly"] and AL_PAGES[s]["insertAllowed"] and AL_PAGES[s]["editable"]]


def _sample(kind: str):
    return {"guid": "11111111-2222-3333-4444-555555555555", "dec": 1, "int": 1, "bool": True, "date": "2024-01-01",
            "dt": "2024-01-01T00:00:00Z"}.get(kind, "X")


def _collection_path(company: str, set_name: str) -> str:
    return f"companies({company})/{set_name}"


@pytest.mark.parametrize("set_name,field", READ_ONLY_CASES)
def test_writing_a_read_only_field_is_refused_naming_it(client, company, set_name, field):
    value = _sample(SETS[set_name].fields[field].kind)
    response = client.post(_collection_path(company, set_name), json={field: value})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "BadRequest_InvalidOperation"
    assert f"Control '{field}' is read-only." in response.json()["error"]["message"]


def test_a_field_not_on_the_page_does_not_exist(client, company):
    """APIV2SalesCreditMemos has no ship-to fields (APIV2SalesOrders has): not writable, filterable, returned."""
    assert "shipToName" in SETS["salesOrders"].fields and "shipToName" not in SETS["salesCreditMemos"].fields
    response = client.post(_collection_path(company, "salesCreditMemos"),
                           json={"customerNumber": "10000", "shipToName": "Someone"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest_PropertyNotFound"
    assert "Could not find a property named 'shipToName' on type 'Microsoft.NAV.salesCreditMemo'." in error["message"]
    filtered = client.get(_collection_path(company, "salesCreditMemos"), params={"$filter": "shipToName eq 'x'"})
    assert filtered.status_code == 400
    selected = client.get(_collection_path(company, "salesCreditMemos"), params={"$select": "shipToCity"})
    assert selected.status_code == 400
    created = client.post(_collection_path(company, "salesCreditMemos"), json={"customerNumber": "10000"})
    assert created.status_code == 201
    assert not any(name.startswith("shipTo") for name in created.json())


def test_customer_payments_have_no_contact_id(client, company):
    journals = client.get(_collection_path(company, "customerPaymentJournals")).json()["value"]
    response = client.post(f"companies({company})/customerPaymentJournals({journals[0]['id']})/customerPayments",
                           json={"contactId": "11111111-2222-3333-4444-555555555555", "amount": -1})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest_PropertyNotFound"


def test_pages_that_forbid_insert_modify_delete_refuse_them(client, company):
    for set_name in ("accounts", "dimensions", "salesShipments"):
        assert not SETS[set_name].insert
        assert client.post(_collection_path(company, set_name), json={}).status_code == 405
    account = client.get(_collection_path(company, "accounts"), params={"$top": "1"}).json()["value"][0]
    path = _collection_path(company, f"accounts({account['id']})")
    assert client.patch(path, json={}, headers={"If-Match": "*"}).status_code == 405
    assert client.delete(path, headers={"If-Match": "*"}).status_code == 405


def test_a_bound_action_on_the_page_but_not_modelled_says_so(client, company):
    """APIV2SalesInvoices has makeCorrectiveCreditMemo; the emulator does not pretend to run it."""
    assert "makeCorrectiveCreditMemo" in SETS["salesInvoices"].actions
    draft = client.post(_collection_path(company, "salesInvoices"), json={"customerNumber": "10000"}).json()
    response = client.post(_collection_path(company, f"salesInvoices({draft['id']})/Microsoft.NAV."
                                                     "makeCorrectiveCreditMemo"))
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "Emulator_NotModelled"
    unknown = client.post(_collection_path(company, f"salesInvoices({draft['id']})/Microsoft.NAV.shipAndInvoice"))
    assert unknown.status_code == 400


def test_al_pages_json_is_sorted_and_names_its_source():
    data = json.loads(derive_schema.OUTPUT.read_text(encoding="utf-8"))
    assert list(data["entitySets"]) == sorted(data["entitySets"])
    assert "c3414ede3ec7bab5a928f312c1208dbd0f8e39a7" in data["source"]
