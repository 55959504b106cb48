"""The integration configuration: one TOML file, validated by pydantic.

The file names *settings* for every secret (`client_secret_setting = "BC_CLIENT_SECRET"`); the
values live in app settings / Key Vault references and are read with `read_setting()`. The file
itself never holds a secret, so it can be committed and reviewed.

`python -m core check-config [--config FILE]` reports every problem at once, each with where it is
and how to fix it (`check_config()`).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from core import bc_api_fields as api_fields
from core import metafield_types
from core.errors import NeedsAttention
from core.state.names import CONFIG_SETTING

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "example.toml"

PLATFORMS = ("shopify", "woocommerce", "magento", "shopware", "centra", "norce", "brink", "geins")
FLOWS = ("orders", "refunds", "payouts", "stock", "products", "customers", "shipments")
SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Values that are secrets, not setting names: Shopify app secret / tokens, Stripe keys and signing secrets,
# WooCommerce consumer key/secret, Adyen API keys, JWTs. Prefixes are matched case-sensitively: the secrets
# are lowercase (Adyen's "AQE", a JWT's "eyJ"), setting names by convention upper case.
SECRET_PREFIXES = ("shpss_", "shpat_", "shpca_", "shppa_", "whsec_", "sk_live_", "sk_test_", "rk_live_", "rk_test_",
                   "ck_", "cs_", "AQE", "eyJ")
MAX_SETTING_NAME = 128
HIDDEN = "(not shown: it looks like a secret)"


def looks_like_secret(value: str) -> bool:
    """A value that is more likely a secret than an app setting name: a known secret prefix, or a long run of
    letters mixed with digits (a token, a hex key) where names have short words between underscores."""
    if value.startswith(SECRET_PREFIXES) or len(value) > MAX_SETTING_NAME or not SETTING_NAME.match(value):
        return True
    for word in re.split(r"[_\-]", value):
        digits = sum(c.isdigit() for c in word)
        if len(word) >= 20 and digits >= 2 and len(word) - digits >= 2:
            return True
        if len(word) >= 32 and not (word.isalpha() and word.isupper()):  # a name's words are short or CAPS
            return True
    return False


def setting_label(name: str) -> str:
    """How a setting name may appear in a message or log: as it is, unless it looks like a secret."""
    return HIDDEN if looks_like_secret(name) else name


def _setting_name(value: str) -> str:
    # the value is never echoed: when it is not a name, it is often the secret itself
    if looks_like_secret(value):
        raise ValueError(
            "this looks like a secret, not the name of an app setting (the value is not shown): put the secret "
            "in an app setting (a Key Vault reference in Azure) and write that setting's NAME here (letters, "
            "digits, underscores); rotate the secret, since it has been in the config file"
        )
    return value


class BcCredential(Section):
    """One Entra app registered in BC. Several of them multiply BC's per-principal limits."""

    auth: Literal["client_secret", "certificate", "federated", "static_token"] = "client_secret"
    client_id_setting: str = "BC_CLIENT_ID"
    client_secret_setting: str | None = None
    certificate_setting: str | None = None  # PEM (cert + key) in a setting, e.g. a Key Vault reference
    managed_identity_client_id_setting: str | None = None  # federated: the UAMI whose token is the assertion
    token_setting: str | None = None  # static_token: local emulators and tests only, never a real BC

    @field_validator(
        "client_id_setting", "client_secret_setting", "certificate_setting", "managed_identity_client_id_setting",
        "token_setting",
    )
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)

    @model_validator(mode="after")
    def _secret_for_auth(self):
        needed = {
            "client_secret": "client_secret_setting",
            "certificate": "certificate_setting",
            "federated": "managed_identity_client_id_setting",
            "static_token": "token_setting",
        }[self.auth]
        if getattr(self, needed) is None:
            raise ValueError(f'auth = "{self.auth}" needs {needed} (the name of the app setting that holds it)')
        return self


class BcLimits(Section):
    requests_per_window: int = Field(6000, gt=0)
    window_seconds: float = Field(300, gt=0)
    concurrency: int = Field(5, gt=0, le=5)


class BcPages(Section):
    """Published ODataV4 pages (or a companion API) for what the standard API lacks. Empty = not available."""

    stock_by_location: str = ""
    shipments_with_tracking: str = ""


