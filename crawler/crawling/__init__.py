"""Crawling core shared by every spider: arguments, identity and sessions, coverage, request economy."""
