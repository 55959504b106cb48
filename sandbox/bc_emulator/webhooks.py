"""API webhook subscriptions: handshake, change notifications, renewal, expiry.

Handshake: POST `notificationUrl?validationToken=<token>`; the receiver must answer 200 with the token as
body, else the subscription is refused (400). Notifications: POST `{"value": [{subscriptionId, clientState,
expirationDateTime, resource, changeType, lastModifiedDateTime}]}` after `webhook_delay_s` (BC debounces
30 s; the emulator defaults to 0). More than 1,000 changes in one flush → one `collection` item. Delivery
retries on 408/429/5xx (a few times); any other error status deletes the subscription, as in BC.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from .schema import HEADER_OF_LINES, WEBHOOK_SETS
from .store import Change, Store

MAX_ITEMS = 1000
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


def post(url: str, body: bytes | None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body or b"", method="POST",  # noqa: S310 - local test receiver
                                     headers={"Content-Type": "application/json",
                                              "clientRequestId": str(uuid.uuid4()),
                                              "x-ms-correlation-id": str(uuid.uuid4())})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def handshake(notification_url: str) -> bool:
    token = uuid.uuid4().hex
    sep = "&" if "?" in notification_url else "?"
    status, body = post(f"{notification_url}{sep}validationToken={urllib.parse.quote(token)}", None)
    return status == 200 and body.decode(errors="replace").strip().strip('"') == token


def expiry() -> str:
    return (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Notifier:
    """Turns committed changes into notifications and delivers them from a background thread."""

    def __init__(self, store: Store, delay: callable):
        self.store = store
        self.delay = delay
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered: list[dict] = []
        store.listeners.append(self.on_changes)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="bc-emulator-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread:
            self._thread.join(timeout=5)
        self._thread = None
        self._stop.clear()

    def on_changes(self, changes: list[Change]) -> None:
        subscriptions = list(self.store.root.get("subscriptions", {}).values())
        if not subscriptions:
            return
        items = []
        for company, table, old, new in changes:
            record = new or old
            if table in HEADER_OF_LINES:
                header_set = HEADER_OF_LINES[table]
                if self.store.get(company, header_set, record.get("documentId", "")) is None:
                    continue
                table, change, record_id = header_set, "updated", record["documentId"]
            elif table in WEBHOOK_SETS:
                change = "created" if old is None else "deleted" if new is None else "updated"
                record_id = record["id"]
            else:
                continue
            items.append((company.id, table, record_id, change))
        for sub in subscriptions:
            resource = sub["_resource"]
            matching = [i for i in items if (i[0], i[1]) == resource]
            for company_id, table, record_id, change in matching:
                self._queue.put((time.monotonic(), sub["subscriptionId"], company_id, table, record_id, change))

    def _run(self) -> None:
        pending: dict[str, list] = defaultdict(list)
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                item = "tick"
            if item is None:
                break
            if item != "tick":
                pending[item[1]].append(item)
            now = time.monotonic()
            for sub_id in list(pending):
                if pending[sub_id] and now - pending[sub_id][0][0] >= self.delay():
                    self._deliver(sub_id, pending.pop(sub_id))

    def _deliver(self, sub_id: str, items: list) -> None:
        with self.store.lock:
            sub = self.store.root.get("subscriptions", {}).get(sub_id)
        if sub is None:
            return
        seen, values = set(), []
        for _, _, company_id, table, record_id, change in items:
            if (record_id, change) in seen:
                continue
            seen.add((record_id, change))
            values.append({
                "subscriptionId": sub_id, "clientState": sub["clientState"],
                "expirationDateTime": sub["expirationDateTime"],
                "resource": f"api/v2.0/companies({company_id})/{table}({record_id})", "changeType": change,
                "lastModifiedDateTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            })
        if len(values) > MAX_ITEMS:
            company_id, table = items[0][2], items[0][3]
            values = [{"subscriptionId": sub_id, "clientState": sub["clientState"],
                       "expirationDateTime": sub["expirationDateTime"],
                       "resource": f"api/v2.0/companies({company_id})/{table}", "changeType": "collection",
                       "lastModifiedDateTime": values[0]["lastModifiedDateTime"]}]
        body = json.dumps({"value": values}).encode()
        for attempt in range(4):
            status, _ = post(sub["notificationUrl"], body)
            self.delivered.append({"subscriptionId": sub_id, "status": status, "count": len(values)})
            if 200 <= status < 300:
                return
            if status not in RETRY_STATUSES and status != 0:
                with self.store.lock:
                    self.store.root.get("subscriptions", {}).pop(sub_id, None)
                return
            time.sleep(0.2 * (attempt + 1))