_API_ROUTE = re.compile(r"^[A-Za-z0-9_]+/[A-Za-z0-9_]+/(v\d+\.\d+|beta)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CustomPage(Section):
    """A page of the tenant's own (custom API page, or a page published as an ODataV4 web service) that field
    rules write to and the TRIMIT matrix reads from (docs/field-mapping.md). Its fields cannot be checked
    offline: no AL source of a tenant's page exists here, so `fields` is what the operator declares, and BC
    refuses at run time what the page does not have."""

    name: str  # how rules refer to it: target = "page.<name>.<field>"
    api: str = ""  # custom API route "publisher/group/v1.0" (key: SystemId); else
    odata: str = ""  # the service name of a page published on BC's Web Services page
    entity_set: str = ""  # api: the page's EntitySetName
    key: dict[str, str] = Field(default_factory=dict)  # odata: key field → "{number}", "{id}" or a fixed value
    fields: list[str] = Field(min_length=1)  # the page fields the bridge may write or read

    @field_validator("fields")
    @classmethod
    def _fields(cls, v):
        bad = [f for f in v if not _NAME.match(f)]
        if bad:
            raise ValueError(f"{bad} are not page field names (letters, digits, underscores as $metadata shows)")
        return v

    @model_validator(mode="after")
    def _kind(self):
        if bool(self.api) == bool(self.odata):
            raise RuleError("a custom page is either a custom API page or a published ODataV4 page",
                            'set api = "<publisher>/<group>/<version>" with entity_set, or odata = "<service name>"')
        if self.api:
            if not _API_ROUTE.match(self.api):
                raise RuleError(f'api "{self.api}" is not a custom API route',
                                'write APIPublisher/APIGroup/APIVersion as the page declares them, e.g. '
                                '"contoso/shop/v1.0"')
            if not self.entity_set or self.key:
                raise RuleError("a custom API page is addressed by its entity_set and keyed on the SystemId",
                                "set entity_set (the page's EntitySetName) and remove key")
        elif not self.key or self.entity_set:
            raise RuleError("a published page is addressed by its key fields",
                            'set key, e.g. { Document_Type = "Order", No = "{number}" }, and remove entity_set')
        return self


class Bc(Section):
    base_url: str = "https://api.businesscentral.dynamics.com"
    base_url_setting: str | None = None  # optional override, e.g. the local emulator
    tenant_id_setting: str = "BC_TENANT_ID"
    environment: str = "production"
    credentials: list[BcCredential] = Field(min_length=1)
    limits: BcLimits = Field(default_factory=BcLimits)
    pages: BcPages = Field(default_factory=BcPages)
    custom_pages: list[CustomPage] = Field(default_factory=list)  # [[bc.custom_pages]], docs/field-mapping.md

    def custom_page(self, name: str) -> CustomPage | None:
        return next((p for p in self.custom_pages if p.name == name), None)

    @field_validator("tenant_id_setting", "base_url_setting")
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)


class GlAccounts(Section):
    """G/L account numbers (or, for shipping, a Service/Non-inventory item) in this BC company."""

    shipping_account: str = ""
    shipping_item: str = ""
    tips: str = ""
    gift_cards: str = ""
    fees: str = ""  # order fee lines (WooCommerce fee_lines)
    rounding: str = ""
    psp_fees: str = ""
    refund_adjustments: str = ""  # goodwill / order-level refund adjustments on credit memos


class Company(Section):
    key: str
    bc_company_id: str
    name: str = ""
    currency: str  # the company's local currency (LCY); BC wants currencyCode empty for it
    default_customers: dict[str, str] = Field(default_factory=dict)  # market or "*" → BC customer number
    gl_accounts: GlAccounts = Field(default_factory=GlAccounts)
    tax_codes: dict[str, str] = Field(default_factory=dict)  # tax rate in percent ("25", "12.5") → BC tax code
    payment_methods: dict[str, str] = Field(default_factory=dict)  # shop gateway → BC payment method code
    shipping_methods: dict[str, str] = Field(default_factory=dict)  # shop shipping code/title → BC shipment method
    rounding_tolerance: Decimal = Decimal("0.05")

    @field_validator("key")
    @classmethod
    def _key(cls, v):
        if not KEY.match(v):
            raise ValueError("use lowercase letters, digits and dashes (max 32), e.g. \"se\"")
        return v

    @field_validator("bc_company_id")
    @classmethod
    def _guid(cls, v):
        if not GUID.match(v):
            raise ValueError(
                "must be the company's id (a GUID) as listed by GET …/api/v2.0/companies, not its name"
            )
        return v


class OrderImport(Section):
    import_on: Literal["paid", "created"] = "paid"
    import_test_orders: bool = False
    cutoff: date | None = None  # orders created before this date are skipped
    customer_strategy: Literal["default_customer", "match_email_then_create"] = "match_email_then_create"
    b2b_to_company_customer: bool = True
    external_document_number: str = "{prefix}{number}"  # {prefix} {number} {id} {shop}; ≤ 35 chars in BC
    prefix: str = ""
    currency_basis: Literal["shop", "presentment"] = "shop"
    shipping_as: Literal["account", "item"] = "account"
    on_update: Literal["apply", "needs_attention"] = "needs_attention"
    reconcile_minutes: int = Field(15, gt=0)
    reconcile_overlap_minutes: int = Field(10, ge=0)


class DimensionRule(Section):
    """Set dimension `code` = `value` on orders that match (every given field must match)."""

    code: str
    value: str
    market: str | None = None
    channel: str | None = None


class StockOptions(Section):
    """Stock BC → shop (flow "stock"); docs/stock.md explains each choice."""

    company: str = ""  # BC company whose stock the shop shows; empty = the company of the shop's first routing rule
    default_location: str = ""  # shop location that shows the total when no [shops.locations] are mapped
    buffer: int = Field(0, ge=0)  # safety stock: subtracted from every shop location (never below 0)
    # what is subtracted because it is sold but still in BC's on-hand inventory (docs/stock.md "Committed")
    committed: Literal["none", "shop_pending", "shop_pending_and_bc_open_orders"] = "shop_pending_and_bc_open_orders"
    full_reconcile_hours: float = Field(24, gt=0)  # push every pair, ignoring the snapshot, this often


class RefundImport(Section):
    """Refunds shop → BC credit memos (flow "refunds"); docs/refunds.md explains each choice."""

    # a refund whose order BC has not invoiced yet: wait for the invoice (retry later) or ask a person now
    before_invoice: Literal["wait", "needs_attention"] = "wait"
    post_credit_memo: bool = False  # post the credit memo right away (else it stays a draft for review)
    # Centra: returns and their money are read from the Order API (REST), not the Integration API
    order_api_url: str = ""  # the Order API plugin URL (<base> in Centra's docs)
    order_api_key_setting: str | None = None  # app setting holding the plugin's API key (API-Authorization)

    @field_validator("order_api_key_setting")
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)


