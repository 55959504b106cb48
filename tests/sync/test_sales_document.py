"""After a deep insert: dimensions read from the document and PATCHed or POSTed, the invoice discount PATCHed
with If-Match, and a document that cannot be completed deleted again. Against a small in-memory BC that
behaves as the AL pages say (APIV2DimensionSetLines refuses a code the document already has; a PATCH with a
stale ETag is a 409)."""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest

from core.bc import BcConflictError, BcPermanentError
from core.sync import sales_document as sd

ALREADY = ("The dimension set line already exists. Check existing dimension set lines and the default dimension "
           "set lines on the parent.")


class FakeCompany:
    """salesOrders with dimensionSetLines and an ETag per record; every call is recorded."""

    def __init__(self, defaults=(), fail_discount=False):
        self._etag = itertools.count(1)
        self.calls: list[tuple] = []
        self.fail_discount = fail_discount
        self.order = {"id": "so-1", "number": "101001", "discountAmount": 0, "totalAmountIncludingTax": 125,
                      "@odata.etag": self._next()}
        self.dims = {code: {"id": f"dim-{code}", "code": code, "valueCode": value, "@odata.etag": self._next()}
                     for code, value in defaults}
        self.deleted = False

    def _next(self) -> str:
        return f'W/"{next(self._etag)}"'

    def _touch(self):
        self.order["@odata.etag"] = self._next()  # a dimension change modifies the Sales Header

    def list(self, path, **kw):
        self.calls.append(("GET", path))
        assert path == "salesOrders(so-1)/dimensionSetLines"
        return [dict(row) for row in self.dims.values()]

    def get(self, entity_set, id, **kw):
        self.calls.append(("GET", f"{entity_set}({id})"))
        return dict(self.order)

    def create(self, path, body):
        self.calls.append(("POST", path, body))
        if body["code"] in self.dims:
            raise BcPermanentError(400, "Application_DialogException", ALREADY)
        self.dims[body["code"]] = {"id": f"dim-{body['code']}", **body, "@odata.etag": self._next()}
        self._touch()
        return dict(self.dims[body["code"]])

    def update(self, path, id, changes, *, etag):
        self.calls.append(("PATCH", f"{path}({id})", changes, etag))
        if path == "salesOrders":
            if etag != self.order["@odata.etag"]:
                raise BcConflictError(409, "Request_EntityChanged", "Another user has already changed the record.")
            if self.fail_discount:
                raise BcPermanentError(400, "Application_DialogException", "The discount base is zero.")
            self.order.update(changes, totalAmountIncludingTax=100)
            self._touch()
            return dict(self.order)
        row = next(r for r in self.dims.values() if r["id"] == id)
        assert etag == row["@odata.etag"]
        row.update(changes, **{"@odata.etag": self._next()})
        self._touch()
        return dict(row)

    def update_with_retry(self, entity_set, id, change_fn):
        from core.bc.client import CompanyApi

        return CompanyApi.update_with_retry(self, entity_set, id, change_fn)

    def delete(self, entity_set, id, *, etag):
        self.calls.append(("DELETE", f"{entity_set}({id})", etag))
        self.deleted = True


def test_customer_default_dimension_is_patched_and_a_missing_one_posted():
    co = FakeCompany(defaults=[("AREA", "EU"), ("CHANNEL", "POS")])
    created = dict(co.order)
    result = sd.complete_sales_order(co, created, D(0), [{"code": "CHANNEL", "valueCode": "WEB"},
                                                         {"code": "DEPT", "valueCode": "SALES"}])
    writes = [c for c in co.calls if c[0] != "GET"]
    assert writes == [
        ("PATCH", "salesOrders(so-1)/dimensionSetLines(dim-CHANNEL)", {"valueCode": "WEB"}, 'W/"3"'),
        ("POST", "salesOrders(so-1)/dimensionSetLines", {"code": "DEPT", "valueCode": "SALES"}),
    ]
    assert {c: r["valueCode"] for c, r in co.dims.items()} == {"AREA": "EU", "CHANNEL": "WEB", "DEPT": "SALES"}
    assert result["@odata.etag"] == co.order["@odata.etag"]  # the header as it is after the changes


def test_a_dimension_already_right_is_left_alone():
    co = FakeCompany(defaults=[("CHANNEL", "WEB")])
    sd.complete_sales_order(co, dict(co.order), D(0), [{"code": "channel", "valueCode": "web"}])
    assert [c for c in co.calls if c[0] != "GET"] == []


