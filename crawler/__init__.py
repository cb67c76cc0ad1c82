"""Online product-safety surveillance: crawling, matching, review, evidence and test purchases."""

__version__ = "0.1.0"
