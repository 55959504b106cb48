"""The Order Receiver's HTTP trigger (functions/norce_order_receiver.py): its answers are Norce's OrderResponse
JSON; a body declared too large is refused on the header; an unexpected failure is a 503, never a 500."""

from __future__ import annotations

import json

import azure.functions as func

from functions import norce_order_receiver


def request(body: bytes, headers: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest(method="POST", url="http://localhost/api/norce/orders/norce-se", headers=headers,
                            route_params={"shop": "norce-se"}, body=body)


def test_a_body_declared_too_large_is_failed_with_413_before_it_is_read(monkeypatch):
    monkeypatch.setenv("BRIDGE_MAX_WEBHOOK_BYTES", "10")
    called = []
    monkeypatch.setattr(norce_order_receiver, "receive_order_request", lambda *a: called.append(a))
    response = norce_order_receiver._answer(request(b"{}", {"Content-Length": "5000"}))
    assert response.status_code == 413 and response.mimetype == "application/json"
    assert json.loads(response.get_body())["StatusCode"] == "Failed" and not called


def test_an_unexpected_failure_is_a_503_not_a_500(monkeypatch):
    def broken(*args):
        raise RuntimeError("config unreadable")

    monkeypatch.setattr(norce_order_receiver, "get_context", broken)
    response = norce_order_receiver.receive_norce_order.build().get_user_function()(request(b"{}", {}))
    assert response.status_code == 503
