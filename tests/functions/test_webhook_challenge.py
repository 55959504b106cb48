"""GET on a shop's webhook URL: Adobe I/O Events' registration challenge is echoed, nothing else is served."""

from core.config import EXAMPLE_CONFIG, check_config
from core.sync.context import Context
from core.sync.receive import answer_challenge

MAGENTO_SHOP = '''
[[shops]]
key = "magento-demo"
platform = "magento"
url = "https://magento.example.com"
webhook_secret_setting = "MAGENTO_DEMO_EVENTS_PUBLIC_KEY"

[[routing]]
shop = "magento-demo"
company = "se"
'''


def context() -> Context:
    config, problems = check_config(EXAMPLE_CONFIG.read_text() + MAGENTO_SHOP)
    assert problems == []
    return Context(config=config, storage=None)


def test_the_adobe_io_events_challenge_is_echoed_for_a_magento_shop():
    reply = answer_challenge(context(), "magento-demo", {"challenge": "8ec8d794-e0ab-42df-9017-e3dada8e84f7"})
    assert (reply.status, reply.text) == (200, "8ec8d794-e0ab-42df-9017-e3dada8e84f7")


def test_a_plain_get_is_refused_and_an_unknown_shop_gets_the_same_answer():
    ctx = context()
    assert answer_challenge(ctx, "magento-demo", {}).status == 405
    assert answer_challenge(ctx, "shopify-demo", {"challenge": "x"}).status == 405  # Shopify has no such check
    assert answer_challenge(ctx, "nope", {"challenge": "x"}).status == 405  # shop keys cannot be probed
