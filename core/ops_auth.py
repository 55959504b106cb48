"""Who is calling the admin API: a person signed in with Entra ID through App Service Authentication.

App Service Authentication ("Easy Auth", configured in infra/modules/functionapp.bicep) signs people in and
passes the signed-in user to the app in the `X-MS-CLIENT-PRINCIPAL` header: base64-encoded JSON
`{"auth_typ", "claims": [{"typ", "val"}], "name_typ", "role_typ"}`; the app roles a person holds arrive as
claims whose type is `role_typ` (Entra: `roles`). Reference: learn.microsoft.com/azure/app-service/
configure-authentication-user-identities ("Decode the client principal header").

Why the header is honoured only when BRIDGE_EASY_AUTH=1: the platform guarantees that outside requests
cannot set these headers only while Easy Auth runs in front of the app (it strips copies a client sends,
then adds its own). Without it, anyone on the internet could send a hand-made header and be an Operator.
The Bicep sets BRIDGE_EASY_AUTH=1 exactly when it turns Easy Auth on; nobody else should set it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

EASY_AUTH_SETTING = "BRIDGE_EASY_AUTH"
PRINCIPAL_HEADER = "x-ms-client-principal"
# The app roles of the app registration (docs/deployment.md). Values, not display names, arrive in the claims.
READER = "Reader"
OPERATOR = "Operator"
# Entra puts app roles in `roles`; App Service names that type in role_typ. Both are accepted.
ROLE_CLAIM_TYPES = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
NAME_CLAIM_TYPES = ("preferred_username", "name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
LOGIN_PATH = "/.auth/login/aad"


@dataclass(frozen=True)
class Principal:
    """A signed-in person (or the master-key holder, for the break-glass path) and what they may do."""

    name: str
    roles: frozenset[str]

    @property
    def can_read(self) -> bool:
        return bool(self.roles & {READER, OPERATOR})

    @property
    def can_operate(self) -> bool:
        return OPERATOR in self.roles

    def to_dict(self) -> dict:
        return {"name": self.name, "roles": sorted(self.roles), "can_retry": self.can_operate}


# Whoever holds the master key can do everything anyway (it also administers the host): full rights.
MASTER_KEY = Principal(name="master key", roles=frozenset({OPERATOR}))


def easy_auth_enabled(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return (env.get(EASY_AUTH_SETTING) or "").strip().lower() in ("1", "true")


def principal(headers: Mapping[str, str], env: Mapping[str, str] | None = None) -> Principal | None:
    """The signed-in person, or None: no sign-in in front of the app, nobody signed in, or an unreadable header
    (which Easy Auth never sends; treated as nobody rather than guessed at)."""
    if not easy_auth_enabled(env):
        return None
    raw = next((v for k, v in headers.items() if k.lower() == PRINCIPAL_HEADER), None)
    if not raw:
        return None
    try:
        data = json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        return None
    claims = [c for c in data["claims"] if isinstance(c, dict) and isinstance(c.get("val"), str)]
    role_types = {data.get("role_typ"), *ROLE_CLAIM_TYPES} - {None, ""}
    name_types = [t for t in (data.get("name_typ"), *NAME_CLAIM_TYPES) if t]
    roles = frozenset(c["val"] for c in claims if c.get("typ") in role_types)
    name = next((c["val"] for t in name_types for c in claims if c.get("typ") == t), "signed-in user")
    return Principal(name=name, roles=roles)


def login_url(return_path: str) -> str:
    """Where a browser without a session signs in, coming back to `return_path` (a path on this app only)."""
    return f"{LOGIN_PATH}?post_login_redirect_uri={quote(return_path, safe='/')}"
