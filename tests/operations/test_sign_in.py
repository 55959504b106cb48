"""Sign-in with Entra ID (App Service Authentication) for the status page and admin API, through the local host
with Easy Auth simulated in front (sandbox/host/easy_auth.py): each role does what it may, and no more."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import httpx
import pytest

from core import ops_auth
from core.state import SyncLog, SyncStatus
from functions import operations as fo
from sandbox.host import LocalHost
from sandbox.host.easy_auth import SESSION_COOKIE, SESSIONS_SETTING, principal

MASTER_KEY = "ops-master-key-0123456789"
APP = '''import azure.functions as func

from functions import operations

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(operations.bp)
'''
SESSIONS = {
    "reader-session": principal("rita.reader@example.com", "Reader"),
    "operator-session": principal("otto.operator@example.com", "Operator"),
    "no-role-session": principal("nora.norole@example.com"),
}


def _host(ctx, tmp_path, storage_connection, **extra):
    (tmp_path / "function_app.py").write_text(APP)
    settings = {"AzureWebJobsStorage": storage_connection, "SANDBOX_MASTER_KEY": MASTER_KEY, **extra}
    for name in [*(h.build().get_function_name() for h in fo.POISON_HANDLERS.values()), "prune_sync_log"]:
        settings[f"AzureWebJobs.{name}.Disabled"] = "true"
    return LocalHost(tmp_path, settings)


@pytest.fixture
def signed_in_host(ctx, tmp_path, storage_connection):
    """The app deployed with signInClientId: Easy Auth in front, BRIDGE_EASY_AUTH=1 (as the Bicep sets it)."""
    with _host(ctx, tmp_path, storage_connection, BRIDGE_EASY_AUTH="1",
               **{SESSIONS_SETTING: json.dumps(SESSIONS)}) as host:
        yield host.base_url


def client(base_url: str, session: str | None = None) -> httpx.Client:
    cookies = {SESSION_COOKIE: session} if session else None
    return httpx.Client(base_url=base_url, timeout=10, cookies=cookies, follow_redirects=False)


def needing_attention(ctx, shop: str) -> str:
    external_id = "gid://shopify/Order/1043"
    SyncLog(ctx.storage).record("orders", shop, external_id, SyncStatus.NEEDS_ATTENTION, message="m", resolution="r")
    return external_id


def test_nobody_signed_in_gets_401_from_the_api_and_is_sent_to_sign_in_from_the_page(signed_in_host):
    with client(signed_in_host) as anonymous:
        for path in ("/api/cockpit/status", "/api/cockpit/records?status=attention"):
            response = anonymous.get(path)
            assert response.status_code == 401 and "sign in" in response.json()["error"]
        assert anonymous.post("/api/cockpit/retry", json={"status": "failed", "shop": "x"}).status_code == 401
        page = anonymous.get("/api/cockpit/page")
        assert page.status_code == 302
        assert page.headers["location"] == "/.auth/login/aad?post_login_redirect_uri=/api/cockpit/page"


def test_a_hand_made_principal_header_is_not_a_sign_in(signed_in_host):
    """Easy Auth strips principal headers a client sends: forging one gets nowhere."""
    forged = base64.b64encode(json.dumps(principal("mallory@example.com", "Operator")).encode()).decode()
    with client(signed_in_host) as anonymous:
        response = anonymous.get("/api/cockpit/status", headers={"X-MS-CLIENT-PRINCIPAL": forged})
    assert response.status_code == 401


def test_a_reader_sees_the_page_and_records_but_cannot_retry_or_replay(ctx, shop, signed_in_host):
    external_id = needing_attention(ctx, shop)
    with client(signed_in_host, "reader-session") as reader:
        page = reader.get("/api/cockpit/page")
        assert page.status_code == 200 and "<script nonce=" in page.text
        status = reader.get("/api/cockpit/status").json()
        assert status["viewer"] == {"name": "rita.reader@example.com", "roles": ["Reader"], "can_retry": False}
        listing = reader.get("/api/cockpit/records", params={"status": "attention", "shop": shop}).json()
        assert [r["external_id"] for r in listing["records"]] == [external_id]
        detail = reader.get(f"/api/cockpit/records/orders/{shop}/{quote(external_id, safe='')}")
        assert detail.status_code == 200 and detail.json()["resolution"] == "r"
        refused = reader.post("/api/cockpit/retry", json={"flow": "orders", "shop": shop, "external_id": external_id})
        assert refused.status_code == 403
        assert "Operator role" in refused.json()["error"] and "rita.reader@example.com" in refused.json()["error"]
        assert reader.post("/api/cockpit/replay-poison", json={"queue": "orders"}).status_code == 403
    record = SyncLog(ctx.storage).get("orders", shop, external_id)
    assert record.status == SyncStatus.NEEDS_ATTENTION  # untouched


def test_an_operator_can_retry(ctx, shop, signed_in_host):
    external_id = needing_attention(ctx, shop)
    with client(signed_in_host, "operator-session") as operator:
        assert operator.get("/api/cockpit/status").json()["viewer"]["can_retry"] is True
        # the record has no stored payload: the retry is accepted as an Operator's and then refused on its merits
        response = operator.post("/api/cockpit/retry", json={"flow": "orders", "shop": shop,
                                                              "external_id": external_id})
        assert response.status_code != 403, response.text
        bulk = operator.post("/api/cockpit/retry", json={"status": "needs_attention", "shop": shop, "flow": "orders"})
        assert bulk.status_code == 200, bulk.text


def test_signed_in_without_a_role_is_refused_with_what_to_do(signed_in_host):
    with client(signed_in_host, "no-role-session") as nobody:
        response = nobody.get("/api/cockpit/status")
    assert response.status_code == 403
    assert "Reader" in response.json()["error"] and "Resolution" in response.json()["error"]


def test_the_master_key_stays_a_break_glass_path_and_the_keyed_page_sends_people_to_sign_in(signed_in_host):
    with client(signed_in_host) as script:
        assert script.get("/api/ops/status", headers={"x-functions-key": MASTER_KEY}).status_code == 200
        assert script.get("/api/ops/status").status_code == 401
        page = script.get("/api/ops/page", params={"code": MASTER_KEY})
        assert page.status_code == 302 and page.headers["location"] == "/api/cockpit/page"
        assert MASTER_KEY not in page.headers["location"]


def test_without_sign_in_configured_the_principal_header_is_ignored(ctx, tmp_path, storage_connection):
    """No Easy Auth in front (the default deployment): nothing strips a sent header, so the app must not read it."""
    forged = base64.b64encode(json.dumps(principal("mallory@example.com", "Operator")).encode()).decode()
    with _host(ctx, tmp_path, storage_connection) as host, client(host.base_url) as anonymous:
        response = anonymous.get("/api/cockpit/status", headers={"X-MS-CLIENT-PRINCIPAL": forged})
        assert response.status_code == 401 and "not configured" in response.json()["error"]
        assert anonymous.get("/api/ops/page", params={"code": MASTER_KEY}).status_code == 200


def test_the_page_never_carries_the_key():
    html, _ = fo.render_page()
    assert "code=" not in html


@pytest.mark.parametrize("env, header, expected", [
    ({"BRIDGE_EASY_AUTH": "1"}, principal("a@example.com", "Reader", "Operator"),
     ("a@example.com", {"Reader", "Operator"})),
    ({"BRIDGE_EASY_AUTH": "1"}, {"claims": [{"typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
                                             "val": "Reader"}, {"typ": "name", "val": "b"}]}, ("b", {"Reader"})),
    ({}, principal("a@example.com", "Operator"), None),
    ({"BRIDGE_EASY_AUTH": "1"}, "not base64 json", None),
])
def test_the_principal_header_is_read_only_behind_easy_auth(env, header, expected):
    raw = header if isinstance(header, str) else base64.b64encode(json.dumps(header).encode()).decode()
    found = ops_auth.principal({"X-MS-CLIENT-PRINCIPAL": raw}, env)
    assert (None if found is None else (found.name, set(found.roles))) == expected
