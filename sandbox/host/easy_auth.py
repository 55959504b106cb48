"""App Service Authentication ("Easy Auth") in front of the local host, so signed-in tests run the app's code.

In Azure, with Easy Auth on, the platform removes any `X-MS-CLIENT-PRINCIPAL*` header a client sends and,
when the request carries a valid session cookie (`AppServiceAuthSession`), adds the signed-in user's
principal: base64 JSON {auth_typ, claims: [{typ, val}], name_typ, role_typ}. Reference:
learn.microsoft.com/azure/app-service/configure-authentication-user-identities.

Here the sessions are a setting, SANDBOX_EASY_AUTH_SESSIONS = JSON {cookie value: principal JSON}; a test (or a
headless browser) "signs in" by sending one of those cookie values. Without the setting nothing is stripped or
added, as in Azure without Easy Auth.
"""

from __future__ import annotations

import base64
import json
from http.cookies import CookieError, SimpleCookie

from sandbox.host.config import HostError, setting

SESSIONS_SETTING = "SANDBOX_EASY_AUTH_SESSIONS"
SESSION_COOKIE = "AppServiceAuthSession"
ROLE_TYPE = "roles"
NAME_TYPE = "preferred_username"


def principal(name: str, *roles: str) -> dict:
    """A principal as Easy Auth builds it from an Entra ID token: a name and one `roles` claim per app role."""
    claims = [{"typ": NAME_TYPE, "val": name}, *({"typ": ROLE_TYPE, "val": role} for role in roles)]
    return {"auth_typ": "aad", "claims": claims, "name_typ": NAME_TYPE, "role_typ": ROLE_TYPE}


def _sessions() -> dict[str, dict] | None:
    raw = setting(SESSIONS_SETTING)
    if raw is None:
        return None
    try:
        sessions = json.loads(raw)
    except ValueError:
        raise HostError(f"{SESSIONS_SETTING} must be JSON {{cookie value: principal}}") from None
    if not isinstance(sessions, dict):
        raise HostError(f"{SESSIONS_SETTING} must be JSON {{cookie value: principal}}")
    return sessions


def apply(headers: dict[str, str]) -> dict[str, str]:
    """The request headers as the app sees them behind Easy Auth (lower-case names)."""
    sessions = _sessions()
    if sessions is None:
        return headers
    seen = {name: value for name, value in headers.items()
            if not name.startswith("x-ms-client-principal") and not name.startswith("x-ms-token-")}
    try:
        cookie = SimpleCookie(headers.get("cookie", ""))
    except CookieError:
        return seen
    session = cookie.get(SESSION_COOKIE)
    found = sessions.get(session.value) if session is not None else None
    if isinstance(found, dict):
        seen["x-ms-client-principal"] = base64.b64encode(json.dumps(found).encode()).decode()
        name = next((c["val"] for c in found.get("claims", []) if c.get("typ") == found.get("name_typ")), "")
        seen["x-ms-client-principal-name"] = name
        seen["x-ms-client-principal-idp"] = found.get("auth_typ", "aad")
    return seen
