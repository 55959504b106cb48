"""The Azure Functions app: creates the FunctionApp and registers one Blueprint per flow. Nothing else."""

import azure.functions as func

from functions import (
    customers,
    norce_order_receiver,
    operations,
    orders,
    payouts,
    products,
    refunds,
    shipments,
    stock,
    webhooks,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (webhooks.bp, norce_order_receiver.bp, orders.bp, refunds.bp, customers.bp, payouts.bp, stock.bp,
                  products.bp, shipments.bp, operations.bp):
    app.register_functions(blueprint)
