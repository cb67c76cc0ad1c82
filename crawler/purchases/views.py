"""Plans and purchases as plain data, for the command line's JSON and the review app's pages."""

from __future__ import annotations

from typing import Any

from crawler.purchases.plans import plan_cost
from crawler.storage.models import PurchasePlan, PurchaseStatus


def plan_summary(plan: PurchasePlan) -> dict[str, Any]:
    """A plan as plain data (JSON-ready): its purchases with why each was chosen, what was left out,
    and the quota table."""
    return {
        "id": plan.id,
        "period": plan.period,
        "budget": str(plan.budget),
        "seed": plan.seed,
        "status": plan.status,
        "approved_by": plan.approved_by or None,
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
        "cost": str(plan_cost(plan)),
        "purchases": [
            {
                "id": p.id,
                "listing_id": p.listing_id,
                "title": p.listing.title,
                "flag_id": p.flag_id,
                "cost": str(p.expected_price) if p.expected_price is not None else None,
                "cost_basis": p.cost_basis,
                "status": PurchaseStatus(p.status).value,
                "sample_code": p.sample.sample_code if p.sample else None,
                "due_on": p.due_on.isoformat() if p.due_on else None,
                "buyer": p.buyer or None,
                "reason": p.reason,
                "lab_id": p.lab_id,
                "order_no": p.order_no or None,
                "result": p.sample.result if p.sample else None,
            }
            for p in plan.purchases
        ],
        "skipped": (plan.summary or {}).get("skipped", []),
        "quotas": (plan.summary or {}).get("quotas", []),
    }
