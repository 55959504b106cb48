"""Business Central online emulator: the standard API v2.0 over real HTTP, with BC's limits and errors.

    python -m sandbox.bc_emulator --port 8090 [--seed demo|empty] [--latency-ms 0]

    from sandbox.bc_emulator import BcEmulator, DEMO_COMPANY_SE_ID
    emu = BcEmulator(seed="demo")            # seed=None: the two companies with setup tables only
    emu.start(port=0)                         # background thread; emu.base_url = "http://127.0.0.1:<port>"
    emu.api_root(tenant="t", environment="production")   # f"{base_url}/v2.0/t/production/api/v2.0"
    emu.stop()

Routes: `/v2.0/{tenant}/{env}/api/v2.0/...` (tenant optional; `/api/v2.0/...` also works),
`.../api/v2.0/$batch`, `.../api/v2.0/subscriptions`, and published pages under
`/v2.0/{tenant}/{env}/ODataV4/Company('{name}')/{page}` or `/ODataV4/Company('{name}')/{page}`:
  - `ItemCard` (page 30 published): key `No`; FlowFilters `Location_Filter` / `Variant_Filter` in `$filter`
    (eq) restrict `Inventory` → per-location / per-variant stock.
  - `ItemStockByLocation` (a query published as a web service): rows `Item_No`, `Variant_Code`,
    `Location_Code`, `Inventory` — one call for all stock.
  - `PostedSalesShipments` (page 142 published): `No`, `Order_No`, `External_Document_No`,
    `Package_Tracking_No`, `Shipping_Agent_Code`, `Shipping_Agent_Service_Code`, `Location_Code`, ...
    Set tracking with `emu.set_shipment_tracking(company, shipment_no, tracking, agent)`.
Pages of a tenant's own (custom API pages under `/api/{publisher}/{group}/{version}/companies({id})/…`, keyed
on SystemId, and published pages keyed on their key fields) are served once a test declares them:
`emu.declare_page(CustomPage(...))`, values typed in with `emu.set_extension_fields(...)` (custom_pages.py).
Control (no auth, not BC): `/_emulator/faults` (POST add, GET list, DELETE clear), `/_emulator/faults-seed`,
`/_emulator/configure` (POST/GET), `/_emulator/reset`, `/_emulator/requests` (GET; DELETE resets log and
counters), `/_emulator/counters`, `/_emulator/companies`.

Auth: `Authorization: Bearer <token>` required (else 401 Authentication_InvalidCredentials). The principal
that limits apply to is the JWT's `appid` (or `azp`) claim — signature not checked — else the whole token.

Limits per principal (settable in the constructor or `emu.configure(...)`): `rate_limit`/`rate_window_s`
(6,000 per 300 s sliding; 429 Application_TooManyRequests), `concurrency` (5 processed at once) with a queue
of `queue_limit` (95; beyond → 429), `latency_ms` added to every request while it holds its slot,
`page_size` (20,000: `Prefer: odata.maxpagesize` is clamped to it; `$top` above it → 413), `batch_limit`
(100 operations; more → 400). A `$batch` costs one rate unit per operation, holds one slot and gets the
latency once. Queue timeouts (8 min → 503) and operation timeouts are not emulated.

Schema: derived from Microsoft's APIV2 pages (../shared/reference/bc-apiv2) by derive_schema.py into
al_pages.json — fields, read-only flags, page permissions, parts, bound actions; the behaviours modelled on top
and their sources are listed in docs/bc-emulator.md.

Emulator choices where BC is undocumented (documented here so clients and tests agree):
  - unknown property in a body / $select / $filter → 400 `BadRequest_PropertyNotFound` "Could not find a
    property named 'x' on type 'Microsoft.NAV.salesOrder'."; read-only property → 400
    `BadRequest_InvalidOperation` "Control 'number' is read-only."; AL Error() texts → 400
    `Application_DialogException`; a part or bound action on the page that the emulator does not model →
    501 `Emulator_NotModelled`.
  - enums are answered encoded (`G_x002F_L_x0020_Account`); bodies take either form, `$filter` the encoded one.
  - GET of a missing id → 404 `BadRequest_NotFound`; stale If-Match → 409 `Request_EntityChanged`;
    no If-Match on PATCH/DELETE → 400 `BadRequest_InvalidToken`; bound actions check If-Match only if sent.
  - snapshot `$batch` failure: HTTP 200, the failing operation carries its error, every other operation
    424 `BadRequest_FailedDependency`; nothing is committed. Without `Isolation: snapshot` every operation
    is its own transaction.
  - Server paging uses `$skiptoken='o<offset>'` (+ `aid=FIN`) in an absolute `@odata.nextLink`.
  - Totals: per line rounded, then summed (rule in logic.py). Negative inventory is allowed (CRONUS default).
  - Faults apply per HTTP request (a `$batch` is one request) — see faults.py.
  - `salesInvoices.post` does not create a shipment; `shipAndInvoice` creates both (shipment + invoice with
    orderId/orderNumber/externalDocumentNumber) and removes the order.
  - Lines: lineType defaults to Item when only lineObjectNumber is given; Resource/Fixed Asset/Allocation
    Account lines are refused. Charge lines need an item charge number (seed: S-FREIGHT).

Tests and tools: `emu.faults`, `emu.requests`, `emu.counters`, `emu.reset()`, `emu.reset_log()`,
`emu.records(company, set, **equal)`, `emu.stock(company, item_no)`, `emu.bulk_insert(...)`,
`emu.company_id("CRONUS SE")`, `emu.store` (raw state; hold `emu.store.lock`).
"""

from .errors import BcError
from .seed import DEMO_COMPANY_DE_ID, DEMO_COMPANY_SE_ID, demo_id
from .server import BcEmulator

__all__ = ["DEMO_COMPANY_DE_ID", "DEMO_COMPANY_SE_ID", "BcEmulator", "BcError", "demo_id"]
