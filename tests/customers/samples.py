"""Customer payloads shaped as the shops send them (Shopify customers/create|update REST body, API 2025-01;
WooCommerce customer.created|updated = GET /wc/v3/customers/{id})."""

from __future__ import annotations


def shopify_address(**overrides) -> dict:
    address = {
        "id": 8801, "customer_id": 0, "first_name": "Karin", "last_name": "Lindqvist", "company": None,
        "address1": "Drottninggatan 12", "address2": "lgh 1102", "city": "Stockholm", "province": "",
        "country": "Sweden", "zip": "111 51", "phone": "+46 70 555 01 02", "name": "Karin Lindqvist",
        "province_code": None, "country_code": "SE", "country_name": "Sweden", "default": True,
    }
    return {**address, **overrides}


def shopify_customer(customer_id: int, *, email: str = "Karin.Lindqvist@Example.com ", first: str = "Karin",
                     last: str = "Lindqvist", address: dict | None = None,
                     updated_at: str = "2026-03-02T10:00:00+01:00", **extra) -> dict:
    default = {**(address or shopify_address()), "customer_id": customer_id}
    return {
        "id": customer_id, "email": email, "created_at": "2026-03-02T10:00:00+01:00", "updated_at": updated_at,
        "first_name": first, "last_name": last, "state": "enabled", "note": None, "verified_email": True,
        "multipass_identifier": None, "tax_exempt": False, "tags": "", "currency": "SEK", "phone": None,
        "addresses": [default], "tax_exemptions": [],
        "email_marketing_consent": {"state": "not_subscribed", "opt_in_level": "single_opt_in",
                                    "consent_updated_at": None},
        "sms_marketing_consent": None,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "default_address": default,
        **extra,
    }


def shopify_b2b_buyer(customer_id: int, company_id: int, company_name: str, **kw) -> dict:
    """A customer read together with its B2B profile (the company it buys for)."""
    profile = {"company": {"id": f"gid://shopify/Company/{company_id}", "name": company_name,
                           "tax_registration_id": "SE556677889901"}}
    return shopify_customer(customer_id, company_contact_profiles=[profile], **kw)


def woo_customer(customer_id: int, *, email: str = "olle.berg@example.com", company: str = "",
                 modified: str = "2026-03-02T09:00:00") -> dict:
    billing = {"first_name": "Olle", "last_name": "Berg", "company": company, "address_1": "Storgatan 3",
               "address_2": "", "city": "Uppsala", "postcode": "753 20", "country": "SE", "state": "",
               "email": email, "phone": "018-12 34 56"}
    return {
        "id": customer_id, "date_created": modified, "date_created_gmt": modified, "date_modified": modified,
        "date_modified_gmt": modified, "email": email, "first_name": "Olle", "last_name": "Berg",
        "role": "customer", "username": "olle.berg", "billing": billing,
        "shipping": {k: v for k, v in billing.items() if k not in ("email", "phone")},
        "is_paying_customer": False, "avatar_url": "https://secure.gravatar.com/avatar/x",
        "meta_data": [{"id": 1, "key": "_billing_vat_number", "value": "SE556000111201"}] if company else [],
    }
