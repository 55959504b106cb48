"""Names of the storage resources the app uses. infra/ creates exactly these (a test cross-checks)."""

# Queues: one per flow's import/export work. The host moves a message to "<queue>-poison"
# after maxDequeueCount failed tries.
ORDERS_IMPORT = "orders-import"
REFUNDS_IMPORT = "refunds-import"
PAYOUTS_IMPORT = "payouts-import"
STOCK_EXPORT = "stock-export"
CUSTOMERS_IMPORT = "customers-import"
# (shipments have no queue: the export timer pushes each shipment itself, claim by claim)

QUEUES = (ORDERS_IMPORT, REFUNDS_IMPORT, PAYOUTS_IMPORT, STOCK_EXPORT, CUSTOMERS_IMPORT)
POISON_SUFFIX = "-poison"


def poison_queue(queue: str) -> str:
    return f"{queue}{POISON_SUFFIX}"


# Tables
BINDINGS = "Bindings"
SYNC_LOG = "SyncLog"
CURSORS = "Cursors"
DELIVERIES = "Deliveries"  # webhook delivery identities already accepted (duplicate drop)
BC_BUDGET = "BcBudget"  # BC's per-principal limits shared by all instances (core/bc/shared_budget.py)
HISTORY = "History"  # outcome counters per flow, shop, day and hour for the status page's chart

TABLES = (BINDINGS, SYNC_LOG, CURSORS, DELIVERIES, BC_BUDGET, HISTORY)

# Blob containers
INBOX = "inbox"  # raw payloads, stored before a webhook is acknowledged
SNAPSHOTS = "snapshots"  # what each shop was last told (stock), one blob per shop

CONTAINERS = (INBOX, SNAPSHOTS)

# The app setting that holds the storage connection (a connection string locally,
# identity-based AzureWebJobsStorage__* settings in Azure).
STORAGE_SETTING = "AzureWebJobsStorage"
# The app setting that points at the integration config file.
CONFIG_SETTING = "BRIDGE_CONFIG"
