"""The orders flow caches BC ids per process; an id must never leak to another BC environment, and a refusal
drops the cache so a retry looks everything up again (a customer deleted and made again in BC)."""

from core.bc import BcPermanentError
from core.config import Company
from core.sync import orders


class FakeCompany:
    def __init__(self, base: str, answer: dict):
        self.company_id = "same-company-id"  # two environments can hold the same company id
        self.base = base
        self.answer = answer
        self.calls = 0

    def first(self, entity_set, filter, select):
        self.calls += 1
        return dict(self.answer)


def test_two_environments_with_the_same_company_id_do_not_share_cached_ids():
    orders._cache.clear()
    production = FakeCompany("https://bc/tenant/Production/api/v2.0/companies(same-company-id)", {"id": "p-1"})
    sandbox = FakeCompany("https://bc/tenant/Sandbox/api/v2.0/companies(same-company-id)", {"id": "s-1"})
    assert orders._cached_first(production, "customers", "number eq '10000'")["id"] == "p-1"
    assert orders._cached_first(sandbox, "customers", "number eq '10000'")["id"] == "s-1"
    assert orders._cached_first(production, "customers", "number eq '10000'")["id"] == "p-1"
    assert (production.calls, sandbox.calls) == (1, 1)


def test_a_bc_refusal_drops_the_cache_so_the_retry_looks_ids_up_again():
    orders._cache.clear()
    co = FakeCompany("https://bc/tenant/Production/api/v2.0/companies(c)", {"id": "stale"})
    orders._cached_first(co, "customers", "number eq '10000'")
    company = Company(key="se", bc_company_id="11111111-2222-3333-4444-555555555555", currency="SEK")
    refusal = BcPermanentError(400, "Application_DialogException", "The sell-to customer cannot be found.")
    error = orders._bc_error(refusal, company)
    assert error.code == "bc_rejected"
    co.answer = {"id": "fresh"}
    assert orders._cached_first(co, "customers", "number eq '10000'")["id"] == "fresh"
    assert co.calls == 2