class ShipmentExport(Section):
    """Shipments BC → shop (flow "shipments"); docs/shipments.md explains each choice."""

    notify_customer: bool = True
    carriers: dict[str, str] = Field(default_factory=dict)  # BC shipping agent code → carrier name in the shop
    tracking_urls: dict[str, str] = Field(default_factory=dict)  # BC shipping agent code → URL with {tracking}
    lookback_days: int = Field(7, gt=0)  # first run: shipments posted this many days back


class ProductExport(Section):
    """Products and prices BC → shop (flow "products"); docs/products.md explains each choice."""

    company: str = ""  # BC company whose items the shop shows; empty = the company of the shop's first routing rule
    item_filter: str = "blocked eq false"  # OData $filter on BC items: which items are published
    create_missing: bool = False  # create products the shop does not have (else only update existing SKUs)
    price_list_page: str = ""  # published page with sales prices (BC API v2.0 has none); empty = items.unitPrice
    price_list_code: str = ""  # which price list in that page
    prices_include_tax: bool = True  # whether the shop shows prices incl. tax (BC unitPrice per item setting)
    # Centra, Geins, Norce: the price list the prices go to (Centra: the pricelist id; Geins: the list id, market
    # M's ordinary list = M000000; Norce: the price list code)
    shop_price_list: str = ""
    sync_minutes: int = Field(60, gt=0)
    # Brink: prices are set per store group and country (docs/platforms.md, Brink)
    store_group_id: str = ""
    countries: list[str] = Field(default_factory=list)  # ISO 3166-1 alpha-2, e.g. ["SE"]

    @field_validator("shop_price_list", mode="before")
    @classmethod
    def _price_list_id(cls, value):
        """Centra and Geins price list ids are numbers; `shop_price_list = 1000000` and `"1000000"` are the same."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class CustomerSync(Section):
    """Customers and B2B companies, both ways (flow "customers"); docs/customers.md explains each choice."""

    import_from_shop: bool = True  # shop customers/create|update → BC customers
    export_to_shop: bool = False  # BC customers (e.g. B2B companies with credit limits) → shop
    company: str = ""  # BC company; empty = the company of the shop's first routing rule
    template_hint: str = ""  # shown in resolutions: BC "Config. Tmpl. Selection Rules" decide posting groups
    # Centra wholesale accounts (companies export): the market and pricelist ids createAccount requires
    account_market: int = 0
    account_pricelist: int = 0


# ------------------------------------------------------------------------------- field mapping rules
# [[shops.field_rules]]: read a value from the shop's own order payload and write it into the BC sales order
# (docs/field-mapping.md). Validated here, applied by core/sync/field_mapping.py.

# A path into the payload: dotted keys, list indexes and [key=value] selection, e.g.
# `note_attributes[name=gift_message].value`, `items[0].sku`. Not JSONPath: no dependency, and every path is
# one value, so "which of several matches" never needs explaining. Selection values are compared as text.
_PATH_TOKEN = re.compile(r"\.?([^.\[\]=]+)|\[(\d+)\]|\[([^=\[\]]+)=([^\]]*)\]")

# Fields the bridge itself computes from the order's amounts and resolution: a rule that overwrote them would
# break the totals check or the item/customer lookup. Everything else the page lets us write is fair game.
BRIDGE_MANAGED = {
    "salesOrders": frozenset({"customerId", "customerNumber", "currencyId", "currencyCode", "pricesIncludeTax",
                              "discountAmount", "externalDocumentNumber"}),
    "salesOrderLines": frozenset({"documentId", "sequence", "itemId", "accountId", "lineType", "lineObjectNumber",
                                  "quantity", "unitPrice", "discountAmount", "discountPercent", "itemVariantId"}),
    "salesCreditMemos": frozenset({"customerId", "customerNumber", "billToCustomerId", "billToCustomerNumber",
                                   "currencyId", "currencyCode", "discountAmount", "externalDocumentNumber",
                                   "invoiceId", "invoiceNumber"}),
}
TARGET_PAGES = {"header": "salesOrders", "line": "salesOrderLines"}
CREDIT_MEMO_PAGES = {"header": "salesCreditMemos"}  # refund lines differ per shop: no line targets on memos


class RuleError(ValueError):
    """A field rule problem with the fix kept apart, so check-config can print it on its own line."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


def parse_path(path: str) -> list[str | int | tuple[str, str]]:
    """`a.b[0][k=v]` → ["a", "b", 0, ("k", "v")]; ValueError naming the first character that does not fit."""
    steps: list[str | int | tuple[str, str]] = []
    position = 0
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        # a key follows a dot, except the first one, which has none
        if match is None or (match.group(1) is not None and (path[position] == ".") != (position > 0)):
            raise RuleError(f'path "{path}" cannot be read at character {position + 1} ("{path[position:]}")',
                            'write keys with dots, list positions as [0] and selections as [key=value], e.g. '
                            '"note_attributes[name=gift].value"')
        key, index, select_key, select_value = match.groups()
        if key is not None:
            steps.append(key.strip())
        elif index is not None:
            steps.append(int(index))
        else:
            steps.append((select_key.strip(), select_value.strip()))
        position = match.end()
    if not steps:
        raise RuleError("path is empty", 'write the path of the value in the order payload, e.g. "customer_note"')
    return steps


class RuleCondition(Section):
    """Apply the rule only when the value at `path` is present (and, with `equals`, equal to it as text)."""

    path: str
    equals: str | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, v):
        parse_path(v)
        return v


