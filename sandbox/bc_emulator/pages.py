"""Published ODataV4 pages for what standard API v2.0 lacks (see the package docstring).

- `ItemCard` — page 30 "Item Card" published as a web service. Key `No`. FlowFilters `Location_Filter` and
  `Variant_Filter` (in `$filter`, `eq` only) restrict the `Inventory` FlowField, as BC does for UI pages.
- `ItemStockByLocation` — a query object (Item Ledger Entry grouped by item, variant, location) published
  as a web service: one row per item/variant/location with `Inventory`. Read-only, no key.
- `PostedSalesShipments` — page 142 "Posted Sales Shipments" published: `No`, `Order_No`,
  `External_Document_No`, `Sell_to_Customer_No`, `Sell_to_Customer_Name`, `Posting_Date`, `Shipment_Date`,
  `Shipping_Agent_Code`, `Shipping_Agent_Service_Code`, `Package_Tracking_No`, `Location_Code`.
- `SalesPriceListLines` — page 7001 "Price List Lines" (table Price List Line) published: `Price_List_Code`,
  `Asset_Type`, `Asset_No`, `Variant_Code`, `Unit_Price`, `Currency_Code`, `Starting_Date`, `Ending_Date`,
  `Minimum_Quantity`, `Source_Type`, `Status`, `Price_Includes_VAT`. Blank dates read `0001-01-01`, as BC
  serialises an empty Date. Lines are added with `emu.add_price_list_line(...)` (the seed has none).
"""

from __future__ import annotations

from decimal import Decimal

from .store import Company

PAGE_FIELDS = {
    "ItemCard": ["No", "Description", "Type", "Base_Unit_of_Measure", "Unit_Price", "Inventory", "Blocked",
                 "Location_Filter", "Variant_Filter", "SystemId"],
    "ItemStockByLocation": ["Item_No", "Variant_Code", "Location_Code", "Inventory"],
    "PostedSalesShipments": ["No", "Order_No", "External_Document_No", "Sell_to_Customer_No",
                             "Sell_to_Customer_Name", "Posting_Date", "Shipment_Date", "Shipping_Agent_Code",
                             "Shipping_Agent_Service_Code", "Package_Tracking_No", "Location_Code"],
}
PAGE_FIELDS["SalesPriceListLines"] = [
    "Price_List_Code", "Line_No", "Asset_Type", "Asset_No", "Variant_Code", "Unit_Price", "Currency_Code",
    "Starting_Date", "Ending_Date", "Minimum_Quantity", "Source_Type", "Status", "Price_Includes_VAT"]
PRICE_LIST_TABLE = "_priceListLines"
PAGE_KEYS = {"ItemCard": "No", "PostedSalesShipments": "No"}


def _qty(value) -> float | int:
    f = float(value)
    return int(f) if f.is_integer() else f


def item_card_rows(company: Company, flow: dict[str, str]) -> list[dict]:
    location = flow.get("Location_Filter")
    variant = flow.get("Variant_Filter")
    rows = []
    for item in company.table("items").values():
        total = Decimal(0)
        for key, qty in item.get("_stock", {}).items():
            loc, var = key.split("|", 1)
            if (location is None or loc == location) and (variant is None or var == variant):
                total += Decimal(str(qty))
        rows.append({
            "_key": item["number"], "_v": item["_v"], "No": item["number"], "Description": item["displayName"],
            "Type": item["type"], "Base_Unit_of_Measure": item["baseUnitOfMeasureCode"],
            "Unit_Price": item["unitPrice"], "Inventory": _qty(total), "Blocked": item["blocked"],
            "Location_Filter": location or "", "Variant_Filter": variant or "", "SystemId": item["id"],
        })
    return rows


def item_stock_rows(company: Company) -> list[dict]:
    rows = []
    for item in company.table("items").values():
        for key, qty in sorted(item.get("_stock", {}).items()):
            loc, var = key.split("|", 1)
            rows.append({"_key": f"{item['number']}|{key}", "_v": item["_v"], "Item_No": item["number"],
                         "Variant_Code": var, "Location_Code": loc, "Inventory": _qty(qty)})
    return rows


def posted_shipment_rows(company: Company) -> list[dict]:
    rows = []
    for s in company.table("salesShipments").values():
        lines = [r for r in company.table("salesShipmentLines").values() if r["documentId"] == s["id"]]
        locations = sorted({r.get("_locationCode", "") for r in lines if r.get("_locationCode")})
        rows.append({
            "_key": s["number"], "_v": s["_v"], "No": s["number"], "Order_No": s["orderNumber"],
            "External_Document_No": s["externalDocumentNumber"], "Sell_to_Customer_No": s["customerNumber"],
            "Sell_to_Customer_Name": s["customerName"], "Posting_Date": s["postingDate"],
            "Shipment_Date": s.get("_shipmentDate", s["postingDate"]),
            "Shipping_Agent_Code": s.get("_shippingAgentCode", ""),
            "Shipping_Agent_Service_Code": s.get("_shippingAgentServiceCode", ""),
            "Package_Tracking_No": s.get("_packageTrackingNo", ""),
            "Location_Code": locations[0] if len(locations) == 1 else "",
        })
    return rows


def price_list_rows(company: Company) -> list[dict]:
    rows = company.table(PRICE_LIST_TABLE).values()
    return sorted((dict(r) for r in rows), key=lambda r: (r["Price_List_Code"], r["Line_No"]))


def page_rows(name: str, company: Company, flow: dict[str, str]) -> list[dict]:
    if name == "SalesPriceListLines":
        return price_list_rows(company)
    if name == "ItemCard":
        return item_card_rows(company, flow)
    if name == "ItemStockByLocation":
        return item_stock_rows(company)
    return posted_shipment_rows(company)
