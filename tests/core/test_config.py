"""The integration config: the example is valid; a broken one gets every problem reported, usefully."""

import subprocess
import sys

from core.config import EXAMPLE_CONFIG, check_config, load_config
from tests.conftest import ROOT

BROKEN = """
[bc]
environment = "production"

[[bc.credentials]]
auth = "client_secret"
client_id_setting = "BC_CLIENT_ID"

[[companies]]
key = "SE"
bc_company_id = "CRONUS Sverige"
currency = "SEK"

[[shops]]
key = "shop-a"
platform = "shopfiy"
url = "https://a.myshopify.com"
webhook_secret_setting = "shpss_{HEX}"
flows = ["orders", "stok"]

[shops.orders]
import_on = "payed"

[[routing]]
company = "nowhere"
""".replace("{HEX}", "0123456789abcdef")  # a made-up token shape, assembled at import


def test_the_example_config_is_valid():
    config, problems = check_config(EXAMPLE_CONFIG.read_text(), "example")
    assert problems == []
    assert [c.key for c in config.companies] == ["se", "de"]
    assert load_config(EXAMPLE_CONFIG).shop("woo-demo").platform == "woocommerce"


def test_a_broken_config_reports_every_problem_at_once_with_where_and_how():
    config, problems = check_config(BROKEN, "broken.toml")
    assert config is None
    by_where = {p.where: p for p in problems}
    assert "bc.credentials[0]" in by_where and "client_secret_setting" in by_where["bc.credentials[0]"].message
    assert "lowercase" in by_where['companies["SE"].key'].message
    assert "GUID" in by_where['companies["SE"].bc_company_id'].message
    assert "shopify" in by_where['shops["shop-a"].platform'].message
    assert "stok" in by_where['shops["shop-a"].flows'].message
    assert "paid" in by_where['shops["shop-a"].orders.import_on'].message
    assert 'unknown company "nowhere"' in by_where["routing[0].company"].message
    assert "[[companies]]" in by_where["routing[0].company"].fix
    secret = by_where['shops["shop-a"].webhook_secret_setting']
    assert "looks like a secret" in secret.message and "shpss_" not in str(secret)
    assert len(problems) == 8


def test_a_secret_value_where_a_setting_name_belongs_is_refused():
    text = EXAMPLE_CONFIG.read_text().replace(
        'webhook_secret_setting = "WOO_DEMO_WEBHOOK_SECRET"', 'webhook_secret_setting = "ck_12ab-34cd=="'
    )
    _, problems = check_config(text)
    assert len(problems) == 1 and "looks like a secret" in problems[0].message
    assert "ck_12ab" not in str(problems[0])


def test_semantic_problems_are_found_after_the_schema_passes():
    text = EXAMPLE_CONFIG.read_text() + '\n[[shops]]\nkey = "orphan"\nplatform = "shopware"\nurl = "https://x"\n' \
        'webhook_secret_setting = "X"\n'
    _, problems = check_config(text)
    assert any(p.where == 'shops["orphan"]' and "routing" in p.fix for p in problems)


def test_check_config_command_exit_codes_and_output(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "core", "check-config"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "OK" in ok.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN)
    bad = subprocess.run([sys.executable, "-m", "core", "check-config", "--config", str(broken)],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "8 problem(s)" in bad.stdout and "Fix:" in bad.stdout
    assert "shpss_" not in bad.stdout + bad.stderr
    syntax = tmp_path / "syntax.toml"
    syntax.write_text("[bc\n")
    res = subprocess.run([sys.executable, "-m", "core", "check-config", "--config", str(syntax)],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 1 and "not valid TOML" in res.stdout