def test_discount_is_patched_after_creation_with_the_current_etag():
    co = FakeCompany(defaults=[("CHANNEL", "POS")])
    created = dict(co.order)  # its ETag goes stale when the dimension changes the header
    result = sd.complete_sales_order(co, created, D("20.00"), [{"code": "CHANNEL", "valueCode": "WEB"}])
    patch = [c for c in co.calls if c[0] == "PATCH" and c[1] == "salesOrders(so-1)"]
    assert patch == [("PATCH", "salesOrders(so-1)", {"discountAmount": D("20.00")}, patch[0][3])]
    assert patch[0][3] != created["@odata.etag"]
    assert result["discountAmount"] == D("20.00") and result["totalAmountIncludingTax"] == 100


def test_no_discount_and_no_dimensions_means_no_request():
    co = FakeCompany()
    created = dict(co.order)
    assert sd.complete_sales_order(co, created, D(0), []) is created
    assert co.calls == []


def test_an_order_that_cannot_be_completed_is_deleted_and_the_error_raised():
    co = FakeCompany(fail_discount=True)
    with pytest.raises(BcPermanentError):
        sd.complete_sales_order(co, dict(co.order), D("20.00"), [])
    assert co.deleted


def test_update_path_removes_a_discount_no_longer_given_and_never_deletes():
    co = FakeCompany()
    co.order["discountAmount"] = D("5.00")
    result = sd.apply_header(co, "salesOrders", dict(co.order), D(0), [])
    assert result["discountAmount"] == 0
    co.fail_discount = True
    co.order["discountAmount"] = D("5.00")
    with pytest.raises(BcPermanentError):
        sd.apply_header(co, "salesOrders", dict(co.order), D(0), [])
    assert not co.deleted


class FakeBatchCompany(FakeCompany):
    def __init__(self, refuse_line: int | None = None):
        super().__init__()
        self.refuse_line = refuse_line
        self.batches: list[tuple[list, bool]] = []

    def batch(self, ops, isolation_snapshot=False):
        from core.bc import BatchResult

        self.batches.append((ops, isolation_snapshot))
        refused = self.refuse_line is not None
        results = []
        for n, _op in enumerate(ops):
            if refused and n == self.refuse_line:
                results.append(BatchResult(str(n), 400, {}, None, BcPermanentError(
                    400, "Application_DialogException", "The VAT Posting Setup does not exist.")))
            elif refused:  # the rest of an isolated batch is not committed either
                results.append(BatchResult(str(n), 424, {}, None, BcPermanentError(
                    424, "BadRequest_FailedDependency", "Failed dependency.")))
            else:
                results.append(BatchResult(str(n), 201, {}, {"id": f"line-{n}"}))
        return results


def test_credit_memo_lines_go_in_one_isolated_batch_and_the_memo_is_reread_for_its_totals():
    co = FakeBatchCompany()
    memo = sd.add_lines(co, "salesCreditMemos", {"id": "cm-1"}, "salesCreditMemoLines",
                        [{"lineType": "Item", "lineObjectNumber": "1000"}, {"lineType": "Account"}])
    [(ops, isolated)] = co.batches
    assert isolated and [(op.method, op.url) for op in ops] == [
        ("POST", "salesCreditMemos(cm-1)/salesCreditMemoLines")] * 2
    assert memo["totalAmountIncludingTax"] == 125 and not co.deleted


def test_a_refused_line_deletes_the_new_memo_and_raises_that_lines_error_not_the_424():
    co = FakeBatchCompany(refuse_line=1)
    with pytest.raises(BcPermanentError) as exc:
        sd.add_lines(co, "salesCreditMemos", {"id": "cm-1"}, "salesCreditMemoLines", [{}, {}, {}])
    assert "VAT Posting Setup" in exc.value.message and co.deleted


def test_more_lines_than_one_isolated_batch_holds_needs_attention_and_leaves_nothing():
    from core.errors import NeedsAttention

    co = FakeBatchCompany()
    with pytest.raises(NeedsAttention) as exc:
        sd.add_lines(co, "salesCreditMemos", {"id": "cm-1"}, "salesCreditMemoLines", [{}] * 101)
    assert exc.value.code == "too_many_lines" and exc.value.resolution and co.deleted and co.batches == []
