"""Operations: health, the admin API and status page, the poison-queue handlers and the retention timer.

Every ops route is ADMIN level: it needs the app's master key (header `x-functions-key`, or `?code=` so a
browser can open the page). External ids contain `/` (gid://shopify/Order/1): in the record path they are
URL-encoded (`encodeURIComponent`), and the handler decodes what the front end left encoded.
"""

import json
from urllib.parse import unquote

import azure.functions as func

from core import untrusted
from core.logging_setup import log_context
from core.ops_page import DEFAULT_REFRESH_SECONDS, render_page
from core.state import names
from core.sync import operations as ops
from functions.http import NOSNIFF, declared_length

bp = func.Blueprint()
ADMIN = func.AuthLevel.ADMIN
MAX_BODY = 64 * 1024  # a retry request is a few names


def _json(data, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(data, default=str), status_code=status, mimetype="application/json",
                             headers={"Cache-Control": "no-store", **NOSNIFF})


def _error(exc: ops.OperationError) -> func.HttpResponse:
    return _json({"error": exc.message}, exc.status)


def _body(req: func.HttpRequest) -> dict:
    """The request body as a JSON object: small, bounded nesting, strict numbers (core/untrusted.py)."""
    raw = req.get_body() or b""
    if declared_length(req) > MAX_BODY or len(raw) > MAX_BODY:
        raise ops.OperationError(f"the body is larger than {MAX_BODY} bytes", 413)
    try:
        data = untrusted.loads(raw)
    except untrusted.UnreadableJson as exc:
        raise ops.OperationError(f"the body must be a JSON object ({exc.reason})", 400) from None
    if not isinstance(data, dict):
        raise ops.OperationError("the body must be a JSON object", 400)
    return data


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', mimetype="application/json", headers=NOSNIFF)


@bp.route(route="ops/status", methods=["GET"], auth_level=ADMIN)
def ops_status(req: func.HttpRequest) -> func.HttpResponse:
    return _json(ops.status_counts(ops.operations_state()))


@bp.route(route="ops/records", methods=["GET"], auth_level=ADMIN)
def ops_records(req: func.HttpRequest) -> func.HttpResponse:
    p = req.params
    try:
        records = ops.list_records(ops.operations_state(), status=p.get("status"), flow=p.get("flow"),
                                   shop=p.get("shop"), limit=int(p.get("limit") or 50))
    except ValueError:
        return _json({"error": "limit must be a whole number"}, 400)
    except ops.OperationError as exc:
        return _error(exc)
    return _json({"records": [r.to_dict() for r in records], "count": len(records)})


@bp.route(route="ops/records/{flow}/{shop}/{*external_id}", methods=["GET"], auth_level=ADMIN)
def ops_record(req: func.HttpRequest) -> func.HttpResponse:
    r = req.route_params
    external_id = unquote(r["external_id"]) if "%" in r["external_id"] else r["external_id"]
    try:
        detail = ops.record_detail(ops.operations_state(), r["flow"], r["shop"], external_id)
    except ops.OperationError as exc:
        return _error(exc)
    if detail is None:
        return _json({"error": f"no {r['flow']} record {external_id!r} for shop {r['shop']!r}"}, 404)
    return _json(detail)


@bp.route(route="ops/retry", methods=["POST"], auth_level=ADMIN)
def ops_retry(req: func.HttpRequest) -> func.HttpResponse:
    try:
        body = _body(req)
        state = ops.operations_state()
        if body.get("external_id"):
            if not (body.get("flow") and body.get("shop")):
                raise ops.OperationError("give flow, shop and external_id (or a status filter)", 400)
            return _json(ops.retry_one(state, body["flow"], body["shop"], body["external_id"]).to_dict())
        if body.get("status"):
            return _json(ops.retry_matching(state, status=body["status"], flow=body.get("flow"),
                                            shop=body.get("shop")).to_dict())
        raise ops.OperationError("give {flow, shop, external_id} for one record or {status, flow?, shop?}", 400)
    except ops.OperationError as exc:
        return _error(exc)


@bp.route(route="ops/replay-poison", methods=["POST"], auth_level=ADMIN)
def ops_replay_poison(req: func.HttpRequest) -> func.HttpResponse:
    try:
        queue = _body(req).get("queue") if req.get_body() else None
        return _json(ops.replay_poison(ops.operations_state(), queue).to_dict())
    except ops.OperationError as exc:
        return _error(exc)


@bp.route(route="ops/page", methods=["GET"], auth_level=ADMIN)
def ops_page(req: func.HttpRequest) -> func.HttpResponse:
    try:
        refresh = int(req.params.get("refresh") or DEFAULT_REFRESH_SECONDS)
    except ValueError:
        refresh = DEFAULT_REFRESH_SECONDS
    html, headers = render_page(refresh)
    return func.HttpResponse(html, mimetype="text/html", charset="utf-8", headers={**headers, **NOSNIFF})


def _poison_handler(queue: str):
    """One queue trigger per `<queue>-poison`: each poisoned message becomes a failed SyncLog record."""

    def handler(msg: func.QueueMessage) -> None:
        with log_context(queue_message_id=msg.id):
            ops.record_poisoned(ops.operations_state(), queue, msg.get_body(), msg.id)

    name = f"record_poisoned_{queue.replace('-', '_')}"
    handler.__name__ = handler.__qualname__ = name
    return bp.queue_trigger(arg_name="msg", queue_name=names.poison_queue(queue),
                            connection=names.STORAGE_SETTING)(handler)


POISON_HANDLERS = {queue: _poison_handler(queue) for queue in names.QUEUES}


@bp.timer_trigger(arg_name="timer", schedule="0 30 3 * * *", run_on_startup=False, use_monitor=True)
def prune_sync_log(timer: func.TimerRequest) -> None:
    """Daily 03:30 UTC: prune success/skipped records older than BRIDGE_RETENTION_DAYS and their payloads."""
    ops.prune_synclog(ops.operations_state())
