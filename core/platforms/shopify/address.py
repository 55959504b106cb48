"""Country codes and phone numbers as Shopify's Admin API accepts them.

`CountryCode` is an enum in the Admin API: a value outside it is not a userError but refuses the whole request
(top-level `errors`), so an address is checked here before it is sent. BC's "Country/Region Code" is mostly
ISO 3166-1 alpha-2, except where BC follows the EU VAT prefixes: UK (United Kingdom → GB), EL (Greece → GR),
XI (Northern Ireland → GB, part of GB in Shopify). Some ISO codes are not Shopify countries at all (Puerto Rico,
Guam and the other US territories are zones of US in Shopify): those are left for a person to decide.

Phones: Shopify stores company location and address phones in E.164 (`+` country code and number, at most 15
digits). A BC phone that already says its country ("+46 8 123 456", "0046 8 123 456") is brought to that
shape; a national number ("08-123 456") is not guessed at.
"""

from __future__ import annotations

import re

# The CountryCode enum of Admin API 2026-04 (tests/shopify_schema holds this list against the schema file).
_ENUM_TEXT = """
AC AD AE AF AG AI AL AM AN AO AR AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MK ML MM MN MO MQ MR MS
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PS PT PY QA RE RO RS RU
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VN VU WF WS XK YE YT ZA ZM ZW ZZ
"""
COUNTRY_CODES = frozenset(_ENUM_TEXT.split())

# BC codes that are not the ISO code Shopify uses for the same country.
BC_COUNTRY_CODES = {"UK": "GB", "EL": "GR", "XI": "GB"}

_PHONE_NOISE = re.compile(r"[\s\-./()]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def country_code(bc_code: str | None) -> str | None:
    """Shopify's CountryCode for a BC country/region code ("uk " → "GB", "SE" → "SE"); None when there is none."""
    code = str(bc_code or "").strip().upper()
    code = BC_COUNTRY_CODES.get(code, code)
    return code if code in COUNTRY_CODES else None


def e164_phone(phone: str | None) -> str | None:
    """The phone in E.164 ("+46 (0)8-123 456" → "+468123456"); None when it does not say its country or is not
    a phone number."""
    text = str(phone or "").strip().replace("(0)", "")  # "+44 (0)20 …": the trunk 0 is not dialled from abroad
    text = _PHONE_NOISE.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if _E164.match(text) else None