class FieldRule(Section):
    """One value from the shop's order payload into the BC sales order (docs/field-mapping.md)."""

    name: str
    document: Literal["order", "credit_memo"] = "order"  # sales orders, or credit memos from refunds
    # "header.<field>", "line.<field>" (source read per order line), "page.<custom page>.<field>" (written after
    # the order is created), "comment" (a comment line) or "charge" (a G/L line)
    target: str
    source: str  # path in the order payload; for line targets, in each of the payload's order lines
    fallbacks: list[str] = Field(default_factory=list)  # tried in order when `source` has no value
    when: RuleCondition | None = None
    company: str | None = None  # only orders routed to this company key; None = every company
    lookup: dict[str, str] = Field(default_factory=dict)  # shop value → BC value; a value not in it is a problem
    template: str | None = None  # "{value}" is replaced, e.g. "Gift: {value}"
    convert: Literal["text", "decimal", "date", "bool"] = "text"
    max_length: int | None = Field(None, gt=0)  # text: cut to this many characters (BC field length)
    default: str | None = None  # used when no path has a value
    on_missing: Literal["needs_attention", "skip", "default"] = "needs_attention"
    account: str = ""  # charge: the G/L account number
    description: str = ""  # charge: the line's description (default: the rule's name)
    tax_rate: Decimal | None = None  # charge: tax rate in percent, mapped through the company's tax_codes

    @field_validator("source", "fallbacks")
    @classmethod
    def _paths(cls, v):
        for path in [v] if isinstance(v, str) else v:
            parse_path(path)
        return v

    @field_validator("target")
    @classmethod
    def _target(cls, v, info: ValidationInfo):
        memo = info.data.get("document") == "credit_memo"
        if v in ("charge", "comment"):
            return v
        if v.startswith("page."):  # the page and its fields are declared in [[bc.custom_pages]]: checked there
            if memo:
                raise RuleError("fields of your own pages are written for sales orders only",
                                'use a "header.<field>", "comment" or "charge" target on credit memos')
            _, page, field = (v.split(".", 2) + ["", ""])[:3]
            if not _NAME.match(page) or not _NAME.match(field):
                raise RuleError(f'"{v}" is not a page target', 'write "page.<custom page name>.<field>"')
            return v
        level, _, field = v.partition(".")
        if memo and level == "line":
            raise RuleError("credit memos take no line targets (each shop shapes refund lines its own way)",
                            'use "header.<field>", "comment" or "charge"')
        targets = CREDIT_MEMO_PAGES if memo else TARGET_PAGES
        if level not in targets or not field:
            raise RuleError(f'"{v}" is not a target', 'write "header.<field>", "line.<field>", "page.<page>.<field>", '
                            '"comment" or "charge"')
        page = targets[level]
        writable, read_only = api_fields.PAGES[page]
        if field in read_only:
            raise RuleError(f'{page}.{field} is read-only in BC (BC computes it), so no rule can write it',
                            "choose a writable field (docs/field-mapping.md lists them), or remove the rule")
        if field not in writable:
            raise RuleError(f'{page} has no field "{field}" (BC API v2.0)',
                            f"use one of {sorted(writable - BRIDGE_MANAGED[page])}; a field of your own BC "
                            "extension is not on this page (API pages cannot be extended)")
        if field in BRIDGE_MANAGED[page]:
            raise RuleError(f"{page}.{field} is set by the bridge from the order itself (totals, customer or "
                            "item lookup depend on it)", "map the shop value through the bridge's own settings "
                            "(items, tax_codes, default_customers), or add an amount as target = \"charge\"")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.target == "charge":
            if not self.account:
                raise RuleError("a charge line needs a G/L account", 'add account = "<G/L account number>"')
            if self.convert != "decimal":
                raise RuleError("a charge is an amount", 'set convert = "decimal"')
        elif self.account or self.tax_rate is not None:
            raise RuleError('account and tax_rate belong to target = "charge" only',
                            'remove them, or set target = "charge"')
        if self.on_missing == "default" and self.default is None:
            raise RuleError('on_missing = "default" needs a default value', 'add default = "<value>"')
        if self.on_missing == "skip" and self.default is not None:
            raise RuleError('a default is never used with on_missing = "skip"',
                            'keep one: remove default, or remove on_missing (a default is then used)')
        if self.template is not None and "{value}" not in self.template:
            raise RuleError("the template does not contain {value}",
                            'write where the value goes, e.g. template = "Gift: {value}"')
        return self


# [[shops.export_fields]]: the same idea on the way out: a BC field → a Shopify metafield or a WooCommerce
# meta_data entry of the product, variant or (Shopify B2B) company (docs/field-mapping.md). Applied by
# core/sync/export_fields.py in the products flow and the customer export.
_META_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
EXPORT_PAGES = {"product": "items", "variant": "items", "customer": "customers"}


