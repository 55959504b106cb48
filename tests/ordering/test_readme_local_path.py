"""The README's local path, command by command, on storage nobody prepared (issue 13 item 7): start Azurite,
fill local.settings.json from the example, start the local host, send a signed webhook — the order reaches BC."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import load_config
from sandbox.bc_emulator import BcEmulator
from sandbox.ports import free_port, wait_for_port
from sandbox.samples import shopify_order
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.stack import derive_config

pytestmark = pytest.mark.timeout(180)
ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[list[str]]:
    """The two commands of the README's "Without Core Tools" block, as written."""
    block = README.split("**Without Core Tools**", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split() for line in block.strip().splitlines()]


def test_the_readme_commands_work_on_a_fresh_machine(tmp_path):
    start_azurite, start_host = readme_commands()
    assert start_azurite == [".venv/bin/python", "-m", "sandbox.azurite", "start"]
    assert start_host[:3] == [".venv/bin/python", "-m", "sandbox.host"]
    state_file = ROOT / ".sandbox" / "azurite.json"
    saved_state = state_file.read_text() if state_file.exists() else None  # a developer's own Azurite
    bc = BcEmulator(seed="demo")
    shopify = ShopifyEmulator(shop_domain="bridge-demo.myshopify.com", access_token="shpat_dev_token",
                              currency="SEK")
    host = None
    try:
        out = subprocess.run(start_azurite, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        connection = out.stdout.strip().splitlines()[-1]
        assert "QueueEndpoint=" in connection
        bc.start(port=0)
        shopify.start()

        # "copy local.settings.example.json to local.settings.json and fill it in"
        config_file = tmp_path / "bridge.toml"
        config_file.write_text(derive_config(shop_urls={"https://bridge-demo.myshopify.com": shopify.base_url}))
        config = load_config(config_file)
        settings = json.loads((ROOT / "local.settings.example.json").read_text())
        values = settings["Values"]
        values.update({"AzureWebJobsStorage": connection, "BRIDGE_CONFIG": str(config_file),
                       "BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "demo-tenant", "BC_CLIENT_ID": "bridge-dev",
                       "BC_DEV_TOKEN": "dev-token-bridge", "SANDBOX_FUNCTION_KEY": secrets.token_urlsafe(16),
                       "SANDBOX_MASTER_KEY": secrets.token_urlsafe(16)})
        for shop in config.shops:
            values[shop.webhook_secret_setting] = secrets.token_urlsafe(24)
        port = free_port()
        settings["Host"]["LocalHttpPort"] = port
        settings_file = tmp_path / "local.settings.json"
        settings_file.write_text(json.dumps(settings))

        command = [part if part != "local.settings.json" else str(settings_file) for part in start_host]
        command = [part if part != "7071" else str(port) for part in command]
        env = {name: value for name, value in os.environ.items() if name not in values}
        host = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        wait_for_port(port, timeout=60)

        sent = shopify.send_webhook(f"http://127.0.0.1:{port}/api/webhooks/shopify-demo", "orders/paid",
                                    shopify_order(7701, [("2000", 1, "89.00")]),
                                    values[config.shop("shopify-demo").webhook_secret_setting])
        assert sent.status == 200, sent
        deadline = time.monotonic() + 60
        company = config.company("se").bc_company_id
        while time.monotonic() < deadline and not bc.records(company, "salesOrders",
                                                             externalDocumentNumber="SH-2701"):
            time.sleep(0.3)
        assert len(bc.records(company, "salesOrders", externalDocumentNumber="SH-2701")) == 1
    finally:
        if host is not None:
            host.send_signal(signal.SIGINT)
            try:
                output, _ = host.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                host.kill()
                output, _ = host.communicate()
            if sys.exc_info()[0] is not None:
                print(output[-4000:])
        subprocess.run([".venv/bin/python", "-m", "sandbox.azurite", "stop"], cwd=ROOT, capture_output=True,
                       timeout=60)
        if saved_state is not None:
            state_file.write_text(saved_state)
        bc.stop()
        shopify.stop()
    assert re.search(r"Storage ready", output)
