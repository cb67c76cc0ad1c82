"""Takedown requests for confirmed flags: the platform's request list (XLSX, CSV), a letter in Chinese
citing the evidence packages, and each request's status until the listing is gone."""

from crawler.takedown.export import ExportResult, export_requests, read_request_list
from crawler.takedown.status import STATUSES, StatusError, record_recheck, set_status

__all__ = [
    "STATUSES",
    "ExportResult",
    "StatusError",
    "export_requests",
    "read_request_list",
    "record_recheck",
    "set_status",
]
