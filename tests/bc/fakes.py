"""Test doubles for the BC client: a credential minting unsigned JWTs, and a MockTransport-backed client."""

from __future__ import annotations

import base64
import itertools
import json
import time

import httpx
from azure.core.credentials import AccessToken

from core.bc import BcClient, CredentialPool, RetryPolicy

API_ROOT = "https://bc.test/v2.0/tenant1/production/api/v2.0"
COMPANY = "11111111-2222-3333-4444-555555555555"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FakeCredential:
    """azure.core TokenCredential protocol; tokens are unsigned JWTs whose `appid` the emulator keys limits on."""

    def __init__(self, appid: str = "app-1", lifetime_s: float = 3600.0):
        self.appid = appid
        self.lifetime_s = lifetime_s
        self.calls = 0
        self.scopes: list[tuple[str, ...]] = []
        self._serial = itertools.count(1)

    def get_token(self, *scopes: str, **kwargs) -> AccessToken:
        self.calls += 1
        self.scopes.append(scopes)
        expires = int(time.time() + self.lifetime_s)
        claims = {"appid": self.appid, "aud": "https://api.businesscentral.dynamics.com", "exp": expires,
                  "n": next(self._serial)}
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        return AccessToken(token, expires)


def no_sleep_recorder():
    waits: list[float] = []
    return waits, waits.append


def mock_client(handler, *, credentials=None, retry=None, pool_kwargs=None, sleep=None):
    """A BcClient whose HTTP goes to `handler(request) -> httpx.Response`; returns (client, waits)."""
    waits: list[float] = []
    pool = CredentialPool(credentials or [FakeCredential()], **(pool_kwargs or {}))
    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = BcClient(
        API_ROOT,
        pool,
        http=http,
        retry=retry or RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
        sleep=sleep or waits.append,
    )
    return client, waits


def bc_error(status: int, code: str, message: str, headers=None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}}, headers=headers)
