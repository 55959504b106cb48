"""Operations: health, the admin API and status page, the poison-queue handlers and the retention timer.

The admin API is served twice, by the same handlers:
- `/api/cockpit/...` for people signed in with Entra ID (App Service Authentication, core/ops_auth.py). The
  host lets these requests through (ANONYMOUS); the handler requires a principal with the app role Reader
  (look) or Operator (also retry and replay). They answer 401 while sign-in is not configured.
- `/api/ops/...` at ADMIN level: the app's master key (header `x-functions-key`), the break-glass path for
  scripts and for when sign-in is not configured. The key has full rights.
External ids contain `/` (gid://shopify/Order/1): in the record path they are URL-encoded
(`encodeURIComponent`), and the handler decodes what the front end left encoded.
"""

import json
from urllib.parse import unquote

import azure.functions as func
from azure.core.exceptions import ResourceNotFoundError

from core import ops_auth, untrusted
from core.logging_setup import log_context
from core.ops_history import UnknownView, history_view, prune_history, today_counts
from core.ops_page import DEFAULT_REFRESH_SECONDS, render_page
from core.ops_record import payload_download, record_page
from core.ops_search import time_window
from core.state import names
from core.sync import operations as ops
from functions.http import NOSNIFF, declared_length

bp = func.Blueprint()
ADMIN = func.AuthLevel.ADMIN
SIGNED_IN = func.AuthLevel.ANONYMOUS  # the handler checks the principal itself
COCKPIT_PAGE = "/api/cockpit/page"
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


def _named(name: str, fn):
    """The function name the host indexes (each route needs its own)."""
    fn.__name__ = fn.__qualname__ = name
    return fn


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse('{"status":"ok"}', mimetype="application/json", headers=NOSNIFF)


# ---- the handlers, each given who is calling (the route decides how that was established) ----

