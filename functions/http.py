"""What every HTTP trigger shares: the headers each response carries, the body-size check on the header, and
the last line of defence that turns an unexpected failure (storage down, a broken config) into a 503 the
sender retries, instead of a 500 that pages someone."""

import logging
from collections.abc import Callable

import azure.functions as func

log = logging.getLogger("functions.http")

# Browsers must never guess a content type: the challenge echo and payload details are data, not pages.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def declared_length(req: func.HttpRequest) -> int:
    """The request's Content-Length (0 when absent or not a sane number): checked before the body is used."""
    value = (req.headers.get("Content-Length") or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def text_response(text: str, status: int) -> func.HttpResponse:
    return func.HttpResponse(text, status_code=status, mimetype="text/plain", headers=NOSNIFF)


def replied(answer: Callable[[], func.HttpResponse], what: str) -> func.HttpResponse:
    """answer(), or 503 when it fails unexpectedly (logged with its traceback): the shop or PSP retries later."""
    try:
        return answer()
    except Exception:
        log.exception("%s failed unexpectedly; answered 503 so the sender retries", what)
        return text_response("temporarily unavailable", 503)
