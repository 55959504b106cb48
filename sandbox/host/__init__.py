"""A local Azure Functions host for machines without Core Tools (development only; production never uses it).

    with LocalHost(Path("."), {"AzureWebJobsStorage": azurite.connection_string}) as host:
        httpx.get(f"{host.base_url}/api/health")

    python -m sandbox.host [--app-dir DIR] [--port N] [--settings local.settings.json]

It imports a v2 function_app.py, reads the binding JSON the real host indexes and host.json, and runs HTTP
(routes, methods, FUNCTION/ADMIN keys from SANDBOX_FUNCTION_KEY / SANDBOX_MASTER_KEY), queue (Azurite, with
retries and poison queues) and timer (NCRONTAB) triggers, and queue/http output bindings.
With SANDBOX_EASY_AUTH_SESSIONS set, App Service Authentication is simulated in front of HTTP: sent
X-MS-CLIENT-PRINCIPAL headers are dropped and a known session cookie adds its principal (easy_auth.py).
"""

from sandbox.host.config import HostError
from sandbox.host.host import LocalHost
from sandbox.host.metadata import UnsupportedBindingError

__all__ = ["HostError", "LocalHost", "UnsupportedBindingError"]
