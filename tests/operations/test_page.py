"""The status page in a real headless Chromium, served by the ops triggers behind a master-key check.

The test server routes requests to the blueprint's functions by their binding metadata (route, methods,
authLevel), as the Functions host does, and enforces the key, so the page only works if it carries the
`?code=` it was opened with on to its API calls.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
import pytest

from core.errors import NeedsAttention
from core.state import Envelope, SyncLog, SyncStatus, names
from core.sync.runner import run_item
from functions import operations as fo
from tests.operations.conftest import received_order, take_message

MASTER_KEY = "test-master-key-4d2a"
OPS_ROUTES = {"ops/status", "ops/records", "ops/history", "ops/records/{flow}/{shop}/{*external_id}", "ops/retry",
              "ops/replay-poison", "ops/page", "ops/search", "ops/payload/{flow}/{shop}/{*external_id}"}


def http_functions() -> list[tuple[dict, object]]:
    app = func.FunctionApp()
    app.register_functions(fo.bp)
    found = []
    for function in app.get_functions():
        trigger = json.loads(function.get_function_json())["bindings"][0]
        if trigger["type"] == "httpTrigger":
            found.append((trigger, function.get_user_function()))
    return found


def test_every_ops_route_needs_the_master_key_and_only_health_and_signed_in_routes_pass_the_host():
    """The host lets /cockpit/ through: those handlers require an Entra principal themselves (test_sign_in.py)."""
    levels = {trigger["route"]: trigger["authLevel"] for trigger, _ in http_functions()}
    assert set(levels) >= OPS_ROUTES
    signed_in = {route.replace("ops/", "cockpit/", 1) for route in OPS_ROUTES}
    assert {route: level for route, level in levels.items() if route.startswith("ops/")} == dict.fromkeys(
        OPS_ROUTES, "ADMIN")
    assert {route: level for route, level in levels.items() if route not in OPS_ROUTES} == dict.fromkeys(
        {"health", *signed_in}, "ANONYMOUS")


def _pattern(route: str) -> re.Pattern[str]:
    regex = ""
    for segment in route.split("/"):
        param = re.fullmatch(r"\{(\*?)(\w+)\}", segment)
        regex += "/" + (f"(?P<{param[2]}>{'.+' if param[1] else '[^/]+'})" if param else re.escape(segment))
    return re.compile(regex)


class OpsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = [(_pattern("api/" + t["route"]), t, f) for t, f in http_functions()]
        self.requests: list[tuple[str, str, int]] = []


class Handler(BaseHTTPRequestHandler):
    server: OpsServer

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        for pattern, trigger, function in self.server.routes:  # noqa: B007 - used after the loop
            found = pattern.fullmatch(url.path)
            if found and self.command in [m.upper() for m in trigger["methods"]]:
                break
        else:
            return self._reply(404, "not found", "text/plain")
        if trigger["authLevel"] != "ANONYMOUS" and MASTER_KEY not in (self.headers.get("x-functions-key"),
                                                                        params.get("code")):
            return self._reply(401, "", "text/plain")
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        # Like Azure's front end: route values decoded, except %2F which stays encoded.
        route_params = {k: unquote(v.replace("%2F", "%252F").replace("%2f", "%252f"))
                        for k, v in found.groupdict().items()}
        response = function(func.HttpRequest(self.command, f"http://127.0.0.1{self.path}", headers=dict(self.headers),
                                             params=params, route_params=route_params, body=body))
        self._reply(response.status_code, response.get_body(), response.mimetype, dict(response.headers))

    def _reply(self, status, body, mimetype, headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.server.requests.append((self.command, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", mimetype or "text/plain")
        for name, value in (headers or {}).items():
            if name.lower() != "content-type":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def ops_server(ctx):
    server = OpsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


XSS_SKU = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_the_page_shows_what_needs_attention_and_its_retry_button_replays_the_record(ctx, shop, ops_server,
                                                                                     browser):
    envelope = received_order(ctx, shop, "gid://shopify/Order/8001", b'{"id": 8001}')

    def unknown_sku(ctx_, env):
        raise NeedsAttention(f"Line 1: SKU {XSS_SKU} is not a BC item.",
                             resolution=f"Map SKU {XSS_SKU} to a BC item number in [shops.items], then retry.",
                             code="unknown_sku")

    run_item(ctx, names.ORDERS_IMPORT, envelope, unknown_sku)
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page()
    try:
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}&refresh=5")
        row = page.locator(f'#attention tr[data-shop="{shop}"]')
        row.wait_for()
        cells = row.locator("td")
        assert cells.nth(1).inner_text() == "orders"
        assert cells.nth(3).inner_text().startswith("gid://shopify/Order/8001")
        assert cells.nth(4).inner_text().startswith("Needs attention")
        assert cells.nth(5).inner_text() == f"Line 1: SKU {XSS_SKU} is not a BC item."  # shown as text
        assert cells.nth(6).inner_text() == f"Map SKU {XSS_SKU} to a BC item number in [shops.items], then retry."
        assert row.locator("img, script").count() == 0
        assert page.evaluate("window.__xss") is None
        assert page.locator("#counts tbody tr", has_text="orders").count() == 1
        assert page.locator("#queues tbody tr", has_text=names.ORDERS_IMPORT).count() == 1

        row.get_by_role("button", name="Retry").click()
        row.get_by_text("Queued again").wait_for()
        assert errors == []
    finally:
        page.close()

    assert ("POST", "/api/ops/retry", 200) in ops_server.requests  # with the key as a header, not in the URL
    replayed = Envelope.loads(take_message(ctx.storage, names.ORDERS_IMPORT, shop)[1])
    assert (replayed.external_id, replayed.payload_ref) == ("gid://shopify/Order/8001", envelope.payload_ref)
    assert SyncLog(ctx.storage).get("orders", shop, "gid://shopify/Order/8001").status == SyncStatus.RECEIVED


def test_the_page_is_served_with_a_strict_content_security_policy(ctx, ops_server):
    import httpx

    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    response = httpx.get(f"{base}/api/ops/page", params={"code": MASTER_KEY})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)[1]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe" not in csp
    assert response.text.count(f'nonce="{nonce}"') == 2
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "http://" not in response.text and "https://" not in response.text  # no CDN, nothing external
    assert httpx.get(f"{base}/api/ops/status").status_code == 401
    assert httpx.get(f"{base}/api/ops/status", headers={"x-functions-key": MASTER_KEY}).status_code == 200
