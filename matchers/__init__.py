"""Matching listings against reference lists. No Scrapy imports here."""
