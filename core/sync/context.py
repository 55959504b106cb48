"""What a flow needs to run, built once per process from settings and passed explicitly.

`Context.from_settings()` is cached per process (a cache that is safe to drop: `reset_context()`),
so every trigger invocation reuses the same storage and BC clients and their connection pools.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from core.config import Config, load_config
from core.state import Bindings, Cursors, Deliveries, Inbox, Storage, SyncLog
from core.state.history import BcUsage

log = logging.getLogger("core.sync")


@dataclass
class Context:
    config: Config | None  # None only for operator tools that must work while the config is broken
    storage: Storage
    bc_factory: object | None = None  # callable(config) -> BcClient; None = built from config and settings
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def bindings(self) -> Bindings:
        return Bindings(self.storage)

    @cached_property
    def bc_usage(self) -> BcUsage:
        """This process's BC requests, tallied by the BC client and written to History as records finish."""
        return BcUsage()

    @cached_property
    def synclog(self) -> SyncLog:
        return SyncLog(self.storage, bc_usage=self.bc_usage)

    @cached_property
    def inbox(self) -> Inbox:
        return Inbox(self.storage)

    @cached_property
    def deliveries(self) -> Deliveries:
        return Deliveries(self.storage)

    @cached_property
    def cursors(self) -> Cursors:
        return Cursors(self.storage)

    @cached_property
    def bc(self):
        """The BC client for this process (one pool of credentials, shared by all invocations)."""
        client = self.bc_factory(self.config) if self.bc_factory is not None else bc_client_from_config(self.config)
        client.on_attempt = self.bc_usage.add  # for the status page's BC chart (core/state/history.py)
        return client


_context: Context | None = None
_context_lock = threading.Lock()


def get_context() -> Context:
    global _context
    with _context_lock:
        if _context is None:
            from core.logging_setup import install_logging

            config = load_config()
            install_logging(config)  # correlation fields and secret redaction for every log line of this process
            _context = Context(config=config, storage=Storage.from_settings())
        return _context


def set_context(context: Context | None) -> None:
    """Install a context (tests, the sandbox) or drop the cached one (None)."""
    global _context
    with _context_lock:
        _context = context


reset_context = set_context


class _StaticToken:
    """A fixed bearer token from a setting: for the local BC emulator only (config auth = "static_token")."""

    def __init__(self, token: str):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "_StaticToken(***)"


def bc_client_from_config(config: Config, settings: dict | None = None):
    """The BC client the config describes: API root from base URL, tenant and environment settings; one
    principal per configured credential, each with BC's limits."""
    import os

    from core.bc import BcClient, CredentialPool, TokenSource, credential_from_settings
    from core.config import read_setting

    settings = os.environ if settings is None else settings

    bc = config.bc
    base = (settings.get(bc.base_url_setting) if bc.base_url_setting else None) or bc.base_url
    tenant = settings.get(bc.tenant_id_setting, "")
    root = f"{base.rstrip('/')}/v2.0/{tenant + '/' if tenant else ''}{bc.environment}/api/v2.0"
    members = []
    for i, credential in enumerate(bc.credentials):
        if credential.auth == "static_token":
            token_credential = _StaticToken(read_setting(credential.token_setting, settings))
        else:
            token_credential = credential_from_settings(
                {**credential.model_dump(exclude_none=True), "tenant_id_setting": bc.tenant_id_setting}, settings)
        members.append(TokenSource(token_credential, name=f"{credential.client_id_setting}#{i + 1}"))
    # BC_SHARED_BUDGET=true: the principals' limits are shared with the other instances through storage
    # (docs/scale-out.md); off, each process keeps to BC's limits alone, which is right for one instance.
    from core.bc.shared_budget import shared_budget_from_settings

    pool = CredentialPool(members, rate_limit=bc.limits.requests_per_window, rate_window_s=bc.limits.window_seconds,
                          concurrency=bc.limits.concurrency, shared=shared_budget_from_settings(settings))
    return BcClient(api_root=root, pool=pool)
