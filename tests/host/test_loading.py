"""Loading an app: settings, host.json, binding metadata, routes and keys (no storage needed)."""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest

from sandbox.host import HostError, LocalHost, UnsupportedBindingError
from sandbox.host.config import QueueOptions, load_local_settings, parse_timespan, route_prefix
from sandbox.host.http import authorized, compile_route
from sandbox.host.metadata import FunctionSpec


def http_spec(route: str, methods=None, name="f") -> FunctionSpec:
    trigger = {"type": "httpTrigger", "name": "req", "route": route, "authLevel": "FUNCTION"}
    if methods:
        trigger["methods"] = methods
    return FunctionSpec(name=name, function=lambda req: None, trigger=trigger, outputs=(), wants_context=False)


def test_queue_options_defaults_match_the_storage_extension():
    assert QueueOptions.from_host_json({}) == QueueOptions(
        batch_size=16, new_batch_threshold=8, visibility_timeout=0.0, max_dequeue_count=5,
        max_polling_interval=60.0, message_encoding="base64")


def test_queue_options_read_case_insensitively():
    host_json = {"Extensions": {"Queues": {"BatchSize": 4, "visibilitytimeout": "00:00:30",
                                           "maxDequeueCount": 2, "maxPollingInterval": "00:00:02.5",
                                           "messageEncoding": "None", "newBatchThreshold": 0}}}
    assert QueueOptions.from_host_json(host_json) == QueueOptions(4, 0, 30.0, 2, 2.5, "none")


@pytest.mark.parametrize("queues", [{"batchSize": 64}, {"messageEncoding": "utf8"}, {"visibilityTimeout": "1s"}])
def test_bad_queue_options_are_refused(queues):
    with pytest.raises(HostError):
        QueueOptions.from_host_json({"extensions": {"queues": queues}})


def test_timespans():
    assert parse_timespan("00:01:00") == 60
    assert parse_timespan("1.02:00:00.5") == 93600.5
    assert parse_timespan(1500) == 1.5


def test_route_prefix():
    assert route_prefix({}) == "api"
    assert route_prefix({"extensions": {"http": {"routePrefix": ""}}}) == ""
    assert route_prefix({"extensions": {"http": {"routePrefix": "/hooks/"}}}) == "hooks"


def test_route_templates():
    route = compile_route(http_spec("orders/{id:int}/{part?}"), "api")
    assert route.match("/api/orders/12") == {"id": "12"}
    assert route.match("/api/Orders/12/lines/") == {"id": "12", "part": "lines"}
    assert route.match("/api/orders/abc") is None
    assert route.match("/api/orders/12/lines/3") is None
    assert compile_route(http_spec("", name="root"), "").match("/root") == {}


def test_literal_routes_win_over_parameters():
    from sandbox.host.http import HttpFrontend

    specs = [http_spec("{*rest}", name="catch_all"), http_spec("items/{id}", name="item"),
             http_spec("items/new", name="new_item")]
    frontend = HttpFrontend(specs, "api", invoker=None, port=0)  # type: ignore[arg-type]
    try:
        assert frontend.resolve("GET", "/api/items/new")[0].spec.name == "new_item"
        assert frontend.resolve("GET", "/api/items/7") == (frontend.routes[1], {"id": "7"})
        assert frontend.resolve("GET", "/api/other/x")[0].spec.name == "catch_all"
    finally:
        frontend.stop()


def test_keys_by_auth_level(monkeypatch):
    monkeypatch.setenv("SANDBOX_FUNCTION_KEY", "fk")
    monkeypatch.setenv("SANDBOX_MASTER_KEY", "mk")
    assert authorized("anonymous", None)
    assert authorized("FUNCTION", "fk") and authorized("FUNCTION", "mk")
    assert not authorized("FUNCTION", None) and not authorized("FUNCTION", "f")
    assert authorized("ADMIN", "mk") and not authorized("ADMIN", "fk")
    monkeypatch.delenv("SANDBOX_MASTER_KEY")
    assert not authorized("ADMIN", "mk") and not authorized("ADMIN", "")


def test_local_settings(tmp_path):
    path = tmp_path / "local.settings.json"
    path.write_text('{"IsEncrypted": false, "Values": {"A": "1", "N": 2}, "Host": {"LocalHttpPort": 7075}}')
    assert load_local_settings(path) == ({"A": "1", "N": "2"}, 7075)


def write_app(directory, body: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / "function_app.py").write_text(
        "import azure.functions as func\napp = func.FunctionApp()\n" + textwrap.dedent(body))


def test_unsupported_binding_is_refused_at_load_and_the_environment_is_restored(tmp_path):
    write_app(tmp_path, """
        @app.route(route="x")
        @app.blob_input(arg_name="doc", path="inbox/{name}", connection="AzureWebJobsStorage")
        def read_doc(req, doc): ...
    """)
    assert "HOST_TEST_SETTING" not in os.environ
    with pytest.raises(UnsupportedBindingError, match="Function 'read_doc': binding 'doc' of type 'blob'"):
        LocalHost(tmp_path, {"HOST_TEST_SETTING": "1"}).start()
    assert "HOST_TEST_SETTING" not in os.environ
    assert str(tmp_path) not in sys.path


def test_missing_connection_setting_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("AzureWebJobsStorage", raising=False)
    write_app(tmp_path, """
        @app.queue_trigger(arg_name="msg", queue_name="q", connection="ShopStorage")
        def work(msg): ...
    """)
    with pytest.raises(HostError, match="connection setting 'ShopStorage' is not set"):
        LocalHost(tmp_path, {}).start()


def test_disabled_function_is_not_hosted_and_apps_load_under_their_own_module_name(tmp_path):
    write_app(tmp_path, """
        @app.route(route="on", auth_level=func.AuthLevel.ANONYMOUS)
        def on(req): return func.HttpResponse("on")
        @app.route(route="off", auth_level=func.AuthLevel.ANONYMOUS)
        def off(req): return func.HttpResponse("off")
    """)
    with LocalHost(tmp_path, {"AzureWebJobs.off.Disabled": "true"}) as host:
        assert [spec.name for spec in host.functions] == ["on"]
        assert host.app_module.__name__ != "function_app"
        assert sys.modules.get("function_app") is not host.app_module
        name = host.app_module.__name__
    assert name not in sys.modules


def test_app_settings_override_host_json_as_the_real_host_does(tmp_path):
    from sandbox.host.config import QueueOptions, read_host_json, route_prefix

    (tmp_path / "host.json").write_text(json.dumps(
        {"version": "2.0", "extensions": {"queues": {"batchSize": 16, "maxPollingInterval": "00:00:02"}}}))
    environ = {"AzureFunctionsJobHost__Extensions__Queues__BatchSize": "4",  # keys are case-insensitive
               "AzureFunctionsJobHost__extensions__queues__maxDequeueCount": "2",  # added where absent
               "AzureFunctionsJobHost__extensions__http__routePrefix": "bridge",
               "AzureWebJobsStorage": "not an override"}
    host_json = read_host_json(tmp_path, environ)
    options = QueueOptions.from_host_json(host_json)
    assert (options.batch_size, options.max_dequeue_count, options.max_polling_interval) == (4, 2, 2.0)
    assert route_prefix(host_json) == "bridge"
    assert "BatchSize" not in host_json["extensions"]["queues"]  # replaced in place, not added twice

    with pytest.raises(HostError, match="names no host.json path"):
        read_host_json(tmp_path, {"AzureFunctionsJobHost__extensions____batchSize": "4"})
