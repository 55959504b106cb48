"""Tokens for Business Central, through azure-identity, chosen by settings.

The integration config names *settings* (app settings / Key Vault references), never values:

    {"auth": "client_secret", "tenant_id_setting": "BC_TENANT_ID",
     "client_id_setting": "BC_CLIENT_ID", "client_secret_setting": "BC_CLIENT_SECRET"}
    {"auth": "certificate", ..., "certificate_path_setting": "BC_CERT_PATH"}      # or "certificate_setting"
    {"auth": "federated", ..., "managed_identity_client_id_setting": "BC_MI_CLIENT_ID"}

"federated" is secretless: the Function App's user-assigned managed identity gets a token for
`api://AzureADTokenExchange`, which the BC app registration trusts as a federated credential.

Anything with `get_token(*scopes) -> AccessToken` works as a credential (tests use fakes).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

BC_SCOPE = "https://api.businesscentral.dynamics.com/.default"
TOKEN_EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default"  # noqa: S105 - a scope, not a secret
AUTH_KINDS = ("client_secret", "certificate", "federated")


class TokenCredentialLike(Protocol):
    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


class BcAuthConfigError(ValueError):
    """The auth config or a setting it names is missing or wrong. The message names the setting, never a value."""

    def __init__(self, message: str, resolution: str):
        super().__init__(f"{message} Resolution: {resolution}")
        self.message = message
        self.resolution = resolution


def _setting(config: Mapping[str, Any], key: str, settings: Mapping[str, str], *, required: bool = True) -> str | None:
    name = config.get(key)
    if not name:
        if required:
            raise BcAuthConfigError(
                f"BC auth config ({config.get('auth')!r}) lacks {key!r}.",
                f"Add {key} = \"<APP_SETTING_NAME>\" to the BC auth section of the config.",
            )
        return None
    value = settings.get(name)
    if value is None or value == "":
        if required:
            raise BcAuthConfigError(
                f"App setting {name!r} (named by {key}) is not set.",
                f"Set {name} in the Function App settings (a Key Vault reference for secrets).",
            )
        return None
    return value


class ManagedIdentityAssertion:
    """The client assertion for workload-identity federation: a managed-identity token for token exchange."""

    def __init__(self, managed_identity_client_id: str, credential: TokenCredentialLike | None = None):
        self.managed_identity_client_id = managed_identity_client_id
        if credential is None:
            from azure.identity import ManagedIdentityCredential

            credential = ManagedIdentityCredential(client_id=managed_identity_client_id)
        self._credential = credential

    def __call__(self) -> str:
        # ManagedIdentityCredential caches its token, so calling per assertion is cheap.
        return self._credential.get_token(TOKEN_EXCHANGE_SCOPE).token

    def __repr__(self) -> str:
        return f"ManagedIdentityAssertion(managed_identity_client_id={self.managed_identity_client_id!r})"


def _certificate_bytes(value: str) -> bytes:
    """A certificate from a setting: PEM text as is, otherwise base64 (Key Vault certificate references are PFX)."""
    if "-----BEGIN" in value:
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise BcAuthConfigError(
            "The certificate setting is neither PEM nor base64.",
            "Store the certificate as PEM text or base64-encoded PFX (a Key Vault certificate reference does this).",
        ) from exc


def credential_from_settings(
    config: Mapping[str, Any],
    settings: Mapping[str, str] | None = None,
    *,
    managed_identity_credential: TokenCredentialLike | None = None,
) -> TokenCredentialLike:
    """An azure-identity credential for one BC service principal, as the config's `auth` kind says.

    `settings` defaults to the process environment (Function App settings). `managed_identity_credential`
    replaces ManagedIdentityCredential for "federated" (tests; other hosts).
    """
    settings = os.environ if settings is None else settings
    kind = config.get("auth")
    if kind not in AUTH_KINDS:
        raise BcAuthConfigError(
            f"Unknown BC auth kind {kind!r}.", f"Set auth to one of {', '.join(AUTH_KINDS)} in the BC auth config."
        )
    tenant_id = _setting(config, "tenant_id_setting", settings)
    client_id = _setting(config, "client_id_setting", settings)
    if kind == "client_secret":
        from azure.identity import ClientSecretCredential

        secret = _setting(config, "client_secret_setting", settings)
        return ClientSecretCredential(tenant_id, client_id, secret)
    if kind == "certificate":
        from azure.identity import CertificateCredential

        password = _setting(config, "certificate_password_setting", settings, required=False)
        if config.get("certificate_path_setting"):
            path = _setting(config, "certificate_path_setting", settings)
            return CertificateCredential(tenant_id, client_id, certificate_path=path, password=password)
        if not config.get("certificate_setting"):
            raise BcAuthConfigError(
                "BC certificate auth needs certificate_path_setting or certificate_setting.",
                "Name the app setting holding the certificate path or the certificate itself.",
            )
        data = _certificate_bytes(_setting(config, "certificate_setting", settings))
        return CertificateCredential(tenant_id, client_id, certificate_data=data, password=password)
    # federated
    from azure.identity import ClientAssertionCredential

    mi_client_id = _setting(config, "managed_identity_client_id_setting", settings)
    assertion = ManagedIdentityAssertion(mi_client_id, managed_identity_credential)
    return ClientAssertionCredential(tenant_id, client_id, assertion)


class TokenSource:
    """One principal's bearer token: cached, refreshed `refresh_margin_s` before expiry, forced after a 401.

    azure-identity caches too; this wrapper keeps the per-request cost to a lock and a comparison and gives
    the client one place to drop a token BC rejected.
    """

    def __init__(
        self,
        credential: TokenCredentialLike,
        *,
        name: str | None = None,
        scope: str = BC_SCOPE,
        refresh_margin_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ):
        self.credential = credential
        self.name = name or "principal"
        self.scope = scope
        self.refresh_margin_s = refresh_margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_on = 0.0
        self.fetches = 0

    def bearer(self) -> str:
        """A token valid for at least the refresh margin (or as long as the issuer allows)."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_on - self.refresh_margin_s:
                access = self.credential.get_token(self.scope)
                self._token, self._expires_on = access.token, float(access.expires_on)
                self.fetches += 1
            return self._token

    def invalidate(self, token: str) -> None:
        """BC refused `token` (401): fetch a new one next time, unless another thread already did."""
        with self._lock:
            if self._token == token:
                self._token = None

    def __repr__(self) -> str:
        return f"TokenSource(name={self.name!r}, credential={type(self.credential).__name__})"
