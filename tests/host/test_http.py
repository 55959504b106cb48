"""HTTP triggers through the local host: routes, params, methods, keys."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.host.conftest import FUNCTION_KEY, MASTER_KEY


@pytest.fixture
def client(sample_host):
    with httpx.Client(base_url=sample_host.base_url, timeout=10) as http:
        yield http


def test_function_auth_route_with_param_query_headers_and_body(client, caplog):
    caplog.set_level(logging.INFO, logger="sandbox.host")
    response = client.post("/api/items/42", params={"q": "blue"}, content=b"payload",
                           headers={"x-functions-key": FUNCTION_KEY, "x-sample": "yes"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-served-by"] == "get_item"
    assert response.json() == {"item_id": "42", "method": "POST", "q": "blue", "body": "payload",
                               "header": "yes"}
    assert any(r.getMessage().startswith("get_item httpTrigger Succeeded in ") for r in caplog.records)


@pytest.mark.parametrize("key", [FUNCTION_KEY, MASTER_KEY])
def test_function_auth_accepts_code_query_param(client, key):
    response = client.get("/api/items/a%20b", params={"code": key})
    assert response.status_code == 200
    assert response.json()["item_id"] == "a b"


@pytest.mark.parametrize("headers, params", [
    ({}, {}),
    ({"x-functions-key": "wrong"}, {}),
    ({}, {"code": FUNCTION_KEY + "x"}),
    ({"x-functions-key": ""}, {}),
])
def test_function_auth_rejects_missing_or_wrong_key(client, headers, params):
    assert client.get("/api/items/42", headers=headers, params=params).status_code == 401


def test_admin_auth_needs_the_master_key(client):
    assert client.post("/api/maintenance/purge").status_code == 401
    assert client.post("/api/maintenance/purge", headers={"x-functions-key": FUNCTION_KEY}).status_code == 401
    response = client.post("/api/maintenance/purge", params={"code": MASTER_KEY})
    assert (response.status_code, response.text) == (200, "purged")


def test_anonymous_optional_param_and_settings_read_at_import(client, sample_host):
    greeting = sample_host.settings["SAMPLE_GREETING"]
    response = client.get("/api/hello")
    assert (response.status_code, response.text) == (201, f"{greeting}, world")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/api/hello/ann/").text == f"{greeting}, ann"


def test_catch_all_route_param(client):
    assert client.get("/api/files/a/b/c.txt").text == "a/b/c.txt"
    assert client.get("/api/files").text == ""


@pytest.mark.parametrize("path", ["/api/nothing-here", "/items/42", "/api/items/42/extra", "/", "/api"])
def test_unknown_route_is_404(client, path):
    assert client.get(path, params={"code": MASTER_KEY}).status_code == 404


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/items/42", params={"code": FUNCTION_KEY})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert client.get("/api/maintenance/purge", params={"code": MASTER_KEY}).status_code == 405


def test_a_failing_function_is_a_500_and_the_host_keeps_serving(client):
    assert client.get("/api/boom").status_code == 500
    assert client.get("/api/hello/again").status_code == 201


def test_a_body_over_the_host_limit_is_413_before_it_is_read(sample_host, monkeypatch):
    """FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, as the Functions host applies it: the declared length alone decides,
    so a client announcing 1 GB gets its answer without sending (or the host buffering) a byte of it."""
    import socket
    from urllib.parse import urlsplit

    monkeypatch.setenv("FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", "1000")
    address = urlsplit(sample_host.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(b"POST /api/enqueue HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.0 413") or answer.startswith(b"HTTP/1.1 413")
    with httpx.Client(base_url=sample_host.base_url, timeout=10) as http:
        chunked = http.post("/api/enqueue", content=iter([b"x" * 600, b"y" * 600]))  # no length: chunked
        assert chunked.status_code == 413
        assert http.post("/api/enqueue", content=b"small").status_code != 413