class ExportField(Section):
    """One BC field into a field of the shop's product, variant or customer."""

    name: str
    entity: Literal["product", "variant", "customer"] = "product"
    # a field of BC's API page (items for products and variants, customers for customers), or
    # "page.<custom page>.<field>": a field of a [[bc.custom_pages]] page, its row found by the item's/customer's
    # id (custom API page) or number (published page key "{number}")
    source: str
    namespace: str = ""  # Shopify metafield namespace (3-255 characters); WooCommerce: none
    key: str  # Shopify metafield key / WooCommerce meta_data key
    type: str = "single_line_text_field"  # Shopify metafield type; also how a WooCommerce value is written
    lookup: dict[str, str] = Field(default_factory=dict)  # BC value → shop value; a value not in it is a problem
    template: str | None = None  # "{value}" is replaced
    default: str | None = None  # used when BC's field is blank; without it a blank field is not sent

    @field_validator("source")
    @classmethod
    def _source(cls, v, info: ValidationInfo):
        if v.startswith("page."):
            _, page, field = (v.split(".", 2) + ["", ""])[:3]
            if not _NAME.match(page) or not _NAME.match(field):
                raise RuleError(f'"{v}" is not a page field', 'write "page.<custom page name>.<field>"')
            return v  # the page and its fields are declared in [[bc.custom_pages]]: checked there
        page = EXPORT_PAGES[info.data.get("entity") or "product"]
        readable = api_fields.READABLE[page]
        if v not in readable:
            raise RuleError(f'BC\'s {page} page has no field "{v}" (BC API v2.0)',
                            f"use one of {sorted(readable)}, or a field of your own page as "
                            '"page.<custom page>.<field>" (API pages cannot be extended)')
        return v

    @field_validator("key")
    @classmethod
    def _key(cls, v):
        low, high = metafield_types.KEY_LENGTH
        if not low <= len(v) <= high or not _META_KEY.match(v):
            raise RuleError(f'key "{v}" is not a metafield key',
                            f"use {low}-{high} letters, digits, hyphens or underscores (Shopify's rule)")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v):
        if v not in metafield_types.KNOWN:
            raise RuleError(f'"{v}" is not a Shopify metafield type',
                            f"use one of {sorted(metafield_types.SERIALISABLE)} (shopify.dev, List of data types)")
        if v not in metafield_types.SERIALISABLE:
            raise RuleError(f'metafield type "{v}" needs more than one BC value (a unit, a currency, a reference) '
                            "and is not written by the bridge",
                            f"use one of {sorted(metafield_types.SERIALISABLE)}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.template is not None and "{value}" not in self.template:
            raise RuleError("the template does not contain {value}",
                            'write where the value goes, e.g. template = "Origin: {value}"')
        if self.namespace:
            low, high = metafield_types.NAMESPACE_LENGTH
            if not low <= len(self.namespace) <= high or not _META_KEY.match(self.namespace):
                raise RuleError(f'namespace "{self.namespace}" is not a metafield namespace',
                                f"use {low}-{high} letters, digits, hyphens or underscores, e.g. \"custom\"")
        return self


class TrimitOption(Section):
    """One TRIMIT variant-dimension slot shown as a shop option. Which slot means what is each tenant's own
    choice (contracts/trimit-and-custom-fields.md §A1), so it is configured, never guessed."""

    slot: int = Field(ge=1, le=5)  # TRIMIT has five VarDim slots
    name: str  # the shop option name: "Colour", "Size"
    field: str  # the page field holding this slot's value for an item, e.g. "VarDim_2"
    order: list[str] = Field(default_factory=list)  # value order in the shop (sizes); unlisted values follow A–Z


class TrimitMatrix(Section):
    """TRIMIT's size/colour matrix (docs/trimit.md): every SKU is its own BC item pointing at a master item.
    The standard API shows neither the master nor the slots, so they are read from a page declared in
    [[bc.custom_pages]] that shows one row per item."""

    page: str  # the [[bc.custom_pages]] name
    item_field: str = "No"  # the page field with the item number
    master_field: str  # the page field with the item's master number (TRIMIT "trm Master No.")
    item_type_field: str = ""  # optional: the page field with TRIMIT's item type ("trm Item Type")
    master_type: str = "Master Item"  # the item type value of master items (not sold themselves)
    sku_field: str = ""  # the page field whose value is the shop SKU; empty = the item number is the SKU
    options: list[TrimitOption] = Field(min_length=1, max_length=5)

    def fields(self) -> list[str]:
        named = [self.item_field, self.master_field, self.item_type_field, self.sku_field]
        return [f for f in named if f] + [o.field for o in self.options]

class NorceOptions(Section):
    """Norce Commerce only (docs/platforms.md "Norce"): what the Norce APIs need beside the OAuth client
    (`api_token_setting` holds "client_id:client_secret")."""

    application_id: str = ""  # the ApplicationId header Query and the order service want
    account_id: int = Field(0, ge=0)  # Connect's X-StormConnect-Header AccountId (the integration's account)
    scope: Literal["playground", "stage", "prod"] = "prod"  # the OAuth scope of the token
    # the application's ApplicationKey (a GUID, Norce Admin → Applications): Connect ImportCompanies requires it
    # on each company; empty = B2B companies are not exported (export_to_shop needs attention)
    application_key: str = ""
    # "user:password" that Norce's Order Receiver sends as HTTP Basic auth (Admin → Client settings → ERP
    # integration); empty = the order receiver endpoint answers 401 to everything
    order_receiver_setting: str | None = None

    @field_validator("order_receiver_setting")
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)


class Shop(Section):
    key: str
    platform: Literal[PLATFORMS]  # type: ignore[valid-type]
    url: str  # https://demo.myshopify.com, https://shop.example.com
    webhook_secret_setting: str
    api_token_setting: str | None = None  # Shopify token; Woo "key:secret"; Magento token; Shopware "id:secret"
    flows: list[str] = Field(default_factory=lambda: ["orders"])
    orders: OrderImport = Field(default_factory=OrderImport)
    locations: dict[str, list[str]] = Field(default_factory=dict)  # shop location id → BC location codes
    items: dict[str, str] = Field(default_factory=dict)  # shop variant id or SKU → BC item number
    dimensions: list[DimensionRule] = Field(default_factory=list)
    stock: StockOptions = Field(default_factory=StockOptions)
    refunds: RefundImport = Field(default_factory=RefundImport)
    shipments: ShipmentExport = Field(default_factory=ShipmentExport)
    products: ProductExport = Field(default_factory=ProductExport)
    customers: CustomerSync = Field(default_factory=CustomerSync)
    field_rules: list[FieldRule] = Field(default_factory=list)  # docs/field-mapping.md
    export_fields: list[ExportField] = Field(default_factory=list)  # BC → shop fields, docs/field-mapping.md
    trimit: TrimitMatrix | None = None  # TRIMIT size/colour matrix (docs/trimit.md)
    norce: NorceOptions = Field(default_factory=NorceOptions)  # platform = "norce" only

    @field_validator("key")
    @classmethod
    def _key(cls, v):
        if not KEY.match(v):
            raise ValueError("use lowercase letters, digits and dashes (max 32), e.g. \"shopify-se\"")
        return v

    @field_validator("webhook_secret_setting", "api_token_setting")
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)

    @field_validator("flows")
    @classmethod
    def _flows(cls, v):
        unknown = [f for f in v if f not in FLOWS]
        if unknown:
            raise ValueError(f"unknown flow(s) {unknown}; choose from {list(FLOWS)}")
        return v


