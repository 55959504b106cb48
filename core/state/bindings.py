"""Bindings: one row per (kind, shop, external id) — the whole idempotency story.

A worker *claims* a shop record by inserting its binding row; an insert conflict means someone else
owns it. The row then records the BC document it became. A claim carries a lease: if its worker
died, another worker may take it over once the lease has expired (an ETag-guarded update, so only
one wins) — and must then look BC up before creating anything, since the dead worker may have
written the document before it died.

Fencing: the claim's token is the row's ETag. `Fence.check()` renews the lease with an ETag-guarded
write before every BC write, so a worker whose claim was taken over learns it (ClaimLost) before it
writes, and one that passes the check holds a fresh lease for the write that follows. Every state
write after it (bind, release, update) is guarded by the same ETag.

Tombstones: a row in state "cancelled" without a BC document remembers a shop order cancelled before
it reached BC, so a late create or update of it is not imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from core.state import names
from core.state.storage import Storage, table_key

CLAIMED = "claimed"
BOUND = "bound"
CANCELLED = "cancelled"  # cancelled in the shop: BC document deleted, or never created (a tombstone)


@dataclass
class Binding:
    kind: str  # "order", "refund", "customer", "item", …
    shop: str
    external_id: str
    state: str = CLAIMED
    owner: str = ""
    lease_until: datetime | None = None
    bc_company: str = ""
    bc_id: str = ""
    bc_number: str = ""
    bc_entity: str = ""  # salesOrders, salesInvoices, …
    data: dict = field(default_factory=dict)  # small flow-specific extras (JSON)
    etag: str | None = None

    @property
    def is_bound(self) -> bool:
        return self.state == BOUND

    @property
    def is_cancelled(self) -> bool:
        return self.state == CANCELLED

    def lease_expired(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.lease_until is None or self.lease_until <= now

    def held_by_other(self, owner: str, now: datetime | None = None) -> bool:
        """Someone else is working on this row right now (their lease has not run out)."""
        return self.owner != owner and not self.lease_expired(now)


class ClaimLost(Exception):  # noqa: N818 - reads as what happened
    """Our claim was taken over (our lease ran out and another worker took it) or the row changed
    under us: stop before writing anything else."""

    def __init__(self, binding: Binding, now_owner: str = ""):
        super().__init__(f"the claim on {binding.kind} {binding.external_id} of {binding.shop} held by "
                         f"{binding.owner} was taken over{f' by {now_owner}' if now_owner else ''}; "
                         "stopped before writing")
        self.binding = binding
        self.now_owner = now_owner


class AlreadyClaimed(Exception):  # noqa: N818 - reads as a state, like AlreadyExists
    """The binding exists: `binding` says who owns it and whether it is already bound."""

    def __init__(self, binding: Binding):
        super().__init__(f"{binding.kind} {binding.external_id} of {binding.shop} is {binding.state}")
        self.binding = binding


def _entity(b: Binding) -> dict:
    import json

    return {
        "PartitionKey": table_key(f"{b.kind}|{b.shop}"),
        "RowKey": table_key(b.external_id),
        "Kind": b.kind,
        "Shop": b.shop,
        "ExternalId": b.external_id,
        "State": b.state,
        "Owner": b.owner,
        "LeaseUntil": b.lease_until,
        "BcCompany": b.bc_company,
        "BcId": b.bc_id,
        "BcNumber": b.bc_number,
        "BcEntity": b.bc_entity,
        "Data": json.dumps(b.data, default=str),
    }


def _binding(entity) -> Binding:
    import json

    return Binding(
        kind=entity["Kind"], shop=entity["Shop"], external_id=entity["ExternalId"], state=entity["State"],
        owner=entity.get("Owner", ""), lease_until=entity.get("LeaseUntil"),
        bc_company=entity.get("BcCompany", ""), bc_id=entity.get("BcId", ""),
        bc_number=entity.get("BcNumber", ""), bc_entity=entity.get("BcEntity", ""),
        data=json.loads(entity.get("Data") or "{}"), etag=entity.metadata.get("etag"),
    )


class Bindings:
    def __init__(self, storage: Storage, table: str = names.BINDINGS):
        self.client: TableClient = storage.table(table)

    def get(self, kind: str, shop: str, external_id: str) -> Binding | None:
        try:
            entity = self.client.get_entity(table_key(f"{kind}|{shop}"), table_key(external_id))
        except ResourceNotFoundError:
            return None
        return _binding(entity)

    def claim(self, kind: str, shop: str, external_id: str, owner: str, lease: timedelta) -> Binding:
        """Insert the claim; raise AlreadyClaimed with the current row if it exists.

        An expired claim (its worker died) is taken over atomically: exactly one caller wins.
        """
        binding = Binding(kind, shop, external_id, owner=owner, lease_until=datetime.now(UTC) + lease)
        try:
            meta = self.client.create_entity(_entity(binding))
            binding.etag = meta.get("etag")
            return binding
        except ResourceExistsError:
            current = self.get(kind, shop, external_id)
            if current is None:  # released in between: try once more
                return self.claim(kind, shop, external_id, owner, lease)
        if current.state == CLAIMED and current.lease_expired():
            previous_owner = current.owner
            current.owner, current.lease_until = owner, datetime.now(UTC) + lease
            current.data = {**current.data, "taken_over_from": previous_owner}
            try:
                return self.update(current)
            except ResourceModifiedError:
                current = self.get(kind, shop, external_id) or current
        raise AlreadyClaimed(current)

    def claim_bound(self, binding: Binding, owner: str, lease: timedelta) -> Binding:
        """Claim a row that already has a state (bound, cancelled) for a change to its BC document
        (an update, a cancellation): an ETag-guarded write of owner and lease. Raises AlreadyClaimed when
        another worker holds it or wrote it since `binding` was read."""
        if binding.held_by_other(owner):
            raise AlreadyClaimed(binding)
        binding.owner, binding.lease_until = owner, datetime.now(UTC) + lease
        try:
            return self.update(binding)
        except (ResourceModifiedError, ResourceNotFoundError):
            raise AlreadyClaimed(self.get(binding.kind, binding.shop, binding.external_id) or binding) from None

    def tombstone(self, kind: str, shop: str, external_id: str, data: dict) -> Binding:
        """Remember a record cancelled before it was imported. Raises AlreadyClaimed if the row exists."""
        binding = Binding(kind, shop, external_id, state=CANCELLED, data=data)
        try:
            meta = self.client.create_entity(_entity(binding))
        except ResourceExistsError:
            raise AlreadyClaimed(self.get(kind, shop, external_id) or binding) from None
        binding.etag = meta.get("etag")
        return binding

    def fence(self, binding: Binding, lease: timedelta) -> Fence:
        return Fence(self, binding, lease)

    def update(self, binding: Binding) -> Binding:
        """Write the binding if nobody changed it since it was read (ETag); raises ResourceModifiedError."""
        meta = self.client.update_entity(
            _entity(binding), mode=UpdateMode.REPLACE, etag=binding.etag, match_condition=MatchConditions.IfNotModified
        )
        binding.etag = meta.get("etag")
        return binding

    def bind(self, binding: Binding, *, bc_company: str, bc_entity: str, bc_id: str, bc_number: str) -> Binding:
        binding.state, binding.lease_until = BOUND, None
        binding.bc_company, binding.bc_entity = bc_company, bc_entity
        binding.bc_id, binding.bc_number = bc_id, bc_number
        return self.update(binding)

    def done(self, binding: Binding) -> Binding:
        """End a claim on a row that keeps its state (after an update or cancellation): clear the lease."""
        binding.lease_until = None
        return self.update(binding)

    def release(self, binding: Binding) -> None:
        """Give up a claim (the work failed and may be retried by anyone)."""
        try:
            self.client.delete_entity(
                _entity(binding)["PartitionKey"], _entity(binding)["RowKey"],
                etag=binding.etag, match_condition=MatchConditions.IfNotModified,
            )
        except (ResourceNotFoundError, ResourceModifiedError):
            pass


class Fence:
    """The claim's token, checked before each write that must be ours alone."""

    def __init__(self, bindings: Bindings, binding: Binding, lease: timedelta):
        self.bindings, self.binding, self.lease = bindings, binding, lease

    def check(self) -> Binding:
        """Renew the lease if the row is still as we last wrote it; else raise ClaimLost."""
        binding = self.binding
        previous = binding.lease_until
        binding.lease_until = datetime.now(UTC) + self.lease
        try:
            return self.bindings.update(binding)
        except (ResourceModifiedError, ResourceNotFoundError):
            binding.lease_until = previous
            current = self.bindings.get(binding.kind, binding.shop, binding.external_id)
            raise ClaimLost(binding, current.owner if current is not None else "") from None
