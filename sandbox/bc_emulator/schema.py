"""Entity sets of the standard API v2.0 as the emulator exposes them: fields, types, read-only flags, Code lengths.

Notation in `SETS`: `name:type` with types guid, codeN (uppercased, at most N), textN (at most N), dec, int,
bool, date, dt, enum; a trailing `!` marks a read-only field (Editable = false in the APIV2 pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # guid code text dec int bool date dt enum
    length: int | None = None
    read_only: bool = False


@dataclass
class EntitySet:
    name: str  # entity set name, e.g. salesOrders
    entity: str  # entity (type) name, e.g. salesOrder
    fields: dict[str, Field]
    table: str  # BC table name for messages
    insert: bool = True
    modify: bool = True
    delete: bool = True
    unique: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    company_scoped: bool = True


def _fields(spec: str) -> dict[str, Field]:
    out = {}
    for token in spec.split():
        name, kind = token.split(":")
        ro = kind.endswith("!")
        kind = kind.rstrip("!")
        length = None
        for prefix in ("code", "text"):
            if kind.startswith(prefix) and kind != prefix:
                length = int(kind[len(prefix):])
                kind = prefix
        out[name] = Field(name, kind, length, ro)
    return out


_ADDRESS = "addressLine1:text100 addressLine2:text50 city:text30 state:text30 country:code10 postalCode:code20"
_SELL_TO = (
    "sellToAddressLine1:text100 sellToAddressLine2:text50 sellToCity:text30 sellToCountry:code10 "
    "sellToState:text30 sellToPostCode:code20"
)
_BILL_TO = (
    "billToAddressLine1:text100! billToAddressLine2:text50! billToCity:text30! billToCountry:code10! "
    "billToState:text30! billToPostCode:code20!"
)
_SHIP_TO = (
    "shipToName:text100 shipToContact:text100 shipToAddressLine1:text100 shipToAddressLine2:text50 "
    "shipToCity:text30 shipToCountry:code10 shipToState:text30 shipToPostCode:code20"
)
_DOC_COMMON = (
    "id:guid! number:code20! externalDocumentNumber:code35 postingDate:date customerId:guid customerNumber:code20 "
    "customerName:text100! billToName:text100! billToCustomerId:guid billToCustomerNumber:code20 "
    f"{_SHIP_TO} {_SELL_TO} {_BILL_TO} shortcutDimension1Code:code20 shortcutDimension2Code:code20 "
    "currencyId:guid currencyCode:code10 pricesIncludeTax:bool paymentTermsId:guid shipmentMethodId:guid "
    "salesperson:code20 discountAmount:dec discountAppliedBeforeTax:bool! totalAmountExcludingTax:dec! "
    "totalTaxAmount:dec! totalAmountIncludingTax:dec! status:enum! lastModifiedDateTime:dt! "
    "phoneNumber:text30 email:text80"
)
_LINE_COMMON = (
    "id:guid! documentId:guid sequence:int itemId:guid accountId:guid lineType:enum lineObjectNumber:code20 "
    "description:text100 description2:text50 unitOfMeasureId:guid unitOfMeasureCode:code10 quantity:dec "
    "unitPrice:dec discountAmount:dec discountPercent:dec discountAppliedBeforeTax:bool! "
    "amountExcludingTax:dec! taxCode:code20 taxPercent:dec! totalTaxAmount:dec! amountIncludingTax:dec! "
    "invoiceDiscountAllocation:dec! netAmount:dec! netTaxAmount:dec! netAmountIncludingTax:dec! "
    "shipmentDate:date itemVariantId:guid locationId:guid"
)
LINE_TYPES = ("Comment", "Account", "Item", "Resource", "Fixed Asset", "Charge", "Allocation Account")
_DIM_SET = (
    "id:guid code:code20 consolidationCode:code20! parentId:guid! parentType:enum! displayName:text30! "
    "valueId:guid valueCode:code20 valueConsolidationCode:code20! valueDisplayName:text50!"
)
_SIMPLE = "id:guid! code:code10 displayName:text100 lastModifiedDateTime:dt!"


def _set(name, entity, table, spec, **kw) -> EntitySet:
    return EntitySet(name=name, entity=entity, table=table, fields=_fields(spec), **kw)


SETS: dict[str, EntitySet] = {
    s.name: s
    for s in [
        _set(
            "companies",
            "company",
            "Company",
            "id:guid! systemVersion:text30! timestamp:int! name:text30! displayName:text250! "
            "businessProfileId:text250! systemCreatedAt:dt! systemCreatedBy:guid! systemModifiedAt:dt! "
            "systemModifiedBy:guid!",
            insert=False,
            modify=False,
            delete=False,
            company_scoped=False,
        ),
        _set(
            "customers",
            "customer",
            "Customer",
            f"id:guid! number:code20 displayName:text100 type:enum {_ADDRESS} phoneNumber:text30 email:text80 "
            "website:text80 salespersonCode:code20 balanceDue:dec! creditLimit:dec taxLiable:bool "
            "taxAreaId:guid taxAreaDisplayName:text100! taxRegistrationNumber:text20 currencyId:guid "
            "currencyCode:code10 paymentTermsId:guid shipmentMethodId:guid paymentMethodId:guid blocked:enum "
            "lastModifiedDateTime:dt!",
            unique=("number",),
            enums={"type": ("Company", "Person"), "blocked": (" ", "Ship", "Invoice", "All")},
        ),
        _set(
            "contacts",
            "contact",
            "Contact",
            f"id:guid! number:code20 type:enum displayName:text100 jobTitle:text30 companyNumber:code20 "
            f"companyName:text100! contactBusinessRelation:enum! {_ADDRESS} phoneNumber:text30 "
            "mobilePhoneNumber:text30 email:text80 website:text80 searchName:code100 privacyBlocked:bool "
            "taxRegistrationNumber:text20 lastInteractionDate:date! lastModifiedDateTime:dt!",
            unique=("number",),
            enums={
                "type": ("Company", "Person"),
                "contactBusinessRelation": (" ", "Customer", "Vendor", "Bank Account", "Employee", "None", "Other"),
            },
        ),
        _set(
            "items",
            "item",
            "Item",
            "id:guid! number:code20 displayName:text100 displayName2:text50 type:enum itemCategoryId:guid "
            "itemCategoryCode:code20 blocked:bool gtin:code14 inventory:dec unitPrice:dec priceIncludesTax:bool "
            "unitCost:dec taxGroupId:guid taxGroupCode:code20 baseUnitOfMeasureId:guid "
            "baseUnitOfMeasureCode:code10 generalProductPostingGroupId:guid generalProductPostingGroupCode:code20 "
            "inventoryPostingGroupId:guid inventoryPostingGroupCode:code20 lastModifiedDateTime:dt!",
            unique=("number",),
            enums={"type": ("Inventory", "Service", "Non-Inventory")},
        ),
        _set(
            "itemVariants",
            "itemVariant",
            "Item Variant",
            "id:guid! itemId:guid itemNumber:code20 code:code10 description:text100 lastModifiedDateTime:dt!",
            unique=("itemId", "code"),
        ),
        _set("itemCategories", "itemCategory", "Item Category", "id:guid! code:code20 displayName:text100 "
             "lastModifiedDateTime:dt!", unique=("code",)),
        _set("unitsOfMeasure", "unitOfMeasure", "Unit of Measure", "id:guid! code:code10 displayName:text50 "
             "internationalStandardCode:code10 symbol:text10 lastModifiedDateTime:dt!", unique=("code",)),
        _set(
            "locations",
            "location",
            "Location",
            f"id:guid! code:code10 displayName:text100 contact:text100 {_ADDRESS} phoneNumber:text30 "
            "email:text80 website:text80 lastModifiedDateTime:dt!",
            unique=("code",),
        ),
        _set(
            "salesOrders",
            "salesOrder",
            "Sales Header",
            _DOC_COMMON + " orderDate:date partialShipping:bool requestedDeliveryDate:date fullyShipped:bool!",
            enums={"status": ("Draft", "In Review", "Open")},
        ),
        _set(
            "salesOrderLines",
            "salesOrderLine",
            "Sales Line",
            _LINE_COMMON + " shippedQuantity:dec! invoicedQuantity:dec! invoiceQuantity:dec shipQuantity:dec",
            enums={"lineType": LINE_TYPES},
        ),
        _set(
            "salesInvoices",
            "salesInvoice",
            "Sales Header",
            _DOC_COMMON + " invoiceDate:date dueDate:date promisedPayDate:date customerPurchaseOrderReference:text35 "
            "orderId:guid! orderNumber:code20! remainingAmount:dec! disputeStatusId:guid",
            enums={"status": ("Draft", "In Review", "Open", "Paid", "Canceled", "Corrective")},
        ),
        _set("salesInvoiceLines", "salesInvoiceLine", "Sales Line", _LINE_COMMON, enums={"lineType": LINE_TYPES}),
        _set(
            "salesCreditMemos",
            "salesCreditMemo",
            "Sales Header",
            _DOC_COMMON + " creditMemoDate:date dueDate:date invoiceId:guid invoiceNumber:code20 "
            "customerReturnReasonId:guid",
            enums={"status": ("Draft", "In Review", "Open", "Paid", "Canceled", "Corrective")},
        ),
        _set(
            "salesCreditMemoLines", "salesCreditMemoLine", "Sales Line", _LINE_COMMON, enums={"lineType": LINE_TYPES}
        ),
        _set(
            "salesShipments",
            "salesShipment",
            "Sales Shipment Header",
            "id:guid! number:code20! externalDocumentNumber:code35! invoiceDate:date! postingDate:date! "
            "dueDate:date! customerPurchaseOrderReference:text35! customerNumber:code20! customerName:text100! "
            "billToName:text100! billToCustomerNumber:code20! shipToName:text100! shipToContact:text100! "
            "shipToAddressLine1:text100! shipToAddressLine2:text50! shipToCity:text30! shipToCountry:code10! "
            "shipToState:text30! shipToPostCode:code20! sellToAddressLine1:text100! sellToAddressLine2:text50! "
            "sellToCity:text30! sellToCountry:code10! sellToState:text30! sellToPostCode:code20! "
            "currencyCode:code10! orderNumber:code20! paymentTermsCode:code10! shipmentMethodCode:code10! "
            "salesperson:code20! pricesIncludeTax:bool! lastModifiedDateTime:dt! phoneNumber:text30! email:text80!",
            insert=False,
            modify=False,
            delete=False,
        ),
        _set(
            "salesShipmentLines",
            "salesShipmentLine",
            "Sales Shipment Line",
            "id:guid! documentId:guid! documentNo:code20! sequence:int! lineType:enum! lineObjectNumber:code20! "
            "description:text100! description2:text50! unitOfMeasureCode:code10! unitPrice:dec! quantity:dec! "
            "discountPercent:dec! taxPercent:dec! shipmentDate:date!",
            insert=False,
            modify=False,
            delete=False,
        ),
        _set(
            "customerPaymentJournals",
            "customerPaymentJournal",
            "Gen. Journal Batch",
            "id:guid! code:code10 displayName:text100 balancingAccountId:guid balancingAccountNumber:code20! "
            "lastModifiedDateTime:dt!",
            unique=("code",),
        ),
        _set(
            "customerPayments",
            "customerPayment",
            "Gen. Journal Line",
            "id:guid! journalId:guid journalDisplayName:code10! lineNumber:int customerId:guid "
            "customerNumber:code20 contactId:guid postingDate:date documentNumber:code20 "
            "externalDocumentNumber:code35 amount:dec appliesToInvoiceId:guid appliesToInvoiceNumber:code20 "
            "description:text100 comment:text250 lastModifiedDateTime:dt!",
        ),
        _set(
            "journals",
            "journal",
            "Gen. Journal Batch",
            "id:guid! code:code10 displayName:text100 templateDisplayName:code10! balancingAccountId:guid "
            "balancingAccountNumber:code20! lastModifiedDateTime:dt!",
            unique=("code",),
        ),
        _set(
            "journalLines",
            "journalLine",
            "Gen. Journal Line",
            "id:guid! journalId:guid journalDisplayName:code10! lineNumber:int accountType:enum accountId:guid "
            "accountNumber:code20 postingDate:date documentNumber:code20 externalDocumentNumber:code35 "
            "amount:dec description:text100 comment:text250 taxCode:code20 balanceAccountType:enum "
            "balancingAccountId:guid balancingAccountNumber:code20 lastModifiedDateTime:dt!",
            enums={
                "accountType": ("G/L Account", "Customer", "Vendor", "Bank Account", "Fixed Asset", "IC Partner",
                                "Employee"),
                "balanceAccountType": ("G/L Account", "Customer", "Vendor", "Bank Account", "Fixed Asset",
                                       "IC Partner", "Employee"),
            },
        ),
        _set(
            "accounts",
            "account",
            "G/L Account",
            "id:guid! number:code20! displayName:text100! category:enum! subCategory:text80! blocked:bool! "
            "accountType:enum! directPosting:bool! netChange:dec! lastModifiedDateTime:dt!",
            insert=False,
            modify=False,
            delete=False,
        ),
        _set(
            "dimensions",
            "dimension",
            "Dimension",
            "id:guid! code:code20! displayName:text30! consolidationCode:code20! lastModifiedDateTime:dt!",
            insert=False,
            modify=False,
            delete=False,
        ),
        _set(
            "dimensionValues",
            "dimensionValue",
            "Dimension Value",
            "id:guid! code:code20! dimensionId:guid! displayName:text50! consolidationCode:code20! "
            "lastModifiedDateTime:dt!",
            insert=False,
            modify=False,
            delete=False,
        ),
        _set("dimensionSetLines", "dimensionSetLine", "Dimension Set Entry", _DIM_SET),
        _set("paymentMethods", "paymentMethod", "Payment Method", _SIMPLE, unique=("code",)),
        _set("shipmentMethods", "shipmentMethod", "Shipment Method", _SIMPLE, unique=("code",)),
        _set(
            "paymentTerms",
            "paymentTerm",
            "Payment Terms",
            _SIMPLE + " dueDateCalculation:text32 discountDateCalculation:text32 discountPercent:dec "
            "calculateDiscountOnCreditMemos:bool",
            unique=("code",),
        ),
        _set("taxGroups", "taxGroup", "VAT Product Posting Group",
             "id:guid! code:code20 displayName:text100 taxType:enum! lastModifiedDateTime:dt!", unique=("code",)),
        _set("taxAreas", "taxArea", "VAT Business Posting Group",
             "id:guid! code:code20 displayName:text100 taxType:enum! lastModifiedDateTime:dt!", unique=("code",)),
        _set(
            "currencies",
            "currency",
            "Currency",
            "id:guid! code:code10 displayName:text30 symbol:text10 amountDecimalPlaces:text5 "
            "amountRoundingPrecision:dec lastModifiedDateTime:dt!",
            unique=("code",),
        ),
        _set(
            "subscriptions",
            "subscription",
            "API Webhook Subscription",
            "subscriptionId:text150! notificationUrl:text250 resource:text250 userId:guid! "
            "lastModifiedDateTime:dt! clientState:text2048 expirationDateTime:dt! systemCreatedAt:dt! "
            "systemCreatedBy:guid! systemModifiedAt:dt! systemModifiedBy:guid!",
            company_scoped=False,
        ),
    ]
}

# Navigation from a parent set to a child collection: (parent, child) -> foreign-key field on the child.
CHILDREN: dict[tuple[str, str], str] = {
    ("salesOrders", "salesOrderLines"): "documentId",
    ("salesInvoices", "salesInvoiceLines"): "documentId",
    ("salesCreditMemos", "salesCreditMemoLines"): "documentId",
    ("salesShipments", "salesShipmentLines"): "documentId",
    ("items", "itemVariants"): "itemId",
    ("customerPaymentJournals", "customerPayments"): "journalId",
    ("journals", "journalLines"): "journalId",
    ("dimensions", "dimensionValues"): "dimensionId",
}
DIMENSION_PARENTS = {
    "salesOrders": "Sales Order",
    "salesOrderLines": "Sales Order Line",
    "salesInvoices": "Sales Invoice",
    "salesInvoiceLines": "Sales Invoice Line",
    "salesCreditMemos": "Sales Credit Memo",
    "salesCreditMemoLines": "Sales Credit Memo Line",
    "journalLines": "Journal Line",
    "customerPayments": "Customer Payment",
}
for _parent in DIMENSION_PARENTS:
    CHILDREN[(_parent, "dimensionSetLines")] = "parentId"

# Single-valued navigation for $expand: (set, nav) -> (target set, foreign-key field on the source).
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    **{(s, "customer"): ("customers", "customerId") for s in ("salesOrders", "salesInvoices", "salesCreditMemos")},
    **{(s, "currency"): ("currencies", "currencyId") for s in ("salesOrders", "salesInvoices", "salesCreditMemos")},
    **{(s, "paymentTerm"): ("paymentTerms", "paymentTermsId") for s in ("salesOrders", "salesInvoices",
                                                                        "salesCreditMemos", "customers")},
    **{(s, "item"): ("items", "itemId") for s in ("salesOrderLines", "salesInvoiceLines", "salesCreditMemoLines")},
    **{(s, "account"): ("accounts", "accountId") for s in ("salesOrderLines", "salesInvoiceLines",
                                                           "salesCreditMemoLines")},
    **{(s, "location"): ("locations", "locationId") for s in ("salesOrderLines", "salesInvoiceLines",
                                                              "salesCreditMemoLines")},
    **{(s, "itemVariant"): ("itemVariants", "itemVariantId") for s in ("salesOrderLines", "salesInvoiceLines",
                                                                       "salesCreditMemoLines")},
    ("items", "itemCategory"): ("itemCategories", "itemCategoryId"),
    ("customerPayments", "customer"): ("customers", "customerId"),
}

# Lines that BC refuses to list without a document filter.
LINE_SETS = {"salesOrderLines", "salesInvoiceLines", "salesCreditMemoLines", "salesShipmentLines"}
HEADER_OF_LINES = {
    "salesOrderLines": "salesOrders",
    "salesInvoiceLines": "salesInvoices",
    "salesCreditMemoLines": "salesCreditMemos",
    "salesShipmentLines": "salesShipments",
}
LINES_OF_HEADER = {v: k for k, v in HEADER_OF_LINES.items()}

# Entity sets that accept webhook subscriptions (docs list, restricted to what the emulator has).
WEBHOOK_SETS = {
    "currencies", "customerPaymentJournals", "customers", "dimensions", "items", "journals", "paymentMethods",
    "paymentTerms", "salesCreditMemos", "salesInvoices", "salesOrders", "shipmentMethods",
}

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