def _status(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    """Today's outcome counts from the History counters (not a sync-log scan) and the queue depths."""
    storage = ops.operations_state().storage
    try:
        counts = today_counts(storage)
    except ResourceNotFoundError:
        return _no_history_table()
    return _json({**counts, "queues": ops.queue_depths(storage), "viewer": who.to_dict()})


def _no_history_table() -> func.HttpResponse:
    return _json({"error": f"The {names.HISTORY} table does not exist. Resolution: deploy the infra of this "
                           "version (it creates the table), or run the app once locally to create it."}, 503)


def _records(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    p = req.params
    try:
        since, until = time_window(p.get("from"), p.get("to"))
        records = ops.list_records(ops.operations_state(), status=p.get("status"), flow=p.get("flow"),
                                   shop=p.get("shop"), limit=int(p.get("limit") or 50), since=since, until=until)
    except ValueError:
        return _json({"error": "limit must be a whole number"}, 400)
    except ops.OperationError as exc:
        return _error(exc)
    return _json({"records": [r.to_dict() for r in records], "count": len(records)})


def _search(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    p = req.params
    try:
        since, until = time_window(p.get("from"), p.get("to"))
        records = ops.search_records(ops.operations_state(), p.get("q") or "", status=p.get("status"),
                                     flow=p.get("flow"), shop=p.get("shop"), limit=int(p.get("limit") or 50),
                                     since=since, until=until)
    except ValueError:
        return _json({"error": "limit must be a whole number"}, 400)
    except ops.OperationError as exc:
        return _error(exc)
    return _json({"records": [r.to_dict() for r in records], "count": len(records)})


def _history(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    try:
        state = ops.operations_state()
        return _json(history_view(state.storage, req.params.get("view") or "hours", config=state.config))
    except UnknownView as exc:
        return _json({"error": str(exc)}, 400)
    except ResourceNotFoundError:
        return _no_history_table()


def _record(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    r = req.route_params
    external_id = unquote(r["external_id"]) if "%" in r["external_id"] else r["external_id"]
    try:
        detail = record_page(ops.operations_state(), r["flow"], r["shop"], external_id)
    except ops.OperationError as exc:
        return _error(exc)
    if detail is None:
        return _json({"error": f"no {r['flow']} record {external_id!r} for shop {r['shop']!r}"}, 404)
    return _json(detail)


def _payload(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    """The record's whole stored payload as a file, redacted like the record page (Reader is enough)."""
    r = req.route_params
    external_id = unquote(r["external_id"]) if "%" in r["external_id"] else r["external_id"]
    try:
        found = payload_download(ops.operations_state(), r["flow"], r["shop"], external_id)
    except ops.OperationError as exc:
        return _error(exc)
    if found is None:
        return _json({"error": f"no stored payload for {r['flow']} record {external_id!r} of shop {r['shop']!r} "
                               "(no such record, or its payload was pruned)"}, 404)
    body, filename, mimetype = found
    return func.HttpResponse(body, status_code=200, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store", **NOSNIFF})


def _retry(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
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


def _replay_poison(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    try:
        queue = _body(req).get("queue") if req.get_body() else None
        return _json(ops.replay_poison(ops.operations_state(), queue).to_dict())
    except ops.OperationError as exc:
        return _error(exc)


def _page(req: func.HttpRequest, who: ops_auth.Principal) -> func.HttpResponse:
    try:
        refresh = int(req.params.get("refresh") or DEFAULT_REFRESH_SECONDS)
    except ValueError:
        refresh = DEFAULT_REFRESH_SECONDS
    html, headers = render_page(refresh)
    return func.HttpResponse(html, mimetype="text/html", charset="utf-8", headers={**headers, **NOSNIFF})


# ---- the master-key routes (ADMIN: the host has checked the key) ----

def _with_key(handler):
    def call(req: func.HttpRequest) -> func.HttpResponse:
        return handler(req, ops_auth.MASTER_KEY)
    return call


ops_status = bp.route(route="ops/status", methods=["GET"], auth_level=ADMIN)(
    _named("ops_status", _with_key(_status)))
ops_records = bp.route(route="ops/records", methods=["GET"], auth_level=ADMIN)(
    _named("ops_records", _with_key(_records)))
ops_search = bp.route(route="ops/search", methods=["GET"], auth_level=ADMIN)(
    _named("ops_search", _with_key(_search)))
ops_history = bp.route(route="ops/history", methods=["GET"], auth_level=ADMIN)(
    _named("ops_history", _with_key(_history)))
ops_record = bp.route(route="ops/records/{flow}/{shop}/{*external_id}", methods=["GET"], auth_level=ADMIN)(
    _named("ops_record", _with_key(_record)))
ops_payload = bp.route(route="ops/payload/{flow}/{shop}/{*external_id}", methods=["GET"], auth_level=ADMIN)(
    _named("ops_payload", _with_key(_payload)))
ops_retry = bp.route(route="ops/retry", methods=["POST"], auth_level=ADMIN)(
    _named("ops_retry", _with_key(_retry)))
ops_replay_poison = bp.route(route="ops/replay-poison", methods=["POST"], auth_level=ADMIN)(
    _named("ops_replay_poison", _with_key(_replay_poison)))


@bp.route(route="ops/page", methods=["GET"], auth_level=ADMIN)
def ops_page(req: func.HttpRequest) -> func.HttpResponse:
    """The page opened with the key (`?code=`), for deployments without sign-in. Once sign-in is configured the
    key has no business in a browser: send the person to the signed-in page, without the key."""
    if ops_auth.easy_auth_enabled():
        return func.HttpResponse(status_code=302, headers={"Location": COCKPIT_PAGE, "Cache-Control": "no-store",
                                                           "Referrer-Policy": "no-referrer", **NOSNIFF})
    return _page(req, ops_auth.MASTER_KEY)


# ---- the signed-in routes (Entra ID through App Service Authentication) ----

def _signed_in(handler, *, operate: bool = False, page: bool = False):
    """Run `handler` for a principal holding Reader (or Operator when `operate`); 401/403 otherwise."""

    def call(req: func.HttpRequest) -> func.HttpResponse:
        if not ops_auth.easy_auth_enabled():
            return _json({"error": "Sign-in is not configured for this app. Resolution: deploy with "
                                   "signInClientId (docs/deployment.md), or call /api/ops/... with the master "
                                   "key in the x-functions-key header."}, 401)
        who = ops_auth.principal(req.headers)
        if who is None:
            if page:  # a browser: sign in, then come back
                return func.HttpResponse(status_code=302, headers={
                    "Location": ops_auth.login_url(COCKPIT_PAGE), "Cache-Control": "no-store", **NOSNIFF})
            return _json({"error": "Not signed in. Resolution: open the status page and sign in with your "
                                   "work account."}, 401)
        if not who.can_read:
            return _json({"error": f"{who.name} holds neither the Reader nor the Operator role of this app. "
                                   "Resolution: ask an administrator to assign you a role on the app's "
                                   "enterprise application (docs/deployment.md)."}, 403)
        if operate and not who.can_operate:
            return _json({"error": f"{who.name} may look but not retry or replay: that needs the Operator "
                                   "role. Resolution: ask an administrator to assign you the Operator role "
                                   "(docs/deployment.md)."}, 403)
        return handler(req, who)

    return call


signed_in_status = bp.route(route="cockpit/status", methods=["GET"], auth_level=SIGNED_IN)(
    _named("signed_in_status", _signed_in(_status)))
signed_in_records = bp.route(route="cockpit/records", methods=["GET"], auth_level=SIGNED_IN)(
    _named("signed_in_records", _signed_in(_records)))
signed_in_search = bp.route(route="cockpit/search", methods=["GET"], auth_level=SIGNED_IN)(
    _named("signed_in_search", _signed_in(_search)))
signed_in_history = bp.route(route="cockpit/history", methods=["GET"], auth_level=SIGNED_IN)(
    _named("signed_in_history", _signed_in(_history)))
signed_in_record = bp.route(route="cockpit/records/{flow}/{shop}/{*external_id}", methods=["GET"],
                            auth_level=SIGNED_IN)(_named("signed_in_record", _signed_in(_record)))
signed_in_payload = bp.route(route="cockpit/payload/{flow}/{shop}/{*external_id}", methods=["GET"],
                             auth_level=SIGNED_IN)(_named("signed_in_payload", _signed_in(_payload)))
signed_in_retry = bp.route(route="cockpit/retry", methods=["POST"], auth_level=SIGNED_IN)(
    _named("signed_in_retry", _signed_in(_retry, operate=True)))
signed_in_replay_poison = bp.route(route="cockpit/replay-poison", methods=["POST"], auth_level=SIGNED_IN)(
    _named("signed_in_replay_poison", _signed_in(_replay_poison, operate=True)))
signed_in_page = bp.route(route="cockpit/page", methods=["GET"], auth_level=SIGNED_IN)(
    _named("signed_in_page", _signed_in(_page, page=True)))


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
    """Daily 03:30 UTC: prune success/skipped records older than BRIDGE_RETENTION_DAYS and their payloads,
    and history counters older than the chart's 90 days."""
    state = ops.operations_state()
    ops.prune_synclog(state)
    prune_history(state.storage)
