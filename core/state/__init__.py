"""Durable state in Azure Storage: bindings (claims), the sync log, cursors, the raw-payload inbox, queues.

Flows own their state; platform adapters and the BC client never touch it (DESIGN.md).
"""

from core.state.bindings import AlreadyClaimed, Binding, Bindings, ClaimLost, Fence
from core.state.cursors import Cursors
from core.state.inbox import Deliveries, Inbox
from core.state.queue import Envelope, enqueue
from core.state.storage import Storage
from core.state.synclog import SyncLog, SyncRecord, SyncStatus

__all__ = [
    "AlreadyClaimed", "Binding", "Bindings", "ClaimLost", "Cursors", "Deliveries", "Envelope", "Fence", "Inbox",
    "Storage", "SyncLog", "SyncRecord", "SyncStatus", "enqueue",
]
