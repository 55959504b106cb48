"""Geins (Management API, "Sonora"): id-only webhooks with a static secret header, orders fetched by API."""

from core.platforms.geins import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "companies": "not offered: the Management API has no B2B company: a user profile only carries UserTypeId 2 "
                 "(Company) and a free-text Company name, and customer groups are discount groups, so nothing in "
                 "Geins holds a BC Company customer's buyers, addresses or payment terms (sonora-agent-plugins "
                 "references/user.md, customergroup.md); company users are imported by the customers flow",
}
