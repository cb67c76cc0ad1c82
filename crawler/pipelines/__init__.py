"""Item pipelines: validate → store in batches (with coverage) → images by content hash.

Later stages (matching, evidence) take ``ListingItem`` objects and pass anything else through.
"""
