"""HTTP triggers on loopback: route templates, allowed methods, function/master keys."""

from __future__ import annotations

import hmac
import logging
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import azure.functions as func

from sandbox.host import easy_auth
from sandbox.host.config import HostError, setting
from sandbox.host.invoker import Invoker
from sandbox.host.metadata import FunctionSpec

log = logging.getLogger("sandbox.host")

FUNCTION_KEY_SETTING = "SANDBOX_FUNCTION_KEY"
MASTER_KEY_SETTING = "SANDBOX_MASTER_KEY"
# The Functions host's own request-body limit (app setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, default 100 MB):
# a larger body is answered 413 before the worker sees it, and here before it is read into memory.
BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
DEFAULT_BODY_LIMIT = 104_857_600


class BodyTooLarge(Exception):
    """The request body is over the host's limit."""


def body_limit() -> int:
    value = (setting(BODY_LIMIT_SETTING) or "").strip()
    return int(value) if value.isdigit() else DEFAULT_BODY_LIMIT

# ASP.NET route constraints we honour; any other constraint matches one segment.
CONSTRAINTS = {"int": r"-?\d+", "long": r"-?\d+", "alpha": r"[A-Za-z]+", "bool": r"(?i:true|false)",
               "guid": r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}"}
PARAMETER = re.compile(r"\{(\*?)(\w+)(?::([^}?]+))?(\?)?\}")


@dataclass(frozen=True)
class Route:
    spec: FunctionSpec
    template: str  # with the route prefix, e.g. "api/items/{id}"
    pattern: re.Pattern[str]
    methods: frozenset[str] | None  # None: every method
    precedence: tuple[int, ...]  # lower sorts first: literal < constrained < parameter < optional < catch-all

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path.rstrip("/") or "/")
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items() if value is not None}


def compile_route(spec: FunctionSpec, prefix: str) -> Route:
    """Turn the binding's route template (default: the function name) into a matcher."""
    template = "/".join(part for part in (prefix, spec.trigger.get("route") or spec.name) if part).strip("/")
    pattern, precedence = "", []
    for segment in (s for s in template.split("/") if s):
        param = PARAMETER.fullmatch(segment)
        if param is None:
            if "{" in segment or "}" in segment:
                raise HostError(f"Function '{spec.name}': route segment '{segment}' is not supported locally")
            pattern += "/" + re.escape(segment)
            precedence.append(0)
            continue
        catch_all, name, constraint, optional = param.groups()
        value = CONSTRAINTS.get((constraint or "").lower(), r"[^/]+")
        if catch_all:
            pattern += rf"(?:/(?P<{name}>.*))?"
            precedence.append(4)
        elif optional:
            pattern += rf"(?:/(?P<{name}>{value}))?"
            precedence.append(3)
        else:
            pattern += rf"/(?P<{name}>{value})"
            precedence.append(1 if constraint else 2)
    methods = spec.trigger.get("methods")
    return Route(
        spec=spec,
        template=template,
        pattern=re.compile(pattern or "/", re.IGNORECASE),
        methods=frozenset(m.upper() for m in methods) if methods else None,
        precedence=tuple(precedence),
    )


def authorized(auth_level: str, presented: str | None) -> bool:
    """ANONYMOUS: anyone. FUNCTION: the function key or the master key. ADMIN: the master key only."""
    level = auth_level.upper()
    if level == "ANONYMOUS":
        return True
    names = [MASTER_KEY_SETTING] if level == "ADMIN" else [FUNCTION_KEY_SETTING, MASTER_KEY_SETTING]
    given = (presented or "").encode()
    matches = [hmac.compare_digest(given, key.encode()) for name in names if (key := setting(name))]
    return bool(presented) and any(matches)


