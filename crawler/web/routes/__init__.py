"""Routers, one per area of the review app."""
