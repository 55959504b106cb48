"""Structured, redacted logging: every line says which shop record it is about, and never carries a secret.

`install_logging(config)` is called once per process. From then on every log record, from any logger
(ours, the Azure SDK's, the Functions worker's):

- carries the correlation fields the triggers set with `log_context(...)` (flow, shop, external id,
  BC document, queue message id) as attributes (Application Insights custom dimensions) and appended to
  the message as `key=value` pairs, so they can be searched in traces with `contains "shop=…"`;
- has every configured secret value replaced by `***`: the values of the config's secret settings
  (`client_secret_setting`, `webhook_secret_setting`, `api_token_setting`, …), bearer tokens, `code=` and
  `sig=` query values, storage account keys, function keys; e-mail addresses are masked (`j***@example.com`)
  and card-like numbers (Luhn-valid, 15–19 digits) keep only their last four digits.

Redaction happens when the record is created (a LogRecord factory), before any handler sees it, so no
handler, formatter or log shipper can see the original text. `RedactingFilter` and `ContextFilter` do the
same work as handler filters for code that sets up its own handlers.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator

MASK = "***"
CORRELATION_FIELDS = ("flow", "shop", "external_id", "bc_document", "queue_message_id")
# Words in a config field name `<…>_setting` that mark the setting as holding a secret.
SECRET_WORDS = ("secret", "token", "certificate", "password", "key", "credential", "connection")
# Settings that hold secrets whatever the config says (the storage connection string carries an account key).
ALWAYS_SECRET_SETTINGS = ("AzureWebJobsStorage", "APPLICATIONINSIGHTS_CONNECTION_STRING")
MIN_SECRET_LENGTH = 4  # shorter values would mangle every log line and protect nothing

_fields: dict[str, contextvars.ContextVar[str]] = {
    name: contextvars.ContextVar(f"bridge_log_{name}", default="") for name in CORRELATION_FIELDS
}

_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), lambda m: f"{m[1]} {MASK}"),
    (re.compile(r"(?i)([?&](?:code|sig|key|access_token|token)=)[^&\s\"'#]+"), lambda m: m[1] + MASK),
    (re.compile(r"(?i)((?:AccountKey|SharedAccessKey|SharedAccessSignature|InstrumentationKey)=)[^;\s\"']+"),
     lambda m: m[1] + MASK),
    (re.compile(r"(?i)(x-functions-key|x-shopify-hmac-sha256|x-wc-webhook-signature|authorization)"
                r"([\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic)\s+)?[^\s\"',}]+"), lambda m: m[1] + m[2] + MASK),
)
_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# 15–19 digits (Amex, Visa, Mastercard…), not a path segment: Shopify ids like gid://shopify/Order/5905123456789
# are 13–14 digits and follow a "/", and must stay readable for correlation.
_CARD = re.compile(r"(?<![\d/])(?:\d[ -]?){14,18}\d(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match[0])
    if 15 <= len(digits) <= 19 and _luhn(digits):
        return f"{MASK}{digits[-4:]}"
    return match[0]


class Redactor:
    """Replaces secret values and personal data in text. Longest secrets first, so none leaves a tail."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replace in _PATTERNS:
            text = pattern.sub(replace, text)
        text = _EMAIL.sub(lambda m: f"{m[1]}{MASK}@{m[2]}", text)
        return _CARD.sub(_mask_card, text)


def secret_setting_names(config) -> list[str]:
    """Names of the app settings that hold secrets: every `*_setting` field of the config whose name says
    it is secret (client_secret_setting, certificate_setting, webhook_secret_setting, api_token_setting…)."""
    found: list[str] = list(ALWAYS_SECRET_SETTINGS)

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (isinstance(key, str) and key.endswith("_setting") and isinstance(value, str)
                        and any(word in key.removesuffix("_setting") for word in SECRET_WORDS)):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if config is not None:
        walk(config.model_dump() if hasattr(config, "model_dump") else config)
    return list(dict.fromkeys(found))


def secret_values(config, env: dict | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [env[name] for name in secret_setting_names(config) if env.get(name)]


# --- correlation fields --------------------------------------------------------------------------

@contextlib.contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Set correlation fields for the log lines inside the block (per task/thread: contextvars)."""
    tokens = []
    for name, value in fields.items():
        if name not in _fields:
            raise ValueError(f"unknown log field {name!r}; use one of {CORRELATION_FIELDS}")
        if value is not None:
            tokens.append((_fields[name], _fields[name].set(str(value))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def set_log_fields(**fields: str | None) -> None:
    """Add fields learnt along the way (the BC document once written) to the current context."""
    for name, value in fields.items():
        if value is not None and name in _fields:
            _fields[name].set(str(value))


def current_fields() -> dict[str, str]:
    return {name: var.get() for name, var in _fields.items() if var.get()}


def _suffix(fields: dict[str, str]) -> str:
    return " ".join(f"{k}={_quote(v)}" for k, v in fields.items())


def _quote(value: str) -> str:
    return f'"{value}"' if (" " in value or '"' in value or not value) else value


# --- applying both to log records -----------------------------------------------------------------

def prepare_record(record: logging.LogRecord, redact: Redactor) -> logging.LogRecord:
    """Freeze the record's message with correlation fields appended, redacted; redact its traceback too."""
    if getattr(record, "_bridge_prepared", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string must not lose the line
        message = f"{record.msg} {record.args}"
    fields = current_fields()
    for name, value in fields.items():
        setattr(record, name, redact(value))
    missing = {k: v for k, v in fields.items() if f"{k}=" not in message}
    if missing:
        message = f"{message} | {_suffix(missing)}"
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._bridge_prepared = True
    return record


class RedactingFilter(logging.Filter):
    """Handler filter: correlation fields + redaction (for handlers set up outside install_logging)."""

    def __init__(self, redact: Redactor):
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        prepare_record(record, self.redact)
        return True


ContextFilter = RedactingFilter  # one filter does both; the second name reads better where only context matters

_install_lock = threading.Lock()
_installed: dict[str, object] = {}


NOISY_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "httpx", "httpcore")


def install_logging(config=None, *, env: dict | None = None, level: int | None = None) -> Redactor:
    """Install correlation + redaction for the whole process; calling it again refreshes the secret values.

    When the process has no log handler (a CLI, a script) a stderr handler with a key=value format is added;
    in the Functions worker its own handler (to Application Insights) is kept.
    """
    redact = Redactor(secret_values(config, env))
    # The Azure SDK logs every storage request's headers at INFO and httpx every request: in Application
    # Insights that is noise (and cost) drowning the bridge's own lines. Their warnings still come through.
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with _install_lock:
        _installed["redactor"] = redact
        if "factory" not in _installed:
            base = logging.getLogRecordFactory()

            def factory(*args, **kwargs) -> logging.LogRecord:
                return prepare_record(base(*args, **kwargs), _installed["redactor"])

            logging.setLogRecordFactory(factory)
            _installed["factory"], _installed["base"] = factory, base
        root = logging.getLogger()
        if not root.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
            root.addHandler(handler)
            root.setLevel(level or logging.INFO)
        elif level is not None:
            root.setLevel(level)
    return redact


def redactor() -> Redactor:
    """The installed redactor (a no-secrets one before install_logging), for text that is not a log line."""
    return _installed.get("redactor") or Redactor()


def uninstall_logging() -> None:
    """Undo install_logging's record factory (tests)."""
    with _install_lock:
        factory, base = _installed.pop("factory", None), _installed.pop("base", None)
        _installed.pop("redactor", None)
        if factory is not None and logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(base)