class HttpFrontend:
    """A ThreadingHTTPServer on 127.0.0.1 that turns requests into func.HttpRequest invocations."""

    def __init__(self, specs: list[FunctionSpec], prefix: str, invoker: Invoker, port: int = 0) -> None:
        self.routes = sorted((compile_route(s, prefix) for s in specs), key=lambda r: r.precedence)
        self._invoker = invoker
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.frontend = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever for a loop that never ran
            self._server.shutdown()
        self._server.server_close()

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        """The route that serves method + path and its route params; (None, {}) if none does."""
        for route in self.routes:
            params = route.match(path)
            if params is not None and (route.methods is None or method in route.methods):
                return route, params
        return None, {}

    def allowed_methods(self, path: str) -> set[str]:
        return {m for route in self.routes if route.match(path) is not None for m in route.methods or ()}

    def handle(self, request: _Handler) -> None:
        url = urlsplit(request.path)
        route, route_params = self.resolve(request.command, url.path)
        if route is None:
            allowed = self.allowed_methods(url.path)  # the path exists, but not for this method: 405
            request.reply(func.HttpResponse(status_code=405, headers={"Allow": ", ".join(sorted(allowed))})
                          if allowed else func.HttpResponse(status_code=404))
            return
        query = parse_qs(url.query, keep_blank_values=True)
        params = {name: ",".join(values) for name, values in query.items()}
        headers = easy_auth.apply(_headers(request))  # as the app sees them behind App Service Authentication
        key = headers.get("x-functions-key") or params.get("code")
        if not authorized(route.spec.trigger.get("authLevel", "FUNCTION"), key):
            request.reply(func.HttpResponse(status_code=401))
            return
        host = headers.get("host") or f"127.0.0.1:{self.port}"
        try:
            body = request.read_body(body_limit())
        except BodyTooLarge:
            request.close_connection = True  # the rest of the body is never read
            request.reply(func.HttpResponse("request body too large", status_code=413))
            return
        http_request = func.HttpRequest(request.command, f"http://{host}{request.path}", headers=headers,
                                        params=params, route_params=route_params, body=body)
        try:
            outputs = self._invoker.submit(route.spec, http_request).result()
            response = _http_response(route.spec, outputs)
        except TypeError as exc:
            log.error("%s", exc)
            response = func.HttpResponse("Function failed; see the host log", status_code=500)
        except Exception:  # the invoker logged it
            response = func.HttpResponse("Function failed; see the host log", status_code=500)
        request.reply(response)


def _headers(request: BaseHTTPRequestHandler) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _http_response(spec: FunctionSpec, outputs: dict[str, Any]) -> func.HttpResponse:
    names = [b["name"] for b in spec.outputs if b["type"] == "http"]
    value = outputs.get(names[0]) if names else None
    if value is None:
        return func.HttpResponse(status_code=204)
    if isinstance(value, func.HttpResponse):
        return value
    if isinstance(value, str | bytes):
        return func.HttpResponse(value)
    raise TypeError(f"Function '{spec.name}' returned a {type(value).__name__}; return a func.HttpResponse")


class _Handler(BaseHTTPRequestHandler):
    server_version = "sandbox-functions-host"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self.server.frontend.handle(self)  # type: ignore[attr-defined]

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def read_body(self, limit: int) -> bytes:
        """The body, refused (BodyTooLarge) as soon as it is known to exceed `limit`: on Content-Length before
        reading anything, for a chunked body as soon as the chunks add up to more."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while size := int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16):
                total += size
                if total > limit:
                    raise BodyTooLarge
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise BodyTooLarge
        return self.rfile.read(length)

    def reply(self, response: func.HttpResponse) -> None:
        body = response.get_body() or b""
        self.send_response(response.status_code)
        headers = dict(response.headers)
        if not any(name.lower() == "content-type" for name in headers) and body:
            mimetype = response.mimetype
            headers["Content-Type"] = f"{mimetype}; charset={response.charset}" if mimetype.startswith(
                "text/") else mimetype
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("http: " + format, *args)
