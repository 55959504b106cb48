"""The "demo" seed: two CRONUS companies with everything the flows need, as readable data.

Ids are derived deterministically (uuid5) from company and key, so config files and tests can name them:
`demo_id("SE", "items", "1000")`. Items include the SKUs of the sample orders in ../shared/corpus
(Shopify IPOD2008*, BEDB-20-BK-2; WooCommerce woo-album → item number WOO-ALBUM, since BC Code fields are
uppercase). Stock is kept per (location, variant).
"""

from __future__ import annotations

import uuid

from .store import Company, Store, now_iso

NAMESPACE = uuid.UUID("6f1c3a52-9d0e-4c55-8f57-2b1e0c0a6b11")


def demo_id(market: str, table: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{market}/{table}/{key}"))


DEMO_COMPANY_SE_ID = demo_id("SE", "companies", "CRONUS SE")
DEMO_COMPANY_DE_ID = demo_id("DE", "companies", "CRONUS DE")

MARKETS = {
    "SE": {
        "company_id": DEMO_COMPANY_SE_ID, "name": "CRONUS SE", "displayName": "CRONUS Sverige AB", "lcy": "SEK",
        "country": "SE", "default_tax": "VAT25",
        "tax_groups": [("VAT25", "Standard 25%", 25), ("VAT12", "Reduced 12%", 12), ("VAT6", "Reduced 6%", 6),
                       ("VAT0", "No VAT", 0)],
        "currencies": [("EUR", "Euro", "€"), ("USD", "US dollar", "$"), ("NOK", "Norwegian krone", "kr"),
                       ("DKK", "Danish krone", "kr"), ("GBP", "Pound sterling", "£"), ("HKD", "Hong Kong dollar",
                       "HK$"), ("INR", "Indian rupee", "₹")],
        "customers": [
            ("WEB-SE", "Webshop customers SE", "Company", "", "", "Stockholm", "11122"),
            ("10000", "Adatum AB", "Company", "inköp@adatum.example", "+46 8 123 456", "Stockholm", "11350"),
            ("20000", "Anna Andersson", "Person", "anna.andersson@example.com", "+46 70 111 22 33", "Göteborg",
             "41101"),
            ("30000", "Erik Svensson", "Person", "erik.svensson@example.com", "", "Malmö", "21120"),
            ("40000", "Nils Berg (billed to Adatum)", "Person", "nils.berg@example.com", "", "Stockholm", "11350"),
            ("50000", "Sara Lind (prices incl. VAT)", "Person", "sara.lind@example.com", "", "Uppsala", "75320"),
        ],
        # Customer card fields the API page does not show: Bill-to Customer No., Prices Including VAT, and
        # default dimensions (Default Dimension, table 352) that every new document of the customer copies.
        "bill_to": {"40000": "10000"},
        "prices_including_vat": {"50000"},
        "default_dimensions": {"WEB-SE": [("SALESCHANNEL", "WEB")], "10000": [("MARKET", "SE")]},
        "payment_methods": [("CARD", "Card"), ("INVOICE", "Invoice"), ("KLARNA", "Klarna"), ("SWISH", "Swish"),
                            ("PAYPAL", "PayPal"), ("BANK", "Bank transfer")],
        "shipment_methods": [("POSTNORD", "PostNord"), ("DHL", "DHL Express"), ("PICKUP", "Pick-up in store")],
        "market_values": [("SE", "Sweden"), ("NO", "Norway"), ("FI", "Finland"), ("DK", "Denmark")],
    },
    "DE": {
        "company_id": DEMO_COMPANY_DE_ID, "name": "CRONUS DE", "displayName": "CRONUS AG", "lcy": "EUR",
        "country": "DE", "default_tax": "VAT19",
        "tax_groups": [("VAT19", "Standard 19%", 19), ("VAT7", "Reduced 7%", 7), ("VAT0", "No VAT", 0)],
        "currencies": [("SEK", "Swedish krona", "kr"), ("USD", "US dollar", "$"), ("GBP", "Pound sterling", "£"),
                       ("CHF", "Swiss franc", "CHF")],
        "customers": [
            ("WEB-DE", "Webshop Kunden DE", "Company", "", "", "Berlin", "10115"),
            ("10000", "Trey Research GmbH", "Company", "einkauf@trey.example", "+49 30 1234567", "Berlin", "10117"),
            ("20000", "Max Mustermann", "Person", "max.mustermann@example.com", "+49 151 1234567", "München",
             "80331"),
        ],
        "bill_to": {},
        "prices_including_vat": set(),
        "default_dimensions": {"WEB-DE": [("SALESCHANNEL", "WEB")]},
        "payment_methods": [("CARD", "Karte"), ("INVOICE", "Rechnung"), ("KLARNA", "Klarna"), ("PAYPAL", "PayPal"),
                            ("BANK", "Überweisung")],
        "shipment_methods": [("DHL", "DHL Paket"), ("DPD", "DPD"), ("PICKUP", "Abholung")],
        "market_values": [("DE", "Germany"), ("AT", "Austria"), ("CH", "Switzerland")],
    },
}

LOCATIONS = [("MAIN", "Main warehouse"), ("STORE1", "Store 1"), ("WEB", "Webshop warehouse")]

# number, name, type, unit price (SEK), tax, category, stock {(location, variant): qty}, variants.
# Item "Allow Invoice Disc." is true (the Item table's InitValue) except for the items in NO_INVOICE_DISCOUNT.
ITEMS = [
    ("1000", "T-shirt Classic", "Inventory", 199.0, "standard", "APPAREL",
     {("MAIN", "S-BLK"): 20, ("MAIN", "M-BLK"): 30, ("MAIN", "L-BLK"): 10, ("WEB", "M-BLK"): 5, ("STORE1", "S-WHT"): 4},
     [("S-BLK", "Small / Black"), ("M-BLK", "Medium / Black"), ("L-BLK", "Large / Black"), ("S-WHT", "Small / White")]),
    ("1100", "Hoodie Nordic", "Inventory", 599.0, "standard", "APPAREL",
     {("MAIN", "M-GRY"): 12, ("MAIN", "L-GRY"): 8, ("WEB", "M-GRY"): 3},
     [("M-GRY", "Medium / Grey"), ("L-GRY", "Large / Grey")]),
    ("2000", "Coffee mug", "Inventory", 89.0, "standard", "HOME", {("MAIN", ""): 100, ("STORE1", ""): 12}, []),
    ("3000", "Cookbook", "Inventory", 249.0, "books", "BOOKS", {("MAIN", ""): 40}, []),
    ("IPOD2008PINK", "IPod Nano - 8GB pink", "Inventory", 1990.0, "standard", "ELECTRONICS",
     {("MAIN", ""): 25, ("WEB", ""): 5}, []),
    ("IPOD2008GREEN", "IPod Nano - 8GB green", "Inventory", 1990.0, "standard", "ELECTRONICS", {("MAIN", ""): 10}, []),
    ("IPOD2008RED", "IPod Nano - 8GB red", "Inventory", 1990.0, "standard", "ELECTRONICS", {("MAIN", ""): 7}, []),
    ("IPOD2008BLACK", "IPod Nano - 8GB black", "Inventory", 1990.0, "standard", "ELECTRONICS", {("MAIN", ""): 15}, []),
    ("BEDB-20-BK-2", "Everyday Backpack - Black / 20L", "Inventory", 2490.0, "standard", "BAGS",
     {("MAIN", ""): 6, ("STORE1", ""): 2}, []),
    ("WOO-ALBUM", "Album", "Inventory", 150.0, "standard", "MUSIC", {("MAIN", ""): 50}, []),
    ("SHIPPING", "Shipping", "Service", 0.0, "standard", "", {}, []),
    ("GIFTWRAP", "Gift wrapping", "Non_x002D_Inventory", 29.0, "standard", "", {}, []),
]
NO_INVOICE_DISCOUNT = {"SHIPPING", "GIFTWRAP"}
TAX_BY_KIND = {"SE": {"standard": "VAT25", "books": "VAT6"}, "DE": {"standard": "VAT19", "books": "VAT7"}}
PRICE_FACTOR = {"SE": 1.0, "DE": 0.1}

# G/L accounts valid for Account lines and journals: number, name, tax group kind (None = no VAT).
ACCOUNTS = [
    ("1940", "Bank, operating account", None), ("1945", "PSP clearing account", None),
    ("3000", "Sales of goods", "standard"), ("3010", "Freight income", "standard"),
    ("6100", "Payment provider fees", None), ("8999", "Rounding", None),
    # the accounts config/example.toml names for tips, sold gift cards and order fees
    ("2450", "Gift cards outstanding", None), ("3050", "Tips received", None), ("3060", "Fee income", "standard"),
]
BANK_ACCOUNTS = [("CHECKING", "Operating bank account"),
                 ("PSP-CLEARING", "Payment provider clearing")]
ITEM_CHARGES = [("S-FREIGHT", "Freight charge")]
PAYMENT_TERMS = [("COD", "Cash on delivery", "0D"), ("14 DAYS", "Net 14 days", "14D"),
                 ("30 DAYS", "Net 30 days", "30D")]
CUSTOMER_PAYMENT_JOURNALS = [("GENERAL", "Customer payments", "1940"), ("STRIPE", "Stripe payouts", "1945"),
                             ("KLARNA", "Klarna settlements", "1945"), ("ADYEN", "Adyen settlements", "1945")]
JOURNALS = [("DEFAULT", "Default journal"), ("FEES", "Payment provider fees")]
UNITS = [("PCS", "Piece"), ("HOUR", "Hour")]
CATEGORIES = ["APPAREL", "HOME", "BOOKS", "ELECTRONICS", "BAGS", "MUSIC"]
DIMENSIONS = {"SALESCHANNEL": ("Sales channel", [("WEB", "Web"), ("SHOPIFY", "Shopify"), ("WOO", "WooCommerce")]),
              "MARKET": ("Market", None)}


def load_demo(store: Store) -> None:
    for market, m in MARKETS.items():
        store.add_company(_company(store, market, m))


def load_empty(store: Store) -> None:
    """Two companies with only their setup tables (tax groups, currencies, ...), no customers or items."""
    for market, m in MARKETS.items():
        company = _company(store, market, m, with_master_data=False)
        store.add_company(company)


def _company(store: Store, market: str, m: dict, with_master_data: bool = True) -> Company:
    stamp = now_iso()
    company = Company(
        {"id": m["company_id"], "_key": m["company_id"], "systemVersion": "26.0.0.0", "timestamp": 0,
         "name": m["name"], "displayName": m["displayName"], "businessProfileId": "",
         "systemCreatedAt": stamp, "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
         "systemModifiedAt": stamp, "systemModifiedBy": "00000000-0000-0000-0000-000000000001",
         "_defaultTaxGroup": m["default_tax"], "_v": 1},
        lcy=m["lcy"], country=m["country"],
    )

    def put(table: str, key: str, record: dict) -> dict:
        record.setdefault("id", demo_id(market, table, key))
        record["_key"] = record["id"]
        return store.put(company, table, record)

    tax = TAX_BY_KIND[market]
    for code, name, rate in m["tax_groups"]:
        put("taxGroups", code, {"code": code, "displayName": name, "taxType": "VAT", "_rate": rate})
    for code, name in (("DOMESTIC", "Domestic customers"), ("EU", "EU customers"), ("EXPORT", "Export customers")):
        put("taxAreas", code, {"code": code, "displayName": name, "taxType": "VAT"})
    for code, name, symbol in m["currencies"]:
        put("currencies", code, {"code": code, "displayName": name, "symbol": symbol, "amountDecimalPlaces": "2:2",
                                 "amountRoundingPrecision": 0.01})
    for code, name in m["payment_methods"]:
        put("paymentMethods", code, {"code": code, "displayName": name})
    for code, name in m["shipment_methods"]:
        put("shipmentMethods", code, {"code": code, "displayName": name})
    for code, name, due in PAYMENT_TERMS:
        put("paymentTerms", code, {"code": code, "displayName": name, "dueDateCalculation": due,
                                   "discountDateCalculation": "", "discountPercent": 0,
                                   "calculateDiscountOnCreditMemos": False})
    for code, name in UNITS:
        put("unitsOfMeasure", code, {"code": code, "displayName": name, "internationalStandardCode": "",
                                     "symbol": ""})
    for code in CATEGORIES:
        put("itemCategories", code, {"code": code, "displayName": code.title()})
    for code, name in LOCATIONS:
        put("locations", code, {"code": code, "displayName": name, "contact": "", "addressLine1": "",
                                "addressLine2": "", "city": "", "state": "", "country": m["country"],
                                "postalCode": "", "phoneNumber": "", "email": "", "website": ""})
    for number, name, kind in ACCOUNTS:
        put("accounts", number, {"number": number, "displayName": name, "category": "Income", "subCategory": "",
                                 "blocked": False, "accountType": "Posting", "directPosting": True, "netChange": 0,
                                 "_taxGroup": tax[kind] if kind else "VAT0"})
    for number, name in BANK_ACCOUNTS:
        put("_bankAccounts", number, {"number": number, "displayName": name})
    for number, name in ITEM_CHARGES:
        put("_itemCharges", number, {"number": number, "description": name, "_taxGroup": tax["standard"]})
    for code, (name, values) in DIMENSIONS.items():
        dim = put("dimensions", code, {"code": code, "displayName": name, "consolidationCode": ""})
        for value_code, value_name in values or m["market_values"]:
            put("dimensionValues", f"{code}/{value_code}", {"code": value_code, "dimensionId": dim["id"],
                                                             "displayName": value_name, "consolidationCode": ""})
    for code, name, account in CUSTOMER_PAYMENT_JOURNALS:
        put("customerPaymentJournals", code, {"code": code, "displayName": name,
                                              "balancingAccountId": demo_id(market, "accounts", account),
                                              "balancingAccountNumber": account})
    for code, name in JOURNALS:
        put("journals", code, {"code": code, "displayName": name, "templateDisplayName": "GENERAL",
                               "balancingAccountId": "00000000-0000-0000-0000-000000000000",
                               "balancingAccountNumber": ""})
    if with_master_data:
        _master_data(market, m, put)
    return company


def _master_data(market: str, m: dict, put) -> None:
    tax = TAX_BY_KIND[market]
    empty = "00000000-0000-0000-0000-000000000000"
    for number, name, kind, email, phone, city, postcode in m["customers"]:
        put("customers", number, {
            "number": number, "displayName": name, "type": kind, "addressLine1": "", "addressLine2": "",
            "city": city, "state": "", "country": m["country"], "postalCode": postcode, "phoneNumber": phone,
            "email": email, "website": "", "salespersonCode": "", "balanceDue": 0, "creditLimit": 0,
            "taxLiable": True, "taxAreaId": demo_id(market, "taxAreas", "DOMESTIC"),
            "taxAreaDisplayName": "Domestic customers", "taxRegistrationNumber": "", "currencyId": empty,
            "currencyCode": "", "paymentTermsId": demo_id(market, "paymentTerms", "14 DAYS"), "shipmentMethodId": empty,
            "paymentMethodId": demo_id(market, "paymentMethods", "CARD"), "blocked": "_x0020_",
            "_billToCustomerNumber": m["bill_to"].get(number, ""),
            "_pricesIncludingVat": number in m["prices_including_vat"],
        })
        for code, value in m["default_dimensions"].get(number, []):
            put("defaultDimensions", f"{number}/{code}", {
                "parentType": "Customer", "parentId": demo_id(market, "customers", number),
                "dimensionId": demo_id(market, "dimensions", code), "dimensionCode": code,
                "dimensionValueId": demo_id(market, "dimensionValues", f"{code}/{value}"),
                "dimensionValueCode": value, "postingValidation": "_x0020_"})
    factor = PRICE_FACTOR[market]
    for number, name, kind, price, tax_kind, category, stock, variants in ITEMS:
        qty = {f"{loc}|{var}": q for (loc, var), q in stock.items()}
        item = put("items", number, {
            "number": number, "displayName": name, "displayName2": "", "type": kind,
            "itemCategoryId": demo_id(market, "itemCategories", category) if category else empty,
            "itemCategoryCode": category, "blocked": False, "gtin": "", "inventory": sum(stock.values()),
            "unitPrice": round(price * factor, 2), "priceIncludesTax": False, "unitCost": round(price * factor / 2, 2),
            "taxGroupId": demo_id(market, "taxGroups", tax[tax_kind]), "taxGroupCode": tax[tax_kind],
            "baseUnitOfMeasureId": demo_id(market, "unitsOfMeasure", "HOUR" if kind == "Service" else "PCS"),
            "baseUnitOfMeasureCode": "PCS", "generalProductPostingGroupId": empty,
            "generalProductPostingGroupCode": "RETAIL" if kind != "Service" else "SERVICES",
            "inventoryPostingGroupId": empty, "inventoryPostingGroupCode": "RESALE" if kind == "Inventory" else "",
            "_stock": qty, "_allowInvoiceDisc": number not in NO_INVOICE_DISCOUNT,
        })
        for code, description in variants:
            put("itemVariants", f"{number}/{code}", {"itemId": item["id"], "itemNumber": number, "code": code,
                                                    "description": description})
