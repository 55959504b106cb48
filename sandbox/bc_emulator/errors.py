"""BC-shaped errors: `{"error": {"code": ..., "message": "... CorrelationId:  <guid>."}}`."""

from __future__ import annotations

import json
import uuid


class BcError(Exception):
    """An error the emulator answers with, in Business Central's wire shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.code, self.message)


def error_body(code: str, message: str) -> dict:
    # BC appends the correlation id with two spaces after the colon.
    return {"error": {"code": code, "message": f"{message}  CorrelationId:  {uuid.uuid4()}."}}


def error_bytes(code: str, message: str) -> bytes:
    return json.dumps(error_body(code, message)).encode()


def dialog(message: str) -> BcError:
    """An AL `Error(...)` raised by page/codeunit logic (validation, posting)."""
    return BcError(400, "Application_DialogException", message)


def not_found(entity: str, key: str) -> BcError:
    return BcError(
        404,
        "BadRequest_NotFound",
        f"The {entity} does not exist. Identification fields and values: Id='{key}'",
    )


def record_not_found(table: str, field: str, value: str) -> BcError:
    return BcError(
        400,
        "Internal_RecordNotFound",
        f"The {table} does not exist. Identification fields and values: {field}='{value}'",
    )


def unknown_property(name: str, entity: str) -> BcError:
    # Message as BC words it (github.com/microsoft/AL/issues/7515); the code is what public BC clients match on.
    return BcError(400, "BadRequest_PropertyNotFound",
                   f"Could not find a property named '{name}' on type 'Microsoft.NAV.{entity}'.")


def read_only(name: str) -> BcError:
    # Message as integrators report it for Editable = false fields; the code is unverified.
    return BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")


def not_modelled(what: str) -> BcError:
    """BC would do something here that the emulator does not reproduce: say so instead of pretending."""
    return BcError(501, "Emulator_NotModelled", f"The BC emulator does not model {what}.")


def string_too_long(value: str, limit: int) -> BcError:
    return BcError(
        400,
        "Application_StringExceededLength",
        f"The length of the string is {len(value)}, but it must be less than or equal to {limit} characters. "
        f"Value: {value}",
    )


def missing_if_match() -> BcError:
    return BcError(
        400,
        "BadRequest_InvalidToken",
        "Could not validate the client concurrency token required by the service. "
        "Please provide a valid token in the client request.",
    )


def entity_changed() -> BcError:
    return BcError(409, "Request_EntityChanged", "Another user has already changed the record.")


def same_key_exists(table: str, fields: str) -> BcError:
    return BcError(
        409,
        "Internal_EntityWithSameKeyExists",
        f"The record in table {table} already exists. Identification fields and values: {fields}",
    )


def too_many_requests(message: str, retry_after: float | None = None) -> BcError:
    headers = {"Retry-After": _seconds(retry_after)} if retry_after is not None else {}
    return BcError(429, "Application_TooManyRequests", message, headers)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
