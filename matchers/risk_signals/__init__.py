"""Risk signals that need no reference match: licence and certificate claims, company names, prices.

Pure functions over plain values; every finding carries reason strings an analyst can read.
"""

from matchers.risk_signals.companies import company_core, same_company
from matchers.risk_signals.findings import Finding
from matchers.risk_signals.licences import CertificateClaim, extract_claims, normalise_number
from matchers.risk_signals.prices import PriceStats, price_anomaly, robust_stats

__all__ = [
    "CertificateClaim",
    "Finding",
    "PriceStats",
    "company_core",
    "extract_claims",
    "normalise_number",
    "price_anomaly",
    "robust_stats",
    "same_company",
]