class PayoutSource(Section):
    """A payment provider's settlements → customer payments applied to invoices, fees to a G/L account."""

    key: str
    psp: Literal["stripe", "adyen", "klarna"]
    company: str  # BC company key the settlements are booked in
    shop: str  # the shop whose order numbers appear as merchant references (to find the BC invoices)
    payment_journal: str  # BC customerPaymentJournals code, e.g. "ADYEN" (its balancing account = PSP clearing)
    fee_journal: str = ""  # BC journals code for fee lines; empty = fees are not booked
    api_key_setting: str | None = None  # Stripe secret key / Klarna credentials ("user:password")
    webhook_secret_setting: str | None = None  # Stripe signing secret / Adyen HMAC key, for notifications
    post: bool = False  # post the journals after creating the lines (else a person reviews and posts)

    @field_validator("api_key_setting", "webhook_secret_setting")
    @classmethod
    def _names(cls, v):
        return v if v is None else _setting_name(v)


class RoutingRule(Section):
    """First matching rule wins. Omitted fields match anything."""

    company: str
    shop: str | None = None
    market: str | None = None
    currency: str | None = None
    country: str | None = None


class Config(Section):
    bc: Bc
    companies: list[Company] = Field(min_length=1)
    shops: list[Shop] = Field(min_length=1)
    routing: list[RoutingRule] = Field(min_length=1)
    payouts: list[PayoutSource] = Field(default_factory=list)

    def shop(self, key: str) -> Shop | None:
        return next((s for s in self.shops if s.key == key), None)

    def company(self, key: str) -> Company:
        return next(c for c in self.companies if c.key == key)

    def payout_source(self, key: str) -> PayoutSource | None:
        return next((p for p in self.payouts if p.key == key), None)


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (f"\n    Fix: {self.fix}" if self.fix else "")


def _where(loc: tuple, data: dict) -> str:
    """Turn a pydantic location into something a person finds in the file: shops[shopify-se].orders.cutoff."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            entry = node[item] if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) else {}
            # field rules have a name, not a key; an export field has both (its key is the shop's metafield key)
            key = entry.get("name") if parts and parts[-1] == "export_fields" else entry.get("key") or entry.get("name")
            parts[-1] += f'["{key}"]' if key else f"[{item}]"
            node = node[item] if isinstance(node, list) and item < len(node) else {}
        else:
            parts.append(str(item))
            node = node.get(item, {}) if isinstance(node, dict) else {}
    return ".".join(parts) or "(top level)"


_FIXES = {
    "missing": "add it",
    "extra_forbidden": "remove it or check its spelling against config/example.toml",
    "literal_error": "use one of the allowed values",
}


def _cross_checks(config: Config) -> list[Problem]:
    problems: list[Problem] = []
    company_keys = [c.key for c in config.companies]
    shop_keys = [s.key for s in config.shops]
    for kind, keys in (("companies", company_keys), ("shops", shop_keys)):
        for key in {k for k in keys if keys.count(k) > 1}:
            problems.append(Problem(f'{kind}["{key}"]', "key is used more than once", "give each a unique key"))
    problems += _reference_checks(config.model_dump())
    for shop in config.shops:
        if not any(r.shop in (None, shop.key) for r in config.routing):
            problems.append(Problem(
                f'shops["{shop.key}"]', "no routing rule can match this shop",
                f'add [[routing]] with shop = "{shop.key}" and the company its orders go to',
            ))
    for shop in config.shops:
        if shop.stock.company and shop.stock.company not in company_keys:
            problems.append(Problem(
                f'shops["{shop.key}"].stock.company', f'unknown company "{shop.stock.company}"',
                f"use one of {company_keys}",
            ))
    problems += _field_rule_checks(config)
    problems += _export_field_checks(config)
    problems += _trimit_checks(config)
    for i, credential in enumerate(config.bc.credentials):
        if credential.auth == "static_token" and not config.bc.base_url_setting:
            problems.append(Problem(
                f"bc.credentials[{i}].auth", "static_token is for local emulators only, and base_url is the real BC",
                "use client_secret, certificate or federated for Business Central online",
            ))
    for i, source in enumerate(config.payouts):
        if source.company not in company_keys:
            problems.append(Problem(f"payouts[{i}].company", f'unknown company "{source.company}"',
                                    f"use one of {company_keys}"))
        if source.shop not in shop_keys:
            problems.append(Problem(f"payouts[{i}].shop", f'unknown shop "{source.shop}"', f"use one of {shop_keys}"))
    for company in config.companies:
        where = f'companies["{company.key}"]'
        if company.gl_accounts.shipping_account and company.gl_accounts.shipping_item:
            problems.append(Problem(
                f"{where}.gl_accounts", "both shipping_account and shipping_item are set",
                "keep one: a G/L account number or a Service/Non-inventory item number",
            ))
        for rate in company.tax_codes:
            try:
                Decimal(rate)
            except ArithmeticError:
                problems.append(Problem(
                    f"{where}.tax_codes", f'"{rate}" is not a tax rate in percent', 'write it like "25" or "12.5"',
                ))
    return problems


def _field_rule_checks(config: Config) -> list[Problem]:
    """What one rule cannot know alone: its company exists, its name is unique, a charge's tax rate is mapped."""
    problems: list[Problem] = []
    company_keys = [c.key for c in config.companies]
    pages = [p.name for p in config.bc.custom_pages]
    for name in sorted({n for n in pages if pages.count(n) > 1}):
        problems.append(Problem(f'bc.custom_pages["{name}"]', "the page name is used more than once",
                                "give each custom page a unique name"))
    for shop in config.shops:
        names = [r.name for r in shop.field_rules]
        for rule in shop.field_rules:
            where = f'shops["{shop.key}"].field_rules["{rule.name}"]'
            problems += _page_target_checks(config, rule, where)
            if names.count(rule.name) > 1:
                problems.append(Problem(where, "the rule name is used more than once in this shop",
                                        "give each rule a unique name (it names the rule in every message)"))
            if rule.company is not None and rule.company not in company_keys:
                problems.append(Problem(f"{where}.company", f'unknown company "{rule.company}"',
                                        f"use one of {company_keys}, or leave company out for every company"))
            for company in (c for c in config.companies if rule.company in (None, c.key)):
                rates = [Decimal(k) for k in company.tax_codes if _is_number(k)]
                if rule.tax_rate is not None and company.tax_codes and rule.tax_rate not in rates:
                    problems.append(Problem(
                        f"{where}.tax_rate", f"tax rate {rule.tax_rate} % has no tax code in company {company.key}",
                        f'add "{rule.tax_rate}" = "<tax code>" to tax_codes of [[companies]] "{company.key}"'))
    return problems


