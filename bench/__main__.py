"""`make bench`: every benchmark with its goal, one after the other (about 11 minutes on 2 cores).

    python -m bench.bc_throughput    BC client: sustained requests/s as a fraction of BC's limits (goal ≥ 0.9)
    python -m bench.orders_import    orders: BC requests per order (≤ 2), throughput vs limits (≥ 0.9), webhook ack
    python -m bench.stock_push       stock: 50k SKUs × 3 locations — write calls, cost-limit ratio (≥ 0.8), memory
    python -m bench.stock_cold_start stock cold start: 50k SKUs × 3 locations, empty target cache (≤ 5 min, ≤ 300 MB)
    python -m bench.bc_scaleout      3 processes share one BC principal via Azurite: 0 429s, ≤ 5 at once, ≥ 0.85
    python -m bench.products_bulk    products: 50k × 3 variants, every price changed: bulk vs per product (≥ 10×)
"""

import sys

from bench import bc_scaleout, bc_throughput, orders_import, products_bulk, stock_cold_start, stock_push

failed = 0
for name, module in (("BC client throughput", bc_throughput), ("orders import", orders_import),
                     ("stock push", stock_push), ("stock cold start", stock_cold_start),
                     ("BC scale-out (shared budget)", bc_scaleout), ("products bulk prices", products_bulk)):
    print(f"\n=== {name} ===", flush=True)
    failed += module.main([]) != 0
sys.exit(1 if failed else 0)
