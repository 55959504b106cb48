"""What every HTTP trigger shares: the headers each response carries and the body-size check on the header."""

import azure.functions as func

# Browsers must never guess a content type: the challenge echo and payload details are data, not pages.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def declared_length(req: func.HttpRequest) -> int:
    """The request's Content-Length (0 when absent or not a sane number): checked before the body is used."""
    value = (req.headers.get("Content-Length") or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def text_response(text: str, status: int) -> func.HttpResponse:
    return func.HttpResponse(text, status_code=status, mimetype="text/plain", headers=NOSNIFF)
