"""The filters of "Find a record" in headless Chromium: list by shop, state and UTC days, then search within them."""

from __future__ import annotations

from tests.operations.test_filters import dated  # noqa: F401 - fixture
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture


def _found(page) -> list[str]:
    return sorted(page.locator("#found tbody tr").evaluate_all("rows => rows.map(r => r.dataset.externalId)"))


def test_records_are_listed_and_searched_by_shop_state_and_days(ctx, dated, ops_server, browser,  # noqa: F811
                                                                 tmp_path):
    shop = dated
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}")
        page.locator(f"#filter-shop option[value='{shop}']").wait_for(state="attached")
        page.select_option("#filter-shop", value=shop)
        page.fill("#filter-from", "2026-11-05")
        page.fill("#filter-to", "2026-11-05")
        page.click("#search-go")  # no text: a list of the records matching the filters
        page.locator("#search-note", has_text="2 found").wait_for()
        assert _found(page) == ["B-1002", "C-1003"]

        page.select_option("#filter-flow", value="orders")
        page.fill("#filter-to", "")
        page.click("#search-go")
        page.locator("#search-note", has_text="2 found").wait_for()
        assert _found(page) == ["B-1002", "D-1004"]

        page.select_option("#filter-status", value="attention")
        page.fill("#search-text", "filter.me@example.com")
        page.click("#search-go")
        page.locator("#search-note", has_text="1 found").wait_for()
        assert _found(page) == ["B-1002"]
        page.screenshot(path=str(tmp_path / "filters.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'filters.png'}")

        page.fill("#filter-from", "2026-11-07")
        page.click("#search-go")
        page.locator("#search-note", has_text="Nothing found among the records matching the filters.").wait_for()
        assert errors == []
    finally:
        page.close()
    searched = [path for method, path, status in ops_server.requests if path.startswith("/api/ops/search?")]
    assert any("from=2026-11-05" in path and "status=attention" in path and f"shop={shop}" in path
               for path in searched)
