"""The admin endpoints through the local Functions host (sandbox/host): the master key is required."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from core.state import SyncLog, SyncStatus
from functions import operations as fo
from sandbox.host import LocalHost

MASTER_KEY = "ops-master-key-0123456789"
FUNCTION_KEY = "ops-function-key-0123456789"
APP = '''import azure.functions as func

from functions import operations

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(operations.bp)
'''


@pytest.fixture
def ops_host(ctx, tmp_path, storage_connection):
    (tmp_path / "function_app.py").write_text(APP)
    settings = {"AzureWebJobsStorage": storage_connection, "SANDBOX_MASTER_KEY": MASTER_KEY,
                "SANDBOX_FUNCTION_KEY": FUNCTION_KEY}
    # Only HTTP here: the poison handlers and the retention timer would act on the shared test storage.
    for name in [*(h.build().get_function_name() for h in fo.POISON_HANDLERS.values()), "prune_sync_log"]:
        settings[f"AzureWebJobs.{name}.Disabled"] = "true"
    with LocalHost(tmp_path, settings) as host:
        yield host.base_url


REQUESTS = [("GET", "/api/ops/status", None), ("GET", "/api/ops/records?status=attention", None),
            ("GET", "/api/ops/records/orders/s/gid%3A%2F%2Fshopify%2FOrder%2F1", None),
            ("POST", "/api/ops/retry", {"status": "failed", "shop": "nobody"}),
            ("POST", "/api/ops/replay-poison", {"queue": "no-such-queue"}), ("GET", "/api/ops/page", None)]


def test_admin_endpoints_refuse_requests_without_the_master_key(ops_host):
    with httpx.Client(base_url=ops_host, timeout=10) as client:
        assert client.get("/api/health").status_code == 200
        for method, path, body in REQUESTS:
            assert client.request(method, path, json=body).status_code == 401, path
            assert client.request(method, path, json=body,
                                  headers={"x-functions-key": FUNCTION_KEY}).status_code == 401, path
            assert client.request(method, path, json=body,
                                  headers={"x-functions-key": "wrong"}).status_code == 401, path
            allowed = client.request(method, path, json=body, headers={"x-functions-key": MASTER_KEY})
            assert allowed.status_code in (200, 400, 404), (path, allowed.status_code)
        assert client.get("/api/ops/page", params={"code": MASTER_KEY}).status_code == 200


def test_one_record_is_found_by_its_url_encoded_id_through_the_host(ctx, shop, ops_host):
    SyncLog(ctx.storage).record("orders", shop, "gid://shopify/Order/1", SyncStatus.NEEDS_ATTENTION,
                                message="m", resolution="r")
    url = f"{ops_host}/api/ops/records/orders/{shop}/{quote('gid://shopify/Order/1', safe='')}"
    response = httpx.get(url, headers={"x-functions-key": MASTER_KEY})
    assert response.status_code == 200
    assert response.json()["external_id"] == "gid://shopify/Order/1" and response.json()["resolution"] == "r"
