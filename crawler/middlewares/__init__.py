"""Downloader middlewares: allow-listed hosts, mobile identity, sandbox routing, blocks, retries, robots.

Order of ``process_request`` (low first) in ``crawler/settings.py``: allow-list 50, robots 100,
identity 390, request counting 560, sandbox routing 745; responses come back the other way: block
redirects 620 (before redirects are followed), block pages 580 (after decompression, before retries),
retry with back-off 550.
"""