def _export_field_checks(config: Config) -> list[Problem]:
    """What one export rule cannot know alone: the shop can take it, its page is declared, its name unique."""
    problems: list[Problem] = []
    for shop in config.shops:
        names = [r.name for r in shop.export_fields]
        targets = [(r.entity, r.namespace, r.key) for r in shop.export_fields]
        for rule in shop.export_fields:
            where = f'shops["{shop.key}"].export_fields["{rule.name}"]'
            if names.count(rule.name) > 1:
                problems.append(Problem(where, "the rule name is used more than once in this shop",
                                        "give each rule a unique name"))
            if targets.count((rule.entity, rule.namespace, rule.key)) > 1:
                problems.append(Problem(f"{where}.key", f'another rule writes {rule.entity} field '
                                        f'"{".".join(filter(None, (rule.namespace, rule.key)))}" too',
                                        "give each rule its own key (one value per field)"))
            if shop.platform not in ("shopify", "woocommerce"):
                problems.append(Problem(where, f"{shop.platform} shops take no export fields in this version",
                                        "remove the rule (export fields: Shopify metafields, WooCommerce meta_data)"))
                continue
            if shop.platform == "shopify" and not rule.namespace:
                problems.append(Problem(f"{where}.namespace", "a Shopify metafield needs a namespace",
                                        'add namespace = "<3-255 characters>", e.g. "custom"'))
            if shop.platform == "woocommerce" and rule.namespace:
                problems.append(Problem(f"{where}.namespace", "WooCommerce meta_data has no namespace",
                                        "remove namespace; key is the meta_data key"))
            if rule.entity == "customer" and (shop.platform != "shopify" or not shop.customers.export_to_shop):
                problems.append(Problem(
                    f"{where}.entity", "customer fields go out with the B2B company export, which writes Shopify "
                    "companies only and only with [shops.customers] export_to_shop = true",
                    "switch export_to_shop on for this Shopify shop, or remove the rule"))
            if rule.entity in ("product", "variant") and shop.trimit is not None:
                problems.append(Problem(f"{where}.entity", "export fields are not applied to TRIMIT-grouped "
                                        "products in this version (which SKU item's value would the master get?)",
                                        "remove the rule from this shop"))
            if rule.entity in ("product", "variant") and "products" not in shop.flows:
                problems.append(Problem(f"{where}.entity", "the products flow is not switched on for this shop, "
                                        "so the rule never runs", 'add "products" to flows, or remove the rule'))
            if rule.source.startswith("page."):
                _, page_name, field_name = rule.source.split(".", 2)
                page = config.bc.custom_page(page_name)
                if page is None:
                    problems.append(Problem(f"{where}.source", f'page "{page_name}" is not declared',
                                            "declare it in [[bc.custom_pages]] or use one of "
                                            f"{[p.name for p in config.bc.custom_pages]}"))
                elif field_name not in page.fields:
                    problems.append(Problem(f"{where}.source", f'page "{page_name}" has no declared field '
                                            f'"{field_name}"', f"use one of {page.fields}, or add the field to "
                                            f'fields of [[bc.custom_pages]] "{page_name}" if the page in BC has it'))
                elif not page.api and "{number}" not in page.key.values() and "{id}" not in page.key.values():
                    problems.append(Problem(f"{where}.source", f'page "{page_name}" has no key field holding the '
                                            "item's or customer's number", 'set e.g. key = { No = "{number}" } on '
                                            "the page"))
    return problems


