"""Secrets where setting names belong: recognised in every *_setting key, refused, never echoed."""

from __future__ import annotations

import pytest

from core.config import EXAMPLE_CONFIG, check_config, looks_like_secret, read_setting
from core.errors import NeedsAttention


def fake(prefix: str, body: str) -> str:
    """A made-up value in a vendor's token shape, assembled here so no token-shaped literal sits in the repo."""
    return f"{prefix}_{body}"


HEX32 = "0123456789abcdef" * 2
SHOPIFY_TOKEN = fake("shpat", HEX32)
STRIPE_KEY = fake("sk" + "_live", "51H8abcDEF0123456789")
SECRETS = [fake("shpss", HEX32), SHOPIFY_TOKEN,
           fake("whsec", "AbCdEf0123456789"), STRIPE_KEY, fake("sk_test", "x"), fake("rk_live", "1"),
           fake("ck", HEX32 + "01234567"), fake("cs", HEX32 + "01234567"),
           "AQEyhmfxK4LLahZLw0m/n3Q5qf3VaY9UCJ14XWZE03G/k2NFipMGqQAVYN", "eyJhbGciOiJIUzI1NiJ9",
           "A4782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", "Zx81kPq0Lm3Nb7Vc5Xz2Qw",
           "key with spaces", "x" * 200]
NAMES = ["BC_CLIENT_SECRET", "SHOPIFY_SE_WEBHOOK_SECRET", "WOO_DEMO_WEBHOOK_SECRET", "ADYEN_HMAC_KEY",
         "STRIPE_SE_API_KEY", "MAGENTO_DEMO_EVENTS_PUBLIC_KEY", "BC_TENANT_ID", "CENTRA_2_TOKEN"]


@pytest.mark.parametrize("value", SECRETS)
def test_secret_shaped_values_are_recognised(value):
    assert looks_like_secret(value)


@pytest.mark.parametrize("value", NAMES)
def test_setting_names_are_not(value):
    assert not looks_like_secret(value)


@pytest.mark.parametrize("key,old", [
    ("webhook_secret_setting", '"WOO_DEMO_WEBHOOK_SECRET"'),
    ("api_token_setting", '"SHOPIFY_DEMO_API_TOKEN"'),
    ("client_secret_setting", '"BC_CLIENT_SECRET"'),
    ("tenant_id_setting", '"BC_TENANT_ID"'),
])
@pytest.mark.parametrize("secret", [SHOPIFY_TOKEN, STRIPE_KEY])
def test_check_config_refuses_a_secret_in_any_setting_key_without_echoing_it(key, old, secret):
    text = EXAMPLE_CONFIG.read_text()
    line = next(x for x in text.splitlines() if x.strip().startswith(f"{key} = {old}"))
    config, problems = check_config(text.replace(line, line.replace(old, f'"{secret}"'), 1))
    assert config is None and any(p.where.endswith(key) and "looks like a secret" in p.message for p in problems)
    assert secret not in "\n".join(map(str, problems))


def test_a_secret_in_an_unknown_setting_key_is_refused_too():
    shop = '[[shops]]\nkey = "shopify-demo"'
    extra = f'\nextra_setting = "{fake("whsec", "AbCdEf0123456789")}"'
    text = EXAMPLE_CONFIG.read_text().replace(shop, shop + extra, 1)
    _, problems = check_config(text)
    assert any("looks like a secret" in p.message for p in problems)
    assert "whsec_" not in "\n".join(map(str, problems))


def test_a_missing_setting_whose_name_looks_like_a_secret_is_not_named_in_the_error():
    with pytest.raises(NeedsAttention) as missing:
        read_setting(fake("shpss", HEX32), settings={})
    assert "shpss_" not in str(missing.value) and missing.value.code == "missing_setting"
    with pytest.raises(NeedsAttention) as ordinary:
        read_setting("SHOPIFY_SE_WEBHOOK_SECRET", settings={})
    assert "SHOPIFY_SE_WEBHOOK_SECRET" in str(ordinary.value)
