"""OData literals, keys and query strings."""

from __future__ import annotations

from urllib.parse import parse_qsl

from core.bc import encode_query, escape_literal, key_segment, odata_string
from core.bc.odata import entity_label, query_params


def test_string_literal_doubles_single_quotes():
    assert escape_literal("O'Brien") == "O''Brien"
    assert odata_string("it's 'x'") == "'it''s ''x'''"


def test_guid_keys_are_bare_and_other_keys_quoted_and_escaped():
    guid = "0ea6738a-44e3-ea11-bb43-000d3a2feca1"
    assert key_segment(guid) == f"({guid})"
    assert key_segment("A&B's/1") == "('A%26B''s%2F1')"


def test_query_encoding_round_trips_special_characters():
    filt = "email eq 'a+b@x.com' and displayName eq 'Smith & Sons #1 100%'"
    qs = encode_query(query_params(filter=filt, select=["id", "number"], top=5))
    assert " " not in qs and "+" not in qs  # '+' would decode to a space on the server
    assert dict(parse_qsl(qs)) == {"$filter": filt, "$select": "id,number", "$top": "5"}
    assert qs.startswith("$filter=email%20eq%20'a%2Bb@x.com'")


def test_entity_label_strips_keys_and_company():
    assert entity_label("companies(1-2)/salesOrders(3-4)/salesOrderLines?$top=1") == "salesOrders/salesOrderLines"
    assert entity_label("items") == "items"


def test_bc_api_root():
    from core.bc import bc_api_root

    assert bc_api_root("contoso.onmicrosoft.com", "Production") == (
        "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Production/api/v2.0"
    )


def test_enum_value_reads_bc_xml_encoded_names_and_plain_ones_alike():
    from core.bc.odata import enum_value

    # BC answers journalLines accountType as "G_x002F_L_x0020_Account"; its docs (and our bodies) write "G/L Account"
    assert enum_value("G_x002F_L_x0020_Account") == enum_value("G/L Account") == "G/L Account"
    assert enum_value("Bank_x0020_Account") == "Bank Account"
    assert enum_value("Positive_x0020_Adjmt_x002E_") == "Positive Adjmt."
    assert enum_value("_x0020_") == " " and enum_value("Item") == "Item" and enum_value(None) == ""
