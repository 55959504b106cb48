"""The fields of BC API v2.0 pages that field mapping rules may target, as the page definitions declare them.

Copied from Microsoft's APIV2 page files (../shared/reference/bc-apiv2, `field(name; source)` and
`Editable = false`); tests/field_mapping/test_api_fields.py holds this list to the reference, so a change in
the reference fails a test instead of drifting. Production code does not read the reference or sandbox/.
A field is "read-only" when its page says `Editable = false` or it is a system field (BC computes it).
"""

from __future__ import annotations

# APIV2SalesOrders.Page.al
SALES_ORDER_WRITABLE = frozenset({
    "externalDocumentNumber", "orderDate", "postingDate", "customerId", "customerNumber",
    "billToCustomerId", "billToCustomerNumber", "shipToName", "shipToContact", "sellToAddressLine1",
    "sellToAddressLine2", "sellToCity", "sellToCountry", "sellToState", "sellToPostCode",
    "shipToAddressLine1", "shipToAddressLine2", "shipToCity", "shipToCountry", "shipToState",
    "shipToPostCode", "shortcutDimension1Code", "shortcutDimension2Code", "currencyId", "currencyCode",
    "pricesIncludeTax", "paymentTermsId", "shipmentMethodId", "salesperson", "partialShipping",
    "requestedDeliveryDate", "discountAmount", "fullyShipped", "phoneNumber", "email",
})
SALES_ORDER_READ_ONLY = frozenset({
    "id", "number", "customerName", "billToName", "billToAddressLine1", "billToAddressLine2", "billToCity",
    "billToCountry", "billToState", "billToPostCode", "discountAppliedBeforeTax", "totalAmountExcludingTax",
    "totalTaxAmount", "totalAmountIncludingTax", "status", "lastModifiedDateTime",
})

# APIV2SalesOrderLines.Page.al
SALES_ORDER_LINE_WRITABLE = frozenset({
    "documentId", "sequence", "itemId", "accountId", "lineType", "lineObjectNumber", "description",
    "description2", "unitOfMeasureId", "unitOfMeasureCode", "quantity", "unitPrice", "discountAmount",
    "discountPercent", "taxCode", "shipmentDate", "shippedQuantity", "invoicedQuantity", "invoiceQuantity",
    "shipQuantity", "itemVariantId", "locationId",
})
SALES_ORDER_LINE_READ_ONLY = frozenset({
    "id", "discountAppliedBeforeTax", "amountExcludingTax", "taxPercent", "totalTaxAmount",
    "amountIncludingTax", "invoiceDiscountAllocation", "netAmount", "netTaxAmount", "netAmountIncludingTax",
})

# APIV2SalesCreditMemos.Page.al
SALES_CREDIT_MEMO_WRITABLE = frozenset({
    "externalDocumentNumber", "creditMemoDate", "postingDate", "dueDate", "customerId", "customerNumber",
    "billToCustomerId", "billToCustomerNumber", "sellToAddressLine1", "sellToAddressLine2", "sellToCity",
    "sellToCountry", "sellToState", "sellToPostCode", "billToAddressLine1", "billToAddressLine2", "billToCity",
    "billToCountry", "billToState", "billToPostCode", "shortcutDimension1Code", "shortcutDimension2Code",
    "currencyId", "currencyCode", "paymentTermsId", "shipmentMethodId", "salesperson", "discountAmount",
    "invoiceId", "invoiceNumber", "phoneNumber", "email", "customerReturnReasonId",
})
SALES_CREDIT_MEMO_READ_ONLY = frozenset({
    "id", "number", "customerName", "billToName", "pricesIncludeTax", "discountAppliedBeforeTax",
    "totalAmountExcludingTax", "totalTaxAmount", "totalAmountIncludingTax", "status", "lastModifiedDateTime",
})

PAGES = {
    "salesOrders": (SALES_ORDER_WRITABLE, SALES_ORDER_READ_ONLY),
    "salesOrderLines": (SALES_ORDER_LINE_WRITABLE, SALES_ORDER_LINE_READ_ONLY),
    "salesCreditMemos": (SALES_CREDIT_MEMO_WRITABLE, SALES_CREDIT_MEMO_READ_ONLY),
}

# Fields export rules ([[shops.export_fields]]) may read, BC → shop: every field of the page, read-only ones
# included (a rule only reads). APIV2Items.Page.al and APIV2Customers.Page.al.
ITEM_FIELDS = frozenset({
    "id", "number", "displayName", "displayName2", "type", "itemCategoryId", "itemCategoryCode", "blocked", "gtin",
    "inventory", "unitPrice", "priceIncludesTax", "unitCost", "taxGroupId", "taxGroupCode", "baseUnitOfMeasureId",
    "baseUnitOfMeasureCode", "generalProductPostingGroupId", "generalProductPostingGroupCode",
    "inventoryPostingGroupId", "inventoryPostingGroupCode", "lastModifiedDateTime",
})
CUSTOMER_FIELDS = frozenset({
    "id", "number", "displayName", "type", "addressLine1", "addressLine2", "city", "state", "country", "postalCode",
    "phoneNumber", "email", "website", "salespersonCode", "balanceDue", "creditLimit", "taxLiable", "taxAreaId",
    "taxAreaDisplayName", "taxRegistrationNumber", "currencyId", "currencyCode", "paymentTermsId",
    "shipmentMethodId", "paymentMethodId", "blocked", "lastModifiedDateTime",
})
READABLE = {"items": ITEM_FIELDS, "customers": CUSTOMER_FIELDS}
