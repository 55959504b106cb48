"""The storage clients' HTTP transport skips `requests`' per-request environment scan only where it could find
nothing (no *_proxy setting), and keeps the one thing it would find, a CA bundle (core/state/storage.py)."""

from __future__ import annotations

from core.state.storage import Storage, _transport_options

AZURITE = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
           "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;"
           "TableEndpoint=http://127.0.0.1:1/devstoreaccount1;")


def test_without_proxy_settings_the_environment_is_not_scanned_per_request_and_a_ca_bundle_is_kept():
    assert _transport_options({"PATH": "/bin"}) == {"use_env_settings": False}
    assert _transport_options({"REQUESTS_CA_BUNDLE": "/etc/corp.pem", "CURL_CA_BUNDLE": "/x.pem"}) == {
        "use_env_settings": False, "connection_verify": "/etc/corp.pem"}
    assert _transport_options({"CURL_CA_BUNDLE": "/x.pem"}) == {"use_env_settings": False,
                                                                 "connection_verify": "/x.pem"}


def test_any_proxy_setting_leaves_the_environment_to_requests_as_before():
    for name in ("HTTPS_PROXY", "http_proxy", "NO_PROXY", "all_proxy"):
        assert _transport_options({name: "http://proxy:3128", "REQUESTS_CA_BUNDLE": "/etc/corp.pem"}) == {}


def test_every_storage_client_gets_the_options():
    storage = Storage(connection_string=AZURITE, transport_options={"use_env_settings": False,
                                                                    "connection_verify": "/etc/corp.pem"})
    transports = [storage.tables._client._client._pipeline._transport, storage.blobs._pipeline._transport,
                  storage.queues._pipeline._transport]
    assert [t._use_env_settings for t in transports] == [False] * 3
    assert {t.connection_config.verify for t in transports} == {"/etc/corp.pem"}
    table_transport = storage.table("Bindings")._client._client._pipeline._transport._transport
    assert table_transport is transports[0]  # a table's client shares the service client's transport
    # and so does every queue client (one per enqueue): one connection pool, not one per message sent
    assert storage.queue("orders-import")._pipeline._transport._transport is transports[2]
    assert storage.queue("refunds-import")._pipeline._transport._transport is transports[2]
