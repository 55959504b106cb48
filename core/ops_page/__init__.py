"""The operator's status page: one self-contained HTML document (CSS and JS inlined, no build step, no CDN).

Signed in (Entra ID, /api/cockpit/page) the page reads the admin API next to it with the App Service session
cookie the browser sends by itself. Without sign-in configured it is opened with the master key (/api/ops/page)
and sends that key as the `x-functions-key` header; the page never builds a URL or link carrying the key.
The same document holds the overview (counts, the history chart, search, the attention list) and the
record page (`#record?flow=…&shop=…&id=…`); the chart is SVG built with DOM calls, no library.
Every value from the sync log is put into the page with textContent, never
as HTML, because record messages quote shop payloads. The Content-Security-Policy allows only the
inline script and style carrying this response's nonce and requests to the app itself.
"""

from __future__ import annotations

import secrets
from importlib import resources

DEFAULT_REFRESH_SECONDS = 30


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render_page(refresh_seconds: int = DEFAULT_REFRESH_SECONDS) -> tuple[str, dict[str, str]]:
    """The page and the headers to send it with."""
    nonce = secrets.token_urlsafe(16)
    refresh = max(5, min(int(refresh_seconds), 3600))
    html = (_asset("page.html")
            .replace("{{nonce}}", nonce)
            .replace("{{refresh}}", str(refresh))
            .replace("/*{{css}}*/", _asset("page.css"))
            .replace("/*{{js}}*/", _asset("page.js")))
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",  # without sign-in the page URL carries the key
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }
    return html, headers