def _trimit_checks(config: Config) -> list[Problem]:
    """The matrix page is declared and shows every field the matrix reads; slots and option names are unique."""
    problems: list[Problem] = []
    for shop in config.shops:
        matrix = shop.trimit
        if matrix is None:
            continue
        where = f'shops["{shop.key}"].trimit'
        page = config.bc.custom_page(matrix.page)
        if page is None:
            problems.append(Problem(f"{where}.page", f'page "{matrix.page}" is not declared',
                                    "declare the page that shows TRIMIT's item fields in [[bc.custom_pages]] "
                                    f"(docs/trimit.md), or use one of {[p.name for p in config.bc.custom_pages]}"))
        else:
            missing = [f for f in matrix.fields() if f not in page.fields]
            if missing:
                problems.append(Problem(where, f'page "{page.name}" does not declare {missing}',
                                        f'add them to fields of [[bc.custom_pages]] "{page.name}" (as the page '
                                        "in BC names them), or correct the field names here"))
        for label, values in (("slot", [o.slot for o in matrix.options]),
                              ("name", [o.name.casefold() for o in matrix.options])):
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                problems.append(Problem(f"{where}.options", f"option {label} {', '.join(twice)} is used twice",
                                        "give each option its own slot and name"))
    return problems


def _page_target_checks(config: Config, rule: FieldRule, where: str) -> list[Problem]:
    """A page target names a declared custom page and one of its declared fields. Whether the page in BC
    really has that field cannot be known offline: BC refuses it when the rule first writes."""
    if not rule.target.startswith("page."):
        return []
    _, page_name, field_name = rule.target.split(".", 2)
    page = config.bc.custom_page(page_name)
    declared = [p.name for p in config.bc.custom_pages]
    if page is None:
        return [Problem(f"{where}.target", f'rule "{rule.name}" writes to page "{page_name}", which is not declared',
                        f"declare it in [[bc.custom_pages]] (name, api or odata, fields) or use one of {declared}")]
    if field_name not in page.fields:
        return [Problem(f"{where}.target", f'rule "{rule.name}": page "{page_name}" has no declared field '
                        f'"{field_name}"', f"use one of {page.fields}, or add the field to fields of "
                        f'[[bc.custom_pages]] "{page_name}" if the page in BC has it')]
    return []


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _reference_checks(data: dict) -> list[Problem]:
    """Cross-references checked on the raw file, so they are reported even when other parts are invalid."""
    problems: list[Problem] = []
    companies = [c.get("key") for c in data.get("companies", []) if isinstance(c, dict)]
    shops = [s.get("key") for s in data.get("shops", []) if isinstance(s, dict)]
    for i, rule in enumerate(data.get("routing", []) if isinstance(data.get("routing"), list) else []):
        if isinstance(rule, dict) and rule.get("company") not in companies:
            problems.append(Problem(
                f"routing[{i}].company", f'unknown company "{rule.get("company")}"',
                f"use one of {companies} or add a [[companies]] entry with that key",
            ))
        if isinstance(rule, dict) and rule.get("shop") is not None and rule.get("shop") not in shops:
            problems.append(Problem(f"routing[{i}].shop", f'unknown shop "{rule.get("shop")}"', f"use one of {shops}"))
    return problems


def _secret_shaped(data: dict, node=None, loc: tuple = ()) -> list[Problem]:
    """Every `*_setting` key, at any depth, whose value looks like a secret (the value is never repeated)."""
    node = data if node is None else node
    problems: list[Problem] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(key, str) and key.endswith("_setting") and isinstance(value, str) and looks_like_secret(value):
            problems.append(Problem(
                _where((*loc, key), data), "looks like a secret, not an app setting name (the value is not shown)",
                "put the secret in an app setting (a Key Vault reference in Azure), write that setting's NAME here, "
                "and rotate the secret: it has been in the config file"))
        else:
            problems += _secret_shaped(data, value, (*loc, key))
    return problems


def check_config(text: str, source: str = "config") -> tuple[Config | None, list[Problem]]:
    """Parse and validate; return the config (when valid) and every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(source, f"not valid TOML: {exc}", "fix the syntax at the line and column given")]
    secrets = _secret_shaped(data)  # any *_setting key, also where the schema has none (then: "extra")
    hidden = {p.where for p in secrets}
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(_where(err["loc"], data), err["msg"].removeprefix("Value error, "),
                    getattr(err.get("ctx", {}).get("error"), "fix", "") or _FIXES.get(err["type"], ""))
            for err in exc.errors() if _where(err["loc"], data) not in hidden
        ]
        return None, secrets + problems + _reference_checks(data)
    problems = secrets + _cross_checks(config)
    return (config if not problems else None), problems


def load_config(path: str | Path | None = None) -> Config:
    """Load the config named by `path`, else the BRIDGE_CONFIG setting, else the example config."""
    path = Path(path or os.environ.get(CONFIG_SETTING) or EXAMPLE_CONFIG)
    if not path.is_absolute() and not path.exists():
        path = ROOT / path
    config, problems = check_config(path.read_text(encoding="utf-8"), str(path))
    if config is None:
        listing = "\n".join(f"- {p}" for p in problems)
        raise NeedsAttention(
            f"The integration config {path} has {len(problems)} problem(s):\n{listing}",
            resolution=f"fix the config file and run `python -m core check-config --config {path}`",
            code="invalid_config",
        )
    return config


def read_setting(name: str, settings: dict | None = None) -> str:
    """The value of an app setting (env var; a Key Vault reference in Azure resolves to the secret)."""
    value = (os.environ if settings is None else settings).get(name)
    if not value:
        label = setting_label(name)  # a secret pasted where a name belongs must not reach the log
        raise NeedsAttention(
            f"The app setting {label} is not set.",
            resolution=f"set {label} in the Function App's settings (a Key Vault reference for secrets) "
            "or in local.settings.json for local runs" if label != HIDDEN else
            "write the NAME of an app setting in the config's *_setting key, not the secret itself, and rotate "
            "the secret (python -m core check-config shows which key)",
            code="missing_setting",
        )
    return value
