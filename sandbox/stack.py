"""The whole local stack in one object: Azurite, the BC emulator, the app on the sandbox Functions host.

Used by `make demo` and by the end-to-end tests, so both exercise exactly the same wiring:

    with LocalStack() as stack:
        stack.post_webhook("shopify-demo", body, headers)   # through the host's HTTP trigger
        stack.wait_until_settled()
        stack.bc.records(stack.company_id("se"), "salesOrders")

The app reads a config derived from config/example.toml: the BC section points at the emulator (a
static token; the example keeps real Entra credentials) and every secret is a generated setting value.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

import httpx

from core.config import EXAMPLE_CONFIG, load_config
from core.state import Storage, SyncLog, SyncStatus, names
from sandbox import azurite as azurite_launcher
from sandbox import azurite_pool
from sandbox.bc_emulator import BcEmulator
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator

ROOT = Path(__file__).resolve().parent.parent

DEV_CREDENTIALS = '''[[bc.credentials]]
auth = "static_token"
client_id_setting = "BC_CLIENT_ID"
token_setting = "BC_DEV_TOKEN"
'''


def derive_config(source: Path = EXAMPLE_CONFIG, extra: str = "", shop_urls: dict[str, str] | None = None) -> str:
    """The example config with the BC credentials swapped for the emulator's static token and the shops'
    URLs pointed at the shop emulators."""
    text = source.read_text(encoding="utf-8")
    for original, local in (shop_urls or {}).items():
        text = text.replace(f'url = "{original}"', f'url = "{local}"')
    text, count = re.subn(r"\[\[bc\.credentials\]\]\n(?:[^\[\n][^\n]*\n|\n)*?(?=\n*\[)", DEV_CREDENTIALS, text,
                          count=1)
    if count != 1:
        raise RuntimeError(f"could not find [[bc.credentials]] in {source}")
    return text + extra


def timer_functions() -> list[str]:
    """The app's timer-triggered functions, read from the blueprints' binding metadata (a fresh FunctionApp,
    so the real app's one-time index stays untouched)."""
    import importlib
    import json
    import pkgutil

    import azure.functions as func

    import functions

    app = func.FunctionApp()
    for module in pkgutil.iter_modules(functions.__path__):
        blueprint = getattr(importlib.import_module(f"functions.{module.name}"), "bp", None)
        if blueprint is not None:
            app.register_functions(blueprint)
    return [f.get_function_name() for f in app.get_functions()
            if json.loads(f.get_function_json())["bindings"][0]["type"] == "timerTrigger"]


class LocalStack:
    """`timers=False` (default) disables the app's timers in the host, so tests and the demo decide when a
    reconcile or export runs; a timer firing mid-test would make results depend on the wall clock.

    Storage: the `azurite` given; else, in a test session, a fresh account of the session's Azurite
    (sandbox.azurite_pool); else an Azurite of its own, stopped with the stack."""

    def __init__(self, *, azurite=None, config_extra: str = "", bc_latency_ms: int = 0, host: bool = True,
                 bc_limits: dict | None = None, timers: bool = False, settings: dict[str, str] | None = None):
        self._own_azurite = azurite is None
        self._azurite = azurite
        self.config_extra = config_extra
        self.bc = BcEmulator(seed="demo", latency_ms=bc_latency_ms, **(bc_limits or {}))
        self.shopify = ShopifyEmulator(shop_domain="bridge-demo.myshopify.com", access_token="shpat_dev_token",
                                       currency="SEK")
        self.woo = WooEmulator(consumer_key="ck_dev", consumer_secret="cs_dev")
        self.workdir = Path(tempfile.mkdtemp(prefix="bridge-stack-"))
        self.config_path = self.workdir / "bridge.toml"
        self.with_host = host
        self.timers = timers
        self.host = None
        self.settings: dict[str, str] = {}
        # app settings the test decides (a platform emulator's credentials for a shop in config_extra); they
        # win over the defaults below
        self.settings_extra = dict(settings or {})

    # ---- lifecycle ----
    def start(self) -> LocalStack:
        if self._azurite is None and azurite_pool.session is not None:
            self._azurite = azurite_pool.session.account()
            self._own_azurite = self._azurite is None
        if self._azurite is None:
            self._azurite = azurite_launcher.start(str(self.workdir))
        self.bc.start(port=0)
        self.shopify.start()
        self.woo.start()
        self.write_config(self.config_extra)
        self.config = load_config(self.config_path)
        self.settings = {
            "AzureWebJobsStorage": self._azurite.connection_string,
            "BRIDGE_CONFIG": str(self.config_path),
            "BC_BASE_URL": self.bc.base_url,
            "BC_TENANT_ID": "demo-tenant",
            "BC_CLIENT_ID": "bridge-dev",
            "BC_DEV_TOKEN": "dev-token-bridge",
            "SANDBOX_FUNCTION_KEY": secrets.token_urlsafe(16),
            "SANDBOX_MASTER_KEY": secrets.token_urlsafe(16),
        }
        for shop in self.config.shops:
            self.settings[shop.webhook_secret_setting] = secrets.token_urlsafe(24)
            if shop.api_token_setting:
                self.settings[shop.api_token_setting] = (
                    "ck_dev:cs_dev" if shop.platform == "woocommerce" else "shpat_dev_token")
        self.settings.update(self.settings_extra)
        if not self.timers:
            self.settings.update({f"AzureWebJobs.{name}.Disabled": "true" for name in timer_functions()})
        self.storage = Storage(connection_string=self._azurite.connection_string)
        self.storage.ensure_resources()
        if self.with_host:
            from sandbox.host import LocalHost

            self.host = LocalHost(ROOT, settings=self.settings).start()
        return self

    def write_config(self, extra: str = "") -> None:
        shop_urls = {"https://bridge-demo.myshopify.com": self.shopify.base_url,
                     "https://woo.example.com": self.woo.base_url}
        self.config_path.write_text(derive_config(extra=extra, shop_urls=shop_urls), encoding="utf-8")

    def reload_config(self, extra: str) -> None:
        """Change the app's config (e.g. after an operator fixed a mapping); the next item uses it."""
        from core.sync.context import set_context

        self.write_config(extra)
        self.config = load_config(self.config_path)
        set_context(None)

    def reload_config_from_file(self) -> None:
        """After editing config_path: the next queue item runs with the edited config."""
        from core.sync.context import set_context

        self.config = load_config(self.config_path)
        set_context(None)

    def stop(self) -> None:
        if self.host is not None:
            self.host.stop()
        self.bc.stop()
        self.shopify.stop()
        self.woo.stop()
        if self._own_azurite and self._azurite is not None:
            self._azurite.stop()
        from core.sync.context import set_context

        set_context(None)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- helpers ----
    def company_id(self, key: str) -> str:
        return self.config.company(key).bc_company_id

    def secret(self, shop_key: str) -> str:
        return self.settings[self.config.shop(shop_key).webhook_secret_setting]

    def webhook_url(self, shop_key: str) -> str:
        return f"{self.host.base_url}/api/webhooks/{shop_key}"

    def send_shopify(self, topic: str, payload: dict, event_id: str | None = None):
        """The Shopify emulator delivers a signed webhook to the app, as the real shop does."""
        return self.shopify.send_webhook(self.webhook_url("shopify-demo"), topic, payload, self.secret("shopify-demo"),
                                         event_id=event_id)

    def send_woo(self, topic: str, payload: dict):
        return self.woo.send_webhook(self.webhook_url("woo-demo"), topic, payload, self.secret("woo-demo"))

    def post_webhook(self, shop_key: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.webhook_url(shop_key), content=body, headers=headers, timeout=10)

    @property
    def synclog(self) -> SyncLog:
        return SyncLog(self.storage)

    def queue_depth(self, queue: str) -> int:
        return self.storage.queue(queue).get_queue_properties().approximate_message_count

    def wait_until_settled(self, timeout: float = 60, flow: str = "orders") -> None:
        """Wait until no record of `flow` is still `received` and its queue is empty (retries included)."""
        deadline = time.monotonic() + timeout
        queues = {"orders": names.ORDERS_IMPORT, "refunds": names.REFUNDS_IMPORT, "payouts": names.PAYOUTS_IMPORT,
                  "customers": names.CUSTOMERS_IMPORT, "stock": names.STOCK_EXPORT}
        if flow not in queues:
            raise ValueError(f"no queue for flow {flow!r} (one of {', '.join(queues)})")
        queue = queues[flow]  # the flow's own queue: a refund still queued is not settled
        while time.monotonic() < deadline:
            pending = [r for r in self.synclog.query(flow=flow) if r.status is SyncStatus.RECEIVED]
            if not pending and self.queue_depth(queue) == 0:
                time.sleep(0.3)  # let an in-flight worker finish its log write
                if not [r for r in self.synclog.query(flow=flow) if r.status is SyncStatus.RECEIVED]:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{flow} did not settle within {timeout:.0f}s: {len(pending)} record(s) still pending")
