"""Clients for the app's storage account, from the same setting the Functions host uses.

Locally `AzureWebJobsStorage` is a connection string (Azurite). In Azure it is identity-based:
`AzureWebJobsStorage__blobServiceUri`, `__queueServiceUri`, `__tableServiceUri`, `__credential`
= managedidentity and `__clientId` (the user-assigned identity), exactly as infra/ sets them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import (
    QueueClient,
    QueueServiceClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)

from core.state import names


def _transport_options(env) -> dict:
    """Options for every storage client's HTTP transport. Left alone, `requests` looks through the whole
    environment for proxy settings on every request (urllib's getproxies, twice): about a millisecond of CPU
    per storage call with a Functions host's hundred-odd settings, a fifth of a worker's CPU per imported
    order. Without any *_proxy setting that lookup can only find nothing, so the clients skip it and take the
    one other thing it would find, a CA bundle (REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE), from here once.
    (It would also read ~/.netrc, whose Basic auth could only replace the storage request's own signature.)
    With a proxy setting the environment is read on every request, as before."""
    if any(name.lower().endswith("_proxy") for name in env):
        return {}
    bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
    return {"use_env_settings": False, **({"connection_verify": bundle} if bundle else {})}


def table_key(value: str) -> str:
    """Make any external id safe as a PartitionKey/RowKey (Table keys forbid / \\ # ? and controls)."""
    return quote(value, safe="")


@dataclass
class Storage:
    connection_string: str | None = None
    blob_uri: str | None = None
    queue_uri: str | None = None
    table_uri: str | None = None
    credential: object | None = None
    transport_options: dict = field(default_factory=lambda: _transport_options(os.environ))

    @classmethod
    def from_settings(cls, setting: str = names.STORAGE_SETTING, env: dict | None = None) -> Storage:
        env = os.environ if env is None else env
        if env.get(setting):
            return cls(connection_string=env[setting])
        prefix = f"{setting}__"
        if env.get(prefix + "queueServiceUri") or env.get(prefix + "accountName"):
            from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

            account = env.get(prefix + "accountName")
            client_id = env.get(prefix + "clientId")
            credential = (
                ManagedIdentityCredential(client_id=client_id)
                if env.get(prefix + "credential") == "managedidentity"
                else DefaultAzureCredential()
            )
            return cls(
                blob_uri=env.get(prefix + "blobServiceUri") or f"https://{account}.blob.core.windows.net",
                queue_uri=env.get(prefix + "queueServiceUri") or f"https://{account}.queue.core.windows.net",
                table_uri=env.get(prefix + "tableServiceUri") or f"https://{account}.table.core.windows.net",
                credential=credential,
            )
        raise RuntimeError(
            f"Storage is not configured: set {setting} (a connection string; locally the Azurite one) or the "
            f"identity-based {setting}__queueServiceUri/__tableServiceUri/__blobServiceUri settings"
        )

    @cached_property
    def tables(self) -> TableServiceClient:
        if self.connection_string:
            return TableServiceClient.from_connection_string(self.connection_string, **self.transport_options)
        return TableServiceClient(endpoint=self.table_uri, credential=self.credential, **self.transport_options)

    @cached_property
    def queues(self) -> QueueServiceClient:
        if self.connection_string:
            return QueueServiceClient.from_connection_string(self.connection_string, **self.transport_options)
        return QueueServiceClient(account_url=self.queue_uri, credential=self.credential, **self.transport_options)

    @cached_property
    def blobs(self) -> BlobServiceClient:
        if self.connection_string:
            return BlobServiceClient.from_connection_string(self.connection_string, **self.transport_options)
        return BlobServiceClient(account_url=self.blob_uri, credential=self.credential, **self.transport_options)

    def table(self, name: str) -> TableClient:
        return self.tables.get_table_client(name)

    def queue(self, name: str) -> QueueClient:
        """A queue client that speaks base64, like the Functions queue trigger expects. It shares the service
        client's connection pool: a client per enqueue with a pool of its own would open a connection each time."""
        return self.queues.get_queue_client(name, message_encode_policy=TextBase64EncodePolicy(),
                                            message_decode_policy=TextBase64DecodePolicy())

    def container(self, name: str) -> ContainerClient:
        return self.blobs.get_container_client(name)

    def ensure_resources(self) -> None:
        """Create every queue, poison queue, table and container the app uses (idempotent).

        In Azure, infra/ creates them; this is for local runs and tests.
        """
        for table in names.TABLES:
            self.tables.create_table_if_not_exists(table)
        for queue in names.QUEUES:
            for q in (queue, names.poison_queue(queue)):
                try:
                    self.queues.create_queue(q)
                except ResourceExistsError:
                    pass
        for container in names.CONTAINERS:
            try:
                self.blobs.create_container(container)
            except ResourceExistsError:
                pass
