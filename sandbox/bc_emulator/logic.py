"""Business rules of the APIV2 pages the emulator reproduces: validation, defaults, totals, posting.

Totals (documented rule, close to BC for ordinary documents):
  per line   lineAmount = round(quantity × unitPrice) − discountAmount (discountPercent → discountAmount)
             invoiceDiscountAllocation = header discountAmount spread over lines by lineAmount, rounded
             cumulatively so the allocations sum exactly to the header discount
             pricesIncludeTax false: net = lineAmount − allocation; tax = round(net × rate / 100); incl = net + tax
             pricesIncludeTax true:  incl = lineAmount − allocation; net = round(incl / (1 + rate / 100));
                                     tax = incl − net
             amountExcludingTax / totalTaxAmount / amountIncludingTax: the same before the invoice discount;
             netAmount / netTaxAmount / netAmountIncludingTax: after it.
  header     totals = sums of the lines' net values (rounded per line, then summed).
  rounding   to the document currency's amountRoundingPrecision (0.01 unless the currency says otherwise),
             half away from zero like BC's Round(x, precision, '=').
BC itself carries VAT rounding remainders across lines of one VAT identifier; per-line rounding can differ
from BC by a cent on documents with many lines of one rate. Clients must read totals back (as DESIGN.md says).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import (
    BcError,
    dialog,
    not_modelled,
    read_only,
    record_not_found,
    same_key_exists,
    string_too_long,
    unknown_property,
)
from .schema import (
    CHILDREN,
    DIMENSION_PARENTS,
    EMPTY_GUID,
    HEADER_OF_LINES,
    LINES_OF_HEADER,
    PARENT_TYPES,
    SETS,
    EntitySet,
    encode_enum,
)
from .store import Company, Store, new_guid, today

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DOCUMENT_SETS = ("salesOrders", "salesInvoices", "salesCreditMemos")
SERIES = {
    "salesOrders": ("S-ORD", "S-ORD101001"),
    "salesInvoices": ("S-INV", "S-INV102001"),
    "salesCreditMemos": ("S-CR", "S-CR104001"),
    "postedInvoices": ("S-INV+", "103001"),
    "postedShipments": ("S-SHPT", "102001"),
    "postedCreditMemos": ("S-CR+", "104001"),
    "customers": ("CUST", "C00010"),
    "contacts": ("CONT", "CT000001"),
    "items": ("ITEM", "70000"),
    "payments": ("GJNL-PMT", "G00001"),
    "journal": ("GJNL-GEN", "G02001"),
}
ADDRESS_PAIRS = [("AddressLine1", "addressLine1"), ("AddressLine2", "addressLine2"), ("City", "city"),
                 ("Country", "country"), ("State", "state"), ("PostCode", "postalCode")]
# The field each document page binds to Sales Header "Document Date" (orderDate is NOT the Order Date).
DOCUMENT_DATE = {"salesOrders": "orderDate", "salesInvoices": "invoiceDate", "salesCreditMemos": "creditMemoDate"}
NUMBER_FIELDS = ("unitPrice", "quantity", "discountAmount", "discountPercent")

# Codeunit 56 "Sales - Calc Discount By Type", ApplyInvDiscBasedOnAmt (Base App, microsoft/BCApps): raised when a
# positive invoice discount meets a zero discount base (no line with "Allow Invoice Disc.").
INV_DISC_BASE_IS_ZERO = (
    "Cannot apply an invoice discount because the document does not include lines where the Allow Invoice Disc. "
    "field is selected. To add a discount, specify a line discount in the Line Discount % field for the relevant "
    "lines, or add a line of type Item where the Allow Invoice Disc. field is selected."
)
# APIV2DimensionSetLines.Page.al, RecordAlreadyExistErr (LoadLinesFromId on insert).
DIMENSION_LINE_EXISTS = ("The dimension set line already exists. Check existing dimension set lines and the default "
                         "dimension set lines on the parent.")


# ---------------------------------------------------------------------------------------------------------
# Body validation


def bad_type(value: Any, edm: str) -> BcError:
    return BcError(400, "BadRequest", f"Cannot convert the literal '{value}' to the expected type '{edm}'.")


def coerce_value(spec: EntitySet, name: str, value: Any) -> Any:
    f = spec.fields[name]
    if f.kind == "guid":
        if value is None:
            return EMPTY_GUID
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise bad_type(value, "Edm.Guid")
        return value.lower()
    if f.kind in ("code", "text"):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise bad_type(value, "Edm.String")
        if f.kind == "code":
            value = value.upper()
        if f.length and len(value) > f.length:
            raise string_too_long(value, f.length)
        return value
    if f.kind in ("dec", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_type(value, "Edm.Decimal" if f.kind == "dec" else "Edm.Int32")
        if f.kind == "int" and not float(value).is_integer():
            raise bad_type(value, "Edm.Int32")
        return int(value) if f.kind == "int" else value
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise bad_type(value, "Edm.Boolean")
        return value
    if f.kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise bad_type(value, "Edm.Date") from None
        return value
    if f.kind == "enum":
        # BC answers enum members encoded (G_x002F_L_x0020_Account) and takes that form in $filter; in a body it
        # also takes the plain name, as Microsoft's API reference examples send it ("G/L Account"). Stored encoded.
        options = spec.enums.get(name, ())
        encoded = {encode_enum(o) for o in options}
        if not isinstance(value, str) or (value not in options and value not in encoded):
            raise BcError(400, "BadRequest", f"The string '{value}' is not a valid enumeration type constant.")
        return encode_enum(value) if value in options else value
    return value


def parse_body(
    spec: EntitySet, body: Any, *, allow_children: bool, writable_extra: tuple[str, ...] = ()
) -> tuple[dict, dict[str, Any]]:
    """Split a request body into coerced field values and deep-insert children; enforce read-only fields."""
    if not isinstance(body, dict):
        raise BcError(400, "BadRequest", "Invalid Request Body: a JSON object is expected.")
    values, children = {}, {}
    for name, value in body.items():
        if name.startswith("@odata.") or "@odata." in name:
            continue
        if name in spec.parts and (spec.name, name) not in CHILDREN:
            raise not_modelled(f"writing the part '{name}' of {spec.name}")
        if (spec.name, name) in CHILDREN:
            if not allow_children:
                raise BcError(
                    400, "BadRequest_MethodNotImplemented", "Deep update is not supported. Update the part separately."
                )
            if not isinstance(value, list):
                raise BcError(400, "BadRequest", f"Invalid Request Body: '{name}' must be an array.")
            children[name] = value
            continue
        f = spec.fields.get(name)
        if f is None:
            raise unknown_property(name, spec.entity)
        if f.read_only and name not in writable_extra:
            raise read_only(name)
        values[name] = coerce_value(spec, name, value)
    return values, children


def round_amount(value: Decimal, precision: Decimal) -> Decimal:
    return (value / precision).quantize(Decimal(1), rounding=ROUND_HALF_UP) * precision


def num(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def out(value: Decimal) -> float | int:
    f = float(value)
    return int(f) if f.is_integer() else f


# ---------------------------------------------------------------------------------------------------------


class Bc:
    """Operations on one store; every public method expects store.lock held and a transaction open."""

    def __init__(self, store: Store):
        self.store = store

    # -- lookups ----------------------------------------------------------------------------------------
    def by_id(self, company: Company, table: str, key: str) -> dict | None:
        return self.store.get(company, table, key) if key else None

    def by_code(self, company: Company, table: str, code: str, field: str = "code") -> dict | None:
        return self.store.find(company, table, **{field: code}) if code else None

    def currency_precision(self, company: Company, code: str) -> Decimal:
        if code and code != company.lcy:
            cur = self.by_code(company, "currencies", code)
            if cur and cur.get("amountRoundingPrecision"):
                return num(cur["amountRoundingPrecision"])
        return Decimal("0.01")

    def tax_rate(self, company: Company, code: str) -> Decimal:
        group = self.by_code(company, "taxGroups", code)
        return num(group.get("_rate", 0)) if group else Decimal(0)

    # -- generic insert/modify ---------------------------------------------------------------------------
    def check_unique(self, company: Company, spec: EntitySet, record: dict) -> None:
        if not spec.unique:
            return
        for row in company.table(spec.name).values():
            if row["_key"] != record.get("_key") and all(row.get(k) == record.get(k) for k in spec.unique):
                shown = ",".join(f"{k}='{record.get(k)}'" for k in spec.unique)
                raise same_key_exists(spec.table, shown)

    def require(self, record: dict, field: str, table: str) -> None:
        if record.get(field) in (None, ""):
            raise dialog(f"{field} must have a value in {table}. It cannot be zero or empty.")

    def insert(
        self, company: Company, set_name: str, body: Any, parent: tuple[str, dict] | None = None,
        nested: bool = False,
    ) -> dict:
        spec = SETS[set_name]
        if not spec.insert:
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'POST' requests for '{set_name}' are not allowed.")
        if set_name == "dimensionSetLines":
            values, _ = parse_body(spec, body, allow_children=False)
            return self.insert_dimension_line(company, parent, values)
        has_children = any(p == set_name for p, _ in CHILDREN)
        values, children = parse_body(spec, body, allow_children=has_children)
        if parent is not None:
            fk = CHILDREN[(parent[0], set_name)]
            if values.get(fk, EMPTY_GUID) not in (EMPTY_GUID, parent[1]["id"]):
                raise dialog(f'The value for "{fk}" does not match the parent record.')
            values[fk] = parent[1]["id"]
            if (parent[0], set_name) in PARENT_TYPES:  # SubPageLink "Parent Type" = const(...)
                values["parentType"] = encode_enum(PARENT_TYPES[(parent[0], set_name)])
        handler = getattr(self, f"insert_{set_name}", None)
        record = handler(company, values) if handler else self.insert_simple(company, spec, values)
        for child_set, rows in children.items():
            for row in rows:
                self.insert(company, child_set, row, parent=(set_name, record), nested=True)
        if set_name in LINES_OF_HEADER:
            self.recompute(company, LINES_OF_HEADER[set_name], record["id"])
        elif set_name in HEADER_OF_LINES and not nested:
            self.recompute(company, set_name, record["documentId"])
        return self.store.get(company, set_name, record["_key"])

    def insert_simple(self, company: Company, spec: EntitySet, values: dict) -> dict:
        record = self.blank(spec)
        record.update(values)
        record["id"] = new_guid()
        record["_key"] = record["id"]
        for key in spec.unique:
            if spec.fields[key].kind in ("code", "text"):
                self.require(record, key, spec.table)
        self.check_unique(company, spec, record)
        self.resolve_balancing_account(company, record)
        return self.store.put(company, spec.name, record)

    def blank(self, spec: EntitySet) -> dict:
        defaults = {"guid": EMPTY_GUID, "code": "", "text": "", "dec": 0, "int": 0, "bool": False, "date": "0001-01-01"}
        record = {}
        for f in spec.fields.values():
            if f.kind == "enum":
                record[f.name] = encode_enum(spec.enums.get(f.name, (" ",))[0])
            elif f.kind != "dt":
                record[f.name] = defaults.get(f.kind, "")
        return record

    def modify(self, company: Company, set_name: str, record: dict, body: Any) -> dict:
        spec = SETS[set_name]
        if not spec.modify:
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'PATCH' requests for '{set_name}' are not allowed.")
        values, _ = parse_body(spec, body, allow_children=False)
        handler = getattr(self, f"modify_{set_name}", None)
        if handler:
            updated = handler(company, dict(record), values)
        else:
            updated = dict(record)
            updated.update(values)
            self.check_unique(company, spec, updated)
            self.resolve_balancing_account(company, updated)
            self.store.put(company, set_name, updated)
        return self.store.get(company, set_name, updated["_key"])

    def delete(self, company: Company, set_name: str, record: dict) -> None:
        spec = SETS[set_name]
        if not spec.delete:
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'DELETE' requests for '{set_name}' are not allowed.")
        if set_name in DOCUMENT_SETS:
            if record["status"] != "Draft" and set_name != "salesOrders":
                raise dialog("You cannot delete a posted document.")
            self.delete_document(company, set_name, record)
            return
        posted_header = set_name in HEADER_OF_LINES and set_name != "salesOrderLines" and self.header_of(
            company, set_name, record).get("status", "Draft") != "Draft"
        if posted_header:
            raise dialog("You cannot delete lines of a posted document.")
        self.store.remove(company, set_name, record["_key"])
        self.remove_dimensions(company, record["id"])
        if set_name in HEADER_OF_LINES:
            self.recompute(company, set_name, record["documentId"])
        if set_name == "items":
            for variant in [v for v in company.table("itemVariants").values() if v["itemId"] == record["id"]]:
                self.store.remove(company, "itemVariants", variant["_key"])

    def delete_document(self, company: Company, set_name: str, record: dict) -> None:
        lines_set = LINES_OF_HEADER[set_name]
        for line in [r for r in company.table(lines_set).values() if r["documentId"] == record["id"]]:
            self.store.remove(company, lines_set, line["_key"])
            self.remove_dimensions(company, line["id"])
        self.remove_dimensions(company, record["id"])
        self.store.remove(company, set_name, record["_key"])

    def remove_dimensions(self, company: Company, parent_id: str) -> None:
        for row in [r for r in company.table("dimensionSetLines").values() if r["parentId"] == parent_id]:
            self.store.remove(company, "dimensionSetLines", row["_key"])

    def header_of(self, company: Company, lines_set: str, line: dict) -> dict:
        return self.store.get(company, HEADER_OF_LINES[lines_set], line["documentId"]) or {}

    def resolve_balancing_account(self, company: Company, record: dict) -> None:
        if "balancingAccountId" in record and "balancingAccountNumber" in record:
            acc = self.by_id(company, "accounts", record["balancingAccountId"])
            if record["balancingAccountId"] not in ("", EMPTY_GUID) and acc is None:
                raise dialog('The "balancingAccountId" does not match to a G/L Account.')
            record["balancingAccountNumber"] = acc["number"] if acc else ""

    # -- customers, contacts, items ------------------------------------------------------------------------
    def insert_customers(self, company: Company, values: dict) -> dict:
        spec = SETS["customers"]
        if not values.get("displayName"):
            raise dialog('A "displayName" must be provided.')  # APIV2Customers NotProvidedCustomerNameErr
        record = self.blank(spec)
        record.update({"type": "Company", "blocked": encode_enum(" "), "taxLiable": True})
        record.update(values)
        if not record["number"]:
            record["number"] = self.store.next_number(company, *SERIES["customers"])
        record["id"] = record["_key"] = new_guid()
        self.apply_customer_refs(company, record, values)
        self.check_unique(company, spec, record)
        return self.store.put(company, "customers", record)

    def modify_customers(self, company: Company, record: dict, values: dict) -> dict:
        if "displayName" in values and not values["displayName"]:
            raise dialog('The blank "displayName" is not allowed.')  # APIV2Customers BlankCustomerNameErr
        record.update(values)
        self.apply_customer_refs(company, record, values)
        self.check_unique(company, SETS["customers"], record)
        return self.store.put(company, "customers", record)

    def apply_customer_refs(self, company: Company, record: dict, values: dict) -> None:
        self.apply_currency(company, record, values)
        for field, table in (("paymentTermsId", "paymentTerms"), ("shipmentMethodId", "shipmentMethods"),
                             ("paymentMethodId", "paymentMethods"), ("taxAreaId", "taxAreas")):
            if values.get(field, EMPTY_GUID) != EMPTY_GUID and self.by_id(company, table, values[field]) is None:
                raise dialog(f'The "{field}" does not match to a {SETS[table].table}.')
        area = self.by_id(company, "taxAreas", record.get("taxAreaId", ""))
        record["taxAreaDisplayName"] = area["displayName"] if area else ""

    def apply_currency(self, company: Company, record: dict, values: dict) -> None:
        if "currencyId" in values and values["currencyId"] != EMPTY_GUID:
            cur = self.by_id(company, "currencies", values["currencyId"])
            if cur is None:
                raise dialog('The "currencyId" does not match to a Currency.')
            if "currencyCode" in values and values["currencyCode"] not in (cur["code"],):
                raise dialog("The currency values do not match to a specific Currency.")
            record["currencyCode"] = cur["code"]
        elif "currencyCode" in values:
            code = values["currencyCode"]
            if code in ("", company.lcy):
                record["currencyId"], record["currencyCode"] = EMPTY_GUID, ""
            else:
                cur = self.by_code(company, "currencies", code)
                if cur is None:
                    raise dialog('The "currencyCode" does not match to a Currency.')
                record["currencyId"], record["currencyCode"] = cur["id"], cur["code"]
        if "currencyId" in values and values["currencyId"] == EMPTY_GUID:
            record["currencyCode"] = ""

    def insert_contacts(self, company: Company, values: dict) -> dict:
        record = self.blank(SETS["contacts"])
        record.update({"type": "Person", "contactBusinessRelation": "None"})
        record.update(values)
        if not record["number"]:
            record["number"] = self.store.next_number(company, *SERIES["contacts"])
        record["id"] = record["_key"] = new_guid()
        self.apply_contact_company(company, record)
        self.check_unique(company, SETS["contacts"], record)
        return self.store.put(company, "contacts", record)

    def modify_contacts(self, company: Company, record: dict, values: dict) -> dict:
        record.update(values)
        self.apply_contact_company(company, record)
        self.check_unique(company, SETS["contacts"], record)
        return self.store.put(company, "contacts", record)

    def apply_contact_company(self, company: Company, record: dict) -> None:
        if record.get("companyNumber"):
            parent = self.by_code(company, "contacts", record["companyNumber"], "number")
            if parent is None or parent["type"] != "Company":
                raise record_not_found("Contact", "No.", record["companyNumber"])
            record["companyName"] = parent["displayName"]
        else:
            record["companyName"] = record["displayName"] if record["type"] == "Company" else ""

    def insert_items(self, company: Company, values: dict) -> dict:
        record = self.blank(SETS["items"])
        record.update({"type": "Inventory", "baseUnitOfMeasureCode": "PCS", "taxGroupCode": company.record.get(
            "_defaultTaxGroup", ""), "_stock": {}})
        if "inventory" in values:  # APIV2Items InsertItem: InventoryCannotBeChangedInAPostRequestErr
            raise dialog("Inventory cannot be changed during on insert.")
        record.update(values)
        if not record["number"]:
            record["number"] = self.store.next_number(company, *SERIES["items"])
        record["id"] = record["_key"] = new_guid()
        self.apply_item_refs(company, record)
        self.check_unique(company, SETS["items"], record)
        return self.store.put(company, "items", record)

    def modify_items(self, company: Company, record: dict, values: dict) -> dict:
        inventory = values.pop("inventory", None)
        record.update(values)
        self.apply_item_refs(company, record)
        self.check_unique(company, SETS["items"], record)
        self.store.put(company, "items", record)
        if inventory is not None:
            # PATCHing inventory posts a positive/negative adjustment (APIV2 Items UpdateInventory).
            self.adjust_stock(company, record["id"], "", "", num(inventory) - num(record["inventory"]))
        return self.store.get(company, "items", record["_key"])

    def apply_item_refs(self, company: Company, record: dict) -> None:
        for code_field, id_field, table in (
            ("taxGroupCode", "taxGroupId", "taxGroups"),
            ("itemCategoryCode", "itemCategoryId", "itemCategories"),
            ("baseUnitOfMeasureCode", "baseUnitOfMeasureId", "unitsOfMeasure"),
        ):
            code = record.get(code_field)
            row = self.by_code(company, table, code) if code else None
            if code and row is None:
                raise record_not_found(SETS[table].table, "Code", code)
            record[id_field] = row["id"] if row else EMPTY_GUID

    def adjust_stock(self, company: Company, item_id: str, location: str, variant: str, delta: Decimal) -> None:
        item = self.store.get(company, "items", item_id)
        if item is None or item["type"] != "Inventory" or delta == 0:
            return
        item = dict(item)
        stock = dict(item.get("_stock", {}))
        key = f"{location}|{variant}"
        stock[key] = out(num(stock.get(key, 0)) + delta)
        item["_stock"] = stock
        item["inventory"] = out(sum((num(v) for v in stock.values()), Decimal(0)))
        self.store.put(company, "items", item)

    def insert_itemVariants(self, company: Company, values: dict) -> dict:  # noqa: N802
        record = self.blank(SETS["itemVariants"])
        record.update(values)
        item = self.by_id(company, "items", record["itemId"]) if record["itemId"] != EMPTY_GUID else None
        if item is None and record["itemNumber"]:
            item = self.by_code(company, "items", record["itemNumber"], "number")
        if item is None:
            raise dialog("Item does not exist.")
        record["itemId"], record["itemNumber"] = item["id"], item["number"]
        self.require(record, "code", "Item Variant")
        record["id"] = record["_key"] = new_guid()
        self.check_unique(company, SETS["itemVariants"], record)
        return self.store.put(company, "itemVariants", record)

    # -- sales documents -------------------------------------------------------------------------------------
    def resolve_customer(self, company: Company, values: dict, current: dict | None = None) -> dict | None:
        """Sell-to customer of a document, with the errors of the APIV2 document pages (CouldNotFindSellToCustomerErr,
        SellToCustomerValuesDontMatchErr, SellToCustomerNotProvidedErr)."""
        cid = values.get("customerId", EMPTY_GUID)
        cno = values.get("customerNumber", "")
        if cid == EMPTY_GUID and not cno:
            if current is None:
                raise dialog('A "customerNumber" or a "customerId" must be provided.')
            return None
        customer = None
        if cid != EMPTY_GUID:
            customer = self.by_id(company, "customers", cid)
            if customer is None:
                raise dialog("The sell-to customer cannot be found.")
            if cno and customer["number"] != cno:
                raise dialog("The sell-to customer values do not match to a specific Customer.")
        else:
            customer = self.by_code(company, "customers", cno, "number")
            if customer is None:
                raise dialog("The sell-to customer cannot be found.")
        if customer["blocked"] == "All":
            raise dialog(
                f"You cannot create this type of document when Customer {customer['number']} is blocked with type All"
            )
        return customer

    def apply_customer_to_document(self, company: Company, record: dict, customer: dict) -> None:
        """Sales Header "Sell-to Customer No." validation: addresses, terms, currency, the customer's bill-to
        customer ("Bill-to Customer No." on the customer card, else itself) and its "Prices Including VAT"."""
        record["customerId"], record["customerNumber"] = customer["id"], customer["number"]
        record["customerName"] = customer["displayName"]
        for suffix, src in ADDRESS_PAIRS:
            record[f"sellTo{suffix}"] = customer.get(src, "")
            if f"shipTo{suffix}" in record:  # credit memos have no ship-to on their page
                record[f"shipTo{suffix}"] = customer.get(src, "")
        if "shipToName" in record:
            record["shipToName"] = customer["displayName"]
        bill_to = self.by_code(company, "customers", customer.get("_billToCustomerNumber", ""), "number")
        self.apply_bill_to(record, bill_to or customer)
        record["pricesIncludeTax"] = bool(customer.get("_pricesIncludingVat", False))
        record["phoneNumber"], record["email"] = customer.get("phoneNumber", ""), customer.get("email", "")
        record["currencyCode"] = customer.get("currencyCode") or company.lcy
        record["currencyId"] = customer.get("currencyId", EMPTY_GUID)
        record["paymentTermsId"] = customer.get("paymentTermsId", EMPTY_GUID)
        record["shipmentMethodId"] = customer.get("shipmentMethodId", EMPTY_GUID)
        record["_taxArea"] = customer.get("taxAreaId", EMPTY_GUID)

    def apply_bill_to(self, record: dict, bill_to: dict) -> None:
        record["billToCustomerId"], record["billToCustomerNumber"] = bill_to["id"], bill_to["number"]
        record["billToName"] = bill_to["displayName"]
        for suffix, src in ADDRESS_PAIRS:
            record[f"billTo{suffix}"] = bill_to.get(src, "")

    def resolve_bill_to(self, company: Company, values: dict) -> dict | None:
        """billToCustomerId / billToCustomerNumber as the document pages validate them."""
        bid, bno = values.get("billToCustomerId", EMPTY_GUID), values.get("billToCustomerNumber", "")
        if bid in (None, EMPTY_GUID) and not bno:
            return None
        bill_to = self.by_id(company, "customers", bid) if bid != EMPTY_GUID else self.by_code(
            company, "customers", bno, "number")
        if bill_to is None:
            raise dialog("The bill-to customer cannot be found.")
        if bno and bill_to["number"] != bno:
            raise dialog("The bill-to customer values do not match to a specific Customer.")
        return bill_to

    def copy_default_dimensions(self, company: Company, set_name: str, record: dict, customer: dict) -> None:
        """Sales Header CreateDimFromDefaultDim: the customer's default dimensions become the document's."""
        for default in company.table("defaultDimensions").values():
            if default["parentId"] != customer["id"] or default["dimensionValueId"] == EMPTY_GUID:
                continue
            dimension = self.by_id(company, "dimensions", default["dimensionId"])
            value = self.by_id(company, "dimensionValues", default["dimensionValueId"])
            line = self.blank(SETS["dimensionSetLines"])
            line.update({"id": dimension["id"], "code": dimension["code"], "displayName": dimension["displayName"],
                         "consolidationCode": dimension["consolidationCode"], "parentId": record["id"],
                         "parentType": encode_enum(DIMENSION_PARENTS[set_name]), "valueId": value["id"],
                         "valueCode": value["code"], "valueDisplayName": value["displayName"],
                         "valueConsolidationCode": value["consolidationCode"]})
            line["_key"] = f"{record['id']}:{dimension['id']}"
            self.store.put(company, "dimensionSetLines", line)
    def insert_document(self, company: Company, set_name: str, values: dict) -> dict:
        spec = SETS[set_name]
        customer = self.resolve_customer(company, values)
        record = self.blank(spec)
        record["id"] = record["_key"] = new_guid()
        record["number"] = self.store.next_number(company, *SERIES[set_name])
        record["status"] = "Draft"
        record["postingDate"] = today()
        record[DOCUMENT_DATE[set_name]] = today()
        if set_name == "salesOrders":
            record["partialShipping"] = True
        self.apply_customer_to_document(company, record, customer)
        for key, value in values.items():
            if key not in ("customerId", "customerNumber", "currencyId", "currencyCode", "billToCustomerId",
                           "billToCustomerNumber"):
                record[key] = value
        bill_to = self.resolve_bill_to(company, values)
        if bill_to is not None:
            self.apply_bill_to(record, bill_to)
        self.apply_document_refs(company, record, values)
        self.apply_due_date(company, set_name, record, values)
        if set_name == "salesCreditMemos":
            self.apply_invoice_link(company, record, values)
        self.store.put(company, set_name, record)
        self.copy_default_dimensions(company, set_name, record, customer)
        # OnInsertRecord → UpdateDiscount runs before a deep insert's lines exist: the base is zero.
        if num(values.get("discountAmount")) > 0:
            raise dialog(INV_DISC_BASE_IS_ZERO)
        return record

    def apply_due_date(self, company: Company, set_name: str, record: dict, values: dict) -> None:
        """Sales Header "Due Date" = the payment terms' Due Date Calculation from the Document Date (the page's
        orderDate / invoiceDate / creditMemoDate), unless the body sets dueDate."""
        if "dueDate" in values:
            return
        terms = self.by_id(company, "paymentTerms", record.get("paymentTermsId", EMPTY_GUID))
        days = int(re.sub(r"\D", "", terms["dueDateCalculation"]) or 0) if terms else 0
        document_date = date.fromisoformat(record[DOCUMENT_DATE[set_name]])
        record["dueDate" if "dueDate" in record else "_dueDate"] = (document_date + timedelta(days=days)).isoformat()

    def apply_document_refs(self, company: Company, record: dict, values: dict) -> None:
        if "currencyId" in values or "currencyCode" in values:
            self.apply_currency(company, record, values)
            if record["currencyCode"] == "":
                record["currencyCode"] = company.lcy
        for field, table in (("paymentTermsId", "paymentTerms"), ("shipmentMethodId", "shipmentMethods")):
            if values.get(field, EMPTY_GUID) != EMPTY_GUID and self.by_id(company, table, values[field]) is None:
                raise dialog(f'The "{field}" does not match to a {SETS[table].table}.')

    def apply_invoice_link(self, company: Company, record: dict, values: dict) -> None:
        if "invoiceId" not in values and "invoiceNumber" not in values:
            return
        invoice = None
        if values.get("invoiceId", EMPTY_GUID) != EMPTY_GUID:
            invoice = self.by_id(company, "salesInvoices", values["invoiceId"])
            if invoice is None or invoice["status"] == "Draft":
                raise dialog('The "invoiceId" does not match to an Invoice.')
            if values.get("invoiceNumber") and values["invoiceNumber"] != invoice["number"]:
                raise dialog('The "invoiceId" and "invoiceNumber" do not match to a specific Invoice.')
        elif values.get("invoiceNumber"):
            invoice = next(
                (i for i in company.table("salesInvoices").values()
                 if i["number"] == values["invoiceNumber"] and i["status"] != "Draft"),
                None,
            )
            if invoice is None:
                raise dialog('The "invoiceId" and "invoiceNumber" do not match to a specific Invoice.')
        record["invoiceId"] = invoice["id"] if invoice else EMPTY_GUID
        record["invoiceNumber"] = invoice["number"] if invoice else ""

    def insert_salesOrders(self, company: Company, values: dict) -> dict:  # noqa: N802
        return self.insert_document(company, "salesOrders", values)

    def insert_salesInvoices(self, company: Company, values: dict) -> dict:  # noqa: N802
        return self.insert_document(company, "salesInvoices", values)

    def insert_salesCreditMemos(self, company: Company, values: dict) -> dict:  # noqa: N802
        return self.insert_document(company, "salesCreditMemos", values)

    def modify_document(self, company: Company, set_name: str, record: dict, values: dict) -> dict:
        if record["status"] not in ("Draft", "Open") or (set_name != "salesOrders" and record["status"] != "Draft"):
            raise dialog("The document has been posted and cannot be modified.")
        customer = None
        if "customerId" in values or "customerNumber" in values:
            customer = self.resolve_customer(company, values, current=record)
        if customer is not None and customer["id"] != record["customerId"]:
            self.apply_customer_to_document(company, record, customer)
        for key, value in values.items():
            if key not in ("customerId", "customerNumber", "currencyId", "currencyCode", "billToCustomerId",
                           "billToCustomerNumber"):
                record[key] = value
        bill_to = self.resolve_bill_to(company, values)
        if bill_to is not None:
            self.apply_bill_to(record, bill_to)
        self.apply_document_refs(company, record, values)
        if DOCUMENT_DATE[set_name] in values or "paymentTermsId" in values:
            self.apply_due_date(company, set_name, record, values)
        if set_name == "salesCreditMemos":
            self.apply_invoice_link(company, record, values)
        self.store.put(company, set_name, record)
        self.recompute(company, LINES_OF_HEADER[set_name], record["id"],
                       discount_set="discountAmount" in values)
        return record

    def modify_salesOrders(self, company, record, values):  # noqa: N802
        return self.modify_document(company, "salesOrders", record, values)

    def modify_salesInvoices(self, company, record, values):  # noqa: N802
        return self.modify_document(company, "salesInvoices", record, values)

    def modify_salesCreditMemos(self, company, record, values):  # noqa: N802
        return self.modify_document(company, "salesCreditMemos", record, values)

    # -- lines -------------------------------------------------------------------------------------------------
    def insert_line(self, company: Company, lines_set: str, values: dict) -> dict:
        header = self.by_id(company, HEADER_OF_LINES[lines_set], values.get("documentId", EMPTY_GUID))
        if header is None:
            raise dialog(f'The "documentId" does not match to a {SETS[HEADER_OF_LINES[lines_set]].entity}.')
        if header["status"] != "Draft" and lines_set != "salesOrderLines":
            raise dialog("The document has been posted and cannot be modified.")
        record = self.blank(SETS[lines_set])
        record["lineType"] = ""
        record.update(values)
        record["id"] = record["_key"] = new_guid()
        siblings = [r for r in company.table(lines_set).values() if r["documentId"] == header["id"]]
        if not values.get("sequence"):
            record["sequence"] = max((r["sequence"] for r in siblings), default=0) + 10000
        elif any(r["sequence"] == record["sequence"] for r in siblings):
            raise same_key_exists("Sales Line", f"Line No.='{record['sequence']}'")
        if "shipmentDate" in record and record["shipmentDate"] == "0001-01-01":
            requested = header.get("requestedDeliveryDate", "0001-01-01")
            record["shipmentDate"] = requested if requested != "0001-01-01" else header.get("orderDate", today())
        self.resolve_line_object(company, record, values, header)
        if lines_set == "salesOrderLines":
            if "shipQuantity" not in values:
                record["shipQuantity"] = record["quantity"]
            if "invoiceQuantity" not in values:
                record["invoiceQuantity"] = record["quantity"]
        unit = self.by_code(company, "unitsOfMeasure", record.get("unitOfMeasureCode", ""))
        record["unitOfMeasureId"] = unit["id"] if unit else EMPTY_GUID
        self.apply_line_discount(record, values)
        return self.store.put(company, lines_set, record)

    def resolve_line_object(self, company: Company, record: dict, values: dict, header: dict) -> None:
        item_id = values.get("itemId", EMPTY_GUID)
        account_id = values.get("accountId", EMPTY_GUID)
        if item_id != EMPTY_GUID and account_id != EMPTY_GUID:
            raise dialog('Both "itemId" and "accountId" are specified. Specify only one of them.')
        line_type = values.get("lineType") or (
            "Item" if item_id != EMPTY_GUID or (values.get("lineObjectNumber") and account_id == EMPTY_GUID)
            else "Account" if account_id != EMPTY_GUID else "Comment"
        )
        record["lineType"] = line_type
        number = values.get("lineObjectNumber", "")
        if line_type == "Item":
            if account_id != EMPTY_GUID:
                raise dialog('You cannot specify an "accountId" on a line of type Item.')
            item = self.by_id(company, "items", item_id) if item_id != EMPTY_GUID else (
                self.by_code(company, "items", number, "number") if number else None)
            if item is None:
                raise dialog("Item does not exist.")
            if item.get("blocked"):
                raise dialog(f"Blocked must be equal to 'No'  in Item: No.={item['number']}. Current value is 'Yes'.")
            record["itemId"], record["lineObjectNumber"] = item["id"], item["number"]
            # Sales Line CopyFromItem: "Allow Invoice Disc." := Item."Allow Invoice Disc."
            record["_allowInvoiceDisc"] = bool(item.get("_allowInvoiceDisc", True))
            record.setdefault("description", "")
            if not values.get("description"):
                record["description"] = item["displayName"]
            if "unitPrice" not in values:
                record["unitPrice"] = item["unitPrice"]
            if "taxCode" not in values:
                record["taxCode"] = item["taxGroupCode"]
            if not values.get("unitOfMeasureCode"):
                record["unitOfMeasureCode"] = item["baseUnitOfMeasureCode"]
            variant_id = values.get("itemVariantId", EMPTY_GUID)
            if variant_id != EMPTY_GUID:
                variant = self.by_id(company, "itemVariants", variant_id)
                if variant is None or variant["itemId"] != item["id"]:
                    raise dialog('The "itemVariantId" does not match to a Variant of the Item.')
                record["_variantCode"] = variant["code"]
        elif line_type == "Account":
            account = self.by_id(company, "accounts", account_id) if account_id != EMPTY_GUID else (
                self.by_code(company, "accounts", number, "number") if number else None)
            if account is None:
                if account_id != EMPTY_GUID:
                    raise dialog("Account does not exist.")  # APIV2SalesOrderLines AccountDoesNotExistErr
                raise BcError(
                    400, "Internal_InvalidTableRelation",
                    f"The field No. of table Sales Line contains a value ({number}) that cannot be found in the "
                    "related table (G/L Account).",
                )
            if account.get("blocked") or not account.get("directPosting", True):
                raise dialog(f"Direct Posting must be equal to 'Yes'  in G/L Account: No.={account['number']}.")
            record["accountId"], record["lineObjectNumber"] = account["id"], account["number"]
            if not values.get("description"):
                record["description"] = account["displayName"]
            if "taxCode" not in values:
                record["taxCode"] = account.get("_taxGroup", "")
        elif line_type == "Charge":
            charge = self.by_code(company, "_itemCharges", number, "number")
            if charge is None:
                raise BcError(
                    400, "Internal_InvalidTableRelation",
                    f"The field No. of table Sales Line contains a value ({number}) that cannot be found in the "
                    "related table (Item Charge).",
                )
            if not values.get("description"):
                record["description"] = charge["description"]
            if "taxCode" not in values:
                record["taxCode"] = charge.get("_taxGroup", "")
        elif line_type == "Comment":
            for f in ("quantity", "unitPrice"):
                if values.get(f):
                    raise dialog(f"{f} must not be set on a Comment line.")
        else:
            raise dialog(f"The emulator does not support lines of type {line_type}.")
        if values.get("taxCode") and self.by_code(company, "taxGroups", values["taxCode"]) is None:
            raise BcError(
                400, "Internal_InvalidTableRelation",
                f"The field VAT Prod. Posting Group of table Sales Line contains a value ({values['taxCode']}) "
                "that cannot be found in the related table (VAT Product Posting Group).",
            )
        location_id = values.get("locationId", EMPTY_GUID)
        if location_id != EMPTY_GUID:
            location = self.by_id(company, "locations", location_id)
            if location is None:
                raise dialog('The "locationId" does not match to a Location.')
            record["_locationCode"] = location["code"]

    def apply_line_discount(self, record: dict, values: dict) -> None:
        gross = num(record["quantity"]) * num(record["unitPrice"])
        if "discountPercent" in values and "discountAmount" not in values:
            record["discountAmount"] = out(round_amount(gross * num(values["discountPercent"]) / 100, Decimal("0.01")))
        elif "discountAmount" in values and gross:
            record["discountPercent"] = out(round(num(values["discountAmount"]) / gross * 100, 5))
        if num(record["discountAmount"]) > abs(gross) and record["lineType"] != "Comment":
            raise dialog("The line discount cannot be greater than the line amount.")

    def insert_salesOrderLines(self, company, values):  # noqa: N802
        return self.insert_line(company, "salesOrderLines", values)

    def insert_salesInvoiceLines(self, company, values):  # noqa: N802
        return self.insert_line(company, "salesInvoiceLines", values)

    def insert_salesCreditMemoLines(self, company, values):  # noqa: N802
        return self.insert_line(company, "salesCreditMemoLines", values)

    def modify_line(self, company: Company, lines_set: str, record: dict, values: dict) -> dict:
        header = self.header_of(company, lines_set, record)
        if header.get("status", "Draft") != "Draft" and lines_set != "salesOrderLines":
            raise dialog("The document has been posted and cannot be modified.")
        if "documentId" in values and values["documentId"] != record["documentId"]:
            raise dialog('The value for "documentId" cannot be modified.')
        if "sequence" in values and values["sequence"] != record["sequence"]:
            raise dialog("The value for sequence cannot be modified. Delete and insert the line again.")
        for f in ("lineType", "lineObjectNumber", "itemId", "accountId"):
            if f in values and values[f] != record[f]:
                raise dialog(f"The value for {f} cannot be modified. Delete and insert the line again.")
        record.update(values)
        if "itemVariantId" in values or "locationId" in values or "taxCode" in values:
            probe = {k: record[k] for k in ("lineType", "lineObjectNumber", "itemId", "accountId")}
            probe.update({k: values[k] for k in ("itemVariantId", "locationId", "taxCode") if k in values})
            keep = {k: record[k] for k in ("description", "unitPrice", "unitOfMeasureCode") if k in record}
            self.resolve_line_object(company, record, {**probe, **keep}, header)
            record.update(keep)
        if lines_set == "salesOrderLines" and "quantity" in values:
            record.setdefault("shipQuantity", record["quantity"])
            if "shipQuantity" not in values:
                record["shipQuantity"] = record["quantity"]
            if "invoiceQuantity" not in values:
                record["invoiceQuantity"] = record["quantity"]
        self.apply_line_discount(record, values)
        self.store.put(company, lines_set, record)
        self.recompute(company, lines_set, record["documentId"])
        return record

    def modify_salesOrderLines(self, company, record, values):  # noqa: N802
        return self.modify_line(company, "salesOrderLines", record, values)

    def modify_salesInvoiceLines(self, company, record, values):  # noqa: N802
        return self.modify_line(company, "salesInvoiceLines", record, values)

    def modify_salesCreditMemoLines(self, company, record, values):  # noqa: N802
        return self.modify_line(company, "salesCreditMemoLines", record, values)

    # -- totals --------------------------------------------------------------------------------------------------
    def recompute(self, company: Company, lines_set: str, document_id: str, discount_set: bool = False) -> None:
        header_set = HEADER_OF_LINES[lines_set]
        header = self.store.get(company, header_set, document_id)
        if header is None:
            return
        lines = sorted(
            (r for r in company.table(lines_set).values() if r["documentId"] == document_id),
            key=lambda r: r["sequence"],
        )
        precision = self.currency_precision(company, header.get("currencyCode", ""))
        includes_tax = bool(header.get("pricesIncludeTax"))
        invoice_discount = num(header.get("discountAmount"))
        amounts = []
        for line in lines:
            if line["lineType"] == "Comment":
                amounts.append(Decimal(0))
                continue
            gross = round_amount(num(line["quantity"]) * num(line["unitPrice"]), precision)
            amounts.append(gross - num(line["discountAmount"]))
        # Only lines with "Allow Invoice Disc." form the base and share the invoice discount (VAT Amount Line
        # GetTotalInvDiscBaseAmount); Account, Charge and Comment lines never do, Item lines as their item says.
        eligible = [line["lineType"] == "Item" and line.get("_allowInvoiceDisc", True) for line in lines]
        base = sum((a for a, e in zip(amounts, eligible, strict=True) if e), Decimal(0))
        if discount_set and invoice_discount > 0 and base == 0:
            raise dialog(INV_DISC_BASE_IS_ZERO)
        if invoice_discount and invoice_discount > base:
            raise dialog("The invoice discount cannot be greater than the document amount.")
        cumulative_exact, cumulative_rounded = Decimal(0), Decimal(0)
        totals = {"net": Decimal(0), "tax": Decimal(0), "incl": Decimal(0)}
        for line, amount, takes_discount in zip(lines, amounts, eligible, strict=True):
            if base and invoice_discount and takes_discount:
                cumulative_exact += invoice_discount * amount / base
                allocation = round_amount(cumulative_exact, precision) - cumulative_rounded
                cumulative_rounded += allocation
            else:
                allocation = Decimal(0)
            rate = self.tax_rate(company, line.get("taxCode", "")) if line["lineType"] != "Comment" else Decimal(0)
            before = _split_tax(amount, rate, includes_tax, precision)
            after = _split_tax(amount - allocation, rate, includes_tax, precision)
            computed = {
                "taxPercent": out(rate),
                "amountExcludingTax": out(before[0]),
                "totalTaxAmount": out(before[1]),
                "amountIncludingTax": out(before[2]),
                "invoiceDiscountAllocation": out(allocation),
                "netAmount": out(after[0]),
                "netTaxAmount": out(after[1]),
                "netAmountIncludingTax": out(after[2]),
                "discountAppliedBeforeTax": True,
            }
            if any(line.get(k) != v for k, v in computed.items()):
                updated = dict(line)
                updated.update(computed)
                self.store.put(company, lines_set, updated)
            totals["net"] += after[0]
            totals["tax"] += after[1]
            totals["incl"] += after[2]
        header = dict(header)
        header.update({
            "totalAmountExcludingTax": out(totals["net"]),
            "totalTaxAmount": out(totals["tax"]),
            "totalAmountIncludingTax": out(totals["incl"]),
            "discountAppliedBeforeTax": True,
        })
        if header_set == "salesInvoices" and header["status"] == "Draft":
            header["remainingAmount"] = header["totalAmountIncludingTax"]
        self.store.put(company, header_set, header)

    # -- dimension set lines ---------------------------------------------------------------------------------
    def insert_dimension_line(self, company: Company, parent: tuple[str, dict] | None, values: dict) -> dict:
        if parent is None:
            raise BcError(400, "BadRequest", "dimensionSetLines can only be created under their parent record.")
        parent_set, parent_record = parent
        dimension = None
        if values.get("id", EMPTY_GUID) != EMPTY_GUID:
            dimension = self.by_id(company, "dimensions", values["id"])
            if dimension is None:
                raise dialog('The "id" does not match to a Dimension.')
            if values.get("code") and values["code"] != dimension["code"]:
                raise dialog("The dimension field values do not match to a specific Dimension.")
        elif values.get("code"):
            dimension = self.by_code(company, "dimensions", values["code"])
            if dimension is None:
                raise dialog('The "code" does not match to a Dimension.')
        else:
            raise dialog('The "id" or "code" field must be filled in.')
        record = self.blank(SETS["dimensionSetLines"])
        record.update({"id": dimension["id"], "code": dimension["code"], "displayName": dimension["displayName"],
                       "consolidationCode": dimension["consolidationCode"], "parentId": parent_record["id"],
                       "parentType": encode_enum(DIMENSION_PARENTS[parent_set])})
        record["_key"] = f"{parent_record['id']}:{dimension['id']}"
        if self.store.get(company, "dimensionSetLines", record["_key"]):
            raise dialog(DIMENSION_LINE_EXISTS)
        self.set_dimension_value(company, record, dimension, values)
        self.store.put(company, "dimensionSetLines", record)
        self.touch_parent(company, parent_set, parent_record["id"])
        return record

    def set_dimension_value(self, company: Company, record: dict, dimension: dict, values: dict) -> None:
        value = None
        if values.get("valueId", EMPTY_GUID) != EMPTY_GUID:
            value = self.by_id(company, "dimensionValues", values["valueId"])
            if value is None or value["dimensionId"] != dimension["id"]:
                raise dialog('The "valueId" does not match to a Dimension Value.')
        elif values.get("valueCode"):
            value = self.store.find(company, "dimensionValues", dimensionId=dimension["id"], code=values["valueCode"])
            if value is None:
                raise dialog('The "valueCode" does not match to a Dimension Value.')
        else:
            raise dialog('The "valueId" or "valueCode" field must be filled in.')
        record.update({"valueId": value["id"], "valueCode": value["code"], "valueDisplayName": value["displayName"],
                       "valueConsolidationCode": value["consolidationCode"]})

    def modify_dimensionSetLines(self, company, record, values):  # noqa: N802
        if values.get("id", record["id"]) != record["id"] or values.get("code", record["code"]) != record["code"]:
            raise dialog('The "id" and "code" fields cannot be modified.')
        dimension = self.by_id(company, "dimensions", record["id"])
        self.set_dimension_value(company, record, dimension, values)
        return self.store.put(company, "dimensionSetLines", record)

    def touch_parent(self, company: Company, parent_set: str, parent_id: str) -> None:
        self.store.bump(company, parent_set, parent_id)
        if parent_set in HEADER_OF_LINES:
            line = self.store.get(company, parent_set, parent_id)
            if line:
                self.store.bump(company, HEADER_OF_LINES[parent_set], line["documentId"])

    # -- default dimensions (APIV2DefaultDimensions.Page.al over table Default Dimension) -----------------------
    def insert_defaultDimensions(self, company: Company, values: dict) -> dict:  # noqa: N802
        record = self.blank(SETS["defaultDimensions"])
        record.update(values)
        if record["parentType"] == encode_enum(" ") or record["parentId"] == EMPTY_GUID:
            raise dialog("You must get to the parent first to get to the default dimensions.")
        self.resolve_default_dimension(company, record, values)
        record["id"] = record["_key"] = new_guid()
        if any(r["parentId"] == record["parentId"] and r["dimensionId"] == record["dimensionId"]
               for r in company.table("defaultDimensions").values()):
            raise same_key_exists("Default Dimension", f"No.='{record['parentId']}',Dimension Code="
                                                       f"'{record['dimensionCode']}'")
        return self.store.put(company, "defaultDimensions", record)

    def modify_defaultDimensions(self, company, record, values):  # noqa: N802
        if values.get("dimensionId", record["dimensionId"]) != record["dimensionId"]:
            raise dialog("The dimension of a default dimension cannot be changed.")
        record.update(values)
        self.resolve_default_dimension(company, record, values)
        return self.store.put(company, "defaultDimensions", record)

    def resolve_default_dimension(self, company: Company, record: dict, values: dict) -> None:
        dimension = self.by_id(company, "dimensions", record["dimensionId"])
        if dimension is None:
            raise record_not_found("Dimension", "Id", record["dimensionId"])
        record["dimensionCode"] = dimension["code"]
        value = None
        if record["dimensionValueId"] != EMPTY_GUID:
            value = self.by_id(company, "dimensionValues", record["dimensionValueId"])
            if value is None or value["dimensionId"] != dimension["id"]:
                raise record_not_found("Dimension Value", "Id", record["dimensionValueId"])
        record["dimensionValueCode"] = value["code"] if value else ""

    # -- journals -----------------------------------------------------------------------------------------------
    def journal_line_common(self, company: Company, values: dict, journal_set: str, lines_set: str) -> dict:
        journal = self.by_id(company, journal_set, values.get("journalId", EMPTY_GUID))
        if journal is None:
            raise dialog('The "journalId" does not match to a Journal.')
        record = self.blank(SETS[lines_set])
        record.update(values)
        record["id"] = record["_key"] = new_guid()
        record["journalDisplayName"] = journal["code"]
        siblings = [r for r in company.table(lines_set).values() if r["journalId"] == journal["id"]]
        if not values.get("lineNumber"):
            record["lineNumber"] = max((r["lineNumber"] for r in siblings), default=0) + 10000
        if record["postingDate"] == "0001-01-01":
            record["postingDate"] = today()
        return record

    def insert_customerPayments(self, company: Company, values: dict) -> dict:  # noqa: N802
        record = self.journal_line_common(company, values, "customerPaymentJournals", "customerPayments")
        self.apply_payment_refs(company, record, values)
        if not record["documentNumber"]:
            record["documentNumber"] = self.store.next_number(company, *SERIES["payments"])
        return self.store.put(company, "customerPayments", record)

    def modify_customerPayments(self, company, record, values):  # noqa: N802
        record.update(values)
        self.apply_payment_refs(company, record, values)
        return self.store.put(company, "customerPayments", record)

    def apply_payment_refs(self, company: Company, record: dict, values: dict) -> None:
        """The field triggers of APIV2CustomerPayments.Page.al, in page order.

        customerId / customerNumber: must name a customer. appliesToInvoiceId: must be a posted invoice; an
        appliesToInvoiceNumber that matches none is kept as typed (Applies-to Doc. No.) and only posting fails.
        Either one fills the customer, when none is given, with the invoice's bill-to customer. A customer that
        differs from it is accepted here too — posting then finds no open entry of that customer to apply to.
        """
        if "customerId" in values:
            if values["customerId"] == EMPTY_GUID:
                record["customerNumber"] = ""
            else:
                customer = self.by_id(company, "customers", values["customerId"])
                if customer is None:
                    raise dialog('The "customerId" does not match to a Customer.')
                if values.get("customerNumber") and values["customerNumber"] != customer["number"]:
                    raise dialog("The customer values do not match to a specific Customer.")
                record["customerNumber"] = customer["number"]
        elif "customerNumber" in values:
            if not values["customerNumber"]:
                record["customerId"] = EMPTY_GUID
            else:
                customer = self.by_code(company, "customers", values["customerNumber"], "number")
                if customer is None:
                    raise dialog('The "customerNumber" does not match to a Customer.')
                record["customerId"] = customer["id"]
        invoice = None
        if values.get("appliesToInvoiceId", EMPTY_GUID) != EMPTY_GUID:
            invoice = self.by_id(company, "salesInvoices", values["appliesToInvoiceId"])
            if invoice is None or invoice["status"] not in ("Open", "Paid", "Corrective", "Canceled"):
                raise dialog('The "appliesToInvoiceId" should be the ID of an Open, Paid, Corrective, or Canceled '
                             "Invoice.")
            if values.get("appliesToInvoiceNumber") and values["appliesToInvoiceNumber"] != invoice["number"]:
                raise dialog("The Applies To Invoice values do not match to the same Invoice.")
        elif "appliesToInvoiceId" in values:
            record["appliesToInvoiceNumber"] = values.get("appliesToInvoiceNumber", "")
        elif values.get("appliesToInvoiceNumber"):
            invoice = next((i for i in company.table("salesInvoices").values()
                            if i["number"] == values["appliesToInvoiceNumber"] and i["status"] != "Draft"), None)
            record["appliesToInvoiceId"] = EMPTY_GUID
        if invoice is not None:
            record["appliesToInvoiceId"], record["appliesToInvoiceNumber"] = invoice["id"], invoice["number"]
            if not record["customerNumber"]:
                bill_to = invoice.get("billToCustomerNumber") or invoice["customerNumber"]
                customer = self.by_code(company, "customers", bill_to, "number")
                record["customerNumber"], record["customerId"] = bill_to, customer["id"] if customer else EMPTY_GUID

    def insert_journalLines(self, company: Company, values: dict) -> dict:  # noqa: N802
        record = self.journal_line_common(company, values, "journals", "journalLines")
        if "accountType" not in values:
            record["accountType"] = encode_enum("G/L Account")
        if "balanceAccountType" not in values:
            record["balanceAccountType"] = encode_enum("G/L Account")
        self.apply_journal_accounts(company, record, values)
        if not record["documentNumber"]:
            record["documentNumber"] = self.store.next_number(company, *SERIES["journal"])
        return self.store.put(company, "journalLines", record)

    def modify_journalLines(self, company, record, values):  # noqa: N802
        record.update(values)
        self.apply_journal_accounts(company, record, values)
        return self.store.put(company, "journalLines", record)

    def apply_journal_accounts(self, company: Company, record: dict, values: dict) -> None:
        for type_field, id_field, number_field in (
            ("accountType", "accountId", "accountNumber"),
            ("balanceAccountType", "balancingAccountId", "balancingAccountNumber"),
        ):
            table = {encode_enum("G/L Account"): "accounts", encode_enum("Bank Account"): "_bankAccounts"}.get(
                record[type_field])
            if table is None:
                raise dialog(f"The emulator supports only G/L Account and Bank Account in {type_field}.")
            row = None
            if values.get(id_field, EMPTY_GUID) != EMPTY_GUID:
                row = self.by_id(company, table, values[id_field])
                if row is None:
                    raise dialog(f'The "{id_field}" does not match to a {record[type_field]}.')
            elif values.get(number_field):
                row = self.by_code(company, table, values[number_field], "number")
                if row is None:
                    raise BcError(
                        400, "Internal_InvalidTableRelation",
                        f"The field Account No. of table Gen. Journal Line contains a value ({values[number_field]}) "
                        f"that cannot be found in the related table ({record[type_field]}).",
                    )
            if row is not None:
                record[id_field], record[number_field] = row["id"], row["number"]

    # -- posting (bound actions) ------------------------------------------------------------------------------
    def action(self, company: Company, set_name: str, record: dict, name: str) -> None:
        handler = {
            ("salesOrders", "shipAndInvoice"): self.ship_and_invoice,
            ("salesInvoices", "post"): self.post_invoice,
            ("salesCreditMemos", "post"): self.post_credit_memo,
            ("journals", "post"): self.post_journal,
        }.get((set_name, name))
        if handler is None and name in SETS[set_name].actions:
            raise not_modelled(f"the bound action {name} of {set_name}")
        if handler is None:
            raise BcError(
                400, "BadRequest_NotFound",
                f"The request URI is not valid. Since the segment '{set_name}' refers to a collection, this must "
                f"be the last segment in the request URI or it must be followed by a function or action that can "
                f"be bound to it otherwise all intermediate segments must refer to a single resource "
                f"(action 'Microsoft.NAV.{name}' is not bound to '{set_name}').",
            )
        handler(company, record)

    def lines_of(self, company: Company, lines_set: str, document_id: str) -> list[dict]:
        return sorted(
            (r for r in company.table(lines_set).values() if r["documentId"] == document_id),
            key=lambda r: r["sequence"],
        )

    def check_postable(self, lines: list[dict]) -> None:
        for line in lines:
            if line["lineType"] == "Charge" and num(line["quantity"]):
                raise dialog(f"You must assign item charge {line['lineObjectNumber']} if you want to invoice it.")
        if not any(line["lineType"] != "Comment" and num(line["quantity"]) for line in lines):
            raise dialog("There is nothing to post.")

    def move_stock(self, company: Company, lines: list[dict], sign: int) -> None:
        for line in lines:
            if line["lineType"] == "Item" and num(line["quantity"]):
                self.adjust_stock(company, line["itemId"], line.get("_locationCode", ""),
                                  line.get("_variantCode", ""), sign * num(line["quantity"]))

    def add_balance(self, company: Company, customer_id: str, delta: Decimal) -> None:
        customer = self.by_id(company, "customers", customer_id)
        if customer is not None and delta:
            customer = dict(customer)
            customer["balanceDue"] = out(num(customer["balanceDue"]) + delta)
            self.store.put(company, "customers", customer)

    def copy_dimensions(self, company: Company, source_id: str, target_id: str, parent_type: str) -> None:
        for row in [r for r in company.table("dimensionSetLines").values() if r["parentId"] == source_id]:
            copy = dict(row)
            copy["parentId"], copy["parentType"] = target_id, parent_type
            copy["_key"] = f"{target_id}:{row['id']}"
            self.store.put(company, "dimensionSetLines", copy)

    def ship_and_invoice(self, company: Company, order: dict) -> None:
        lines = self.lines_of(company, "salesOrderLines", order["id"])
        self.check_postable(lines)
        shipment = self.create_shipment(company, order, lines)
        invoice_spec = SETS["salesInvoices"]
        invoice = {k: v for k, v in order.items() if k in invoice_spec.fields and not k.startswith("_")}
        invoice.update({
            "id": new_guid(), "number": self.store.next_number(company, *SERIES["postedInvoices"]),
            # The posted invoice keeps the order's Document Date (orderDate) and Due Date.
            "status": "Open", "invoiceDate": order["orderDate"], "dueDate": order["_dueDate"],
            "promisedPayDate": "0001-01-01", "customerPurchaseOrderReference": "", "orderId": order["id"],
            "orderNumber": order["number"], "remainingAmount": order["totalAmountIncludingTax"],
            "disputeStatusId": EMPTY_GUID, "_shipmentId": shipment["id"],
        })
        invoice["_key"] = invoice["id"]
        self.store.put(company, "salesInvoices", invoice)
        line_spec = SETS["salesInvoiceLines"]
        for line in lines:
            copy = {k: v for k, v in line.items() if k in line_spec.fields or k in ("_locationCode", "_variantCode")}
            copy.update({"id": new_guid(), "documentId": invoice["id"]})
            copy["_key"] = copy["id"]
            self.store.put(company, "salesInvoiceLines", copy)
            self.copy_dimensions(company, line["id"], copy["id"], encode_enum(DIMENSION_PARENTS["salesInvoiceLines"]))
        self.copy_dimensions(company, order["id"], invoice["id"], encode_enum(DIMENSION_PARENTS["salesInvoices"]))
        self.move_stock(company, lines, -1)
        self.add_balance(company, order["billToCustomerId"], num(order["totalAmountIncludingTax"]))
        self.delete_document(company, "salesOrders", order)

    def create_shipment(self, company: Company, order: dict, lines: list[dict]) -> dict:
        spec = SETS["salesShipments"]
        shipment = {k: v for k, v in order.items() if k in spec.fields and not k.startswith("_")}
        terms = self.by_id(company, "paymentTerms", order.get("paymentTermsId", ""))
        method = self.by_id(company, "shipmentMethods", order.get("shipmentMethodId", ""))
        shipment.update({
            "id": new_guid(), "number": self.store.next_number(company, *SERIES["postedShipments"]),
            "orderNumber": order["number"], "invoiceDate": order["orderDate"], "dueDate": order["_dueDate"],
            "customerPurchaseOrderReference": "", "paymentTermsCode": terms["code"] if terms else "",
            "shipmentMethodCode": method["code"] if method else "", "_orderId": order["id"],
            "_packageTrackingNo": order.get("_packageTrackingNo", ""),
            "_shippingAgentCode": order.get("_shippingAgentCode", ""),
            "_shippingAgentServiceCode": "", "_shipmentDate": order["postingDate"],
        })
        shipment["_key"] = shipment["id"]
        self.store.put(company, "salesShipments", shipment)
        for line in lines:
            line_type = encode_enum({"Account": "G/L Account", "Charge": "Charge (Item)", "Comment": " "}.get(
                line["lineType"], line["lineType"]))
            row = {
                "id": new_guid(), "documentId": shipment["id"], "documentNo": shipment["number"],
                "sequence": line["sequence"], "lineType": line_type, "lineObjectNumber": line["lineObjectNumber"],
                "description": line["description"], "description2": line["description2"],
                "unitOfMeasureCode": line["unitOfMeasureCode"], "unitPrice": line["unitPrice"],
                "quantity": line["quantity"], "discountPercent": line["discountPercent"],
                "taxPercent": line["taxPercent"], "shipmentDate": line.get("shipmentDate") or today(),
                "_locationCode": line.get("_locationCode", ""), "_variantCode": line.get("_variantCode", ""),
                "_itemId": line["itemId"],
            }
            row["_key"] = row["id"]
            self.store.put(company, "salesShipmentLines", row)
        return shipment

    def post_invoice(self, company: Company, invoice: dict) -> None:
        if invoice["status"] != "Draft":
            raise dialog("The action can be applied to a draft invoice only.")
        lines = self.lines_of(company, "salesInvoiceLines", invoice["id"])
        self.check_postable(lines)
        invoice = dict(invoice)
        invoice.update({"status": "Open", "number": self.store.next_number(company, *SERIES["postedInvoices"]),
                        "remainingAmount": invoice["totalAmountIncludingTax"]})
        if invoice["invoiceDate"] == "0001-01-01":
            invoice["invoiceDate"] = invoice["postingDate"]
        self.store.put(company, "salesInvoices", invoice)
        self.move_stock(company, lines, -1)
        self.add_balance(company, invoice["billToCustomerId"], num(invoice["totalAmountIncludingTax"]))

    def post_credit_memo(self, company: Company, memo: dict) -> None:
        if memo["status"] != "Draft":
            raise dialog("The action can be applied to a draft credit memo only.")
        lines = self.lines_of(company, "salesCreditMemoLines", memo["id"])
        self.check_postable(lines)
        memo = dict(memo)
        total = num(memo["totalAmountIncludingTax"])
        memo.update({"status": "Open", "number": self.store.next_number(company, *SERIES["postedCreditMemos"])})
        invoice = self.by_id(company, "salesInvoices", memo.get("invoiceId", ""))
        if invoice is not None:
            invoice = dict(invoice)
            applied = min(total, num(invoice["remainingAmount"]))
            invoice["remainingAmount"] = out(num(invoice["remainingAmount"]) - applied)
            if num(invoice["remainingAmount"]) <= 0:
                invoice["status"] = "Paid"
            self.store.put(company, "salesInvoices", invoice)
            if applied == total:
                memo["status"] = "Paid"
        self.store.put(company, "salesCreditMemos", memo)
        self.move_stock(company, lines, +1)
        self.add_balance(company, memo["billToCustomerId"], -total)

    def post_journal(self, company: Company, journal: dict) -> None:
        if journal.get("_kind") == "customerPayments":
            self.post_payments(company, journal)
            return
        lines = sorted((r for r in company.table("journalLines").values() if r["journalId"] == journal["id"]),
                       key=lambda r: r["lineNumber"])
        if not any(num(line["amount"]) for line in lines):
            raise dialog("There is nothing to post.")
        for line in lines:
            if not line["accountNumber"]:
                raise dialog(
                    f"Account No. must have a value in Gen. Journal Line: Journal Template Name=GENERAL, "
                    f"Journal Batch Name={journal['code']}, Line No.={line['lineNumber']}. It cannot be zero or empty."
                )
        for line in lines:
            entry = {k: line[k] for k in ("accountType", "accountNumber", "balanceAccountType",
                                          "balancingAccountNumber", "amount", "postingDate", "documentNumber",
                                          "description")}
            entry["_key"] = new_guid()
            self.store.put(company, "_postedJournalLines", entry)
            self.store.remove(company, "journalLines", line["_key"])
            self.remove_dimensions(company, line["id"])

    def applied_invoice(self, company: Company, line: dict) -> dict | None:
        """Gen. Jnl.-Post Line looks the Applies-to Doc. No. up among the OPEN invoice entries of the line's own
        customer (the invoice's bill-to customer): no such entry, no posting."""
        number = line.get("appliesToInvoiceNumber", "")
        if not number:
            return None
        invoice = next((i for i in company.table("salesInvoices").values()
                        if i["number"] == number and i["status"] == "Open"
                        and (i.get("billToCustomerNumber") or i["customerNumber"]) == line["customerNumber"]), None)
        if invoice is None:
            raise BcError(400, "Internal_RecordNotFound",
                          f"There is no Cust. Ledger Entry within the filter. Filters: Document No.: {number}, "
                          f"Document Type: Invoice, Customer No.: {line['customerNumber']}, Open: Yes")
        return invoice

    def post_payments(self, company: Company, journal: dict) -> None:
        lines = sorted((r for r in company.table("customerPayments").values() if r["journalId"] == journal["id"]),
                       key=lambda r: r["lineNumber"])
        if not any(num(line["amount"]) for line in lines):
            raise dialog("There is nothing to post.")
        for line in lines:
            where = (f"Journal Template Name='CASHRCPT',Journal Batch Name='{journal['code']}',"
                     f"Line No.='{line['lineNumber']}'")
            if not line["customerNumber"] and num(line["amount"]):
                raise dialog(f"Account No. must have a value in Gen. Journal Line: {where}. "
                             "It cannot be zero or empty.")
            if num(line["amount"]) > 0:
                # Gen. Jnl.-Check Line ErrorIfPositiveAmt: a customer payment must be a credit (negative).
                raise BcError(400, "Application_FieldValidationException",
                              f"Amount must be negative in Gen. Journal Line {where}.")
        for line in lines:
            amount = num(line["amount"])
            invoice = self.applied_invoice(company, line)
            if invoice is not None and amount:
                invoice = dict(invoice)
                remaining = max(num(invoice["remainingAmount"]) + amount, Decimal(0))
                invoice["remainingAmount"] = out(remaining)
                if remaining == 0:
                    invoice["status"] = "Paid"
                self.store.put(company, "salesInvoices", invoice)
            self.add_balance(company, line["customerId"], amount)
            entry = {k: line[k] for k in ("customerNumber", "amount", "postingDate", "documentNumber",
                                          "externalDocumentNumber", "appliesToInvoiceNumber", "description")}
            entry["_key"] = new_guid()
            self.store.put(company, "_postedPayments", entry)
            self.store.remove(company, "customerPayments", line["_key"])
            self.remove_dimensions(company, line["id"])


def _split_tax(amount: Decimal, rate: Decimal, includes_tax: bool, precision: Decimal) -> tuple[Decimal, ...]:
    """(excluding tax, tax, including tax) of one line amount."""
    if includes_tax:
        net = round_amount(amount / (1 + rate / 100), precision)
        return net, amount - net, amount
    tax = round_amount(amount * rate / 100, precision)
    return amount, tax, amount + tax
